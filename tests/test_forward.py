"""jvp, vjp, hvp and jacobian: against finite differences, against each other, and PyTorch."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import Value, grad, hessian, hvp, jacobian, jvp, numerical_grad, vjp
from autograd_mini.ops import OPS
from tests.requires import needs_torch
from tests.strategies import DOMAINS, call, dag_function, dag_leaves, dag_steps, reals

# A direction per point: same length as the leaves, drawn independently.
directions = st.lists(reals(-2, 2), min_size=4, max_size=4)


def _close(a: float, b: float, tol: float = 1e-6) -> bool:
    return abs(a - b) <= tol * (1.0 + abs(b))


@settings(max_examples=60)
@given(steps=dag_steps, xs=dag_leaves, v=directions)
def test_jvp_vjp_and_differences_agree_on_random_graphs(
    steps: list[tuple[int, int, int]], xs: list[float], v: list[float]
) -> None:
    """On random expression graphs, forward mode = reverse mode . v = a directional difference."""
    f = dag_function(steps)
    t = v[: len(xs)]
    value, dot = jvp(f, xs, t)
    value2, pullback = vjp(f, *xs)
    g = pullback(1.0)
    assert value == value2 == f(*[Value(x) for x in xs]).data
    reverse = math.fsum(gi * ti for gi, ti in zip(g, t))
    assert _close(dot, reverse, 1e-9)
    numeric = math.fsum(d * ti for d, ti in zip(numerical_grad(f, xs), t))
    assert _close(dot, numeric, 1e-5)


@settings(max_examples=40)
@given(steps=dag_steps, xs=dag_leaves, v=directions)
def test_hvp_and_jacobians_agree_on_random_graphs(
    steps: list[tuple[int, int, int]], xs: list[float], v: list[float]
) -> None:
    """hvp = hessian @ v = gradient differences; Jacobians: fwd = rev = differences, vjp = c J."""
    f = dag_function(steps)
    t = v[: len(xs)]
    n = len(xs)
    value, hv = hvp(f, xs, t)
    assert value == f(*[Value(x) for x in xs]).data
    H = hessian(f)(*xs)
    for i in range(n):
        assert _close(hv[i], math.fsum(H[i][j] * t[j] for j in range(n)), 1e-8)
    gradient = grad(f, argnums=tuple(range(n)))
    for i in range(n):
        row = numerical_grad(lambda *a, i=i: gradient(*a)[i], xs)
        assert _close(hv[i], math.fsum(r * tj for r, tj in zip(row, t)), 1e-4)

    def g(*a: Value) -> list[Value]:
        return [f(*a), f(*a) * a[0], a[-1].sin()]

    rev, fwd = jacobian(g, mode="rev")(*xs), jacobian(g, mode="fwd")(*xs)
    for k, (r_row, f_row) in enumerate(zip(rev, fwd)):
        assert all(_close(a, b, 1e-9) for a, b in zip(r_row, f_row))
        numeric = numerical_grad(lambda *a, k=k: g(*a)[k], xs)
        assert all(_close(a, b, 1e-5) for a, b in zip(r_row, numeric))
    cot = [1.0, -0.5, 2.0]
    pulled = vjp(g, *xs)[1](cot)
    for j in range(n):
        assert _close(pulled[j], math.fsum(c * row[j] for c, row in zip(cot, rev)), 1e-9)


@pytest.mark.parametrize("name", sorted(OPS))
@settings(max_examples=20)
@given(data=st.data())
def test_forward_mode_reads_every_op_from_the_table(name: str, data: st.DataObject) -> None:
    """For every op in the table, jvp along each axis equals backprop's partial."""
    inputs, const = data.draw(DOMAINS[name])

    def f(*a: Value) -> Value:
        return call(name, list(a), const)

    g = vjp(f, *inputs)[1](1.0)
    for i in range(len(inputs)):
        e = [1.0 if j == i else 0.0 for j in range(len(inputs))]
        assert _close(jvp(f, inputs, e)[1], g[i], 1e-12)


def test_list_outputs_give_lists() -> None:
    """For f returning a list, jvp gives two lists and vjp_fn takes a list of cotangents."""
    f = lambda x, y: [x * y, x.exp(), 3.0]  # noqa: E731
    assert jvp(f, [2.0, 3.0], [1.0, 1.0]) == ([6.0, math.exp(2.0), 3.0], [5.0, math.exp(2.0), 0.0])
    value, pullback = vjp(f, 2.0, 3.0)
    assert value == [6.0, math.exp(2.0), 3.0]
    assert pullback([1.0, 0.0, 5.0]) == (3.0, 2.0)
    assert pullback([0.0, 2.0, 0.0]) == (2 * math.exp(2.0), 0.0)


def test_value_inputs_give_differentiable_results() -> None:
    """Value primals or tangents give Values that differentiate again (jvp and vjp nest)."""
    second = grad(lambda x: jvp(lambda u: u**4, [x], [1.0])[1])(2.0)
    assert second == 48.0
    assert jvp(lambda x: jvp(lambda u: u**4, [x], [1.0])[1], [2.0], [1.0])[1] == 48.0
    assert grad(lambda x: vjp(lambda u: u**4, x)[1](1.0)[0])(2.0) == 48.0
    assert grad(lambda t: jvp(lambda u: u * u, [3.0], [t])[1])(1.0) == 6.0
    assert grad(lambda x: hvp(lambda u: u**4, [x], [1.0])[1][0])(2.0) == 48.0  # 24x
    assert jacobian(lambda u: [u**3], mode="fwd")(Value(2.0))[0][0].data == 12.0


def test_hvp_matches_the_hessian_of_rosenbrock() -> None:
    """hvp at (1, 1) along (1, 2) is [[802, -400], [-400, 200]] @ (1, 2), exactly."""

    def rosen(x: Value, y: Value) -> Value:
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2

    assert hvp(rosen, [1.0, 1.0], [1.0, 2.0]) == (0.0, [2.0, 0.0])


def test_jacobian_argnums() -> None:
    """argnums selects columns: an int gives one derivative per output, a tuple rows."""
    f = lambda x, y, z: [x * y * z, x + z]  # noqa: E731
    assert jacobian(f, argnums=(2, 0))(1.0, 2.0, 3.0) == [[2.0, 6.0], [1.0, 1.0]]
    assert jacobian(f, argnums=1, mode="fwd")(1.0, 2.0, 3.0) == [3.0, 0.0]
    assert jacobian(lambda x: x * x)(3.0) == [[6.0]]


def test_everything_is_pure() -> None:
    """No .grad the caller can see changes, also when the pass raises half-way."""
    w = Value(3.0)
    w.grad = 0.5
    x = Value(2.0)
    x.grad = -1.0
    f = lambda v: v * w + v.tanh()  # noqa: E731
    jvp(f, [x], [1.0])
    vjp(f, x)[1](2.0)
    hvp(f, [x], [1.0])
    jacobian(lambda v: [f(v), v * 2], mode="rev")(x)
    assert (w.grad, x.grad) == (0.5, -1.0)
    big = Value(1e300)
    big.grad = 7.0
    with pytest.raises(OverflowError):
        vjp(lambda v: v * big, 1e10)[1](1e10)
    assert big.grad == 7.0


def test_bad_arguments_are_typed_errors() -> None:
    """Mismatched lengths, scalars for sequences and bad modes name the function."""
    with pytest.raises(ValueError, match="jvp: primals and tangents must have the same length"):
        jvp(lambda x: x, [1.0], [1.0, 2.0])
    with pytest.raises(TypeError, match="jvp: primals must be a sequence"):
        jvp(lambda x: x, 1.0, [1.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"jvp: numbers must be finite \(got nan\) \(tangent 0\)"):
        jvp(lambda x: x, [1.0], [math.nan])
    with pytest.raises(ValueError, match="vjp: f has 2 outputs but the cotangent has 1"):
        vjp(lambda x: [x, x], 1.0)[1]([1.0])
    with pytest.raises(TypeError, match="hvp: f must return a scalar"):
        hvp(lambda x: [x, x], [1.0], [1.0])
    with pytest.raises(ValueError, match="jacobian: mode must be 'rev' or 'fwd'"):
        jacobian(lambda x: [x], mode="forward")


@needs_torch
def test_against_torch_autograd_functional() -> None:
    """jvp, vjp, hvp, jacobian and hessian equal torch.autograd.functional's in float64."""
    import torch
    from torch.autograd import functional as F

    def f(x: Any, y: Any, z: Any) -> Any:
        return (x * y).sin() + (z * z + 1).log() * x.exp() + (x / (1 + y * y)).tanh()

    def ours_vec(x: Any, y: Any, z: Any) -> list[Any]:
        return [f(x, y, z), x * y * z, (y - z).sigmoid()]

    def theirs(v: Any) -> Any:
        return f(v[0], v[1], v[2])

    def theirs_vec(v: Any) -> Any:
        x, y, z = v[0], v[1], v[2]
        return torch.stack([f(x, y, z), x * y * z, torch.sigmoid(y - z)])

    p, t = [0.3, -1.2, 0.7], [1.0, -0.5, 2.0]
    P = torch.tensor(p, dtype=torch.float64)
    T = torch.tensor(t, dtype=torch.float64)
    tol = {"rel": 1e-12, "abs": 1e-12}
    value, dot = jvp(f, p, t)
    tv, tdot = F.jvp(theirs, P, T)
    assert value == pytest.approx(float(tv), **tol) and dot == pytest.approx(float(tdot), **tol)
    cot = [1.5, -2.0, 0.25]
    pulled = vjp(ours_vec, *p)[1](cot)
    tpulled = F.vjp(theirs_vec, P, torch.tensor(cot, dtype=torch.float64))[1]
    assert list(pulled) == pytest.approx(tpulled.tolist(), **tol)
    hv = hvp(f, p, t)[1]
    assert hv == pytest.approx(F.hvp(theirs, P, T)[1].tolist(), **tol)
    for mode in ("rev", "fwd"):
        J = jacobian(ours_vec, mode=mode)(*p)
        for row, trow in zip(J, F.jacobian(theirs_vec, P).tolist()):
            assert row == pytest.approx(trow, **tol)
    H = hessian(f)(*p)
    TH = F.hessian(theirs, P).tolist()
    for row, trow in zip(H, TH):
        assert row == pytest.approx(trow, **tol)


def test_purity_survives_an_interruption(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C inside any pass (a partial raising KeyboardInterrupt) leaves every .grad as it was."""
    w = Value(0.5)
    w.grad = 0.25

    def interrupted(out: Any, x: Any) -> tuple[Any]:
        raise KeyboardInterrupt

    f = lambda v: (v * w).sin() * w  # noqa: E731
    calls = [
        lambda: jvp(f, [1.0], [1.0]),
        lambda: vjp(f, 1.0)[1](1.0),
        lambda: hvp(f, [1.0], [1.0]),
        lambda: jacobian(lambda v: [f(v)], mode="rev")(1.0),
        lambda: jacobian(lambda v: [f(v)], mode="fwd")(1.0),
    ]
    monkeypatch.setattr(OPS["sin"], "partials", interrupted)
    for run in calls:
        with pytest.raises(KeyboardInterrupt):
            run()
        assert w.grad == 0.25
