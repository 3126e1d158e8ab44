"""Every op's derivative, checked against finite differences and hand-derived values."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import Value, grad, numerical_grad
from autograd_mini.ops import OPS, REFLECTED
from tests.requires import needs_torch
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


# --- pow at the edges, against PyTorch -------------------------------------------------------
def test_pow_at_a_zero_base_backpropagates_as_pytorch() -> None:
    """0**0 gives grads (0, 0), d2/dx2 of x**y at (0, 1) is 0, and a zero number base works."""
    x, y = Value(0.0), Value(0.0)
    (x**y).backward()
    assert (x.grad, y.grad) == (0.0, 0.0)
    assert grad(grad(lambda a, b: a**b))(0.0, 1.0) == 0.0
    e = Value(0.5)
    out = 0.0**e
    assert out.op == "rpow_const" and out.const == 0.0 and out.parents == (e,)
    out.backward()
    assert e.grad == 0.0
    e = Value(-0.6)
    out = 1e-200**e  # only d/dy = out * log(1e-200) is needed: finite
    out.backward()
    assert e.grad == pytest.approx(1e120 * math.log(1e-200), rel=1e-12)
    with pytest.raises(OverflowError, match=r"^backward: a derivative of pow overflows"):
        (Value(1e-200) ** Value(-0.6)).backward()  # d/dx = -0.6 * 1e-200**-1.6 = -inf
    # x**0 is 1 for every x: d/dx = 0 even where x**-1 overflows, as PyTorch
    dx, dy = grad(lambda a, b: a**b, argnums=(0, 1))(5e-324, 0.0)
    assert dx == 0.0 and dy == math.log(5e-324)


# (Subnormal bases are left out: there 1/x overflows inside exact chain-rule products,
# and PyTorch's own second derivatives lose all digits.)
_POW_BASES = [0.0, 1e-200, -1e-200, 1.0, 2.0, -1.0, -2.0, -3.0]
_POW_EXPONENTS = [0.0, 0.5, 1.0, 2.0, -1.0, -0.6, 3.0]
_TYPED = (ValueError, ZeroDivisionError, OverflowError)


def _named(error: BaseException, name: str) -> bool:
    """Whether a typed error's message names op ``name`` the way the engine promises."""
    text = str(error)
    bare = ("out of range", "math domain error", "int too large", "in fsum")
    if any(b in text for b in bare):
        return False
    return text.startswith(f"{name}:") or (text.startswith("backward:") and f" {name}" in text)


def _torch_pow(kind: str, x: float, y: float) -> tuple[float, list[float], list[list[float]]]:
    """PyTorch float64's value, gradient and second derivatives of one pow spelling."""
    import torch

    t = {"dtype": torch.float64, "requires_grad": True}
    if kind == "pow":
        ins = [torch.tensor(x, **t), torch.tensor(y, **t)]
        out = ins[0] ** ins[1]
    elif kind == "pow_const":
        ins = [torch.tensor(x, **t)]
        out = torch.pow(ins[0], y)
    else:
        ins = [torch.tensor(y, **t)]
        out = torch.pow(x, ins[0])
    firsts = torch.autograd.grad(out, ins, create_graph=True)
    seconds = []
    for g in firsts:
        row = torch.autograd.grad(g, ins, allow_unused=True, retain_graph=True) if (
            g.requires_grad) else [None] * len(ins)
        seconds.append([0.0 if r is None else r.item() for r in row])
    return out.item(), [g.item() for g in firsts], seconds


def _ours(kind: str, x: float, y: float) -> tuple[Callable[..., Any], list[float]]:
    if kind == "pow":
        return (lambda a, b: a**b), [x, y]
    if kind == "pow_const":
        return (lambda a: a**y), [x]
    return (lambda b: x**b), [y]


@needs_torch
@pytest.mark.parametrize("kind", ["pow", "pow_const", "rpow_const"])
def test_pow_edge_cases_match_pytorch(kind: str) -> None:
    """x**y over zero, tiny, unit and negative bases and edge exponents equals PyTorch float64.

    Forward, gradient and second derivatives agree where PyTorch's are finite; where
    PyTorch gives inf or nan the engine raises a typed error naming the op (the engine
    computes every input's derivative in one pass, so an infinite one raises even when
    only another was asked for). One deliberate difference: PyTorch zeroes d/dy (d/dx
    x**y) at y == 0 (it masks the whole d/dx there), while the engine gives the true
    value 1/x, equal to d/dx (d/dy x**y). Where PyTorch's second derivative at a zero
    base is nan, the engine's is its first-order convention's (d/dy = 0 there) and is
    not checked.
    """
    problems = []
    for x in _POW_BASES:
        for y in _POW_EXPONENTS:
            f, args = _ours(kind, x, y)
            value, firsts, seconds = _torch_pow(kind, x, y)
            case = (kind, x, y)
            try:
                ours = f(*[Value(a) for a in args]).data
            except _TYPED as e:
                if math.isfinite(value) or not _named(e, kind):
                    problems.append((case, "forward raised", repr(e), value))
                continue
            if not close(ours, value, rtol=1e-14, atol=0.0):
                problems.append((case, "forward", ours, value))
                continue
            nums = tuple(range(len(args)))
            try:
                got = am.grad(f, argnums=nums)(*args)
            except _TYPED as e:
                if all(map(math.isfinite, firsts)) or not _named(e, kind):
                    problems.append((case, "gradient raised", repr(e), firsts))
                continue
            if not all(map(math.isfinite, firsts)):
                problems.append((case, "gradient should raise", got, firsts))
                continue
            if not all(close(a, b, rtol=1e-13, atol=0.0) for a, b in zip(got, firsts)):
                problems.append((case, "gradient", got, firsts))
                continue
            for i, row in enumerate(seconds):
                for j, want in enumerate(row):
                    if kind == "pow" and (i, j) == (0, 1) and y == 0.0 and x != 0.0:
                        want = 1.0 / x  # PyTorch's masked zero; see the docstring
                    if not math.isfinite(want):
                        continue  # the engine's zero-base convention gives 0 there
                    try:
                        second = am.grad(am.grad(f, argnums=i), argnums=j)(*args)
                    except _TYPED as e:
                        # one pass computes the whole row: an infinite entry there raises
                        if all(map(math.isfinite, row)) or not _named(e, kind):
                            problems.append((case, f"second {i}{j} raised", repr(e), want))
                        continue
                    if not close(second, want, rtol=1e-12, atol=1e-300):
                        problems.append((case, f"second {i}{j}", second, want))
    assert not problems, problems


# --- extreme inputs to every op ---------------------------------------------------------------
_EXTREMES = [0.0, -0.0, 5e-324, -1e-310, 1e-200, -1e-100, 0.5, -1.0, 1.0, 2.0,
             709.78, 710.0, -745.2, 1e16, -1e100, 1e200, 1e308, -1e308]
_CONSTS: dict[str, list[float]] = {
    "pow_const": [0.0, 0.5, 1.0, -1.0, 2.0, -0.6, 3.0, 1e10, -1e10],
    "rpow_const": [0.0, 1e-200, 0.5, 1.0, 2.0, -2.0, 1e200],
    "leaky_relu": [0.0, 0.01, 1.0, 1e308],
}


def _extreme_cases(name: str) -> list[tuple[list[float], Any]]:
    op = OPS[name]
    if op.arity == -1:
        pairs = [(a, b) for a in _EXTREMES for b in _EXTREMES]
        if name == "sum":
            return [([a, b, a], None) for a, b in pairs]
        return [([a, b, b, a, a], None) for a, b in pairs] + [([a, b], None) for a, b in pairs]
    consts: list[Any] = [None]
    if op.has_const:
        consts = _CONSTS.get(name, _EXTREMES)
    if op.arity == 1:
        return [([x], c) for x in _EXTREMES for c in consts]
    return [([x, y], c) for x in _EXTREMES for y in _EXTREMES for c in consts]


@pytest.mark.parametrize("name", sorted(OPS))
def test_extreme_inputs_give_finite_results_or_errors_naming_the_op(name: str) -> None:
    """Every op at huge, tiny and boundary inputs: finite value and gradients, or a named error.

    Forward, backward and backward(create_graph=True) either succeed with finite results
    or raise a typed error whose message starts with the op's name (or with "backward:"
    and names it): never a bare errno message, never a silent inf or nan.
    """
    problems = []
    for inputs, const in _extreme_cases(name):
        try:
            leaves = [Value(x) for x in inputs]
            out = call(name, leaves, const)
        except _TYPED as e:
            if not _named(e, name):
                problems.append((inputs, const, "forward", repr(e)))
            continue
        if not math.isfinite(out.data):
            problems.append((inputs, const, "forward gave", out.data))
        for create_graph in (False, True):
            for leaf in leaves:
                leaf.grad = 0.0
            try:
                out.backward(create_graph=create_graph)
            except _TYPED as e:
                if not _named(e, name):
                    problems.append((inputs, const, create_graph, repr(e)))
                continue
            grads = [float(v.grad.data if isinstance(v.grad, Value) else v.grad) for v in leaves]
            if not all(map(math.isfinite, grads)):
                problems.append((inputs, const, create_graph, "gradient", grads))
    assert not problems, problems[:10]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("name", sorted(OPS))
def test_non_finite_data_is_named_as_such_by_every_op(name: str, bad: float) -> None:
    """With a leaf's .data set to nan or inf, each op raises saying the input is not finite.

    (Or, for inf only, gives a finite value where the math does: tanh(inf) = 1,
    relu(-inf) = 0. A NaN never turns into a number, except where IEEE 754 and PyTorch
    define it so: nan ** 0 = 1 and 1 ** nan = 1.)
    """
    inputs, const = next(iter(_extreme_cases(name)))
    inputs = [1.0] * len(inputs)
    for slot in range(len(inputs)):
        leaves = [Value(x) for x in inputs]
        leaves[slot].data = bad
        try:
            out = call(name, leaves, const if const is None else 2.0)
        except ValueError as e:
            shown = 1 if name in REFLECTED else slot  # c - x: x is the second operand
            said = (f"{name}: input {shown} is not finite ({bad!r})", f"{name}: argument must be")
            assert str(e).startswith(said) and repr(bad) in str(e), str(e)  # log(-inf) too
            continue
        assert math.isfinite(out.data), (name, slot, out.data)
        assert bad == bad or name in ("pow", "pow_const", "rpow_const"), (name, out.data)
