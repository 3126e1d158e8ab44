"""Draw the pictures of the docs into ``docs/images/``: run by hand, not by the tests.

Makes, deterministically (the same files on every run with the same Graphviz and
matplotlib):

* ``neuron_graph.svg``: the graph of ``tanh(x * w + b)`` after ``backward()``, labelled;
* ``mlp_forward.svg``: one forward and backward pass of ``MLP(2, [16, 16, 1])``,
  collapsed to at most 100 Graphviz nodes;
* ``moons_loss.png`` and ``moons_boundary.png``: micrograd's demo trained with ``fit``
  (two moons, a 2-16-16-1 MLP, hinge loss, ``l2=1e-4``, SGD whose learning rate decays
  as ``1.0 - 0.9 * k / 100`` through ``optim.LambdaLR`` and ``fit(scheduler=...)``);
* ``learning_rates_paths.png`` and ``learning_rates_loss.png``: four learning rates on
  one bowl (``examples/learning_rates.py``);
* ``training.gif``: the demo's training, epoch by epoch (``autograd-mini demo``).

The explorer's screenshots, ``explorer_backward.png`` and ``explorer_end.png``, are
taken by the browser test ``tests/test_explorer.py::test_screenshots_for_the_docs``,
which writes them here only when asked to (a test run leaves the checkout alone)::

    AUTOGRAD_MINI_WRITE_DOCS_IMAGES=1 python -m pytest tests/test_explorer.py -k screenshots

Needs Graphviz's ``dot`` program and matplotlib. Run from the repository root::

    python docs/make_images.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout: draw with this package, not another
    sys.path.insert(0, str(ROOT))

from autograd_mini import Value, datasets, fit, nn, no_grad, optim, plots, viz  # noqa: E402

IMAGES = ROOT / "docs" / "images"
SEED = 0
EPOCHS = 100


def neuron_graph(folder: Path) -> Path:
    """The graph of one neuron, ``tanh(x * w + b)``, with its gradients."""
    x, w, b = Value(2.0, label="x"), Value(-0.25, label="w"), Value(1.0, label="b")
    xw = x * w
    xw.label = "x*w"
    n = xw + b
    n.label = "n"
    y = n.tanh()
    y.label = "y"
    y.backward()
    return viz.render_graph(y, folder / "neuron_graph.svg")


def mlp_forward(folder: Path) -> Path:
    """One pass of micrograd's demo network, summarised to at most 100 Graphviz nodes."""
    model = nn.MLP(2, [16, 16, 1], seed=SEED)
    out = model([Value(0.5, label="x1"), Value(-0.25, label="x2")])
    out.backward()
    return viz.render_graph(out, folder / "mlp_forward.svg", max_nodes=100)


def moons(folder: Path) -> tuple[Path, Path]:
    """Train micrograd's moons classifier with ``fit``; plot its loss and its boundary."""
    X, y = datasets.make_moons(100, noise=0.1, seed=SEED)
    model = nn.MLP(2, [16, 16, 1], seed=SEED)
    optimizer = optim.SGD(model.parameters(), lr=1.0)
    schedule = optim.LambdaLR(optimizer, lambda k: 1.0 - 0.9 * k / EPOCHS)
    history = fit(model, X, y, loss="hinge", optimizer=optimizer, epochs=EPOCHS, l2=1e-4,
                  scheduler=schedule, progress=False)
    with no_grad():
        right = sum((model(x).data > 0.0) == (label == 1) for x, label in zip(X, y))
    print(f"moons: {history.stop_reason}; final loss {history.losses[-1]:.4f}, "
          f"training accuracy {right}/{len(X)}")
    if right != len(X):
        sys.exit("make_images: the moons model did not reach 100% training accuracy")
    loss = plots.plot_loss(history, folder / "moons_loss.png",
                           title="micrograd's moons demo: hinge loss + 1e-4 L2, SGD")
    boundary = plots.plot_decision_boundary(model, X, y, folder / "moons_boundary.png")
    return loss, boundary


def learning_rates(folder: Path) -> list[Path]:
    """The four learning rates of ``examples/learning_rates.py``, drawn into ``folder``."""
    sys.path.insert(0, str(ROOT / "examples"))
    import learning_rates as example

    return list(example.main(out=str(folder))["pictures"])


def training_gif(folder: Path) -> Path:
    """The demo's ``training.gif``: the demo run into a scratch folder, the GIF kept."""
    import shutil
    import tempfile

    from autograd_mini.cli import main as cli

    with tempfile.TemporaryDirectory() as scratch:
        if cli(["demo", "--out", scratch, "--no-progress"]) != 0:
            sys.exit("make_images: the demo failed")
        return Path(shutil.copy(Path(scratch) / "training.gif", folder / "training.gif"))


def main() -> None:
    """Write every picture into ``docs/images/`` and list what was written."""
    IMAGES.mkdir(exist_ok=True)
    written = [neuron_graph(IMAGES), mlp_forward(IMAGES), *moons(IMAGES),
               *learning_rates(IMAGES), training_gif(IMAGES)]
    for path in written:
        print(f"wrote {path.relative_to(IMAGES.parent.parent)} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
