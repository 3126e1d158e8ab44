"""Fast probes, Richardson extrapolation, check_grads, gradgradcheck, and no silent inf/nan."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given, settings

import autograd_mini as am
from autograd_mini import (
    GradcheckError,
    Value,
    check_grads,
    gradcheck,
    gradgradcheck,
    no_grad,
    numerical_grad,
)
from autograd_mini.gradcheck import _STEP
from autograd_mini.ops import OPS, _cos
from tests.strategies import dag_function, dag_leaves, dag_steps, reals


def _direct(f: Callable[..., Any], xs: list[float], method: str = "central") -> list[float]:
    """The finite differences of numerical_grad's formula, calling f at every probe."""

    def at(p: list[float]) -> float:
        with no_grad():
            out = f(*[Value(v) for v in p])
        return float(out.data if isinstance(out, Value) else out)

    grads = []
    for i, x in enumerate(xs):
        h = (x + _STEP[method] * max(1.0, abs(x))) - x
        hi, lo = list(xs), list(xs)
        hi[i] = x + h if method != "backward" else x
        lo[i] = x - h if method != "forward" else x
        grads.append((at(hi) - at(lo)) / (hi[i] - lo[i]))
    return grads


# --- the fast probes --------------------------------------------------------------------
@settings(max_examples=60)
@given(steps=dag_steps, xs=dag_leaves)
def test_replayed_probes_equal_calling_f_to_the_bit(
    steps: list[tuple[int, int, int]], xs: list[float]
) -> None:
    """On random graphs, probes replayed from the recording equal calls of f, bit for bit."""
    f = dag_function(steps)
    f(*[Value(x) for x in xs])  # fix the function's data-dependent choices
    for method in ("central", "forward"):
        assert numerical_grad(f, xs, method=method) == _direct(f, xs, method)  # type: ignore


def test_replay_is_used_and_skipped_where_it_must_be(monkeypatch: pytest.MonkeyPatch) -> None:
    """A straight-line f is replayed (f runs 3 times, not 2n); data-driven f is called."""
    calls = []

    def f(x: Value, y: Value, z: Value) -> Value:
        calls.append(1)
        return (x * y).tanh() + z.exp()

    numerical_grad(f, [0.1, 0.2, 0.3])
    assert len(calls) == 3  # one recording and two checkpoints, for 6 probes
    calls.clear()

    def branchy(x: Value) -> Value:
        calls.append(1)
        return x * x if x > 0 else -x

    d = numerical_grad(branchy, [1e-7])
    assert len(calls) == 3  # the recording, then both probes call f
    assert d == _direct(branchy, [1e-7])


@pytest.mark.parametrize(
    "f",
    [
        lambda x: x * x.data,  # a constant read from .data
        lambda x: x * Value(x.data),
        lambda x: x * float(x),  # float(): seen by the trace
        lambda x: x * float(max(x, 0.5)),  # a comparison, then float()
        lambda x: x * _no_grad_copy(x),  # a value computed off the graph
    ],
    ids=["data", "Value(data)", "float", "max", "no_grad"],
)
def test_functions_that_leave_the_graph_still_get_true_differences(f: Any) -> None:
    """Where f's value depends on its arguments off the graph, probes still call f: d = 2x."""
    assert numerical_grad(f, [3.0]) == pytest.approx([6.0], rel=1e-9)
    assert not gradcheck(f, [3.0], raise_exception=False)


def _no_grad_copy(x: Value) -> Value:
    with no_grad():
        return x * 1.0


def test_a_probe_outside_the_domain_raises_the_engines_error() -> None:
    """A probe the replay cannot evaluate (log of a negative) reports f's own error."""
    with pytest.raises(ValueError, match="f is not defined at argument 1 .* log: argument"):
        numerical_grad(lambda x, y: x * y.log(), [1.0, 1e-9])


def test_an_overflow_inside_a_probe_is_not_hidden_by_a_later_op() -> None:
    """A product overflowing at x + h, then made finite by tanh, is an error, as in the engine."""
    c = 1.7976931348623157e308 / (1 + 3e-6)  # finite at x = 1, inf at 1 + 6e-6
    with pytest.raises(ValueError, match="f is not defined at argument 0 .* mul_const"):
        numerical_grad(lambda x: (x * c).tanh(), [1.0])
    with pytest.raises(ValueError, match="f is not defined at argument 0 .* exp"):
        numerical_grad(lambda x: (x * x * x).exp().tanh(), [709.782 ** (1 / 3)])


# --- Richardson -------------------------------------------------------------------------
@given(x=reals(-2, 2))
@example(x=0.5243016701862622)  # stopped one step too early once: an error of 1e-10
def test_richardson_is_accurate_to_about_1e_12(x: float) -> None:
    """Richardson extrapolation gets smooth derivatives to ~1e-12, central only to ~1e-9."""
    cases = [
        (lambda v: v.exp(), math.exp(x)),
        (lambda v: v.sin() * v, math.cos(x) * x + math.sin(x)),
        (lambda v: (v * v + 1).log(), 2 * x / (x * x + 1)),
        (lambda v: (v * 3).tanh(), 3 * (1 - math.tanh(3 * x) ** 2)),
    ]
    for f, exact in cases:
        d = numerical_grad(f, [x], method="richardson")[0]
        assert abs(d - exact) <= 1e-12 * max(1.0, abs(exact))


def test_richardson_stops_halving_at_the_float_spacing() -> None:
    """A first step one ulp wide is not halved to nothing (a division by zero)."""
    for x in (1e20, 1.0, 3.0):
        d = numerical_grad(lambda v: v * 2.0, [x], eps=math.ulp(x), method="richardson")
        assert d == [2.0]


def test_richardson_beats_central_differences() -> None:
    """On exp at 1 Richardson's error is hundreds of times below the central difference's."""
    central = abs(numerical_grad(lambda v: v.exp(), [1.0])[0] - math.e)
    richardson = abs(numerical_grad(lambda v: v.exp(), [1.0], method="richardson")[0] - math.e)
    assert richardson * 100 < central


# --- issue 8 item 7: typed errors, never a silent inf or nan -------------------------------
def test_an_overflowing_estimate_is_an_overflow_error() -> None:
    """numerical_grad of exp(100x) at 7.09 (derivative 8e309) names itself, the argument, x."""
    with pytest.raises(OverflowError, match=r"numerical_grad: the estimate for argument 0 = 7.09"):
        numerical_grad(lambda x: (x * 100).exp(), [7.09])


def test_a_nan_value_is_a_value_error() -> None:
    """value_and_grad of a function returning nan raises instead of returning (nan, 0.0)."""
    with pytest.raises(ValueError, match=r"value_and_grad: f's value is not finite \(nan\)"):
        am.value_and_grad(lambda x: float("nan"))(1.0)
    with pytest.raises(OverflowError, match=r"grad: f's value is not finite \(inf\)"):
        am.grad(lambda x: math.inf)(1.0)


def test_a_step_below_the_float_spacing_is_a_value_error() -> None:
    """x = 1e20, eps = 1: the step vanishes; the error names the step, x and math.ulp(x)."""
    message = r"the step 1 is below the float spacing at argument 0 = 1e\+20 \(math.ulp\(x\) = 1"
    with pytest.raises(ValueError, match=message):
        numerical_grad(lambda x: x * 2, [1e20], eps=1)


def _nonfinite_results(result: Any) -> list[float]:
    if isinstance(result, (list, tuple)):
        return [v for item in result for v in _nonfinite_results(item)]
    if callable(result):
        return []
    v = result.data if isinstance(result, Value) else float(result)
    return [] if math.isfinite(v) else [v]


# Functions whose value, first or second derivative is not finite at x = 1.
_BAD: dict[str, Callable[..., Any]] = {
    "nan value": lambda x: float("nan"),
    "inf value": lambda x: math.inf,
    "first derivative overflows": lambda x: ((x - 1) * 1e200).tanh() * 1e200,
    "second derivative overflows": lambda x: (x * 1e160).sin(),
    "value overflows in a probe": lambda x: (x * 709.78).exp(),
}

_ENTRY_POINTS: dict[str, Callable[[Callable[..., Any]], Any]] = {
    "grad": lambda f: am.grad(f)(1.0),
    "value_and_grad": lambda f: am.value_and_grad(f)(1.0),
    "hessian": lambda f: am.hessian(f)(1.0),
    "jvp": lambda f: am.jvp(f, [1.0], [1.0]),
    "vjp": lambda f: am.vjp(f, 1.0)[1](1.0),
    "hvp": lambda f: am.hvp(f, [1.0], [1.0]),
    "jacobian rev": lambda f: am.jacobian(f, mode="rev")(1.0),
    "jacobian fwd": lambda f: am.jacobian(f, mode="fwd")(1.0),
    "numerical_grad": lambda f: numerical_grad(f, [1.0]),
    "numerical_grad richardson": lambda f: numerical_grad(f, [1.0], method="richardson"),
    "gradcheck": lambda f: gradcheck(f, [1.0], raise_exception=False),
    "check_grads": lambda f: check_grads(f, [1.0]),
    "gradgradcheck": lambda f: gradgradcheck(f, [1.0], raise_exception=False),
}


@pytest.mark.parametrize("entry", sorted(_ENTRY_POINTS))
@pytest.mark.parametrize("bad", sorted(_BAD))
def test_no_entry_point_returns_a_non_finite_number_silently(entry: str, bad: str) -> None:
    """Every functional entry point raises a typed error or returns only finite numbers."""
    try:
        result = _ENTRY_POINTS[entry](_BAD[bad])
    except (ArithmeticError, ValueError, TypeError, GradcheckError):
        return
    assert _nonfinite_results(result) == []


# --- check_grads and gradgradcheck --------------------------------------------------------
def test_check_grads_passes_on_correct_rules() -> None:
    """Every order up to 3, both modes, on a function using several ops."""
    check_grads(lambda x, y: (x * y).sin() + (y * y + 1).log() * x.tanh(), [0.4, -0.8], order=3)
    assert gradgradcheck(lambda x, y: (x / y).exp() * y.sigmoid(), [0.3, 1.4])


def test_check_grads_fails_on_a_wrong_first_derivative(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrong sin' in the table fails check_grads at order 1 in each mode, with the table."""
    monkeypatch.setattr(OPS["sin"], "partials", lambda out, x: (-_cos(x),))
    for mode in ("fwd", "rev"):
        with pytest.raises(GradcheckError, match=f"order 1, {mode} mode") as info:
            check_grads(lambda x: x.sin(), [0.4], modes=(mode,))  # type: ignore[arg-type]
        assert info.value.args[0].splitlines()[-1].endswith("FAIL")


def _not_differentiable(out: Any, x: Any) -> tuple[Any]:
    """sin' = cos(x), but on Values a constant read from .data: its own derivative is lost."""
    return (_cos(x),) if type(x) is float else (math.cos(x.data),)


def test_second_order_checks_fail_on_a_wrong_second_derivative(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A rule right in value but not differentiable: order 1 and gradcheck pass, order 2 fails."""
    monkeypatch.setattr(OPS["sin"], "partials", _not_differentiable)
    f = lambda x: x.sin() * 1.0  # noqa: E731
    assert gradcheck(f, [0.4])
    check_grads(f, [0.4], order=1)
    with pytest.raises(GradcheckError, match="order 2"):
        check_grads(f, [0.4], order=2)
    with pytest.raises(GradcheckError, match="gradgradcheck: the derivative of d f / d arg 0"):
        gradgradcheck(f, [0.4])
    assert not gradgradcheck(f, [0.4], raise_exception=False)


def test_check_grads_rejects_bad_arguments() -> None:
    """A bad order or mode is a ValueError naming check_grads."""
    with pytest.raises(ValueError, match="check_grads: order must be an int >= 1"):
        check_grads(lambda x: x, [1.0], order=0)
    with pytest.raises(ValueError, match="check_grads: modes must be"):
        check_grads(lambda x: x, [1.0], modes=("reverse",))  # type: ignore[arg-type]


def test_an_int_value_too_large_for_a_float_is_an_overflow_error() -> None:
    """f returning 10**400 is an OverflowError naming the entry point, not a bare one."""
    with pytest.raises(OverflowError, match="value_and_grad: "):
        am.value_and_grad(lambda x: 10**400)(1.0)
    with pytest.raises(OverflowError, match="jvp: "):
        am.jvp(lambda x: [10**400], [1.0], [1.0])
