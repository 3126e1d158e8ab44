"""Plots: loss curves, decision boundaries, descent paths over contours, the training GIF."""

from __future__ import annotations

import base64
import math
import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_mini import History, Value, fit, grad, optim, plots
from autograd_mini.cli import main
from autograd_mini.datasets import make_moons
from autograd_mini.nn import MLP
from autograd_mini.plots import (
    Animation,
    TrainingRecorder,
    _frames,
    _grid,
    _levels,
    _log_scale,
    animate_training,
    plot_contour,
    plot_decision_boundary,
    plot_loss,
)

ROOT = Path(__file__).resolve().parent.parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def mpl() -> None:
    """Skip where matplotlib is missing (CI installs it, so nothing skips there)."""
    pytest.importorskip("matplotlib")


def png_size(path: Path) -> tuple[int, int]:
    """A PNG's width and height, read from its IHDR chunk after checking the signature."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def is_svg(path: Path) -> bool:
    return ET.parse(path).getroot().tag == "{http://www.w3.org/2000/svg}svg"


# --- plot_loss ---------------------------------------------------------------------------------
def test_loss_curve_png_from_a_list(mpl: None, tmp_path: Path) -> None:
    """A list of losses gives a 640x400 PNG at the returned path."""
    out = plot_loss([3.0, 1.0, 0.5, 0.2], tmp_path / "loss.png")
    assert out == tmp_path / "loss.png"
    assert png_size(out) == (640, 400)


def test_loss_curve_svg_from_a_history_with_accuracy(mpl: None, tmp_path: Path) -> None:
    """A History with accuracy gives a valid SVG, and the same plot twice is the same file."""
    h = History(
        losses=[0.7, 0.4, 0.1], metrics={"accuracy": [0.5, 0.8, 1.0], "grad_norm": [1.0] * 3}
    )
    a = plot_loss(h, tmp_path / "a.svg", title="loss & <accuracy>")
    b = plot_loss(h, tmp_path / "b.svg", title="loss & <accuracy>")
    assert is_svg(a)
    assert a.read_bytes() == b.read_bytes()  # no date in the file


def test_loss_curve_pdf_and_long_runs(mpl: None, tmp_path: Path) -> None:
    """PDF works, and so does a long run on a log scale."""
    out = plot_loss([10 * 0.9**i for i in range(500)], tmp_path / "loss.pdf", log_scale=True)
    assert out.read_bytes()[:5] == b"%PDF-"


def test_log_scale_choice() -> None:
    """'auto' is logarithmic exactly for positive losses spanning two decades or more."""
    assert _log_scale("auto", [100.0, 1.0]) and not _log_scale("auto", [99.0, 1.0])
    assert not _log_scale("auto", [100.0, 0.0]) and not _log_scale("auto", [5.0])
    assert _log_scale(True, [2.0, 1.0]) and not _log_scale(False, [100.0, 0.01])


def test_loss_curve_bad_input(tmp_path: Path) -> None:
    """Empty, non-finite or non-numeric losses, a bad suffix or log scale fail clearly."""
    with pytest.raises(ValueError, match="no losses"):
        plot_loss([], tmp_path / "x.png")
    with pytest.raises(ValueError, match="epoch 2 must be a finite number"):
        plot_loss([1.0, float("nan")], tmp_path / "x.png")
    with pytest.raises(ValueError, match="History or a sequence"):
        plot_loss("1, 2", tmp_path / "x.png")
    with pytest.raises(ValueError, match=r"\.png, \.svg or \.pdf"):
        plot_loss([1.0], tmp_path / "x.jpg")
    with pytest.raises(ValueError, match="needs positive losses"):
        plot_loss([1.0, 0.0], tmp_path / "x.png", log_scale=True)
    with pytest.raises(ValueError, match="log_scale must be"):
        plot_loss([1.0], tmp_path / "x.png", log_scale="yes")
    assert os.listdir(tmp_path) == []


def test_plot_replaces_a_file_atomically(mpl: None, tmp_path: Path) -> None:
    """An existing file is replaced whole, leaving no temporary file, and the backend is kept."""
    import matplotlib

    backend = matplotlib.get_backend()
    target = tmp_path / "loss.png"
    target.write_bytes(b"old")
    plot_loss([1.0, 0.5], target)
    assert png_size(target) == (640, 400)
    assert os.listdir(tmp_path) == ["loss.png"]
    assert matplotlib.get_backend() == backend


# --- plot_decision_boundary ---------------------------------------------------------------------
def test_decision_boundary_of_a_trained_model(mpl: None, tmp_path: Path) -> None:
    """A small MLP trained on moons gets a 600x500 PNG of its regions and points."""
    X, y = make_moons(40, noise=0.1, seed=0)
    model = MLP(2, [8, 1], "tanh", seed=0)
    history = fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=optim.Adam(model.parameters(), lr=0.05),
        epochs=40,
        progress=False,
    )
    assert history.metrics["accuracy"][-1] >= 0.8
    out = plot_decision_boundary(model, X, y, tmp_path / "boundary.png", resolution=25)
    assert png_size(out) == (600, 500)


def test_decision_boundary_many_classes_svg(mpl: None, tmp_path: Path) -> None:
    """A model with three outputs and labels 0..2 gives a valid SVG."""
    X = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, 0.5]]
    model = MLP(2, [4, 3], seed=0)
    out = plot_decision_boundary(model, X, [0, 1, 2, 1, 0], tmp_path / "b.svg", resolution=10)
    assert is_svg(out)


def test_decision_boundary_plain_callables(mpl: None, tmp_path: Path) -> None:
    """A function returning floats, labels -1/1, one class only, or a flat score all work."""
    X = [[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]]
    linear = lambda p: p[0] - p[1]  # noqa: E731
    assert plot_decision_boundary(linear, X, [-1, -1, 1], tmp_path / "a.png", resolution=5)
    assert plot_decision_boundary(linear, X, [1, 1, 1], tmp_path / "b.png", resolution=5)
    flat = lambda p: Value(1.0)  # noqa: E731 - no boundary to draw: no contour warning
    assert plot_decision_boundary(flat, X, [0, 1, 1], tmp_path / "c.png", resolution=5)
    assert [png_size(tmp_path / f"{n}.png") for n in "abc"] == [(600, 500)] * 3


def test_decision_boundary_bad_input(mpl: None, tmp_path: Path) -> None:
    """Mismatched or malformed data, unusable labels and a bad resolution fail clearly."""
    model = lambda p: p[0]  # noqa: E731
    two = lambda p: [p[0], p[1]]  # noqa: E731
    path = tmp_path / "b.png"
    with pytest.raises(ValueError, match="same length"):
        plot_decision_boundary(model, [[0.0, 1.0]], [0, 1], path)
    with pytest.raises(ValueError, match="two numbers"):
        plot_decision_boundary(model, [[0.0, 1.0, 2.0]], [0], path)
    with pytest.raises(ValueError, match="finite"):
        plot_decision_boundary(model, [[0.0, float("inf")]], [0], path)
    with pytest.raises(ValueError, match="non-empty"):
        plot_decision_boundary(model, [], [], path)
    with pytest.raises(ValueError, match="resolution"):
        plot_decision_boundary(model, [[0.0, 1.0]], [0], path, resolution=1)
    with pytest.raises(ValueError, match="one output separates two classes"):
        plot_decision_boundary(model, [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]], [0, 1, 2], path)
    with pytest.raises(ValueError, match="ints 0 to 1"):
        plot_decision_boundary(two, [[0.0, 0.0], [1.0, 1.0]], [0, 5], path)
    with pytest.raises(ValueError, match="suffix"):
        plot_decision_boundary(model, [[0.0, 1.0]], [0], tmp_path / "b.gif")
    assert os.listdir(tmp_path) == []


# --- optional package --------------------------------------------------------------------------
def test_works_without_matplotlib(tmp_path: Path) -> None:
    """Without matplotlib, autograd_mini imports and the plots say how to install it."""
    code = (
        "import sys\n"
        "sys.modules['matplotlib'] = None\n"
        "import autograd_mini\n"
        "from autograd_mini.plots import plot_loss\n"
        "try:\n"
        "    plot_loss([1.0], 'never-written.png')\n"
        "except ImportError as e:\n"
        "    print(e)\n"
        "from autograd_mini.plots import plot_contour\n"
        "try:\n"
        "    plot_contour(lambda x, y: x, xlim=(0, 1), ylim=(0, 1), path='no.png')\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count('pip install "autograd-mini[plot]"') == 2
    assert os.listdir(tmp_path) == []


# --- plot_contour ------------------------------------------------------------------------------
def bowl(x: Any, y: Any) -> Any:
    """A quadratic with condition number 10: Hessian eigenvalues 1 and 10."""
    return 0.5 * x**2 + 5.0 * y**2


def descend(f: Any, start: list[float], lr: float, steps: int) -> list[list[float]]:
    """The points of plain gradient descent on f(x, y), with gradients from grad."""
    df = grad(f, argnums=(0, 1))
    path = [list(start)]
    for _ in range(steps):
        gx, gy = df(*path[-1])
        path.append([path[-1][0] - lr * gx, path[-1][1] - lr * gy])
    return path


def open_image(path: Path) -> Any:
    from PIL import Image

    return Image.open(path)


def test_contour_of_several_runs_is_a_png(mpl: None, tmp_path: Path) -> None:
    """Two labelled runs give a 640x500 PNG; the figure comes back and nothing else is written."""
    from matplotlib.figure import Figure

    slow = descend(bowl, [-4.0, 1.5], 0.02, 30)
    fast = descend(bowl, [-4.0, 1.5], 0.18, 30)
    fig = plot_contour(bowl, [slow, fast], labels=["lr 0.02", "lr 0.18"], path=tmp_path / "c.png")
    assert isinstance(fig, Figure)
    with open_image(tmp_path / "c.png") as im:
        assert (im.format, im.size) == ("PNG", (640, 500))
    assert 10_000 < (tmp_path / "c.png").stat().st_size < 400_000
    assert os.listdir(tmp_path) == ["c.png"]
    (ax,) = fig.axes
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["lr 0.02", "lr 0.18", "start", "end"]


def test_contour_marks_each_start_and_end(mpl: None) -> None:
    """Each run has a white circle at its first point and a star at its last one."""
    run = descend(bowl, [3.0, -1.0], 0.15, 8)
    (ax,) = plot_contour(bowl, [run]).axes
    starts = [ln for ln in ax.get_lines() if ln.get_marker() == "o" and ln.get_markerfacecolor()
              == "white"]
    ends = [ln for ln in ax.get_lines() if ln.get_marker() == "*"]
    assert [tuple(ln.get_xydata()[0]) for ln in starts] == [tuple(run[0])]
    assert [tuple(ln.get_xydata()[0]) for ln in ends] == [tuple(run[-1])]


def test_contour_auto_limits_cover_every_run(mpl: None) -> None:
    """Without xlim/ylim the axes cover all points of all runs, and not as a thin sliver."""
    a = [[-3.0, 0.1], [2.0, 0.2]]
    b = SimpleNamespace(path=[[Value(0.0), Value(0.15)], [1.0, 0.12]])  # an OptimizeResult-like
    (ax,) = plot_contour(bowl, [a, b]).axes
    (x_lo, x_hi), (y_lo, y_hi) = ax.get_xlim(), ax.get_ylim()
    for x, y in [*a, [0.0, 0.15], [1.0, 0.12]]:
        assert x_lo < x < x_hi and y_lo < y < y_hi
    assert (y_hi - y_lo) >= (x_hi - x_lo) / 4 - 1e-12


def test_contour_levels() -> None:
    """'log' levels are geometric in f - min f over four decades; 'linear' even; given kept."""
    lo, hi = 2.0, 2.0 + 1e4
    log = _levels("log", 9, lo, hi, "t")
    gaps = [v - lo for v in log]
    assert gaps[0] == pytest.approx(1.0) and gaps[-1] == pytest.approx(1e4)
    ratios = [b / a for a, b in zip(gaps, gaps[1:])]
    assert ratios == pytest.approx([10 ** 0.5] * 8)
    linear = _levels("linear", 3, 0.0, 4.0, "t")
    assert linear == pytest.approx([1.0, 2.0, 3.0])
    assert _levels([0.5, 1.0], 20, 0.0, 1.0, "t") == [0.5, 1.0]
    assert _levels("log", 5, 3.0, 3.0, "t") == []  # flat: nothing to draw


def test_contour_domain_errors_are_gaps(mpl: None, tmp_path: Path) -> None:
    """Where f raises, returns a complex or non-finite number, the grid has NaN, not an error."""
    xs, ys = [-1.0, 0.0, 1.0, 4.0], [1.0, 2.0]
    z = _grid(lambda x, y: math.log(x) * y, xs, ys, "t")
    assert [math.isnan(v) for v in z[0]] == [True, True, False, False]
    assert z[1][3] == pytest.approx(2 * math.log(4.0))
    z = _grid(lambda x, y: x**0.5 + y, xs, ys, "t")  # floats: (-1.0) ** 0.5 is complex
    assert math.isnan(z[0][0]) and z[0][2] == 2.0
    z = _grid(lambda x, y: x.log() + y, xs, ys, "t")  # needs Values: Value.log raises
    assert math.isnan(z[0][1]) and z[1][2] == 2.0
    z = _grid(lambda x, y: 1.0 / x + y * 1e308 * 10, xs, ys, "t")
    assert all(math.isnan(v) for v in z[1])
    fig = plot_contour(lambda x, y: x.log() + y**2, [[[0.5, 1.0], [2.0, 0.0]]],
                       xlim=(-1.0, 3.0), ylim=(-1.0, 1.5), path=tmp_path / "gap.png")
    assert fig.axes and (tmp_path / "gap.png").exists()


def test_contour_of_a_diverged_run(mpl: None) -> None:
    """A run whose last points are inf or NaN, or far outside the box, is still drawn."""
    run = descend(bowl, [1.0, 1.0], 0.25, 40) + [[math.inf, 0.0], [math.nan, math.nan]]
    (ax,) = plot_contour(bowl, [run], xlim=(-3, 3), ylim=(-3, 3)).axes
    line = ax.get_lines()[0]
    assert len(line.get_xdata()) < 40  # cut after its first point far outside the box
    assert ax.get_xlim() == (-3.0, 3.0)


def test_contour_into_given_axes(mpl: None) -> None:
    """Drawing into an existing Axes (side-by-side panels) returns that Axes' figure."""
    from matplotlib.figure import Figure

    fig = Figure()
    left, right = fig.subplots(1, 2)
    run = descend(bowl, [-4.0, 1.5], 0.1, 5)
    assert plot_contour(bowl, [run], ax=left) is fig
    assert plot_contour(bowl, [run], ax=right, levels="linear", title="linear") is fig
    assert right.get_title() == "linear" and "log-spaced" in left.get_title()


def test_figure_displays_inline_without_ipython(mpl: None) -> None:
    """The returned figure's _repr_png_ is a PNG of its size: Jupyter shows it without pyplot."""
    import io

    fig = plot_contour(bowl, xlim=(-1, 1), ylim=(-1, 1))
    png = fig._repr_png_()
    assert png[:8] == PNG_SIGNATURE
    from PIL import Image

    assert Image.open(io.BytesIO(png)).size == (640, 500)


def test_contour_bad_input(mpl: None, tmp_path: Path) -> None:
    """Malformed runs, labels, limits, levels or suffixes fail with a message naming them."""
    out = tmp_path / "c.png"
    run = [[0.0, 1.0], [1.0, 0.0]]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"paths": run}, r"each point must be two numbers.*pass \[run\]"),
        ({"paths": run[0]}, r"run 1 must be a list of points \[x, y\] or have a \.path"),
        ({"paths": SimpleNamespace(path=run)}, r"list of runs.*pass \[run\]"),
        ({"paths": [[[0.0, 1.0, 2.0]]]}, "point 0 of run 1"),
        ({"paths": [[["a", 1.0]]]}, "must hold numbers"),
        ({"paths": [SimpleNamespace(path=None)]}, "run 1 must be a list of points"),
        ({"paths": [[[math.nan, 0.0]]]}, "run 1 has no finite point"),
        ({"paths": [run], "labels": ["a", "b"]}, "one label per run"),
        ({"paths": [run], "labels": "a"}, "one label per run"),
        ({}, "give xlim and ylim"),
        ({"xlim": (1.0, 0.0), "ylim": (0.0, 1.0)}, "low < high"),
        ({"xlim": (0.0, math.inf), "ylim": (0.0, 1.0)}, "finite number"),
        ({"xlim": 3.0, "ylim": (0.0, 1.0)}, r"xlim must be \(low, high\)"),
        ({"paths": [run], "levels": "cubic"}, "levels must be 'log', 'linear'"),
        ({"paths": [run], "levels": [2.0, 1.0]}, "levels must increase"),
        ({"paths": [run], "resolution": 1}, "resolution must be an int >= 2"),
        ({"paths": [run], "n_levels": 1.5}, "n_levels must be an int >= 2"),
        ({"paths": [run], "path": tmp_path / "c.gif"}, "suffix"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            plot_contour(bowl, **{"path": out, **kwargs})
    with pytest.raises(ValueError, match="undefined .* everywhere"):
        plot_contour(lambda x, y: math.log(-1.0), [run], path=out)
    with pytest.raises(TypeError, match="must return a number or a Value"):
        plot_contour(lambda x, y: "high", [run], path=out)
    assert os.listdir(tmp_path) == []


# --- the command line's --plot -----------------------------------------------------------------
def test_cli_minimize_plot_draws_the_path_taken(
    mpl: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """--plot draws the run from x0 to the printed result, labelled with its method and lr."""
    seen: dict[str, Any] = {}
    draw = plots.plot_contour

    def spy(f: Any, paths: Any, **kwargs: Any) -> Any:
        seen.update(paths=paths, **kwargs)
        return draw(f, paths, **kwargs)

    monkeypatch.setattr(plots, "plot_contour", spy)
    out = tmp_path / "path.png"
    status = main(["minimize", "0.5*u**2 + 5*v**2", "u=-4", "v=1.5", "--lr", "0.1",
                   "--plot", str(out)])
    text = capsys.readouterr().out
    assert status == 0 and f"wrote {out}" in text
    (path,) = seen["paths"]
    assert path[0] == [-4.0, 1.5] and len(path) > 10
    assert abs(path[-1][0]) < 1e-4 and abs(path[-1][1]) < 1e-4
    assert (seen["xlabel"], seen["ylabel"], seen["labels"]) == ("u", "v", ["gd, lr 0.1"])
    with open_image(out) as im:
        assert (im.format, im.size) == ("PNG", (640, 500))


def test_cli_minimize_plot_of_a_diverged_run(mpl: None, tmp_path: Path, capsys: Any) -> None:
    """A run that diverges still gets its picture, and exits 1 as without --plot."""
    out = tmp_path / "div.svg"
    status = main(["minimize", "x**2 + y**2", "x=1", "y=2", "--lr", "1.5", "--plot", str(out)])
    assert status == 1 and "diverged" in capsys.readouterr().out
    assert is_svg(out)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["x**2 + 1", "x=1"], "--plot draws functions of two variables, but 'x**2 + 1' has 1 (x)"),
        (["x*y*z", "x=1", "y=1", "z=1"], "has 3 (x, y, z)"),
        (["x**2 + y**2", "x=1", "y=1"], "--plot: use a path ending in .png, .svg or .pdf"),
    ],
)
def test_cli_minimize_plot_usage_errors(
    tmp_path: Path, capsys: Any, argv: list[str], message: str
) -> None:
    """--plot on the wrong number of variables or format exits 2 before running anything."""
    target = tmp_path / ("p.gif" if "path ending" in message else "p.png")
    assert main(["minimize", *argv, "--plot", str(target)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""
    assert os.listdir(tmp_path) == []


# --- the training animation --------------------------------------------------------------------
def trained(epochs: int, nouts: list[int] | None = None, labels: int = 2) -> TrainingRecorder:
    """A recorder of a small MLP trained with Adam on moons (or on three blobs of labels)."""
    X, y = make_moons(30, noise=0.1, seed=0)
    if labels == 3:
        y = [i % 3 for i in range(len(X))]
    model = MLP(2, nouts or [8, 1], "tanh", seed=0)
    recorder = TrainingRecorder(model, X, y)
    loss = "hinge" if labels == 2 else "cross_entropy"
    fit(model, X, y, loss=loss, optimizer=optim.Adam(model.parameters(), lr=0.05),
        epochs=epochs, progress=False, callbacks=[recorder])
    return recorder


def frame_pixels(path: Path) -> list[bytes]:
    """Each frame of a GIF as RGB bytes."""
    with open_image(path) as im:
        frames = []
        for k in range(im.n_frames):
            im.seek(k)
            frames.append(im.convert("RGB").tobytes())
        return frames


def test_animation_is_a_gif_of_the_chosen_epochs(mpl: None, tmp_path: Path) -> None:
    """A GIF of 5 evenly spread epochs, first and last held longer, frames that change."""
    recorder = trained(12)
    gif = animate_training(recorder, tmp_path / "t.gif", max_frames=5, resolution=10, dpi=40)
    assert gif.epochs == [0, 3, 6, 9, 12] and gif.path == tmp_path / "t.gif"
    assert gif.data == (tmp_path / "t.gif").read_bytes()
    with open_image(tmp_path / "t.gif") as im:
        assert (im.format, im.size, im.n_frames) == ("GIF", (320, 136), 5)
        assert im.info["loop"] == 0
        durations = []
        for k in range(im.n_frames):
            im.seek(k)
            durations.append(im.info["duration"])
    assert durations == [800, 100, 100, 100, 2000]
    frames = frame_pixels(tmp_path / "t.gif")
    assert all(a != b for a, b in zip(frames, frames[1:]))  # the boundary and the curve move
    assert 2_000 < len(gif.data) < 300_000
    assert os.listdir(tmp_path) == ["t.gif"]


def test_animation_with_the_default_settings_is_bounded(mpl: None) -> None:
    """60 epochs give at most 40 frames of 640x272 pixels, well under a few MB."""
    recorder = trained(60)
    gif = animate_training(recorder, resolution=12)
    assert len(gif.epochs) == 40 and gif.epochs[0] == 0 and gif.epochs[-1] == 60
    assert gif.size == (640, 272)
    assert len(gif.data) < 2_000_000


def test_animation_leaves_the_model_as_trained(mpl: None) -> None:
    """Drawing past epochs puts the final parameters back, even after an error mid-way."""
    recorder = trained(4)
    final = [p.data for p in recorder._params]
    animate_training(recorder, max_frames=3, resolution=4, dpi=20)
    assert [p.data for p in recorder._params] == final
    model, calls = recorder.model, []

    def failing(x: list[float]) -> Any:
        calls.append(x)
        if len(calls) > 20:  # in the second frame's grid
            raise ValueError("boom")
        return model(x)

    recorder.model = failing
    with pytest.raises(ValueError, match="boom"):
        animate_training(recorder, max_frames=3, resolution=4, dpi=20)
    assert [p.data for p in recorder._params] == final
    recorder.model, recorder.y = model, [0, 1, 2] * 10
    with pytest.raises(ValueError, match="one output separates two classes"):
        animate_training(recorder, max_frames=3, resolution=4, dpi=20)


def test_animation_of_several_classes_and_of_no_training(mpl: None) -> None:
    """Three outputs colour three regions; a recorder fit never called has one frame."""
    gif = animate_training(trained(3, [4, 3], labels=3), max_frames=2, resolution=5, dpi=20)
    assert gif.epochs == [0, 3]
    X, y = make_moons(10, seed=0)
    untrained = TrainingRecorder(MLP(2, [3, 1], seed=0), X, y)
    assert animate_training(untrained, resolution=4, dpi=20).epochs == [0]


def test_animation_displays_inline_and_saves(mpl: None, tmp_path: Path) -> None:
    """_repr_html_ embeds the GIF itself as base64; save() writes it atomically, .gif only."""
    gif = animate_training(trained(2), max_frames=2, resolution=4, dpi=20)
    html = gif._repr_html_()
    prefix = '<img src="data:image/gif;base64,'
    assert html.startswith(prefix)
    encoded = html[len(prefix) :].split('"', 1)[0]
    assert base64.b64decode(encoded) == gif.data
    assert f'width="{gif.size[0]}"' in html
    assert gif.save(tmp_path / "a.gif").read_bytes() == gif.data
    with pytest.raises(ValueError, match=r"ending in \.gif"):
        gif.save(tmp_path / "a.png")
    assert os.listdir(tmp_path) == ["a.gif"]
    assert repr(gif).startswith("Animation(2 frames: epochs 0 to 2, 160x68 pixels")


def test_animation_bad_input(mpl: None, tmp_path: Path) -> None:
    """A non-recorder, bad settings, a bad suffix or a model without parameters fail clearly."""
    recorder = trained(1)
    with pytest.raises(TypeError, match="expected a TrainingRecorder"):
        animate_training([1.0, 2.0])  # type: ignore[arg-type]
    for kwargs, message in [
        ({"max_frames": 1}, "max_frames must be an int from 2"),
        ({"resolution": 2.5}, "resolution must be an int"),
        ({"dpi": 0}, "dpi must be an int from 10"),
        ({"fps": 0}, r"fps must be a number in \(0, 50\]"),
        ({"fps": True}, "fps must be a number"),
        ({"path": tmp_path / "t.png"}, r"ending in \.gif"),
    ]:
        with pytest.raises(ValueError, match=message):
            animate_training(recorder, **kwargs)
    with pytest.raises(TypeError, match="must be callable and have parameters"):
        TrainingRecorder(lambda x: x[0], [[0.0, 1.0]], [0])
    with pytest.raises(ValueError, match="same length"):
        TrainingRecorder(MLP(2, [1], seed=0), [[0.0, 1.0]], [0, 1])
    with pytest.raises(ValueError, match=r"TrainingRecorder: each row of X must be two"):
        TrainingRecorder(MLP(2, [1], seed=0), [[0.0]], [0])
    assert os.listdir(tmp_path) == []


@given(st.integers(1, 500), st.integers(2, 60))
def test_frames_are_evenly_spread_with_both_ends(n: int, most: int) -> None:
    """The frames chosen increase, include the first and last epoch, number at most max_frames."""
    chosen = _frames(n, most)
    assert chosen[0] == 0 and chosen[-1] == n - 1
    assert all(a < b for a, b in zip(chosen, chosen[1:]))
    assert len(chosen) == min(n, most)
    assert Animation(b"", epochs=chosen, size=(1, 1)).epochs == chosen
