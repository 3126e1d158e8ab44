"""Tests for optim.LBFGS that need no oracle: convergence, all-or-nothing steps, state, errors,
and the exact fused multiply-add its arithmetic relies on (tests/test_optim_torch.py holds
the comparisons with torch.optim.LBFGS)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import Value
from autograd_mini.optim import LBFGS, SGD
from autograd_mini.optim.lbfgs import _cubic_interpolate
from autograd_mini.optim.optimizer import _fma


class P:
    """A bare parameter: a float ``.data`` and a ``.grad``."""

    def __init__(self, data: float) -> None:
        self.data = data
        self.grad: Any = 0.0


def rosenbrock_closure(ps: list[P], calls: list[int] | None = None) -> Callable[[], float]:
    def closure() -> float:
        x, y = ps[0].data, ps[1].data
        a, b = 1 - x, y - x * x
        ps[0].grad, ps[1].grad = -2 * a - 400 * x * b, 200 * b
        if calls is not None:
            calls.append(1)
        return a * a + 100 * b * b

    return closure


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_minimises_rosenbrock(line_search_fn: str | None) -> None:
    """From (-1.2, 1), L-BFGS reaches Rosenbrock's minimum (1, 1) within a few steps."""
    ps = [P(-1.2), P(1.0)]
    opt = LBFGS(ps, line_search_fn=line_search_fn, max_iter=50)
    closure = rosenbrock_closure(ps)
    for _ in range(5):
        opt.step(closure)
    assert [p.data for p in ps] == pytest.approx([1.0, 1.0], abs=1e-4)


def test_lbfgs_respects_max_eval_and_history_size() -> None:
    """A step calls the closure at most max_eval times and keeps at most history_size pairs."""
    ps = [P(-1.2), P(1.0)]
    calls: list[int] = []
    opt = LBFGS(ps, max_iter=30, max_eval=7, history_size=2, line_search_fn="strong_wolfe")
    opt.step(rosenbrock_closure(ps, calls))
    assert len(calls) <= 7 + 1  # PyTorch's line search may finish its last evaluation
    state = opt.state_dict()["state"]
    assert state["func_evals"] == len(calls)
    assert len(state["old_dirs"]) <= 2 and len(state["old_stps"]) == len(state["ro"])


def test_lbfgs_returns_the_first_loss_and_stops_at_a_minimum() -> None:
    """step() returns the loss before the step; at a stationary point it evaluates once."""
    ps = [P(1.0), P(1.0)]
    calls: list[int] = []
    opt = LBFGS(ps)
    assert opt.step(rosenbrock_closure(ps, calls)) == 0.0
    assert calls == [1] and [p.data for p in ps] == [1.0, 1.0]


def test_lowering_history_size_by_hand_shrinks_the_memory() -> None:
    """history_size set lower between steps caps the stored pairs from the next update on."""
    ps = [P(-1.2), P(1.0)]
    opt = LBFGS(ps, max_iter=8, history_size=6)
    closure = rosenbrock_closure(ps)
    opt.step(closure)
    assert len(opt.state_dict()["state"]["old_dirs"]) > 2
    opt.history_size = 2
    opt.step(closure)
    assert len(opt.state_dict()["state"]["old_dirs"]) <= 2


def test_lbfgs_needs_a_closure() -> None:
    """step() without a closure is a TypeError that says what the closure must do."""
    opt = LBFGS([P(0.0)])
    assert LBFGS.requires_closure
    with pytest.raises(TypeError, match=r"needs a closure .* calls loss.backward\(\)"):
        opt.step()


@pytest.mark.parametrize("bad", [math.nan, math.inf])
@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("where", ["loss", "grad"])
def test_non_finite_loss_or_gradient_restores_everything(
    bad: float, line_search_fn: str | None, where: str
) -> None:
    """NaN or inf at the 4th evaluation raises FloatingPointError; parameters and memory revert."""
    ps = [P(-1.2), P(1.0)]
    opt = LBFGS(ps, line_search_fn=line_search_fn, max_iter=10)
    good = rosenbrock_closure(ps)
    opt.step(good)
    before = ([p.data for p in ps], json.dumps(opt.state_dict()))
    calls: list[int] = []

    def closure() -> float:
        loss = good()
        calls.append(1)
        if len(calls) == 4:
            if where == "loss":
                return bad
            ps[1].grad = bad
        return loss

    with pytest.raises(FloatingPointError, match="no parameter was changed"):
        opt.step(closure)
    assert ([p.data for p in ps], json.dumps(opt.state_dict())) == before


def test_interrupt_in_the_line_search_restores_the_parameters() -> None:
    """A KeyboardInterrupt inside the closure, mid line search, leaves no trial point behind."""
    ps = [P(-1.2), P(1.0)]
    opt = LBFGS(ps, line_search_fn="strong_wolfe")
    good = rosenbrock_closure(ps)
    calls: list[int] = []

    def closure() -> float:
        calls.append(1)
        if len(calls) == 2:  # the first trial point of the line search
            raise KeyboardInterrupt
        return good()

    with pytest.raises(KeyboardInterrupt):
        opt.step(closure)
    assert [p.data for p in ps] == [-1.2, 1.0]
    assert opt.state_dict()["state"]["n_iter"] == 0


def test_closure_returning_a_non_number_is_a_type_error() -> None:
    """A closure returning a string raises TypeError naming it."""
    opt = LBFGS([P(0.0)])
    with pytest.raises(TypeError, match="the closure .at the start. returned '1.0', a str"):
        opt.step(lambda: "1.0")


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_state_dict_round_trip_continues_the_same_trajectory(line_search_fn: str | None) -> None:
    """Saving after two steps (through strict JSON) and loading resumes the very same iterates."""
    ps = [P(-1.2), P(1.0)]
    opt = LBFGS(ps, line_search_fn=line_search_fn, max_iter=4, history_size=3)
    closure = rosenbrock_closure(ps)
    opt.step(closure)
    opt.step(closure)
    saved = json.loads(json.dumps(opt.state_dict(), allow_nan=False))
    fresh = [P(p.data) for p in ps]
    resumed = LBFGS(fresh, line_search_fn=line_search_fn, max_iter=4, history_size=3)
    resumed.load_state_dict(saved)
    assert resumed.state_dict() == saved
    other = rosenbrock_closure(fresh)
    for _ in range(3):
        opt.step(closure)
        resumed.step(other)
        assert [p.data for p in fresh] == [p.data for p in ps]


def test_load_state_dict_rejects_bad_states_and_changes_nothing() -> None:
    """A malformed L-BFGS state raises ValueError naming the problem, and nothing changes."""
    ps = [P(-1.2), P(1.0)]
    opt = LBFGS(ps, history_size=2)
    opt.step(rosenbrock_closure(ps))
    good = opt.state_dict()
    state = good["state"]
    cases = [
        ({**good, "optimizer": "SGD"}, "is for 'SGD', not 'LBFGS'"),
        ({**good, "state": {**state, "d": [1.0]}}, "state['d'] must be a list of 2 numbers"),
        ({**good, "state": {**state, "n_iter": -1}}, "state['n_iter'] must be an int >= 0"),
        ({**good, "state": {**state, "t": math.nan}}, "state['t'] must be a finite number"),
        ({**good, "state": {**state, "ro": []}}, "must be lists of the same length"),
        ({**good, "state": {k: v for k, v in state.items() if k != "H_diag"}},
         "missing key(s) 'H_diag'"),
        ({**good, "hyperparams": {**good["hyperparams"], "history_size": 0}},
         "Invalid history_size value: 0"),
    ]
    for bad, message in cases:
        with pytest.raises(ValueError, match=re.escape(message)):
            opt.load_state_dict(bad)
        assert opt.state_dict() == good


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"lr": -1.0}, ValueError, "Invalid learning rate: -1.0"),
        ({"max_iter": 0}, ValueError, "Invalid max_iter value: 0"),
        ({"max_iter": 2.5}, TypeError, "max_iter must be an int"),
        ({"max_eval": 0}, ValueError, "Invalid max_eval value: 0"),
        ({"history_size": 0}, ValueError, "Invalid history_size value: 0"),
        ({"tolerance_grad": -1e-7}, ValueError, "Invalid tolerance_grad value: -1e-07"),
        ({"tolerance_change": math.nan}, ValueError, "Invalid tolerance_change value: nan"),
        ({"line_search_fn": "armijo"}, ValueError, "Invalid line_search_fn: 'armijo'"),
    ],
)
def test_invalid_settings_raise_at_construction(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    """Bad L-BFGS settings raise at construction (PyTorch checks lr only, and the search late)."""
    with pytest.raises(error, match=re.escape(message)):
        LBFGS([P(0.0)], **kwargs)


def test_max_eval_defaults_to_five_quarters_of_max_iter() -> None:
    """As in PyTorch, max_eval defaults to max_iter * 5 // 4."""
    assert LBFGS([P(0.0)], max_iter=9).max_eval == 11
    assert LBFGS([P(0.0)]).state_dict()["hyperparams"]["max_eval"] == 25


def test_lbfgs_trains_values_and_skips_nothing() -> None:
    """With Values and zero_grad() in the closure, a parameter the loss ignores stays put."""
    w, unused = Value(3.0), Value(7.0)
    opt = LBFGS([w, unused], line_search_fn="strong_wolfe")

    def closure() -> Value:
        opt.zero_grad()
        loss = (w - 1) ** 2
        loss.backward()
        return loss

    opt.step(closure)
    assert w.data == pytest.approx(1.0, abs=1e-9) and unused.data == 7.0
    assert isinstance(SGD([w], lr=0.1), SGD)


# --- the arithmetic under it -----------------------------------------------------------------
def exact_fma(a: float, b: float, c: float) -> float:
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    try:
        return float(exact)
    except OverflowError:
        return math.inf if exact > 0 else -math.inf


finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=300)
@given(a=finite, b=finite, c=finite)
def test_fma_is_rounded_once(a: float, b: float, c: float) -> None:
    """_fma(a, b, c) is a * b + c rounded once, over all finite floats (huge, tiny, subnormal)."""
    got, expected = _fma(a, b, c), exact_fma(a, b, c)
    assert got == expected or (got == 0.0 and expected == 0.0)


def test_fma_of_a_product_that_overflows_alone() -> None:
    """a * b past the float range with c pulling it back: the fused result is finite."""
    a, b, c = 1.634266486238469e308, -1.1, 1.850688287023104e292
    assert _fma(a, b, c) == exact_fma(a, b, c) == -1.7976931348623157e308


def test_fma_differs_from_two_roundings() -> None:
    """A case where a * b + c rounds differently from the fused operation (the reason for it)."""
    a = 1.0 + 2.0**-30
    assert a * a - 1.0 != _fma(a, a, -1.0) == 2.0**-29 + 2.0**-60


def test_cubic_interpolate_finds_the_minimum_of_a_cubic() -> None:
    """The minimiser of the cubic through two points with slopes; the midpoint with none."""
    f = lambda x: x**3 - 3 * x  # noqa: E731 - minimum at x = 1
    df = lambda x: 3 * x**2 - 3  # noqa: E731
    assert _cubic_interpolate(0.0, f(0.0), df(0.0), 2.0, f(2.0), df(2.0)) == pytest.approx(1.0)
    assert _cubic_interpolate(2.0, f(2.0), df(2.0), 0.0, f(0.0), df(0.0)) == pytest.approx(1.0)
    # a cubic with no minimiser (d1**2 < g1 * g2): the middle of the bounds
    assert _cubic_interpolate(0.0, 0.0, 2.0, 1.0, 4 / 3, 2.0, bounds=(0.0, 4.0)) == 2.0
    # 0 / 0 gives NaN, as PyTorch's tensors do, not a bare ZeroDivisionError
    assert math.isnan(_cubic_interpolate(0.0, 0.0, 1.0, 1.0, 0.0, -1.0))
