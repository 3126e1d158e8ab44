"""minimize's BFGS, L-BFGS and Newton against scipy.optimize.minimize on the MGH problems.

For each Moré–Garbow–Hillstrom problem of ``mgh.py`` at its standard starting point, run
``autograd_mini.minimize`` with ``method="bfgs"``, ``"lbfgs"`` and ``"newton"``, and
``scipy.optimize.minimize`` with ``BFGS``, ``L-BFGS-B`` and ``Newton-CG`` (exact Hessian).
scipy gets the same function: the value and gradient from ``autograd_mini.value_and_grad``
and the Hessian from ``autograd_mini.hessian``, so the two sides differ only in the
algorithm. Both stop at a gradient norm of 1e-8 (ours: Euclidean; scipy's BFGS: the
largest component, which stops no later) or after 2000 iterations.

One table: iterations, evaluations of f and of the gradient (and of the Hessian), the
final f, the distance to the known minimizer (relative to max(1, |x*|)), and whether
the run reached f* (|f - f*| <= 1e-6 * max(1, f*)). Then the totals of function
evaluations over the problems scipy's BFGS solves, which is the target: converge
wherever it converges, with no more evaluations in total.

Run from the repository root::

    python benchmarks/bench_minimize.py

This is a benchmark, not a test: it prints, it asserts nothing. Needs scipy and numpy.
"""

from __future__ import annotations

import math
import platform
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import scipy  # noqa: E402
from mgh import PROBLEMS, Problem  # noqa: E402
from scipy.optimize import minimize as scipy_minimize  # noqa: E402

from autograd_mini import hessian, minimize, value_and_grad  # noqa: E402

GTOL = 1e-8
MAX_ITER = 2000


def distance(x: Any, p: Problem) -> float:
    if p.xstar is None:
        return math.nan
    d = math.hypot(*(a - b for a, b in zip(x, p.xstar)))
    return d / max(1.0, math.hypot(*p.xstar))


def solved(fun: float, p: Problem) -> bool:
    return abs(fun - p.fstar) <= 1e-6 * max(1.0, p.fstar)


def verdict(fun: float, p: Problem) -> str:
    """yes: f*, loc: the paper's local minimum, no: neither."""
    if solved(fun, p):
        return "yes"
    if p.flocal is not None and abs(fun - p.flocal) <= 1e-6 * max(1.0, p.flocal):
        return "loc"
    return "no"


def ours(p: Problem, method: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    r = minimize(p.f, p.x0, method=method, gtol=GTOL, max_iter=MAX_ITER)  # type: ignore[arg-type]
    return {"nit": r.nit, "nfev": r.nfev, "njev": r.njev, "nhev": r.nhev, "fun": r.fun,
            "x": r.x, "status": r.status, "seconds": time.perf_counter() - t0}


def theirs(p: Problem, method: str) -> dict[str, Any]:
    argnums = tuple(range(p.n))
    vg = value_and_grad(p.f, argnums=argnums)
    hess = hessian(p.f)

    def fun(x: Any) -> tuple[float, Any]:
        try:
            value, g = vg(*map(float, x))
        except (OverflowError, ValueError, ZeroDivisionError):
            return math.inf, np.zeros(len(x))  # scipy's line searches then shorten the step
        return value, np.array(g)

    kw: dict[str, Any] = {"jac": True, "method": method}
    if method == "Newton-CG":
        kw["hess"] = lambda x: np.array(hess(*map(float, x)))
        kw["options"] = {"xtol": 1e-12, "maxiter": MAX_ITER}
    elif method == "BFGS":
        kw["options"] = {"gtol": GTOL, "maxiter": MAX_ITER}
    else:
        kw["options"] = {"gtol": GTOL, "ftol": 1e-15, "maxiter": MAX_ITER}
    t0 = time.perf_counter()
    r = scipy_minimize(fun, np.array(p.x0, dtype=float), **kw)
    return {"nit": int(r.nit), "nfev": int(r.nfev), "njev": int(r.get("njev", r.nfev)),
            "nhev": int(r.get("nhev", 0)), "fun": float(r.fun), "x": list(r.x),
            "status": int(r.status), "seconds": time.perf_counter() - t0}


RUNS = [("ours bfgs", lambda p: ours(p, "bfgs")), ("scipy BFGS", lambda p: theirs(p, "BFGS")),
        ("ours lbfgs", lambda p: ours(p, "lbfgs")),
        ("scipy L-BFGS-B", lambda p: theirs(p, "L-BFGS-B")),
        ("ours newton", lambda p: ours(p, "newton")),
        ("scipy Newton-CG", lambda p: theirs(p, "Newton-CG"))]


def main() -> None:
    print(f"Python {platform.python_version()}, {platform.platform()}, scipy {scipy.__version__}")
    print(f"gtol {GTOL:g}, max_iter {MAX_ITER}; dist = |x - x*| / max(1, |x*|); "
          "ok = f within 1e-6 of f* (loc: of the paper's local minimum)")
    header = (f"{'problem':<24} {'method':<16} {'nit':>5} {'nfev':>5} {'njev':>5} {'nhev':>5} "
              f"{'final f':>12} {'dist':>9} {'ok':>3} {'st':>3}")
    print(header)
    print("-" * len(header))
    results: dict[tuple[str, str], dict[str, Any]] = {}
    for p in PROBLEMS.values():
        for label, run in RUNS:
            r = run(p)
            results[p.name, label] = r
            print(f"{p.name:<24} {label:<16} {r['nit']:>5} {r['nfev']:>5} {r['njev']:>5} "
                  f"{r['nhev']:>5} {r['fun']:>12.5g} {distance(r['x'], p):>9.2g} "
                  f"{verdict(r['fun'], p):>3} {r['status']:>3}")
        print()
    base = [p for p in PROBLEMS.values() if solved(results[p.name, "scipy BFGS"]["fun"], p)]
    print(f"scipy BFGS reaches f* on {len(base)} of {len(PROBLEMS)} problems: "
          + ", ".join(p.name for p in base))
    for label, _ in RUNS:
        hits = [p for p in base if solved(results[p.name, label]["fun"], p)]
        nfev = sum(results[p.name, label]["nfev"] for p in base)
        njev = sum(results[p.name, label]["njev"] for p in base)
        print(f"  {label:<16} reaches f* on {len(hits):>2} of them; total nfev {nfev:>5}, "
              f"njev {njev:>5}")


if __name__ == "__main__":
    main()
