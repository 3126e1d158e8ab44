"""micrograd's demo: a 2-16-16-1 MLP separates two moons with an SVM max-margin loss.

Teaches: the whole training recipe of micrograd's ``demo.ipynb``, with this library's
pieces: ``datasets.make_moons(100, noise=0.1)``; ``nn.MLP(2, [16, 16, 1])`` (relu
hidden layers, a linear output score); the hinge loss ``mean(relu(1 - y * score))``
(labels 0/1 are read as -1/+1) plus ``1e-4 * sum(p**2)`` through ``fit``'s ``l2=``
argument; and full-batch SGD whose learning rate decays as ``1.0 - 0.9 * k / 100`` at
step ``k``, written as an ``optim.LambdaLR`` schedule that a ``fit`` callback steps
once per epoch. It ends at 100% training accuracy and draws the decision boundary as
ASCII art (``o``/``x`` are the two moons, ``.`` is where the model says class 1).

Run: ``python examples/moons_demo.py`` (after ``pip install .``; a few seconds).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from autograd_mini import datasets, fit, nn, no_grad, optim


def score(model: nn.Module, x: Sequence[float]) -> float:
    """The model's output for one point: > 0 means class 1 (the hinge loss's convention)."""
    with no_grad():  # no graph: only the number is needed
        return model.forward(x)[0].data


def decision_picture(
    model: nn.Module,
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    *,
    width: int = 64,
    height: int = 22,
    box: tuple[float, float, float, float] = (-1.6, 2.6, -1.1, 1.6),
) -> str:
    """An ASCII picture of the plane: the model's two regions and the data on top.

    Each character is a cell of the box ``(x_min, x_max, y_min, y_max)``, ``y`` up:
    ``.`` where the model's score is positive (class 1), a space where it is not, and
    ``o`` / ``x`` for a point of class 0 / 1 in the cell (upper case if misclassified).
    """
    x_min, x_max, y_min, y_max = box
    dx, dy = (x_max - x_min) / width, (y_max - y_min) / height
    grid = [
        [
            "." if score(model, [x_min + (i + 0.5) * dx, y_max - (j + 0.5) * dy]) > 0.0 else " "
            for i in range(width)
        ]
        for j in range(height)
    ]
    for (px, py), label in zip(X, y):
        i, j = math.floor((px - x_min) / dx), math.floor((y_max - py) / dy)
        if 0 <= i < width and 0 <= j < height:
            right = (score(model, [px, py]) > 0.0) == (label == 1)
            mark = "x" if label == 1 else "o"
            grid[j][i] = mark if right else mark.upper()
    border = "+" + "-" * width + "+"
    return "\n".join([border, *("|" + "".join(row) + "|" for row in grid), border])


def main(
    *,
    n_samples: int = 100,
    noise: float = 0.1,
    epochs: int = 100,
    l2: float = 1e-4,
    seed: int = 0,
    width: int = 64,
    height: int = 22,
) -> dict[str, Any]:
    """Train micrograd's moons classifier and draw its decision boundary.

    Args:
        n_samples: points in the two moons.
        noise: standard deviation of the noise added to each coordinate.
        epochs: full-batch steps; the learning rate decays from 1.0 to
            ``1.0 - 0.9 * (epochs - 1) / epochs`` (0.109 for 100 steps).
        l2: the weight of the ``sum(p**2)`` penalty.
        seed: seeds the data and the initial weights.
        width: columns of the picture.
        height: rows of the picture.

    Returns:
        ``accuracy`` (training accuracy of the final model), ``loss`` (the last epoch's
        loss, penalty included), ``epochs``, ``stop_reason``, ``lr`` (the first and
        last learning rates used), ``seconds`` (training time) and ``picture``.
    """
    X, y = datasets.make_moons(n_samples, noise=noise, seed=seed)
    model = nn.MLP(2, [16, 16, 1], seed=seed)
    print(
        f"moons: {n_samples} points, noise {noise:g}; model {model}, "
        f"{len(model.parameters())} parameters"
    )

    optimizer = optim.SGD(model.parameters(), lr=1.0)
    # micrograd: learning_rate = 1.0 - 0.9 * k / 100 at step k = 0, 1, ..., 99.
    schedule = optim.LambdaLR(optimizer, lambda k: 1.0 - 0.9 * k / epochs)
    lrs: list[float] = []
    every = max(1, epochs // 10)

    def after_epoch(epoch: int, logs: dict[str, float]) -> None:
        lrs.append(optimizer.lr)
        if epoch % every == 0 or epoch == 1:
            print(
                f"  step {epoch - 1:3d}  lr {optimizer.lr:.3f}  loss {logs['loss']:.4f}  "
                f"accuracy {logs['accuracy']:.0%}"
            )
        schedule.step()

    history = fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=optimizer,
        epochs=epochs,
        l2=l2,
        callbacks=[after_epoch],
        progress=False,
    )

    # fit's per-epoch accuracy is measured before each step; score the final model too.
    right = sum((score(model, x) > 0.0) == (label == 1) for x, label in zip(X, y))
    acc = right / n_samples
    picture = decision_picture(model, X, y, width=width, height=height)

    print(f"stopped: {history.stop_reason} ({history.seconds:.1f} s)")
    print(f"training accuracy of the final model: {acc:.0%} ({right}/{n_samples})")
    print(
        "decision boundary ('.' = class 1 region; o, x = the two moons; "
        "upper case = misclassified):"
    )
    print(picture)

    return {
        "accuracy": acc,
        "loss": history.losses[-1],
        "epochs": history.epochs,
        "stop_reason": history.stop_reason,
        "lr": (lrs[0], lrs[-1]),
        "seconds": history.seconds,
        "picture": picture,
    }


if __name__ == "__main__":
    main()
