"""The benchmark's Moré–Garbow–Hillstrom problems: their definitions check out against
the paper's values, and BFGS solves a few of them quickly."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from mgh import PROBLEMS  # noqa: E402

from autograd_mini import minimize, value_and_grad  # noqa: E402


# trigonometric_10 has no x* (the paper gives only f*)
@pytest.mark.parametrize("name", sorted(n for n, p in PROBLEMS.items() if p.xstar is not None))
def test_known_minimizers_are_stationary(name: str) -> None:
    """Each problem's f at x* is f* and its gradient vanishes there (to the digits given)."""
    p = PROBLEMS[name]
    assert p.xstar is not None
    value, g = value_and_grad(p.f, argnums=tuple(range(p.n)))(*p.xstar)
    assert value == pytest.approx(p.fstar, abs=1e-12, rel=1e-9)
    assert max(map(abs, g)) < 2e-5


@pytest.mark.parametrize("name", ["beale", "helical_valley", "bard", "brown_badly_scaled"])
@pytest.mark.parametrize("method", ["bfgs", "lbfgs", "newton"])
def test_methods_solve_mgh_problems(name: str, method: str) -> None:
    """BFGS, L-BFGS and Newton reach f* from the standard starting point."""
    p = PROBLEMS[name]
    r = minimize(p.f, p.x0, method=method, max_iter=200)  # type: ignore[arg-type]
    assert r.success, r.message
    assert r.fun == pytest.approx(p.fstar, abs=1e-10, rel=1e-8)
