"""XOR: a line cannot separate it, one hidden layer can.

Teaches: why hidden layers matter. Logistic regression (``nn.Linear`` + ``bce``) on
the four XOR corners gets stuck at loss ``log 2 = 0.693``: by symmetry its best
weights and bias are all zero, so every prediction is a coin flip. An
``nn.MLP(2, [4, 1])`` with tanh hidden units bends the boundary and reaches 100%
accuracy, its probabilities close to 0 and 1. The script prints both truth tables.

Run: ``python examples/xor.py`` (after ``pip install .``).
"""

from __future__ import annotations

import math
from typing import Any

from autograd_mini import datasets, fit, nn, no_grad, optim


def truth_table(model: nn.Module, X: list[list[float]], y: list[int]) -> list[float]:
    """Print x1, x2, the target and the model's P(class 1); return the probabilities."""
    with no_grad():
        probs = [model.forward(x)[0].sigmoid().data for x in X]
    print("    x1   x2  target  P(class 1)  predicted")
    for (x1, x2), target, p in zip(X, y, probs):
        guess = "?" if abs(p - 0.5) < 0.01 else str(int(p > 0.5))  # ? = a coin flip
        print(f"  {x1:4.1f} {x2:4.1f}  {target:6d}  {p:10.4f}  {guess:>9}")
    return probs


def main(*, hidden: int = 4, epochs: int = 500, lr: float = 0.05, seed: int = 0) -> dict[str, Any]:
    """Train a linear model and a one-hidden-layer MLP on XOR and compare them.

    Args:
        hidden: tanh units in the MLP's hidden layer.
        epochs: the most full-batch Adam steps for each model.
        lr: Adam's learning rate.
        seed: seeds the initial weights.

    Returns:
        ``linear_loss`` and ``linear_confidence`` (the logistic regression's loss and
        its largest ``|P(class 1) - 0.5|``); ``accuracy``, ``loss``, ``epochs``,
        ``stop_reason`` and ``probabilities`` (P(class 1) per corner) for the MLP.
    """
    X, y = datasets.make_xor()
    settings: dict[str, Any] = {"loss": "bce", "epochs": epochs, "tol": 1e-10, "progress": False}

    linear = nn.Linear(2, 1, seed=seed)
    lin = fit(linear, X, y, optimizer=optim.Adam(linear.parameters(), lr=lr), **settings)
    print(f"logistic regression, {linear}: {lin.stop_reason}")
    lin_probs = truth_table(linear, X, y)
    doubt = max(abs(p - 0.5) for p in lin_probs)
    print(
        f"  loss {lin.losses[-1]:.4f} = log 2 = {math.log(2):.4f}: every answer is a coin "
        "flip (no line separates XOR)\n"
    )

    mlp = nn.MLP(2, [hidden, 1], "tanh", seed=seed)
    deep = fit(mlp, X, y, optimizer=optim.Adam(mlp.parameters(), lr=lr), **settings)
    print(f"{mlp}: {deep.stop_reason}")
    probs = truth_table(mlp, X, y)
    acc = sum((p > 0.5) == (t == 1) for p, t in zip(probs, y)) / len(y)
    print(f"  loss {deep.losses[-1]:.4f}, accuracy {acc:.0%}")

    return {
        "linear_loss": lin.losses[-1],
        "linear_confidence": doubt,
        "accuracy": acc,
        "loss": deep.losses[-1],
        "epochs": deep.epochs,
        "stop_reason": deep.stop_reason,
        "probabilities": probs,
    }


if __name__ == "__main__":
    main()
