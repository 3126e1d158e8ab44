"""Gradient descent vs momentum vs Nesterov vs Adam on ill-conditioned problems.

Teaches: why momentum exists. On ``f(x, y) = x**2 + 50 * y**2`` the curvature is 50
times larger along ``y`` than along ``x`` (condition number ``kappa = L / mu = 100 / 2``),
so plain gradient descent must take steps small enough for the steep direction and
crawls along the flat one: even at its best constant step ``2 / (L + mu)`` it needs
``O(kappa)`` iterations. Heavy-ball momentum and Nesterov momentum, tuned from ``L``
and ``mu`` by the textbook formulas, need ``O(sqrt(kappa))``. On the Rosenbrock valley,
with one learning rate for every method, momentum cuts the iteration count about ten
times. Every run is ``minimize(..., tol=None, gtol=...)``: it stops when the gradient
norm falls below ``gtol``, and the table shows how many iterations that took.

Run: ``python examples/optimizers_compare.py`` (after ``pip install .``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

from autograd_mini import Value, minimize

Method = Literal["gd", "momentum", "nesterov", "adam"]


def quadratic(x: Value, y: Value) -> Value:
    """An ill-conditioned bowl: Hessian diag(2, 100), minimum 0 at (0, 0)."""
    return x**2 + 50 * y**2


def rosenbrock(x: Value, y: Value) -> Value:
    """Rosenbrock's curved valley: minimum 0 at (1, 1)."""
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


# Each run: (method, lr, momentum, how the setting was chosen).
Run = tuple[Method, float, float | None, str]


def quadratic_runs(L: float = 100.0, mu: float = 2.0) -> list[Run]:
    """The textbook-optimal constant settings for a quadratic with curvatures in [mu, L]."""
    root = math.sqrt(L / mu)  # sqrt(kappa)
    return [
        ("gd", 1 / L, None, "1/L: the classic safe step"),
        ("gd", 2 / (L + mu), None, "2/(L+mu): GD's best step"),
        (
            "momentum",
            4 / (math.sqrt(L) + math.sqrt(mu)) ** 2,
            ((root - 1) / (root + 1)) ** 2,
            "Polyak's heavy-ball tuning",
        ),
        ("nesterov", 1 / L, (root - 1) / (root + 1), "Nesterov's tuning, step 1/L"),
        ("momentum", 1 / L, 0.9, "untuned: step 1/L, momentum 0.9"),
        ("adam", 0.1, None, "Adam's per-coordinate scaling"),
    ]


def rosenbrock_runs() -> list[Run]:
    """One learning rate for GD, momentum and Nesterov; Adam at a step that suits it."""
    return [
        ("gd", 1e-3, None, "same lr for the first three"),
        ("momentum", 1e-3, 0.9, ""),
        ("nesterov", 1e-3, 0.9, ""),
        ("adam", 0.05, None, "Adam's own lr"),
    ]


def compare(
    f: Callable[..., Value],
    x0: Sequence[float],
    runs: list[Run],
    *,
    gtol: float,
    max_iter: int,
) -> list[dict[str, Any]]:
    """Run ``minimize`` once per setting and print a table; return one row per run."""
    rows = []
    for method, lr, momentum, note in runs:
        r = minimize(
            f,
            x0,
            method=method,
            lr=lr,
            momentum=0.9 if momentum is None else momentum,
            max_iter=max_iter,
            tol=None,  # stop on the gradient alone, so every row means the same thing
            gtol=gtol,
        )
        rows.append(
            {
                "method": method,
                "lr": lr,
                "momentum": momentum,
                "iterations": r.nit,
                "fun": r.fun,
                "x": r.x,
                "success": r.success,
                "note": note,
            }
        )
    print(
        f"{'method':<9} {'lr':>7} {'momentum':>8} {'iterations':>10} {'final f':>10} "
        f"{'success':>7}  setting"
    )
    for row in rows:
        mom = "-" if row["momentum"] is None else f"{row['momentum']:.3f}"
        print(
            f"{row['method']:<9} {row['lr']:>7.4g} {mom:>8} {row['iterations']:>10} "
            f"{row['fun']:>10.2e} {row['success']!s:>7}  {row['note']}".rstrip()
        )
    return rows


def main(
    *,
    problems: Sequence[str] = ("quadratic", "rosenbrock"),
    gtol: float = 1e-6,
    max_iter: int = 100_000,
) -> dict[str, list[dict[str, Any]]]:
    """Compare the optimizers of ``minimize`` on each problem and print a table each.

    Args:
        problems: ``"quadratic"`` (``x**2 + 50 * y**2`` from (-3, 1)) and/or
            ``"rosenbrock"`` (from (-1.2, 1)).
        gtol: convergence means a gradient norm at most this.
        max_iter: the most iterations any run may take.

    Returns:
        For each problem, one dict per run: ``method``, ``lr``, ``momentum`` (None when
        unused), ``iterations``, ``fun`` (final f), ``x``, ``success`` and ``note``.
    """
    results: dict[str, list[dict[str, Any]]] = {}
    for problem in problems:
        if problem == "quadratic":
            print(f"f(x, y) = x**2 + 50*y**2 from (-3, 1): kappa = 50, gtol = {gtol:g}")
            results[problem] = compare(
                quadratic, [-3.0, 1.0], quadratic_runs(), gtol=gtol, max_iter=max_iter
            )
            print("GD needs O(kappa) iterations; tuned momentum and Nesterov O(sqrt(kappa)).\n")
        elif problem == "rosenbrock":
            print(f"Rosenbrock (1-x)**2 + 100*(y-x**2)**2 from (-1.2, 1): gtol = {gtol:g}")
            results[problem] = compare(
                rosenbrock, [-1.2, 1.0], rosenbrock_runs(), gtol=gtol, max_iter=max_iter
            )
            print()
        else:
            raise ValueError(f"unknown problem {problem!r}; choose 'quadratic' or 'rosenbrock'")
    return results


if __name__ == "__main__":
    main()
