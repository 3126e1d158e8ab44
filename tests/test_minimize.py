"""minimize: every stopping rule and status, the second-order methods against scipy, the
line-search options, the callback and the recorded path."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import Value, minimize
from autograd_mini.optimize import OptimizeResult
from autograd_mini.train import OptimizeResult as TrainOptimizeResult
from autograd_mini.train import minimize as train_minimize
from tests.requires import needs_scipy

from .strategies import reals


def rosen(x: Value, y: Value) -> Value:
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


@pytest.mark.parametrize("method", ["gd", "momentum", "nesterov", "adam"])
def test_minimize_finds_the_minimum_of_a_quadratic(method: str) -> None:
    """Every method reaches the minimum of a convex quadratic and says why it stopped."""
    lr = 0.05 if method == "adam" else 0.1
    r = minimize(lambda x, y: (x - 1) ** 2 + 2 * (y + 2) ** 2, [0.0, 0.0], method=method,
                 lr=lr, max_iter=5000, tol=None, gtol=1e-8)  # type: ignore[arg-type]
    assert r.success and "gtol" in r.message
    assert r.x == pytest.approx([1.0, -2.0], abs=1e-7)
    assert r.history[0] == 9.0 and r.fun == r.history[-1] and len(r.history) == r.nit + 1


def test_minimize_rosenbrock_with_nesterov() -> None:
    """Nesterov momentum solves Rosenbrock from (-1.2, 1) to 1e-4."""
    r = minimize(rosen, [-1.2, 1.0], method="nesterov", lr=1e-3, max_iter=50000, tol=None,
                 gtol=1e-6)
    assert r.success
    assert r.x == pytest.approx([1.0, 1.0], abs=1e-4)


def test_minimize_with_numerical_gradients_matches_exact() -> None:
    """gradient='numerical' follows the exact trajectory to finite-difference accuracy."""
    kw: dict[str, Any] = {"method": "momentum", "lr": 1e-3, "max_iter": 200, "tol": None,
                          "gtol": None}
    exact = minimize(rosen, [-1.2, 1.0], **kw)
    numeric = minimize(rosen, [-1.2, 1.0], gradient="numerical", **kw)
    assert numeric.x == pytest.approx(exact.x, rel=1e-6)
    assert numeric.nfev == 201 * 5 and exact.nfev == 201


def test_minimize_stops_on_max_iter() -> None:
    """Running out of iterations is reported as success=False."""
    r = minimize(rosen, [-1.2, 1.0], lr=1e-4, max_iter=10)
    assert not r.success and r.nit == 10 and r.message == "reached max_iter=10 steps"


def test_minimize_stops_on_negligible_change() -> None:
    """The tol rule stops when f changes by a negligible relative amount."""
    r = minimize(lambda x: (x - 2) ** 2, [0.0], lr=0.01, max_iter=100000, tol=1e-6, gtol=None)
    assert r.success and "tol=1e-06" in r.message
    assert abs(r.history[-1] - r.history[-2]) <= 1e-6 * max(1.0, abs(r.history[-2]))


def test_minimize_callback_can_stop() -> None:
    """A callback returning True stops the run and sees every point."""
    seen: list[float] = []

    def cb(x: list[float], fx: float) -> bool:
        seen.append(fx)
        return len(seen) == 3

    r = minimize(lambda x: x * x, [1.0], lr=0.1, callback=cb)
    assert r.message == "the callback asked to stop" and not r.success and len(seen) == 3


def test_minimize_divergence_keeps_the_last_finite_point() -> None:
    """A learning rate that blows up stops with a message and the last finite x."""
    r = minimize(rosen, [-1.2, 1.0], lr=0.01, max_iter=100)
    assert not r.success and r.message.startswith("diverged at step")
    assert all(math.isfinite(v) for v in r.x) and math.isfinite(r.fun)
    assert r.fun == r.history[-1]


def test_minimize_rejects_bad_settings() -> None:
    """Unknown methods and gradient sources, negative lr, empty x0 are refused."""
    with pytest.raises(ValueError, match="method must be"):
        minimize(rosen, [0.0, 0.0], method="magic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="gradient must be 'exact' or 'numerical'"):
        minimize(rosen, [0.0, 0.0], gradient="magic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Invalid learning rate"):
        minimize(rosen, [0.0, 0.0], lr=-1.0)
    with pytest.raises(ValueError, match="x0 is empty"):
        minimize(rosen, [])


def test_minimize_stops_when_a_step_leaves_the_domain() -> None:
    """A step into log's domain edge stops the run with the last good point; x0 outside raises."""
    r = minimize(lambda x: x.log() + x, [0.5], lr=1.0, max_iter=100)
    assert not r.success and "left f's domain" in r.message and "log: argument" in r.message
    assert r.x == [0.5] and r.fun == r.history[-1]
    with pytest.raises(ValueError, match="log: argument must be > 0"):
        minimize(lambda x: x.log(), [-1.0])



def beale(x: Value, y: Value) -> Value:
    return ((1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2
            + (2.625 - x + x * y**3) ** 2)


def test_train_keeps_reexporting_minimize() -> None:
    """``from autograd_mini.train import minimize, OptimizeResult`` still works."""
    assert train_minimize is minimize and TrainOptimizeResult is OptimizeResult


# --- second-order methods ----------------------------------------------------------------------
@pytest.mark.parametrize("method", ["newton", "bfgs", "lbfgs"])
@pytest.mark.parametrize(("f", "x0", "xmin"), [
    (rosen, [-1.2, 1.0], [1.0, 1.0]),
    (beale, [1.0, 1.0], [3.0, 0.5]),
    (lambda x, y, z: (x - 1) ** 2 + 10 * (y + 2) ** 2 + 0.1 * (z - 3) ** 4 + x * y,
     [0.0, 0.0, 0.0], None),
])
def test_second_order_methods_converge(method: str, f: Any, x0: list[float],
                                       xmin: list[float] | None) -> None:
    """Newton, BFGS and L-BFGS reach the minimum of Rosenbrock, Beale and a 3-d bowl."""
    r = minimize(f, x0, method=method, max_iter=500)  # type: ignore[arg-type]
    assert r.success and r.status == 0, r.message
    assert math.hypot(*r.jac) < 1e-5
    if xmin is not None:
        assert r.x == pytest.approx(xmin, abs=1e-5)
    assert r.njev == r.nfev and len(r.path) == r.nit + 1 == len(r.history)
    assert (r.nhev == r.nit) if method == "newton" else r.nhev == 0
    assert (r.hess_inv is not None) == (method == "bfgs")


@settings(max_examples=30)
@given(st.lists(reals(-3.0, 3.0), min_size=6, max_size=6), reals(0.05, 3.0),
       st.sampled_from(["newton", "bfgs", "lbfgs"]))
def test_random_convex_quadratics_are_solved(v: list[float], shift: float, method: str) -> None:
    """On f = x'Ax/2 - b'x with A = M'M + shift*I, every method finds x* = A^-1 b.

    gtol=1e-10 is beyond what f's rounding lets a line search see near x*, so a
    quasi-Newton run may end with scipy's status 2 (precision loss) there instead.
    """
    m = [v[0:2], v[2:4]]
    b = v[4:6]
    a = [[sum(m[k][i] * m[k][j] for k in range(2)) + (shift if i == j else 0.0)
          for j in range(2)] for i in range(2)]
    det = a[0][0] * a[1][1] - a[0][1] * a[1][0]
    xstar = [(a[1][1] * b[0] - a[0][1] * b[1]) / det, (a[0][0] * b[1] - a[1][0] * b[0]) / det]

    def f(x: Value, y: Value) -> Value:
        return (0.5 * (a[0][0] * x * x + 2 * a[0][1] * x * y + a[1][1] * y * y)
                - b[0] * x - b[1] * y)

    r = minimize(f, [0.0, 0.0], method=method, gtol=1e-10, tol=None,  # type: ignore[arg-type]
                 max_iter=200)
    assert r.success or (r.status == 2 and math.hypot(*r.jac) < 1e-7), r.message
    assert r.x == pytest.approx(xstar, abs=1e-7 * max(1.0, *map(abs, xstar)))
    if method == "newton":
        assert r.nit <= 2  # one full Newton step solves a quadratic exactly


def test_newton_survives_an_indefinite_hessian() -> None:
    """From a saddle region (Hessian not positive definite) Newton still descends to a minimum."""
    f = lambda x, y: x**4 - 2 * x**2 + y**2 + 0.5 * x  # noqa: E731 - H(0, y) has -4 on it
    r = minimize(f, [0.1, 1.0], method="newton")
    assert r.success and all(b <= a for a, b in zip(r.history, r.history[1:]))
    h00 = 12 * r.x[0] ** 2 - 4
    assert h00 > 0 and abs(r.jac[0]) < 1e-8


def test_newton_converges_quadratically() -> None:
    """Near Rosenbrock's minimum Newton's errors satisfy e_(k+1) <= C e_k^2 (ratio test)."""
    r = minimize(rosen, [-1.2, 1.0], method="newton", gtol=0.0, tol=None, max_iter=40)
    errors = [math.hypot(x - 1.0, y - 1.0) for x, y in r.path]
    tail = [(a, b) for a, b in zip(errors, errors[1:]) if 1e-12 < a < 1e-2 and b > 0]
    assert len(tail) >= 2
    assert all(b / a**2 < 100.0 for a, b in tail)  # quadratic: the ratio e+/e^2 stays bounded
    assert all(b / a < 0.1 for a, b in tail)  # ... so the linear ratio collapses


def test_bfgs_hess_inv_approximates_the_inverse_hessian() -> None:
    """On a quadratic BFGS's hess_inv approaches the exact inverse Hessian (to 1e-3)."""
    f = lambda x, y: 2 * x**2 + x * y + y**2 - x  # noqa: E731 - H = [[4, 1], [1, 2]]
    r = minimize(f, [3.0, -2.0], method="bfgs", gtol=1e-13, tol=None)
    assert r.hess_inv is not None
    exact = [[2 / 7, -1 / 7], [-1 / 7, 4 / 7]]
    for row, want in zip(r.hess_inv, exact):
        assert row == pytest.approx(want, abs=1e-3)


@needs_scipy
@pytest.mark.parametrize(("f", "x0"), [(rosen, [-1.2, 1.0]), (beale, [1.0, 1.0])])
def test_bfgs_matches_scipy(f: Any, x0: list[float]) -> None:
    """Our BFGS and L-BFGS find scipy's minimum, BFGS in about scipy's number of iterations."""
    import numpy as np
    from scipy.optimize import minimize as scipy_minimize

    from autograd_mini import value_and_grad

    vg = value_and_grad(f, argnums=tuple(range(len(x0))))

    def fun(x: Any) -> tuple[float, Any]:
        value, g = vg(*map(float, x))
        return value, np.array(g)

    theirs = scipy_minimize(fun, np.array(x0), jac=True, method="BFGS", options={"gtol": 1e-8})
    for method in ("bfgs", "lbfgs"):
        ours = minimize(f, x0, method=method, gtol=1e-8)  # type: ignore[arg-type]
        assert ours.success and theirs.success
        assert ours.x == pytest.approx(list(theirs.x), abs=1e-6)
        assert ours.fun == pytest.approx(theirs.fun, abs=1e-10)
    ours = minimize(f, x0, method="bfgs", gtol=1e-8)
    assert 0.5 * theirs.nit <= ours.nit <= 1.5 * theirs.nit + 3


# --- line searches for first-order methods -------------------------------------------------------
@pytest.mark.parametrize("method", ["gd", "momentum", "nesterov", "adam"])
@pytest.mark.parametrize("line_search", ["armijo", "strong_wolfe"])
def test_first_order_methods_with_a_line_search(method: str, line_search: str) -> None:
    """A line search picks the step: lr=100 (which diverges without one) converges, f falls."""
    f = lambda x, y: (x - 1) ** 2 + 5 * (y + 2) ** 2  # noqa: E731
    plain = minimize(f, [0.0, 0.0], method=method, lr=100.0, max_iter=50)  # type: ignore[arg-type]
    assert not plain.success
    r = minimize(f, [0.0, 0.0], method=method, lr=100.0, max_iter=3000,  # type: ignore[arg-type]
                 line_search=line_search, gtol=1e-6)  # type: ignore[arg-type]
    assert r.success, r.message
    assert r.x == pytest.approx([1.0, -2.0], abs=1e-5)
    assert all(b <= a for a, b in zip(r.history, r.history[1:]))  # every step descends


# --- result fields, status codes, callback, path -----------------------------------------------
def test_status_codes() -> None:
    """status is scipy's: 0 converged, 1 max_iter, 3 not finite, 99 the callback stopped."""
    assert minimize(lambda x: x * x, [1.0], lr=0.5).status == 0
    assert minimize(rosen, [-1.2, 1.0], lr=1e-4, max_iter=3).status == 1
    assert minimize(rosen, [-1.2, 1.0], lr=0.01, max_iter=100).status == 3
    assert minimize(lambda x: x * x, [1.0], lr=0.1, callback=lambda x, fx: True).status == 99


def test_a_failed_line_search_reports_status_2() -> None:
    """A gradient that lies (so no step descends) ends with status 2, keeping the start."""
    def wobbly(x: Value) -> Value:  # gradient 2x, but f wobbles by 1e-3 off the record
        return x * x + Value(1e-3 * math.sin(1e9 * x.data))

    r = minimize(wobbly, [1e-4], method="bfgs", gtol=1e-12, tol=None, max_iter=200)
    assert r.status == 2 and not r.success and "scipy's precision loss" in r.message
    assert math.isfinite(r.fun) and r.x == r.path[-1]


def test_new_style_callback_gets_an_intermediate_result_and_can_stop() -> None:
    """callback(intermediate_result) sees each step's x and fun; StopIteration stops (99)."""
    seen: list[OptimizeResult] = []

    def callback(intermediate_result: OptimizeResult) -> None:
        seen.append(intermediate_result)
        if len(seen) == 4:
            raise StopIteration

    r = minimize(rosen, [-1.2, 1.0], method="bfgs", callback=callback)
    assert r.status == 99 and not r.success
    assert r.message == "`callback` raised `StopIteration`."
    assert r.nit == 4 and len(seen) == 4
    assert seen[-1].x == r.x and seen[-1].fun == r.fun
    assert [s.x for s in seen] == r.path[1:]


@needs_scipy
def test_stop_iteration_status_matches_scipy() -> None:
    """scipy's own minimize gives the same status, success and message on StopIteration."""
    import numpy as np
    from scipy.optimize import minimize as scipy_minimize
    from scipy.optimize import rosen as srosen
    from scipy.optimize import rosen_der

    def stop(intermediate_result: Any) -> None:
        raise StopIteration

    theirs = scipy_minimize(srosen, np.array([-1.2, 1.0]), jac=rosen_der, method="BFGS",
                            callback=stop)
    ours = minimize(rosen, [-1.2, 1.0], method="bfgs", callback=stop)
    assert (ours.status, ours.success, ours.message) == (theirs.status, theirs.success,
                                                         theirs.message)


def test_path_records_every_point_from_x0() -> None:
    """path starts at x0, has one point per step as lists of floats, and ends at x."""
    r = minimize(lambda x, y: x * x + 3 * y * y, [1.0, 2.0], method="gd", lr=0.1, max_iter=5)
    assert r.path[0] == [1.0, 2.0] and len(r.path) == 6 and r.path[-1] == r.x
    assert r.path[1] == pytest.approx([0.8, 0.8])
    assert all(type(v) is float for p in r.path for v in p)


def test_repr_is_scipy_style() -> None:
    """repr(result) lists the fields as scipy prints them: names right-aligned before ':'."""
    text = repr(minimize(rosen, [-1.2, 1.0], method="bfgs"))
    lines = text.splitlines()
    assert lines[0].startswith("  message: ") and lines[1] == "  success: True"
    assert "   status: 0" in lines and any(line.startswith(" hess_inv: [[") for line in lines)
    named = [line for line in lines if re.match(r"^ *[a-z_]+: ", line)]
    assert len(named) == 12 and len({line.index(":") for line in named}) == 1


def test_norms_do_not_overflow() -> None:
    """x**4 from 100 with lr 1 keeps a finite last point whose gradient norm is finite."""
    r = minimize(lambda x: x**4, [100.0], lr=1.0)
    assert r.status == 3 and math.isfinite(r.jac[0]) and abs(r.jac[0]) > 1e154
    gnorm = math.hypot(*r.jac)
    assert math.isfinite(gnorm)
    r2 = minimize(lambda x, y: x * 1e200 + y * 1e200, [0.0, 0.0], gtol=1e201)
    assert r2.success and r2.nit == 0 and "gradient norm 1.41e+200" in r2.message


def test_minimize_rejects_bad_new_settings() -> None:
    """Unknown line searches, bad c1/c2, history_size and Newton with numerical gradients fail."""
    with pytest.raises(ValueError, match="line_search must be"):
        minimize(rosen, [0.0, 0.0], line_search="wolfe")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="0 < c1 < c2 < 1"):
        minimize(rosen, [0.0, 0.0], method="bfgs", c1=0.5, c2=0.1)
    with pytest.raises(ValueError, match="history_size"):
        minimize(rosen, [0.0, 0.0], method="lbfgs", history_size=0)
    with pytest.raises(ValueError, match="needs gradient='exact'"):
        minimize(rosen, [0.0, 0.0], method="newton", gradient="numerical")


# --- the command line ----------------------------------------------------------------------------
def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from autograd_mini.cli import main

    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_gradient_norm_does_not_overflow(capsys: pytest.CaptureFixture[str]) -> None:
    """`minimize "x**4" x=100 --lr 1` shows the last finite point's finite gradient norm."""
    status, out, _ = cli(capsys, "minimize", "x**4", "x=100", "--lr", "1")
    assert status == 1 and "|grad f| =  1.21e+186" in out and "inf" not in out


@pytest.mark.parametrize("method", ["newton", "bfgs", "lbfgs"])
def test_cli_second_order_methods(capsys: pytest.CaptureFixture[str], method: str) -> None:
    """--method newton/bfgs/lbfgs solves Rosenbrock from the command line, exit 0."""
    status, out, _ = cli(capsys, "minimize", "(1-x)**2 + 100*(y-x**2)**2", "x=-1.2", "y=1",
                         "--method", method)
    assert status == 0 and "success:    True" in out
    values = dict(re.findall(r"^([xy]) = +(\S+)$", out, flags=re.M))
    assert [float(values["x"]), float(values["y"])] == pytest.approx([1.0, 1.0], abs=1e-7)


def test_cli_line_search(capsys: pytest.CaptureFixture[str]) -> None:
    """--line-search armijo turns a diverging lr into a converging run; newton refuses numerics."""
    status, out, _ = cli(capsys, "minimize", "x**4", "x=100", "--lr", "1", "--line-search",
                         "armijo")
    assert status == 0 and "armijo line search" in out
    status, _, err = cli(capsys, "minimize", "x**2", "x=1", "--method", "newton", "--gradient",
                         "numerical")
    assert status == 2 and "drop --gradient numerical" in err
