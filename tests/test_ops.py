"""Every op's derivative, checked against finite differences and hand-derived values."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import Value, grad, numerical_grad
from autograd_mini.ops import OPS
from tests.strategies import CALLS, DOMAINS, call, dag_function, dag_leaves, dag_steps, reals


def close(a: float, b: float, *, rtol: float = 1e-6, atol: float = 1e-6) -> bool:
    return abs(a - b) <= atol + rtol * abs(b)


def backprop(name: str, inputs: list[float], const: Any) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in inputs]
    out = call(name, leaves, const)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def test_every_op_has_a_domain_and_a_call() -> None:
    """Adding an op to the table without a test domain or public spelling fails here."""
    assert set(DOMAINS) == set(OPS)
    assert set(CALLS) == set(OPS)


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_backprop_matches_central_differences(name: str, data: st.DataObject) -> None:
    """Backprop through each op equals central finite differences over its domain."""
    inputs, const = data.draw(DOMAINS[name])
    _, analytic = backprop(name, inputs, const)
    numeric = numerical_grad(lambda *xs: call(name, list(xs), const), inputs)
    for a, n in zip(analytic, numeric):
        assert close(a, n), (name, inputs, const, analytic, numeric)


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_public_call_records_the_table_op(name: str, data: st.DataObject) -> None:
    """The public spelling of each op makes one node of that op with the table's forward."""
    inputs, const = data.draw(DOMAINS[name])
    leaves = [Value(x) for x in inputs]
    out = call(name, leaves, const)
    assert out.op == name
    assert out.const == const
    expected = OPS[name].forward(*inputs) if const is None else OPS[name].forward(*inputs, const)
    assert out.data == expected
    assert [id(p) for p in out.parents] == [id(leaf) for leaf in leaves]


@pytest.mark.parametrize("name", sorted(n for n in OPS if OPS[n].arity == 1))
@given(data=st.data())
def test_second_derivative_matches_differences_of_the_gradient(
    name: str, data: st.DataObject
) -> None:
    """d2f/dx2 from double backprop equals central differences of the exact gradient."""
    inputs, const = data.draw(DOMAINS[name])
    x = inputs[0]
    if name in ("relu", "leaky_relu", "abs"):
        x = math.copysign(max(abs(x), 0.1), x)  # stay clear of the kink for the probe

    def f(v: Any) -> Value:
        return call(name, [v], const)

    second = grad(grad(f))(x)
    numeric = numerical_grad(lambda v: grad(f)(v), [x])[0]
    assert close(second, numeric, rtol=1e-5, atol=1e-5), (name, x, const, second, numeric)


@pytest.mark.parametrize("name", sorted(n for n in OPS if OPS[n].arity == 2))
@given(data=st.data())
def test_hessian_of_binary_ops_matches_differences(name: str, data: st.DataObject) -> None:
    """The Hessian of each binary op equals central differences of its exact gradient."""
    inputs, const = data.draw(DOMAINS[name])
    rows = am.hessian(lambda x, y: call(name, [x, y], const))(*inputs)
    for i in range(2):
        numeric = numerical_grad(
            am.grad(lambda a, b: call(name, [a, b], const), argnums=i), inputs
        )
        for j in range(2):
            assert close(rows[i][j], numeric[j], rtol=1e-5, atol=1e-5), (name, inputs, rows)


@given(steps=dag_steps, leaves=dag_leaves)
def test_random_expression_dags_match_central_differences(
    steps: list[tuple[int, int, int]], leaves: list[float]
) -> None:
    """Backprop through random DAGs of every op, with reused nodes, equals finite differences."""
    f = dag_function(steps)
    xs = [Value(x) for x in leaves]
    out = f(*xs)
    out.backward()
    numeric = numerical_grad(f, leaves)
    for x, n in zip(xs, numeric):
        assert close(x.grad, n, rtol=1e-5, atol=1e-5), (steps, leaves, [v.grad for v in xs])


@given(steps=dag_steps, leaves=dag_leaves)
def test_random_dag_second_derivatives_match_differences(
    steps: list[tuple[int, int, int]], leaves: list[float]
) -> None:
    """Double backprop through random DAGs equals differences of the exact gradient."""
    f = dag_function(steps)
    f(*[Value(x) for x in leaves])  # fix the graph's shape at this point
    h = am.hessian(f)(*leaves)
    for i in range(len(leaves)):
        numeric = numerical_grad(am.grad(f, argnums=i), leaves)
        for j in range(len(leaves)):
            assert close(h[i][j], numeric[j], rtol=1e-4, atol=1e-4), (steps, leaves, h)


# --- hand-derived values at edge points -------------------------------------------------
@pytest.mark.parametrize(
    ("expr", "x", "value", "derivative"),
    [
        (lambda x: x.relu(), 0.0, 0.0, 0.0),
        (lambda x: x.relu(), -0.0, 0.0, 0.0),
        (lambda x: abs(x), 0.0, 0.0, 0.0),
        (lambda x: x.leaky_relu(), 0.0, 0.0, 0.01),
        (lambda x: x.leaky_relu(0.2), -2.0, -0.4, 0.2),
        (lambda x: x.sigmoid(), 0.0, 0.5, 0.25),
        (lambda x: x.sigmoid(), 1000.0, 1.0, 0.0),
        (lambda x: x.sigmoid(), -1000.0, 0.0, 0.0),
        (lambda x: x.softplus(), 1000.0, 1000.0, 1.0),
        (lambda x: x.softplus(), -1000.0, 0.0, 0.0),
        (lambda x: x.softplus(), 0.0, math.log(2.0), 0.5),
        (lambda x: x.tanh(), 0.0, 0.0, 1.0),
        (lambda x: x.tanh(), 1000.0, 1.0, 0.0),
        (lambda x: x.sqrt(), 4.0, 2.0, 0.25),
        (lambda x: x.log(), 1.0, 0.0, 1.0),
        (lambda x: x.exp(), 0.0, 1.0, 1.0),
        (lambda x: x**2, 0.0, 0.0, 0.0),
        (lambda x: x**3, -2.0, -8.0, 12.0),
        (lambda x: x**0, 5.0, 1.0, 0.0),
        (lambda x: x**0.5, 9.0, 3.0, 1 / 6),
        (lambda x: x**-1, 2.0, 0.5, -0.25),
        (lambda x: 2**x, 3.0, 8.0, 8.0 * math.log(2.0)),
        (lambda x: 0**x, 2.0, 0.0, 0.0),
        (lambda x: x**x, 1.0, 1.0, 1.0),
        (lambda x: 1 / x, -4.0, -0.25, -0.0625),
        (lambda x: 3 - x, 1.0, 2.0, -1.0),
        (lambda x: x.sin(), 0.0, 0.0, 1.0),
        (lambda x: x.cos(), 0.0, 1.0, -0.0),
    ],
)
def test_values_and_derivatives_at_edge_points(
    expr: Any, x: float, value: float, derivative: float
) -> None:
    """Each op gives the hand-derived value and derivative at kinks and extremes."""
    v = Value(x)
    out = expr(v)
    out.backward()
    assert out.data == pytest.approx(value, abs=1e-15, rel=1e-15)
    assert v.grad == pytest.approx(derivative, abs=1e-15, rel=1e-15)
    assert math.isfinite(out.data) and math.isfinite(v.grad)


def test_second_derivatives_at_edge_points() -> None:
    """Hand-derived second derivatives: tanh''(0)=0, sigmoid''(0)=0, (x**3)''=6x, exp''=exp."""
    assert grad(grad(lambda x: x.tanh()))(0.0) == 0.0
    assert grad(grad(lambda x: x.sigmoid()))(0.0) == 0.0
    assert grad(grad(lambda x: x**3))(-2.0) == -12.0
    assert grad(grad(lambda x: x.exp()))(1.0) == pytest.approx(math.e, rel=1e-15)
    assert grad(grad(lambda x: x.log()))(2.0) == -0.25
    assert grad(grad(lambda x: x.relu()))(3.0) == 0.0
    assert grad(grad(lambda x, y: x * y, argnums=0), argnums=1)(2.0, 5.0) == 1.0


def test_dot_gradients_by_hand() -> None:
    """dot's n-ary backward gives d/dw_i = x_i, d/dx_i = w_i and d/db = 1 in one node."""
    ws = [Value(1.0), Value(-2.0), Value(3.0)]
    xs = [Value(4.0), Value(5.0), Value(6.0)]
    b = Value(0.5)
    out = am.dot(ws, xs, b)
    assert out.data == 4.0 - 10.0 + 18.0 + 0.5
    out.backward()
    assert [w.grad for w in ws] == [4.0, 5.0, 6.0]
    assert [x.grad for x in xs] == [1.0, -2.0, 3.0]
    assert b.grad == 1.0
    assert len(out.parents) == 7


def test_dot_and_sum_add_from_left_to_right() -> None:
    """dot and sum are plain left-to-right float sums (no fsum): the 1.0 is absorbed."""
    assert am.sum([1e16, 1.0, -1e16]).data == 0.0
    assert am.sum([1.0, 1e16, -1e16]).data == 0.0
    assert am.sum([1e16, -1e16, 1.0]).data == 1.0
    assert am.dot([1e16, 1.0, -1e16], [1.0, 1.0, 1.0]).data == 0.0
    assert am.dot([1.0], [1e16], -1e16).data == 0.0  # (w1*x1) + b: the bias comes last
    assert am.dot([-1e16], [1.0], 1e16).data == 0.0


@given(
    terms=st.lists(st.floats(-1e6, 1e6), min_size=0, max_size=12),
    bias=st.none() | reals(-1e6, 1e6),
)
def test_dot_and_sum_equal_a_python_loop_to_the_bit(terms: list[float], bias: float | None) -> None:
    """dot(ws, xs, b) and sum(xs) equal the documented loop exactly, -0.0 included."""
    ws, xs = terms[: len(terms) // 2], terms[len(terms) // 2 : 2 * (len(terms) // 2)]
    expected: float | None = None
    for w, x in zip(ws, xs):
        expected = w * x if expected is None else expected + w * x
    if bias is not None:
        expected = bias if expected is None else expected + bias
    got = am.dot(ws, xs, bias).data
    assert math.copysign(1.0, got) == math.copysign(1.0, expected if expected is not None else 0.0)
    assert got == (0.0 if expected is None else expected)
    if terms:
        running = terms[0]
        for t in terms[1:]:
            running += t
        s = am.sum(terms).data
        assert s == running and math.copysign(1.0, s) == math.copysign(1.0, running)


def test_one_term_is_that_term_itself() -> None:
    """A one-term sum or dot keeps -0.0 (no 0.0 + in front); an empty dot with a bias is it."""
    assert math.copysign(1.0, am.sum([-0.0]).data) == -1.0
    assert math.copysign(1.0, am.dot([-0.0], [1.0]).data) == -1.0
    assert math.copysign(1.0, am.dot([], [], -0.0).data) == -1.0


def test_empty_sum_and_dot() -> None:
    """An empty sum or dot is a 0.0 leaf; an empty dot with a bias is the bias."""
    assert am.sum([]).data == 0.0 and am.sum([]).op == ""
    assert am.dot([], []).data == 0.0 and am.dot([], []).op == ""
    b = Value(2.0)
    out = am.dot([], [], b)
    out.backward()
    assert out.data == 2.0 and b.grad == 1.0


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data(), g=st.floats(-4.0, 4.0).filter(lambda v: v != 0.0))
def test_fast_paths_match_the_table(name: str, data: st.DataObject, g: float) -> None:
    """The engine's backward for each op equals g times the table's partials, to the bit."""
    inputs, const = data.draw(DOMAINS[name])
    leaves = [Value(x) for x in inputs]
    node = call(name, leaves, const)
    (node * g).backward()  # the node receives exactly g
    op = OPS[name]
    datas = [leaf.data for leaf in leaves]
    ds = op.partials(node.data, *datas) if const is None else op.partials(node.data, *datas, const)
    expected: dict[int, float] = {}
    for leaf, d in zip(leaves, ds):
        expected[id(leaf)] = expected.get(id(leaf), 0.0) + g * d
    assert [leaf.grad for leaf in leaves] == [expected[id(leaf)] for leaf in leaves]
