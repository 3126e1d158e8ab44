"""Logistic regression: ``nn.Linear`` + binary cross-entropy on logits, judged on held-out data.

Teaches: that logistic regression is a linear model whose output is a *logit* ``z``
(the probability is ``sigmoid(z)``), trained with ``losses.bce``, which takes the
logits directly and stays exact for any size of ``z``; how ``datasets.train_test_split``
keeps a test set the model never sees; and how to read the result: two overlapping
Gaussian blobs cannot be separated perfectly, and the accuracy of the best possible
classifier (the Bayes rate, computed here in closed form) is the ceiling the test
accuracy should come close to.

Run: ``python examples/logistic_regression.py`` (after ``pip install .``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from autograd_mini import datasets, fit, nn, no_grad, optim


def accuracy(model: nn.Linear, X: Sequence[Sequence[float]], y: Sequence[int]) -> float:
    """The fraction of rows whose predicted class (logit > 0 means class 1) is right."""
    with no_grad():
        right = sum((model.forward(x)[0].data > 0.0) == (label == 1) for x, label in zip(X, y))
    return right / len(y)


def bayes_accuracy(center_distance: float, std: float) -> float:
    """The best accuracy any classifier can reach on two equal, isotropic Gaussians.

    The optimal boundary is the perpendicular bisector of the centers; a point lands on
    the wrong side when its offset along the line of centers exceeds half their
    distance, so the rate is ``Phi(d / (2 * std))``.
    """
    z = center_distance / (2.0 * std)
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def main(
    *,
    n_samples: int = 400,
    separation: float = 3.0,
    cluster_std: float = 1.0,
    test_size: float = 0.25,
    epochs: int = 1000,
    lr: float = 0.5,
    seed: int = 0,
) -> dict[str, Any]:
    """Train logistic regression on two Gaussian blobs and test it on held-out points.

    Args:
        n_samples: points in all (train and test).
        separation: the distance between the two blob centers.
        cluster_std: the standard deviation of each blob along every axis.
        test_size: the fraction of points held out for testing.
        epochs: the most full-batch gradient-descent steps.
        lr: the learning rate.
        seed: seeds the data, the split and the initial weights.

    Returns:
        ``train_accuracy``, ``test_accuracy``, ``bayes_accuracy``, ``weights``,
        ``bias``, ``loss`` (final training bce), ``epochs``, ``stop_reason``,
        ``n_train`` and ``n_test``.
    """
    half = separation / (2.0 * math.sqrt(2.0))  # centers on the diagonal, `separation` apart
    X, y = datasets.make_blobs(
        n_samples, centers=[[-half, -half], [half, half]], cluster_std=cluster_std, seed=seed
    )
    X_train, X_test, y_train, y_test = datasets.train_test_split(
        X, y, test_size=test_size, seed=seed
    )

    model = nn.Linear(2, 1, seed=seed)
    optimizer = optim.GD(model.parameters(), lr=lr)
    history = fit(
        model,
        X_train,
        y_train,
        loss="bce",  # binary cross-entropy from logits: no sigmoid in the model
        optimizer=optimizer,
        epochs=epochs,
        tol=1e-9,
        progress=False,
    )

    neuron = model.neurons[0]
    w1, w2 = (w.data for w in neuron.w)
    b = neuron.b.data
    train_acc = accuracy(model, X_train, y_train)
    test_acc = accuracy(model, X_test, y_test)
    best = bayes_accuracy(separation, cluster_std)

    print(
        f"logistic regression: two blobs {separation:g} apart (std {cluster_std:g}), "
        f"{len(X_train)} training and {len(X_test)} test points"
    )
    print(f"learned logit: z = {w1:+.4f} * x1 {w2:+.4f} * x2 {b:+.4f}   (P(class 1) = sigmoid(z))")
    print(f"decision boundary z = 0 is the line x2 = {-w1 / w2:+.4f} * x1 {-b / w2:+.4f}")
    print("(the best boundary, halfway between the centers, is the line x2 = -x1)")
    print(f"final training loss (bce): {history.losses[-1]:.4f}")
    print(f"stopped after {history.epochs} epochs: {history.stop_reason}")
    print(f"training accuracy: {train_acc:6.1%}")
    print(f"test accuracy:     {test_acc:6.1%}   (points the model never saw)")
    print(f"best possible:     {best:6.1%}   (the Bayes rate: the blobs overlap)")

    return {
        "train_accuracy": train_acc,
        "test_accuracy": test_acc,
        "bayes_accuracy": best,
        "weights": [w1, w2],
        "bias": b,
        "loss": history.losses[-1],
        "epochs": history.epochs,
        "stop_reason": history.stop_reason,
        "n_train": len(X_train),
        "n_test": len(X_test),
    }


if __name__ == "__main__":
    main()
