"""Plots of training and of optimization: loss curves, decision boundaries, descent paths.

``plot_loss`` and ``plot_decision_boundary`` draw the end of a training run;
``plot_contour`` draws the paths of gradient descent over a two-variable function; and
``TrainingRecorder`` with ``animate_training`` makes a GIF of a classifier learning, its
decision boundary moving epoch by epoch beside its loss curve.

Every function draws with matplotlib (``pip install "autograd-mini[plot]"``), imported
when first called, so ``import autograd_mini`` never needs it. They build a
``matplotlib.figure.Figure`` directly, without ``pyplot``: no window opens, no global
state changes and the user's backend is left alone. Each writes a PNG, SVG or PDF file
(by the suffix of the path) atomically: the path holds either its old content or the
complete new picture. The pictures returned (``plot_contour``'s figure, the
``Animation``) display inline in Jupyter through their own ``_repr_png_`` and
``_repr_html_``, with no IPython setup such as ``%matplotlib inline``.

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
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._io import write_atomic
from .value import Value, _describe, no_grad

if TYPE_CHECKING:
    from matplotlib.axes import Axes  # type: ignore[import-not-found, unused-ignore]
    from matplotlib.figure import Figure  # type: ignore[import-not-found, unused-ignore]
    from matplotlib.ticker import MaxNLocator  # type: ignore[import-not-found, unused-ignore]

__all__ = [
    "plot_loss",
    "plot_decision_boundary",
    "plot_contour",
    "TrainingRecorder",
    "animate_training",
    "Animation",
]

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

# --- gradient descent over a surface ---------------------------------------------------
# The paths' colours: apart from each other and from the viridis contours beneath them.
_PATHS = ("#d62728", "#ff7f0e", "#e377c2", "#000000", "#8c564b", "#17becf", "#7f7f7f")
# Log-spaced levels cover this many decades of f - min f.
_DECADES = 4.0


def plot_contour(
    f: Callable[[float, float], Any],
    paths: Iterable[Any] = (),
    *,
    labels: Sequence[str] | None = None,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    levels: str | Sequence[float] = "log",
    n_levels: int = 20,
    resolution: int = 120,
    xlabel: str = "x",
    ylabel: str = "y",
    title: str | None = None,
    path: PathLike | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Draw a function of two variables as contours, with the paths of descent runs over it.

    ``f`` is evaluated on a ``resolution`` x ``resolution`` grid under
    :func:`~autograd_mini.no_grad`, on plain floats (or on ``Value``s if ``f`` needs
    their methods). Where it is undefined (a ``ValueError`` or an ``ArithmeticError``,
    a complex or non-finite result) the plot has a gap. Each run is drawn as a line
    through its points in its own colour, its start as a white circle and its end as a
    star; the legend names the runs.

    Args:
        f: the function, ``f(x, y)`` returning a float or a ``Value``.
        paths: the runs to draw, each an :class:`~autograd_mini.OptimizeResult` with a
            ``path`` or a sequence of points ``[x, y]``. For one run pass ``[run]``.
            Points that are not finite (a diverged run) are left out.
        labels: one legend label per run; None for ``"run 1"``, ``"run 2"``, ...
        xlim: the x range ``(low, high)``; None to cover the paths with a margin.
        ylim: the y range; None to cover the paths with a margin.
        levels: ``"log"`` for ``n_levels`` levels log-spaced over ``_DECADES`` = 4
            decades of ``f - min f`` (the valleys of ill-conditioned functions stay
            visible), ``"linear"`` for evenly spaced ones, or the levels themselves.
        n_levels: how many levels ``"log"`` and ``"linear"`` draw (>= 2).
        resolution: grid points per axis (>= 2).
        xlabel: the x axis's name.
        ylabel: the y axis's name.
        title: the title; None for ``"gradient descent on f"`` (or ``"contours of f"``
            without runs).
        path: a ``.png``, ``.svg`` or ``.pdf`` file to write the figure to, atomically;
            None to write nothing.
        ax: a matplotlib ``Axes`` to draw in (for side-by-side panels); None for a new
            figure.

    Returns:
        The matplotlib ``Figure`` (``ax``'s figure if given). It displays inline in
        Jupyter by its ``_repr_png_``, even without IPython's matplotlib integration.

    Raises:
        ImportError: matplotlib is not installed.
        ValueError: a malformed run or point, labels that do not match the runs, no
            range (no ``xlim``/``ylim`` and no path), a bad range, level setting or
            ``resolution``, an unknown suffix, or ``f`` undefined on the whole grid.
        TypeError: ``f`` returned something that is not a number.

    Example:
        >>> import os, tempfile
        >>> bowl = lambda x, y: x ** 2 + 10 * y ** 2
        >>> run = [[2.0, 1.0], [1.6, -0.6], [1.28, 0.36], [1.02, -0.22]]
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     fig = plot_contour(bowl, [run], labels=["lr 0.1"], path=os.path.join(tmp, "c.png"))
        ...     os.listdir(tmp)
        ['c.png']
        >>> fig._repr_png_()[:4]
        b'\\x89PNG'
    """
    where = "plot_contour"
    for name, n, low in (("resolution", resolution, 2), ("n_levels", n_levels, 2)):
        if type(n) is not int or n < low:
            raise ValueError(f"{where}: {name} must be an int >= {low} (got {n!r})")
    runs = _runs(paths)
    if labels is None:
        names = [f"run {k}" for k in range(1, len(runs) + 1)]
    else:
        names = [str(label) for label in labels]
        if isinstance(labels, str) or len(names) != len(runs):
            raise ValueError(
                f"{where}: give one label per run ({len(runs)} runs, labels {labels!r})"
            )
    target = None if path is None else _target(path, where)
    points = [p for run in runs for p in run]
    if (xlim is None or ylim is None) and not points:
        raise ValueError(f"{where}: give xlim and ylim, or at least one path to cover")
    x_lo, x_hi = _limits(xlim, "xlim") if xlim is not None else _span([p[0] for p in points])
    y_lo, y_hi = _limits(ylim, "ylim") if ylim is not None else _span([p[1] for p in points])
    if xlim is None and ylim is None:  # no sliver of a picture for a nearly straight path
        x_lo, x_hi, y_lo, y_hi = _not_too_thin(x_lo, x_hi, y_lo, y_hi)
    if ax is None:
        fig = _figure((6.4, 5.0))
        ax = fig.add_subplot()
    else:
        fig = ax.figure.figure  # the Figure itself, also when ax is in a SubFigure

    xs = [x_lo + (x_hi - x_lo) * i / (resolution - 1) for i in range(resolution)]
    ys = [y_lo + (y_hi - y_lo) * j / (resolution - 1) for j in range(resolution)]
    z = _grid(f, xs, ys, where)
    finite = [v for row in z for v in row if not math.isnan(v)]
    if not finite:
        raise ValueError(f"{where}: f is undefined (or not finite) everywhere on the grid")
    chosen = _levels(levels, n_levels, min(finite), max(finite), where)
    if len(chosen) >= 2:
        from matplotlib import colormaps
        from numpy import array, ma

        cmap = colormaps["viridis"]
        grid = ma.masked_invalid(array(z))
        shades = [cmap(k / (len(chosen) - 1)) for k in range(len(chosen))]
        ax.contourf(xs, ys, grid, levels=chosen, colors=shades[:-1], alpha=0.25)
        ax.contour(xs, ys, grid, levels=chosen, colors=shades, linewidths=0.8)

    box = (x_lo, x_hi, y_lo, y_hi)
    for k, (run, name) in enumerate(zip(runs, names)):
        colour = _PATHS[k % len(_PATHS)]
        shown = _in_reach(run, box)
        px, py = [p[0] for p in shown], [p[1] for p in shown]
        marker = "o" if len(shown) <= 150 else None
        ax.plot(px, py, color=colour, linewidth=1.5, marker=marker, markersize=2.5, label=name)
        ax.plot(px[:1], py[:1], "o", markersize=8, markerfacecolor="white",
                markeredgecolor=colour, markeredgewidth=2.0, zorder=4)
        ax.plot(run[-1][0], run[-1][1], "*", markersize=14, color=colour,
                markeredgecolor="black", markeredgewidth=0.7, zorder=5)
    if runs:
        from matplotlib.lines import Line2D

        handles, _ = ax.get_legend_handles_labels()
        handles += [
            Line2D([], [], linestyle="none", marker="o", markersize=8,
                   markerfacecolor="white", markeredgecolor="black", label="start"),
            Line2D([], [], linestyle="none", marker="*", markersize=12, color="black",
                   label="end"),
        ]
        ax.legend(handles=handles, loc="best", fontsize="small", framealpha=0.85)
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    spacing = {"log": "log-spaced", "linear": "evenly spaced"}.get(str(levels), "given")
    what = "gradient descent on f" if runs else "contours of f"
    default = f"{what} ({spacing} levels)"
    ax.set_title(title if title is not None else default)
    if target is not None:
        _save(fig, *target)
    return fig


# --- training, animated ----------------------------------------------------------------
class TrainingRecorder:
    """A ``fit`` callback that records a model's parameters after every epoch.

    Recording is cheap (one list of floats per epoch); the pictures are drawn later by
    :func:`animate_training`, for the few epochs it shows. The state before training is
    recorded as epoch 0 when the recorder is made, so make it just before ``fit``.

    Attributes:
        model: the model being trained.
        X: the data points, rows ``[x1, x2]``.
        y: their labels.
        epochs: the epochs recorded, starting with 0.
        losses: the loss ``fit`` reported for each epoch after 0 (NaN if none).

    Example:
        >>> from autograd_mini import fit, optim
        >>> from autograd_mini.nn import MLP
        >>> X, y = [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0]], [0, 1, 0]
        >>> model = MLP(2, [3, 1], seed=0)
        >>> sgd = optim.SGD(model.parameters(), lr=0.1)
        >>> recorder = TrainingRecorder(model, X, y)
        >>> _ = fit(model, X, y, loss="hinge", optimizer=sgd, epochs=3, progress=False,
        ...         callbacks=[recorder])
        >>> recorder.epochs, len(recorder.losses)
        ([0, 1, 2, 3], 3)
    """

    def __init__(self, model: Callable[[list[float]], Any], X: Sequence[Sequence[float]],
                 y: Sequence[Any]) -> None:
        where = "TrainingRecorder"
        parameters = getattr(model, "parameters", None)
        if not callable(model) or not callable(parameters):
            raise TypeError(
                f"{where}: model must be callable and have parameters(), as autograd_mini.nn "
                f"models do (got {_describe(model)})"
            )
        self.model = model
        self.X = _points(X, where)
        self.y = list(y)
        if len(self.y) != len(self.X):
            raise ValueError(
                f"{where}: X and y must have the same length (got {len(self.X)} and {len(self.y)})"
            )
        self._params: list[Value] = list(parameters())
        self.epochs: list[int] = [0]
        self.losses: list[float] = []
        self._states: list[list[float]] = [[p.data for p in self._params]]

    def __call__(self, epoch: int, logs: dict[str, float]) -> None:
        """Record the parameters after ``epoch`` and its loss (``fit`` calls this)."""
        self.epochs.append(epoch)
        self._states.append([p.data for p in self._params])
        loss = logs.get("loss", math.nan)
        self.losses.append(float(loss) if isinstance(loss, numbers.Real) else math.nan)

    def __repr__(self) -> str:
        return f"TrainingRecorder({len(self.epochs) - 1} epochs recorded, {len(self.X)} points)"


class Animation:
    """A GIF, as ``animate_training`` made it: displays inline in Jupyter, saves to a file.

    Attributes:
        data: the GIF file's bytes.
        epochs: the epoch each frame shows.
        size: the width and height in pixels.
        path: the file written, or None.

    Example:
        >>> a = Animation(b"GIF89a...", epochs=[0, 5], size=(8, 4))
        >>> a
        Animation(2 frames: epochs 0 to 5, 8x4 pixels, 9 bytes)
        >>> a._repr_html_()[:32]
        '<img src="data:image/gif;base64,'
    """

    def __init__(self, data: bytes, *, epochs: Sequence[int], size: tuple[int, int],
                 path: Path | None = None) -> None:
        self.data = data
        self.epochs = list(epochs)
        self.size = size
        self.path = path

    def save(self, path: PathLike) -> Path:
        """Write the GIF to ``path`` atomically.

        Args:
            path: the file to write; it must end in ``.gif``.

        Returns:
            The path written, as a ``pathlib.Path``.

        Raises:
            ValueError: the path does not end in ``.gif``.
        """
        target = _gif_target(path, "Animation.save")
        write_atomic(target, self.data)
        return target

    def _repr_html_(self) -> str:
        import base64

        encoded = base64.b64encode(self.data).decode("ascii")
        width, height = self.size
        return (
            f'<img src="data:image/gif;base64,{encoded}" width="{width}" height="{height}" '
            f'alt="training, {self._span()}">'
        )

    def _span(self) -> str:
        if not self.epochs:
            return "no frames"
        return f"epochs {self.epochs[0]} to {self.epochs[-1]}"

    def __repr__(self) -> str:
        width, height = self.size
        return (
            f"Animation({len(self.epochs)} frames: {self._span()}, {width}x{height} pixels, "
            f"{len(self.data):,} bytes)"
        )


def animate_training(
    recorder: TrainingRecorder,
    path: PathLike | None = None,
    *,
    max_frames: int = 40,
    fps: float = 10.0,
    resolution: int = 30,
    dpi: int = 80,
    title: str | None = None,
) -> Animation:
    """A GIF of a 2-D classifier learning: its decision boundary beside its loss curve.

    At most ``max_frames`` of the recorded epochs are shown, evenly spread and always
    including the first and the last. For each, the recorded parameters are put back in
    the model for the time of drawing its decision regions (as
    :func:`plot_decision_boundary` draws them) on a ``resolution`` x ``resolution`` grid;
    the model's own parameters are restored afterwards. The loss curve grows frame by
    frame on fixed axes. The first frame is held 0.8 s and the last 2 s.

    Cost: ``frames * resolution ** 2`` forward passes and one small picture per frame;
    for micrograd's demo network with the defaults, about 3 s and 0.5 MB.

    Args:
        recorder: the :class:`TrainingRecorder` that was passed to ``fit``.
        path: a ``.gif`` file to write atomically; None to write nothing.
        max_frames: the most frames to show (>= 2).
        fps: frames per second (0 < fps <= 50; GIF timing is in hundredths of a second).
        resolution: grid points per axis of the decision regions (>= 2).
        dpi: pixels per inch; the picture is 8 x 3.4 inches (640x272 pixels at 80).
        title: a title above both panels; None for none.

    Returns:
        An :class:`Animation`: displays inline in Jupyter and has ``.save(path)``.

    Raises:
        ImportError: matplotlib (or Pillow, which it brings) is not installed.
        TypeError: ``recorder`` is not a :class:`TrainingRecorder`.
        ValueError: a bad ``max_frames``, ``fps``, ``resolution`` or ``dpi``, a path not
            ending in ``.gif``, or labels the model's outputs cannot tell apart.

    Example:
        >>> from autograd_mini import fit, optim
        >>> from autograd_mini.nn import MLP
        >>> X, y = [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.2]], [0, 1, 0, 1]
        >>> model = MLP(2, [4, 1], seed=0)
        >>> sgd = optim.SGD(model.parameters(), lr=0.1)
        >>> recorder = TrainingRecorder(model, X, y)
        >>> _ = fit(model, X, y, loss="hinge", optimizer=sgd, epochs=5, progress=False,
        ...         callbacks=[recorder])
        >>> gif = animate_training(recorder, max_frames=3, resolution=8, dpi=40)
        >>> gif.epochs, gif.data[:6]
        ([0, 2, 5], b'GIF89a')
    """
    where = "animate_training"
    if not isinstance(recorder, TrainingRecorder):
        raise TypeError(
            f"{where}: expected a TrainingRecorder passed to fit(callbacks=[...]) "
            f"(got {_describe(recorder)})"
        )
    for name, n, low, high in (("max_frames", max_frames, 2, 10_000),
                               ("resolution", resolution, 2, 1_000), ("dpi", dpi, 10, 600)):
        if type(n) is not int or not low <= n <= high:
            raise ValueError(f"{where}: {name} must be an int from {low} to {high} (got {n!r})")
    if isinstance(fps, bool) or not isinstance(fps, numbers.Real) or not 0.0 < fps <= 50.0:
        raise ValueError(f"{where}: fps must be a number in (0, 50] (got {_describe(fps)})")
    target = None if path is None else _gif_target(path, where)
    fig = _figure((8.0, 3.4))  # before the many forward passes: a missing matplotlib fails fast
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    fig.set_dpi(dpi)
    chosen = _frames(len(recorder.epochs), max_frames)
    points, labels = recorder.X, recorder.y
    (x_lo, x_hi), (y_lo, y_hi) = (_span([p[k] for p in points]) for k in (0, 1))
    xs = [x_lo + (x_hi - x_lo) * i / (resolution - 1) for i in range(resolution)]
    ys = [y_lo + (y_hi - y_lo) * j / (resolution - 1) for j in range(resolution)]
    with no_grad():  # the labels must suit the outputs: fail before the many forward passes
        outputs = len(_scores(recorder.model(list(points[0]))))
    index = _class_index(labels, outputs)
    grids, accuracies = [], []
    params = recorder._params
    now = [p.data for p in params]
    try:
        with no_grad():
            for i in chosen:
                for p, v in zip(params, recorder._states[i]):
                    p.data = v
                grids.append([[_scores(recorder.model([gx, gy])) for gx in xs] for gy in ys])
                fitted = [_scores(recorder.model(list(p))) for p in points]
                accuracies.append(fitted)
    finally:
        for p, v in zip(params, now):
            p.data = v
    regions = max(outputs, 2)
    colours = _BINARY if regions == 2 else [_TAB10[k % 10] for k in range(regions)]

    left, right = fig.subplots(1, 2, width_ratios=[1.0, 1.15])
    size = 20.0 if len(points) <= 200 else 6.0
    dots = []
    for label, k in sorted(index.items(), key=lambda item: item[1]):
        mine = [p for p, lab in zip(points, labels) if lab == label]
        dots.append(left.scatter([p[0] for p in mine], [p[1] for p in mine], s=size,
                                 color=colours[k], edgecolors="black", linewidths=0.5))
    left.set_xlim(x_lo, x_hi)
    left.set_ylim(y_lo, y_hi)
    left.set_xticks([])
    left.set_yticks([])
    left.set_xlabel("x1")
    left.set_ylabel("x2")
    left.set_title("decision boundary", fontsize=10)

    losses = recorder.losses
    shown = [v for v in losses if math.isfinite(v)]
    last = recorder.epochs[-1]
    right.set_xlim(0, max(last, 1))
    right.set_xlabel("epoch")
    right.set_ylabel("loss")
    right.set_title("training loss", fontsize=10)
    right.grid(True, alpha=0.3)
    right.xaxis.set_major_locator(_integer_ticks())
    if shown:
        if _log_scale("auto", shown):
            right.set_yscale("log")
            right.set_ylim(min(shown) / 1.5, max(shown) * 1.5)
        else:
            pad = 0.05 * (max(shown) - min(shown)) or 0.5
            right.set_ylim(min(shown) - pad, max(shown) + pad)
    (curve,) = right.plot([], [], color=_LOSS, linewidth=1.5)
    (dot,) = right.plot([], [], "o", color=_LOSS, markersize=5)
    box = {"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 2.0}
    epoch_text = left.text(0.03, 0.97, "", transform=left.transAxes, ha="left", va="top",
                           fontsize=9, bbox=box)
    loss_text = right.text(0.97, 0.97, "", transform=right.transAxes, ha="right", va="top",
                           fontsize=9, bbox=box)
    if title is not None:
        fig.suptitle(title)

    # Blitting: the axes, ticks and labels are drawn once; each frame restores that
    # background and draws only what moves (regions, boundary, points, curve, texts),
    # several times faster than drawing the whole figure 40 times.
    moving = [*dots, curve, dot, epoch_text, loss_text]
    for artist in moving:
        artist.set_animated(True)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    fig.set_layout_engine("none")  # fixed axes from now on: no jitter between frames
    background = canvas.copy_from_bbox(fig.bbox)
    frames = []
    for i, grid, fitted in zip(chosen, grids, accuracies):
        canvas.restore_region(background)
        drawn = []
        for k in range(regions):
            margin = [[_margin(s, k) for s in row] for row in grid]
            top = max(map(max, margin))
            if top > 0.0:
                drawn.append(left.contourf(xs, ys, margin, levels=[0.0, 2.0 * top],
                                           colors=[colours[k]], alpha=0.3))
        if outputs == 1:
            scores = [[s[0] for s in row] for row in grid]
            if min(map(min, scores)) < 0.0 < max(map(max, scores)):
                drawn.append(left.contour(xs, ys, scores, levels=[0.0], colors="black",
                                          linewidths=1.0))
        right_count = sum(_predict(s) == index[lab] for s, lab in zip(fitted, labels))
        epoch_text.set_text(f"epoch {recorder.epochs[i]}: "
                            f"accuracy {right_count / len(points):.0%}")
        upto = [(e, v) for e, v in zip(recorder.epochs[1 : i + 1], losses[:i])
                if math.isfinite(v)]
        curve.set_data([e for e, _ in upto], [v for _, v in upto])
        dot.set_data([e for e, _ in upto[-1:]], [v for _, v in upto[-1:]])
        loss_text.set_text(f"epoch {upto[-1][0]}: loss {upto[-1][1]:.4g}" if upto
                           else "before training")
        for artist in [*drawn, *dots, epoch_text]:
            left.draw_artist(artist)
        for artist in (curve, dot, loss_text):
            right.draw_artist(artist)
        for artist in drawn:
            artist.remove()
        rgba = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
        frames.append(rgba.convert("RGB").quantize(colors=64, method=Image.Quantize.FASTOCTREE))
    width, height = frames[0].size
    step = round(1000.0 / fps)
    durations = [step] * len(frames)
    durations[0], durations[-1] = max(step, 800), max(step, 2000)
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:],
                   duration=durations, loop=0)
    data = buffer.getvalue()
    if target is not None:
        write_atomic(target, data)
    return Animation(data, epochs=[recorder.epochs[i] for i in chosen], size=(width, height),
                     path=target)


# --- helpers ---------------------------------------------------------------------------
def _figure(size: tuple[float, float]) -> Figure:
    """A new figure, not registered with pyplot (no window, no global state)."""
    try:
        import matplotlib.figure
    except ImportError as e:
        raise ImportError('plotting needs matplotlib: pip install "autograd-mini[plot]"') from e
    global _DisplayFigure
    if _DisplayFigure is None:
        _DisplayFigure = _displayable(matplotlib.figure.Figure)
    figure: Figure = _DisplayFigure(figsize=size, dpi=100, layout="constrained")
    return figure


# The Figure subclass that shows itself inline; made on first use, when matplotlib loads.
_DisplayFigure: Any = None


def _displayable(base: Any) -> Any:
    """``base`` (matplotlib's Figure) with a ``_repr_png_``, so that Jupyter shows it.

    IPython draws a plain Figure only once its matplotlib integration is set up (pyplot
    with the inline backend); the figures here never touch pyplot, so they carry their
    own PNG.
    """

    def _repr_png_(self: Any) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", metadata=_METADATA["png"])
        return buffer.getvalue()

    cls = type("_DisplayFigure", (base,), {"_repr_png_": _repr_png_, "__module__": __name__})
    return cls


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


def _points(X: object, where: str = "plot_decision_boundary") -> list[tuple[float, float]]:
    if isinstance(X, (str, bytes)) or not isinstance(X, Sequence) or not X:
        raise ValueError(f"{where}: X must be a non-empty list of rows [x1, x2]")
    points = []
    for i, row in enumerate(X):
        if isinstance(row, (str, bytes)) or not isinstance(row, Sequence) or len(row) != 2:
            raise ValueError(
                f"{where}: each row of X must be two numbers [x1, x2] "
                f"(row {i} is {_describe(row)})"
            )
        at = f"{where}: X[{i}]"
        points.append((_finite(row[0], at), _finite(row[1], at)))
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


def _runs(paths: object) -> list[list[tuple[float, float]]]:
    """Each run's finite points: a run is an OptimizeResult-like ``.path`` or a point list."""
    if hasattr(paths, "path") or isinstance(paths, (str, bytes)) or not isinstance(paths, Iterable):
        raise ValueError(
            f"plot_contour: paths must be a list of runs (got {_describe(paths)}); "
            "for one run pass [run]"
        )
    runs = []
    for i, run in enumerate(paths, 1):
        points = getattr(run, "path", run)
        if points is None or isinstance(points, (str, bytes)) or not isinstance(points, Iterable):
            raise ValueError(
                f"plot_contour: run {i} must be a list of points [x, y] or have a .path "
                f"(got {_describe(run)})"
            )
        kept = []
        for j, point in enumerate(points):
            flat = isinstance(point, (str, bytes)) or not isinstance(point, Sequence)
            if flat or len(point) != 2:
                raise ValueError(
                    f"plot_contour: each point must be two numbers [x, y] (point {j} of run {i} "
                    f"is {_describe(point)}); for one run pass [run]"
                )
            x, y = (_number(v, f"plot_contour: point {j} of run {i}") for v in point)
            if math.isfinite(x) and math.isfinite(y):  # a diverged run's last steps
                kept.append((x, y))
        if not kept:
            raise ValueError(f"plot_contour: run {i} has no finite point to draw")
        runs.append(kept)
    return runs


def _number(x: object, what: str) -> float:
    """A real number (finite or not) as a float."""
    if isinstance(x, Value):
        x = x.data
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise ValueError(f"{what} must hold numbers (got {_describe(x)})")
    return float(x)


def _limits(lim: object, name: str) -> tuple[float, float]:
    if isinstance(lim, (str, bytes)) or not isinstance(lim, Sequence) or len(lim) != 2:
        raise ValueError(f"plot_contour: {name} must be (low, high) (got {_describe(lim)})")
    lo, hi = (_finite(v, f"plot_contour: each end of {name}") for v in lim)
    if not lo < hi:
        raise ValueError(f"plot_contour: {name} must have low < high (got {lim!r})")
    return lo, hi


def _not_too_thin(
    x_lo: float, x_hi: float, y_lo: float, y_hi: float
) -> tuple[float, float, float, float]:
    """Widen the narrower range to a quarter of the wider, so the surface around shows."""
    w, h = x_hi - x_lo, y_hi - y_lo
    if h < w / 4:
        mid, h = (y_lo + y_hi) / 2, w / 4
        y_lo, y_hi = mid - h / 2, mid + h / 2
    elif w < h / 4:
        mid, w = (x_lo + x_hi) / 2, h / 4
        x_lo, x_hi = mid - w / 2, mid + w / 2
    return x_lo, x_hi, y_lo, y_hi


def _grid(
    f: Callable[..., Any], xs: list[float], ys: list[float], where: str
) -> list[list[float]]:
    """``f`` on the grid, NaN where it is undefined; on floats, or on Values if it needs them."""
    wrap: Callable[[float], Any] = float
    with no_grad():
        try:
            f(xs[0], ys[0])
        except (TypeError, AttributeError):  # f calls Value methods (x.tanh(), ...)
            wrap = Value
        except (ArithmeticError, ValueError):
            pass
        return [[_at(f, wrap(x), wrap(y), where) for x in xs] for y in ys]


def _at(f: Callable[..., Any], x: Any, y: Any, where: str) -> float:
    try:
        out = f(x, y)
    except (ArithmeticError, ValueError):  # outside f's domain: a gap in the picture
        return math.nan
    if isinstance(out, Value):
        out = out.data
    if isinstance(out, complex):  # (-1.0) ** 0.5 on floats: outside the real domain
        return math.nan
    if isinstance(out, bool) or not isinstance(out, numbers.Real):
        raise TypeError(f"{where}: f must return a number or a Value (got {_describe(out)})")
    value = float(out)
    return value if math.isfinite(value) else math.nan


def _levels(levels: object, n: int, lo: float, hi: float, where: str) -> list[float]:
    """The contour levels: log-spaced over ``_DECADES`` decades of f - lo, linear, or given."""
    if levels == "log" or levels == "linear":
        span = hi - lo
        if span <= 0.0:
            return []  # a flat function: nothing to contour
        if levels == "linear":
            return [lo + span * (k + 1) / (n + 1) for k in range(n)]
        return [lo + span * 10.0 ** (_DECADES * (k / (n - 1) - 1.0)) for k in range(n)]
    if isinstance(levels, (str, bytes)) or not isinstance(levels, Sequence) or len(levels) < 2:
        raise ValueError(
            f"{where}: levels must be 'log', 'linear' or at least two numbers "
            f"(got {_describe(levels)})"
        )
    values = [_finite(v, f"{where}: each level") for v in levels]
    if any(b <= a for a, b in zip(values, values[1:])):
        raise ValueError(f"{where}: levels must increase (got {list(levels)!r})")
    return values


def _in_reach(run: list[tuple[float, float]], box: tuple[float, float, float, float]) -> list[
    tuple[float, float]
]:
    """The run up to its first point far outside the box (a diverging run's escape)."""
    x_lo, x_hi, y_lo, y_hi = box
    w, h = x_hi - x_lo, y_hi - y_lo
    for k, (x, y) in enumerate(run):
        if not (x_lo - 100 * w <= x <= x_hi + 100 * w and y_lo - 100 * h <= y <= y_hi + 100 * h):
            return run[: k + 1]
    return run


def _frames(n: int, most: int) -> list[int]:
    """At most ``most`` indices into ``range(n)``, evenly spread, first and last included."""
    if n <= most:
        return list(range(n))
    return sorted({round(k * (n - 1) / (most - 1)) for k in range(most)})


def _gif_target(path: PathLike, where: str) -> Path:
    target = Path(path)
    if target.suffix.lower() != ".gif":
        raise ValueError(
            f"{where}: an animation is a GIF; use a path ending in .gif (got {str(target)!r})"
        )
    return target
