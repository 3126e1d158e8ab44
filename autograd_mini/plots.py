"""Plots of training: the loss curve and a 2-D classifier's decision boundary.

Both functions draw with matplotlib (``pip install "autograd-mini[plot]"``), imported
when first called, so ``import autograd_mini`` never needs it. They build a
``matplotlib.figure.Figure`` directly, without ``pyplot``: no window opens, no global
state changes and the user's backend is left alone. Each writes a PNG, SVG or PDF file
(by the suffix of the path) atomically: the path holds either its old content or the
complete new picture.

Example:
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = plot_loss([1.0, 0.5, 0.25, 0.2], os.path.join(tmp, "loss.png"))
    ...     out.read_bytes()[:4]
    b'\\x89PNG'
"""

from __future__ import annotations

import io
import math
import numbers
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._io import write_atomic
from .value import Value, _describe, no_grad

if TYPE_CHECKING:
    from matplotlib.figure import Figure  # type: ignore[import-not-found, unused-ignore]
    from matplotlib.ticker import MaxNLocator  # type: ignore[import-not-found, unused-ignore]

__all__ = ["plot_loss", "plot_decision_boundary"]

PathLike = str | os.PathLike[str]

_FORMATS = ("png", "svg", "pdf")
# Dates in the file would make every run's file differ.
_METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Date": None},
    "pdf": {"CreationDate": None},
}
_LOSS, _ACCURACY = "#1f77b4", "#ff7f0e"
# The classes' colours: two that stay apart for colour-blind eyes, then matplotlib's tab10.
_BINARY = ("#1f77b4", "#d62728")
_TAB10 = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


def plot_loss(
    history_or_losses: Any,
    path: PathLike,
    *,
    title: str | None = None,
    log_scale: bool | str = "auto",
) -> Path:
    """Plot the loss per epoch, with the accuracy on a second axis if there is one.

    Args:
        history_or_losses: a :class:`~autograd_mini.train.History` (its ``losses``,
            and its ``metrics["accuracy"]`` if present) or a sequence of losses.
        path: the file to write: ``.png``, ``.svg`` or ``.pdf``.
        title: the title; None for ``"training loss"`` and the number of epochs.
        log_scale: ``True`` or ``False`` for a logarithmic or linear loss axis;
            ``"auto"`` for logarithmic when every loss is positive and they span at
            least two decades.

    Returns:
        The path written, as a ``pathlib.Path``.

    Raises:
        ImportError: matplotlib is not installed.
        ValueError: no losses, a loss that is not a finite number, an unknown suffix,
            or ``log_scale=True`` with a loss <= 0.

    Example:
        >>> import os, tempfile
        >>> from autograd_mini import History
        >>> h = History(losses=[0.9, 0.4, 0.2, 0.1], metrics={"accuracy": [0.5, 0.75, 1.0, 1.0]})
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     out = plot_loss(h, os.path.join(tmp, "loss.svg"), title="XOR")
        ...     print(out.name, "<svg" in out.read_text(encoding="utf-8"))
        loss.svg True
    """
    losses, accuracy = _series(history_or_losses)
    target, kind = _target(path, "plot_loss")
    log = _log_scale(log_scale, losses)
    fig = _figure((6.4, 4.0))
    ax = fig.add_subplot()
    epochs = list(range(1, len(losses) + 1))
    marker = "o" if len(losses) <= 30 else None
    ax.plot(epochs, losses, color=_LOSS, marker=marker, markersize=3)
    ax.set_xlabel("epoch")
    # Each axis is coloured as its line, which a legend would only repeat.
    ax.set_ylabel("loss (log scale)" if log else "loss", color=_LOSS)
    ax.tick_params(axis="y", colors=_LOSS)
    if log:
        ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    ax.xaxis.set_major_locator(_integer_ticks())
    if accuracy:
        twin = ax.twinx()
        steps = list(range(1, len(accuracy) + 1))
        twin.plot(steps, accuracy, color=_ACCURACY, marker=marker, markersize=3)
        twin.set_ylabel("accuracy", color=_ACCURACY)
        twin.tick_params(axis="y", colors=_ACCURACY)
        twin.set_ylim(-0.02, 1.02)
    ax.set_title(title if title is not None else f"training loss ({len(losses):,} epochs)")
    return _save(fig, target, kind)


def plot_decision_boundary(
    model: Callable[[list[float]], Any],
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    path: PathLike,
    *,
    resolution: int = 100,
    title: str | None = None,
) -> Path:
    """Plot a 2-D classifier's decision regions with the data points coloured by label.

    The model is evaluated on a ``resolution`` x ``resolution`` grid covering the data
    (plus a margin), under :func:`~autograd_mini.no_grad`. With one output, the class is
    the sign of the score: ``score > 0`` is the larger of the two labels (1 for labels
    0/1 or -1/1), and the line ``score = 0`` is drawn. With several outputs, the class is
    the index of the largest, and the labels must be ``0 .. outputs - 1``. The regions
    are filled in the colour of their class, as are the points, and the title gives the
    model's accuracy on ``X``.

    Args:
        model: a callable taking ``[x1, x2]`` and returning a ``Value`` or a float, or
            a list of them (any :mod:`autograd_mini.nn` model with two inputs).
        X: the points, rows ``[x1, x2]``.
        y: their labels.
        path: the file to write: ``.png``, ``.svg`` or ``.pdf``.
        resolution: grid points per axis (>= 2); the model runs ``resolution ** 2`` times.
        title: the title; None for ``"decision boundary"`` and the accuracy.

    Returns:
        The path written, as a ``pathlib.Path``.

    Raises:
        ImportError: matplotlib is not installed.
        ValueError: empty or mismatched data, a row that is not two finite numbers,
            labels that the outputs cannot tell apart, a bad ``resolution`` or an
            unknown suffix.

    Example:
        >>> import os, tempfile
        >>> from autograd_mini import Value
        >>> model = lambda x: 2 * Value(x[0]) - x[1]  # class 1 where 2*x1 > x2
        >>> X, y = [[0.0, 1.0], [1.0, 0.0], [0.2, 1.5], [1.5, 0.5]], [0, 1, 0, 1]
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     out = plot_decision_boundary(model, X, y, os.path.join(tmp, "b.png"), resolution=20)
        ...     out.read_bytes()[:4]
        b'\\x89PNG'
    """
    points = _points(X)
    labels = list(y)
    if len(labels) != len(points):
        raise ValueError(
            f"plot_decision_boundary: X and y must have the same length "
            f"(got {len(points)} and {len(labels)})"
        )
    if type(resolution) is not int or resolution < 2:
        raise ValueError(
            f"plot_decision_boundary: resolution must be an int >= 2 (got {resolution!r})"
        )
    target, kind = _target(path, "plot_decision_boundary")
    fig = _figure((6.0, 5.0))  # before the model's many runs: a missing matplotlib fails fast
    (x_lo, x_hi), (y_lo, y_hi) = (_span([p[k] for p in points]) for k in (0, 1))
    xs = [x_lo + (x_hi - x_lo) * i / (resolution - 1) for i in range(resolution)]
    ys = [y_lo + (y_hi - y_lo) * j / (resolution - 1) for j in range(resolution)]
    with no_grad():
        grid = [[_scores(model([gx, gy])) for gx in xs] for gy in ys]
        fitted = [_scores(model(list(p))) for p in points]
    outputs = len(grid[0][0])
    if any(len(s) != outputs for row in grid for s in row):
        raise ValueError("plot_decision_boundary: the model gave outputs of different lengths")
    index = _class_index(labels, outputs)
    regions = max(outputs, 2)
    colours = _BINARY if regions == 2 else [_TAB10[k % 10] for k in range(regions)]
    right = sum(_predict(s) == index[label] for s, label in zip(fitted, labels))

    ax = fig.add_subplot()
    # Each class's region is where its margin (its score minus the best other score, or
    # +-score for one output) is positive. Contouring margins, not class numbers, gives
    # smooth boundaries and no phantom band of a middle class between two others.
    for k in range(regions):
        margin = [[_margin(s, k) for s in row] for row in grid]
        top = max(map(max, margin))
        if top > 0.0:
            ax.contourf(xs, ys, margin, levels=[0.0, 2.0 * top], colors=[colours[k]], alpha=0.3)
    if outputs == 1:
        scores = [[s[0] for s in row] for row in grid]
        if min(map(min, scores)) < 0.0 < max(map(max, scores)):
            ax.contour(xs, ys, scores, levels=[0.0], colors="black", linewidths=1.0)
    size = 36.0 if len(points) <= 200 else 12.0
    for label, k in sorted(index.items(), key=lambda item: item[1]):
        mine = [p for p, lab in zip(points, labels) if lab == label]
        ax.scatter(
            [p[0] for p in mine],
            [p[1] for p in mine],
            s=size,
            color=colours[k],
            edgecolors="black",
            linewidths=0.5,
            label=f"class {label}",
        )
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.legend(loc="best", framealpha=0.8)
    accuracy = f"accuracy {right / len(points):.1%} on {len(points):,} points"
    ax.set_title(title if title is not None else f"decision boundary ({accuracy})")
    return _save(fig, target, kind)


# --- helpers ---------------------------------------------------------------------------
def _figure(size: tuple[float, float]) -> Figure:
    """A new figure, not registered with pyplot (no window, no global state)."""
    try:
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError('plotting needs matplotlib: pip install "autograd-mini[plot]"') from e
    return Figure(figsize=size, dpi=100, layout="constrained")


def _integer_ticks() -> MaxNLocator:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def _save(fig: Figure, target: Path, kind: str) -> Path:
    from matplotlib import rc_context

    buffer = io.BytesIO()
    # A fixed salt makes the SVG's element ids, and so the file, the same on every run.
    with rc_context({"svg.hashsalt": "autograd_mini"}):
        fig.savefig(buffer, format=kind, metadata=_METADATA[kind])
    write_atomic(target, buffer.getvalue())
    return target


def _target(path: PathLike, where: str) -> tuple[Path, str]:
    target = Path(path)
    kind = target.suffix.lower().lstrip(".")
    if kind not in _FORMATS:
        raise ValueError(
            f"{where}: cannot tell the format of {str(target)!r} from its suffix; "
            "use a path ending in .png, .svg or .pdf"
        )
    return target, kind



def _finite(x: object, what: str) -> float:
    if isinstance(x, Value):
        x = x.data
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(float(x)):
        raise ValueError(f"{what} must be a finite number (got {_describe(x)})")
    return float(x)


def _series(source: Any) -> tuple[list[float], list[float]]:
    """The losses and the accuracies (maybe none) of a History or a sequence of losses."""
    if hasattr(source, "losses"):
        raw, accuracy = source.losses, getattr(source, "metrics", {}).get("accuracy") or []
    else:
        raw, accuracy = source, []
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence):
        raise ValueError(
            f"plot_loss: expected a History or a sequence of losses (got {_describe(source)})"
        )
    if not raw:
        raise ValueError("plot_loss: there are no losses to plot")
    losses = [_finite(v, f"plot_loss: the loss of epoch {i}") for i, v in enumerate(raw, 1)]
    accs = [_finite(v, f"plot_loss: the accuracy of epoch {i}") for i, v in enumerate(accuracy, 1)]
    return losses, accs


def _log_scale(log_scale: object, losses: list[float]) -> bool:
    positive = min(losses) > 0.0
    if log_scale == "auto":
        return positive and max(losses) >= 100.0 * min(losses)
    if log_scale is True:
        if not positive:
            raise ValueError(
                f"plot_loss: log_scale=True needs positive losses (the smallest is {min(losses)!r})"
            )
        return True
    if log_scale is False:
        return False
    raise ValueError(f"plot_loss: log_scale must be True, False or 'auto' (got {log_scale!r})")


def _points(X: object) -> list[tuple[float, float]]:
    if isinstance(X, (str, bytes)) or not isinstance(X, Sequence) or not X:
        raise ValueError("plot_decision_boundary: X must be a non-empty list of rows [x1, x2]")
    points = []
    for i, row in enumerate(X):
        if isinstance(row, (str, bytes)) or not isinstance(row, Sequence) or len(row) != 2:
            raise ValueError(
                f"plot_decision_boundary: each row of X must be two numbers [x1, x2] "
                f"(row {i} is {_describe(row)})"
            )
        where = f"plot_decision_boundary: X[{i}]"
        points.append((_finite(row[0], where), _finite(row[1], where)))
    return points


def _span(values: list[float]) -> tuple[float, float]:
    """The range of ``values`` with a margin of a tenth of its width (0.5 if it is 0)."""
    lo, hi = min(values), max(values)
    margin = 0.1 * (hi - lo) or 0.5
    return lo - margin, hi + margin


def _scores(out: object) -> list[float]:
    """A model's output as a list of floats: one score, or one per class."""
    outs = out if isinstance(out, (list, tuple)) else [out]
    if not outs:
        raise ValueError("plot_decision_boundary: the model returned no outputs")
    return [_finite(o, "plot_decision_boundary: each model output") for o in outs]


def _margin(scores: list[float], k: int) -> float:
    """How far class k leads: > 0 where it is predicted."""
    if len(scores) == 1:
        return scores[0] if k == 1 else -scores[0]
    return scores[k] - max(s for j, s in enumerate(scores) if j != k)


def _predict(scores: list[float]) -> int:
    if len(scores) == 1:
        return 1 if scores[0] > 0.0 else 0
    return max(range(len(scores)), key=scores.__getitem__)


def _class_index(labels: list[Any], outputs: int) -> dict[Any, int]:
    """Each label's predicted index: 0 or 1 (the sign) for one output, else the label."""
    found = sorted(set(labels))
    if outputs == 1:
        if len(found) > 2:
            raise ValueError(
                f"plot_decision_boundary: a model with one output separates two classes, but "
                f"y has {len(found)} labels ({_shown(found)}); use one output per class"
            )
        if len(found) == 2:
            return {found[0]: 0, found[1]: 1}
        return {found[0]: 1 if found[0] > 0 else 0}  # one label: positive means score > 0
    wrong = [
        lab for lab in found if not (isinstance(lab, numbers.Integral) and 0 <= int(lab) < outputs)
    ]
    if wrong:
        raise ValueError(
            f"plot_decision_boundary: with {outputs} outputs the labels must be the ints "
            f"0 to {outputs - 1} (got {_shown(wrong)})"
        )
    return {lab: int(lab) for lab in found}


def _shown(values: list[Any]) -> str:
    return ", ".join(repr(v) for v in values[:5]) + (", ..." if len(values) > 5 else "")
