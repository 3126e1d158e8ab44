"""Numerical vs exact gradients: how accurate finite differences are, and what they cost.

Teaches: the two ways this library computes a gradient, side by side, on the loss of a
small tanh network seen as a function of its ``n`` parameters:

* backprop (``value_and_grad``): exact up to rounding, for one forward and one
  backward pass, whatever ``n`` is;
* finite differences (``numerical_grad``): central differences
  ``(f(x+h) - f(x-h)) / 2h`` have error ``O(h**2)`` and cost ``2n`` probes of f;
  forward and backward differences have error ``O(h)`` and cost ``n``. (f itself is
  called 3 times: once recorded, twice as a check; the probes replay its recorded graph
  on plain floats, see docs/gradients.md, "Fast probes".)

The table shows the accuracy (largest absolute error, and the relative error of the
whole gradient vector, against backprop) and the cost (evaluations of f and wall time,
also as a multiple of backprop's time) as ``n`` grows: finite differences get slower in
proportion to ``n``, backprop does not. Finally the same tiny model is trained twice
with ``minimize``, once with ``gradient="numerical"``: both runs take the same steps to
the same point, the numerical one with ``2n + 1`` evaluations per step.

Run: ``python examples/numerical_vs_exact.py`` (after ``pip install .``).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from autograd_mini import Value, datasets, dot, losses, minimize, numerical_grad, value_and_grad

N_FEATURES = 3


def network_loss(
    X: Sequence[Sequence[float]], y: Sequence[float], hidden: int
) -> Callable[..., Value]:
    """The mse of a 3-input, ``hidden``-unit tanh network, as a function of its parameters.

    The parameters, passed as ``5 * hidden`` positional scalars, are the hidden weights
    (``3 * hidden``), the hidden biases (``hidden``) and the output weights (``hidden``);
    there is no output bias, so the count is a round ``5 * hidden``.
    """

    def loss(*theta: Value) -> Value:
        w1 = [theta[N_FEATURES * j : N_FEATURES * (j + 1)] for j in range(hidden)]
        b1 = theta[N_FEATURES * hidden : (N_FEATURES + 1) * hidden]
        w2 = theta[(N_FEATURES + 1) * hidden :]
        outputs = []
        for x in X:
            h = [dot(w1[j], x, b1[j]).tanh() for j in range(hidden)]
            outputs.append(dot(w2, h))
        return losses.mse(outputs, y)

    return loss


class Counted:
    """Wrap ``f`` and count its calls (how many evaluations a gradient costs)."""

    def __init__(self, f: Callable[..., Value]) -> None:
        self.f = f
        self.calls = 0

    def __call__(self, *args: Value) -> Value:
        self.calls += 1
        return self.f(*args)


def _errors(approx: Sequence[float], exact: Sequence[float]) -> tuple[float, float]:
    """The largest absolute error and the relative error ``||approx - exact|| / ||exact||``."""
    diffs = [a - e for a, e in zip(approx, exact)]
    norm = math.sqrt(math.fsum(e * e for e in exact))
    return max(map(abs, diffs)), math.sqrt(math.fsum(d * d for d in diffs)) / norm


def accuracy_and_cost(sizes: Sequence[int], n_samples: int, seed: int) -> list[dict[str, Any]]:
    """One row per (parameter count, method): evaluations, time and errors; printed."""
    X, y, _ = datasets.make_regression(
        n_samples, N_FEATURES, coef=[1.0, -2.0, 0.5], noise=0.1, seed=seed
    )
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    print(
        f"{'params':>6}  {'method':<9} {'f calls':>8} {'time ms':>9} {'x backprop':>10} "
        f"{'max abs err':>11} {'rel err':>9}"
    )
    for hidden in sizes:
        n = 5 * hidden
        theta = [rng.uniform(-1.0, 1.0) for _ in range(n)]
        f = Counted(network_loss(X, y, hidden))

        start = time.perf_counter()
        _, exact = value_and_grad(f, argnums=tuple(range(n)))(*theta)
        base = time.perf_counter() - start
        rows.append(_row(n, "backprop", f.calls, base, base, 0.0, 0.0))

        for method in ("central", "forward", "backward"):
            f.calls = 0
            start = time.perf_counter()
            approx = numerical_grad(f, theta, method=method)
            seconds = time.perf_counter() - start
            rows.append(_row(n, method, f.calls, seconds, base, *_errors(approx, exact)))
    return rows


def _row(
    n: int, method: str, calls: int, seconds: float, base: float, abs_err: float, rel_err: float
) -> dict[str, Any]:
    evals = "1 + bwd" if method == "backprop" else str(calls)
    errs = ("-", "-") if method == "backprop" else (f"{abs_err:.1e}", f"{rel_err:.1e}")
    print(
        f"{n:>6}  {method:<9} {evals:>8} {seconds * 1e3:>9.2f} {seconds / base:>10.1f} "
        f"{errs[0]:>11} {errs[1]:>9}"
    )
    return {
        "params": n,
        "method": method,
        "evals": calls,
        "seconds": seconds,
        "slowdown": seconds / base,
        "max_abs_error": abs_err,
        "rel_error": rel_err,
    }


def train_both_ways(hidden: int, n_samples: int, steps: int, seed: int) -> dict[str, Any]:
    """Train one tiny network with exact and with numerical gradients; print and compare."""
    X, y, _ = datasets.make_regression(
        n_samples, N_FEATURES, coef=[1.0, -2.0, 0.5], noise=0.1, seed=seed
    )
    rng = random.Random(seed + 1)
    x0 = [rng.uniform(-1.0, 1.0) for _ in range(5 * hidden)]
    f = network_loss(X, y, hidden)
    results = {}
    for gradient in ("exact", "numerical"):
        start = time.perf_counter()
        r = minimize(
            f,
            x0,
            method="momentum",
            lr=0.01,
            max_iter=steps,
            tol=None,
            gtol=None,
            gradient=gradient,
        )
        results[gradient] = (r, time.perf_counter() - start)
    (exact, t_exact), (numeric, t_numeric) = results["exact"], results["numerical"]
    gap = max(abs(a - b) for a, b in zip(exact.x, numeric.x))
    print(
        f"{'gradient':<10} {'steps':>6} {'f evals':>8} {'seconds':>8} {'initial f':>10} "
        f"{'final f':>12}"
    )
    for name, r, t in (("exact", exact, t_exact), ("numerical", numeric, t_numeric)):
        print(f"{name:<10} {r.nit:>6} {r.nfev:>8} {t:>8.2f} {r.history[0]:>10.4f} {r.fun:>12.8f}")
    print(f"largest difference between the two final points: {gap:.1e}")
    return {
        "params": 5 * hidden,
        "exact_fun": exact.fun,
        "numerical_fun": numeric.fun,
        "initial_fun": exact.history[0],
        "max_point_difference": gap,
        "exact_nfev": exact.nfev,
        "numerical_nfev": numeric.nfev,
    }


def main(
    *,
    sizes: Sequence[int] = (2, 10, 40),
    n_samples: int = 20,
    train_hidden: int = 2,
    train_steps: int = 300,
    seed: int = 0,
) -> dict[str, Any]:
    """Compare finite differences with backprop, then train with each.

    Args:
        sizes: hidden widths of the networks compared; each has ``5 * width``
            parameters (10, 50 and 200 by default).
        n_samples: data rows in each loss.
        train_hidden: hidden width of the network trained both ways.
        train_steps: momentum steps of each training run.
        seed: seeds the data and the parameters.

    Returns:
        ``table``: one dict per (size, method) with ``params``, ``method``, ``evals``,
        ``seconds``, ``slowdown`` (time over backprop's), ``max_abs_error`` and
        ``rel_error``; ``training``: ``exact_fun``, ``numerical_fun``, ``initial_fun``,
        ``max_point_difference``, ``exact_nfev``, ``numerical_nfev`` and ``params``.
    """
    print("accuracy and cost of one gradient of a tanh network's mse loss")
    table = accuracy_and_cost(sizes, n_samples, seed)
    central = [r for r in table if r["method"] == "central"]
    one_sided = [r for r in table if r["method"] in ("forward", "backward")]
    print(
        f"\nworst relative error: central {max(r['rel_error'] for r in central):.0e}, "
        f"one-sided {max(r['rel_error'] for r in one_sided):.0e} (O(h**2) vs O(h)).\n"
        f"central differences cost {central[0]['slowdown']:.0f}x backprop's time at "
        f"{central[0]['params']} parameters and {central[-1]['slowdown']:.0f}x at "
        f"{central[-1]['params']}:\n"
        "2n probes of f against one forward and one backward pass.\n"
    )
    print(f"training a {5 * train_hidden}-parameter network: {train_steps} momentum steps each")
    training = train_both_ways(train_hidden, n_samples, train_steps, seed)
    return {"table": table, "training": training}


if __name__ == "__main__":
    main()
