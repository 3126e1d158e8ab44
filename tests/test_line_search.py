"""Line searches: the Armijo and strong Wolfe conditions hold on random smooth functions,
failures are reported, and the steps agree with scipy.optimize.line_search."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini.optim.line_search import armijo, line_search, strong_wolfe
from tests.requires import needs_scipy

from .strategies import reals

# phi(a) = p * (a - c)**2 + q * sin(w * a) + r * a**4: smooth, bounded below, often nonconvex
smooth = st.tuples(reals(0.05, 5.0), reals(-2.0, 2.0), reals(0.3, 20.0), reals(0.1, 4.0),
                   reals(0.0, 0.05))
starts = st.sampled_from([1e-4, 1e-2, 1.0, 50.0])


def make_phi(p: float, q: float, c: float, w: float, r: float):  # type: ignore[no-untyped-def]
    def phi(a: float) -> tuple[float, float]:
        return (p * (a - c) ** 2 + q * math.sin(w * a) + r * a**4,
                2 * p * (a - c) + q * w * math.cos(w * a) + 4 * r * a**3)
    return phi


@settings(max_examples=100)
@given(smooth, starts, st.sampled_from([0.1, 0.5, 0.9]))
def test_strong_wolfe_conditions_hold(coef: tuple[float, ...], alpha1: float, c2: float) -> None:
    """Every step strong_wolfe returns satisfies both strong Wolfe conditions."""
    phi = make_phi(*coef)
    f0, g0 = phi(0.0)
    if not g0 < 0:
        return
    r = strong_wolfe(phi, alpha1=alpha1, c2=c2)
    assert r.success and r.alpha is not None, r
    assert r.phi <= f0 + 1e-4 * r.alpha * g0
    assert abs(r.derphi) <= c2 * abs(g0)
    assert (r.phi, r.derphi) == phi(r.alpha)


@settings(max_examples=100)
@given(smooth, starts)
def test_armijo_condition_holds(coef: tuple[float, ...], alpha0: float) -> None:
    """Every step armijo returns satisfies sufficient decrease and is at most alpha0."""
    phi = make_phi(*coef)
    f0, g0 = phi(0.0)
    if not g0 < 0:
        return
    r = armijo(phi, f0, g0, alpha0=alpha0)
    assert r.success and r.alpha is not None and 0 < r.alpha <= alpha0
    assert r.phi <= f0 + 1e-4 * r.alpha * g0


def test_searches_treat_a_non_finite_trial_as_too_long() -> None:
    """An overflow or domain error at a trial shrinks the step instead of failing."""
    def phi(a: float) -> tuple[float, float]:
        if a > 2.0:
            raise OverflowError("too far")
        return (a - 1.5) ** 2, 2 * (a - 1.5)

    for r in (strong_wolfe(phi, alpha1=100.0), armijo(phi, alpha0=100.0)):
        assert r.success and r.alpha is not None and r.alpha <= 2.0


def test_searches_report_failure() -> None:
    """An unbounded phi fails strong Wolfe, a lying slope fails Armijo; both say so."""
    r = strong_wolfe(lambda a: (-a, -1.0), amax=1e6)
    assert not r.success and r.alpha is None and "no bracket" in r.message
    r = armijo(lambda a: (a * a, 0.0), 0.0, -1.0)  # claims to descend, never does
    assert not r.success and r.alpha is None


def test_searches_reject_bad_input() -> None:
    """A direction that does not descend and constants out of range raise ValueError."""
    phi = lambda a: ((a - 1) ** 2, 2 * (a - 1))  # noqa: E731
    with pytest.raises(ValueError, match="not a descent direction"):
        strong_wolfe(phi, 0.0, 1.0)
    with pytest.raises(ValueError, match="c2 must be in"):
        strong_wolfe(phi, c2=1e-5)
    with pytest.raises(ValueError, match="c1 must be in"):
        armijo(phi, c1=1.5)
    with pytest.raises(ValueError, match="method must be"):
        line_search(lambda x: 0.0, lambda x: [0.0], [0.0], [1.0], method="exact")


@needs_scipy
@pytest.mark.parametrize(("x0", "d"), [([-1.2, 1.0], [1.0, 0.0]), ([0.0, 0.0], [1.0, 1.0]),
                                      ([2.0, 2.0], [-0.5, -1.0]), ([-1.0, 2.0], [0.3, -1.0])])
def test_strong_wolfe_agrees_with_scipy(x0: list[float], d: list[float]) -> None:
    """On Rosenbrock both searches return strong Wolfe steps with f within a few percent."""
    import numpy as np
    from scipy.optimize import line_search as scipy_line_search
    from scipy.optimize import rosen, rosen_der

    g0 = rosen_der(np.array(x0))
    if g0 @ np.array(d) >= 0:
        d = [-v for v in d]
    theirs = scipy_line_search(rosen, rosen_der, np.array(x0), np.array(d))
    ours = line_search(lambda x: float(rosen(np.array(x))),
                       lambda x: list(rosen_der(np.array(x))), x0, d)
    assert theirs[0] is not None and ours[0] is not None
    f0, slope0 = float(rosen(np.array(x0))), float(g0 @ np.array(d))
    # NOTE: scipy returns the new gradient in the slot its docs call the new slope
    their_slope = float(np.dot(theirs[5], d)) if np.ndim(theirs[5]) else float(theirs[5])
    for alpha, fnew, slope in ((ours[0], ours[3], ours[5]), (theirs[0], theirs[3], their_slope)):
        assert slope is not None and fnew <= f0 + 1e-4 * alpha * slope0
        assert abs(slope) <= 0.9 * abs(slope0)
    assert ours[3] <= theirs[3] + 0.05 * abs(f0 - theirs[3])


def test_module_examples_run() -> None:
    """The line_search module's doctests pass (test_docs walks only top-level modules)."""
    import doctest

    from autograd_mini.optim import line_search as module

    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted >= 8
