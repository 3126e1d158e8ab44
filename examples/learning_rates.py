"""Choosing a learning rate: too small, good, too large and divergent, side by side.

Gradient descent on the quadratic bowl f(x, y) = (x**2 + 10*y**2) / 2, whose Hessian has
eigenvalues mu = 1 and L = 10 (condition number 10), from the same start with four
learning rates. Along each eigenvector a step multiplies the distance to the minimum by
(1 - lr * eigenvalue), so descent is stable iff lr < 2/L = 0.2 and fastest at
lr = 2/(L + mu) = 0.18:

* lr = 0.003: every factor is near 1 (0.997 along x): slow, far from converged after
  1000 steps;
* lr = 0.18: both factors are 0.82 in size: converged in about 130 steps;
* lr = 0.195: along y the factor is -0.95: the iterate zig-zags across the valley;
* lr = 0.25: along y the factor is -1.5: it diverges, and ``minimize`` stops when f
  overflows, with ``success=False``, keeping the last point where f was finite.

Then the same for ``fit``: linear regression with a learning rate past 2/L stops with a
``RuntimeWarning`` and the last finite parameters.

Run it (the pictures need matplotlib)::

    python examples/learning_rates.py
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

from autograd_mini import fit, minimize, nn, optim, plots
from autograd_mini.datasets import make_regression

START = [-4.5, 1.2]
L, MU = 10.0, 1.0
RATES = [("too small", 0.003), ("good: 2/(L+mu)", 0.18), ("too large", 0.195), ("divergent", 0.25)]


def bowl(x: Any, y: Any) -> Any:
    """The quadratic with Hessian diag(1, 10)."""
    return 0.5 * (x * x + 10.0 * y * y)


def descend(lr: float, max_iter: int) -> dict[str, Any]:
    """Gradient descent with one learning rate: the result, and every point visited."""
    result = minimize(bowl, START, method="gd", lr=lr, max_iter=max_iter, tol=None, gtol=1e-8)
    path = result.path  # every point visited, from START to result.x
    # What one step does to each coordinate: the factors (1 - lr * eigenvalue) of the theory.
    x_factor, y_factor = (path[1][k] / path[0][k] for k in (0, 1))
    return {
        "lr": lr,
        "success": result.success,
        "iterations": result.nit,
        "fun": result.fun,
        "x": result.x,
        "message": result.message,
        "x_factor": x_factor,
        "y_factor": y_factor,
        "path": path,
        "history": result.history,
    }


def diverging_fit() -> dict[str, Any]:
    """Linear regression by fit with lr past its stability limit: a warning, finite weights."""
    X, y, _ = make_regression(40, 2, coef=[3.0, -2.0], bias=1.0, seed=0)
    model = nn.Linear(2, 1, seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = fit(model, X, y, loss="mse", optimizer=optim.SGD(model.parameters(), lr=2.5),
                      epochs=500, progress=False)
    return {
        "diverged": history.diverged,
        "warning": [str(w.message) for w in caught if w.category is RuntimeWarning],
        "epochs": history.epochs,
        "finite": all(math.isfinite(p.data) for p in model.parameters()),
    }


def draw(runs: list[dict[str, Any]], out: Path) -> list[Path]:
    """The four paths as contour panels, and f along each run, into ``out``."""
    from matplotlib.figure import Figure

    out.mkdir(parents=True, exist_ok=True)
    panels = Figure(figsize=(9.0, 6.2), dpi=72, layout="constrained")
    for ax, (name, _), run in zip(panels.subplots(2, 2).flat, RATES, runs):
        end = f"{run['iterations']} steps, f = {run['fun']:.2g}"
        plots.plot_contour(bowl, [run["path"]], labels=[f"lr {run['lr']:g}"], ax=ax,
                           xlim=(-5.0, 5.0), ylim=(-2.2, 2.2), n_levels=12, resolution=80,
                           title=f"{name}: {end}")
    curves = Figure(figsize=(6.4, 3.6), dpi=72, layout="constrained")
    ax = curves.add_subplot()
    for (name, _), run in zip(RATES, runs):
        shown = [min(f, 1e12) for f in run["history"]]  # the axis ends at 1e10 anyway
        ax.plot(shown, label=f"lr {run['lr']:g} ({name})", linewidth=1.5)
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("f (log scale)")
    ax.set_ylim(1e-18, 1e10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title("f along each run (the divergent one stops when f overflows)")
    written = [out / "learning_rates_paths.png", out / "learning_rates_loss.png"]
    for fig, path in zip((panels, curves), written):
        fig.savefig(path, metadata={"Software": None})
    return written


def main(*, max_iter: int = 1000, out: str | None = "learning_rates") -> dict[str, Any]:
    """Run the four rates and the diverging fit, print a table, draw the pictures."""
    print(f"f(x, y) = (x**2 + 10*y**2) / 2 from {START}: stable iff lr < 2/L = {2 / L:g}, "
          f"fastest at 2/(L+mu) = {2 / (L + MU):.3g}")
    runs = [descend(lr, max_iter) for _, lr in RATES]
    print(f"{'':16} {'lr':>6} {'x factor':>9} {'y factor':>9} {'steps':>6} {'f at the end':>13}"
          "  success")
    for (name, lr), run in zip(RATES, runs):
        print(f"{name:16} {lr:6g} {run['x_factor']:9.3g} {run['y_factor']:9.3g} "
              f"{run['iterations']:6d} {run['fun']:13.3g}  {run['success']}")
    print(f"divergent run: {runs[-1]['message']}")
    fitted = diverging_fit()
    print(f"fit with lr 2.5: {fitted['warning'][0] if fitted['warning'] else 'no warning'}")
    pictures = [] if out is None else draw(runs, Path(out))
    for path in pictures:
        print(f"wrote {path}")
    return {"runs": runs, "fit": fitted, "pictures": pictures}


if __name__ == "__main__":
    main()
