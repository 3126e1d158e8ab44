"""Training plots: loss curves and decision boundaries written as valid PNG, SVG and PDF files."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd_mini import History, Value, fit, optim
from autograd_mini.datasets import make_moons
from autograd_mini.nn import MLP
from autograd_mini.plots import _log_scale, plot_decision_boundary, plot_loss

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
    assert 'pip install "autograd-mini[plot]"' in result.stdout
    assert os.listdir(tmp_path) == []
