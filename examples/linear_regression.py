"""Linear regression: recover known coefficients with ``nn.Linear``, ``mse`` and ``fit``.

Teaches: how ``datasets.make_regression`` builds a problem whose answer is known
(``y = X . coef + bias + noise``), how ``fit`` runs full-batch gradient descent on the
mean squared error and says why it stopped (here: the gradient norm fell below
``gtol``), and how close the learned weights get to the true ones when the targets are
noisy (about ``noise / sqrt(n_samples)``), while they match the exact least-squares
solution (solved here from the normal equations) to many digits: the optimizer did its
job, and what is left is the noise.

Run: ``python examples/linear_regression.py`` (after ``pip install .``).
"""

from __future__ import annotations

from typing import Any

from autograd_mini import datasets, fit, nn, optim


def least_squares(X: list[list[float]], y: list[float]) -> list[float]:
    """The coefficients, then the intercept, minimising the squared error exactly.

    Solves the normal equations ``(A^T A) beta = A^T y`` with ``A = [X | 1]`` by Gaussian
    elimination with partial pivoting (fine for a handful of well-scaled features).
    """
    rows = [[*x, 1.0] for x in X]
    k = len(rows[0])
    # The augmented matrix [A^T A | A^T y].
    m = [
        [sum(r[i] * r[j] for r in rows) for j in range(k)]
        + [sum(r[i] * t for r, t in zip(rows, y))]
        for i in range(k)
    ]
    for col in range(k):
        pivot = max(range(col, k), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, k):
            factor = m[r][col] / m[col][col]
            m[r] = [a - factor * b for a, b in zip(m[r], m[col])]
    beta = [0.0] * k
    for i in reversed(range(k)):
        beta[i] = (m[i][k] - sum(m[i][j] * beta[j] for j in range(i + 1, k))) / m[i][i]
    return beta


def main(
    *,
    n_samples: int = 200,
    coef: tuple[float, ...] = (3.0, -2.0, 0.5),
    bias: float = 4.0,
    noise: float = 0.1,
    epochs: int = 1000,
    lr: float = 0.1,
    seed: int = 0,
) -> dict[str, Any]:
    """Fit a linear model to ``make_regression`` data and compare with the truth.

    Args:
        n_samples: rows of data.
        coef: the true coefficients (their number is the number of features).
        bias: the true intercept.
        noise: standard deviation of the noise added to each target.
        epochs: the most full-batch gradient-descent steps to take.
        lr: the learning rate.
        seed: seeds the data and the initial weights.

    Returns:
        ``true_coef``, ``true_bias``, ``coef``, ``bias`` (learned), ``max_error`` (the
        largest absolute error over coefficients and intercept), ``least_squares``
        (the exact solution, intercept last), ``gap`` (the largest distance from it),
        ``loss`` (final training mse), ``epochs``, ``converged`` and ``stop_reason``.
    """
    X, y, true_coef = datasets.make_regression(
        n_samples, len(coef), coef=list(coef), bias=bias, noise=noise, seed=seed
    )
    model = nn.Linear(len(coef), 1, seed=seed)
    optimizer = optim.GD(model.parameters(), lr=lr)
    # Full batch, so the gradient norm fit checks against gtol is the exact one.
    history = fit(
        model, X, y, loss="mse", optimizer=optimizer, epochs=epochs, gtol=1e-8, progress=False
    )

    neuron = model.neurons[0]
    learned = [w.data for w in neuron.w]
    learned_bias = neuron.b.data
    errors = [abs(a - b) for a, b in zip(learned, true_coef)] + [abs(learned_bias - bias)]
    exact = least_squares(X, y)
    gap = max(abs(a - b) for a, b in zip([*learned, learned_bias], exact))

    print(f"linear regression: {n_samples} samples, {len(coef)} features, noise {noise:g}")
    print(f"{'':>10}  {'true':>9}  {'learned':>9}  {'error':>9}  {'least squares':>13}")
    names = [f"coef[{i}]" for i in range(len(coef))] + ["bias"]
    for name, t, w, e in zip(names, [*true_coef, bias], [*learned, learned_bias], exact):
        print(f"{name:>10}  {t:9.4f}  {w:9.4f}  {abs(w - t):9.2e}  {e:13.4f}")
    print(f"final training mse: {history.losses[-1]:.6f} (the noise variance is {noise**2:.6f})")
    print(f"stopped after {history.epochs} epochs: {history.stop_reason}")
    print(f"largest gap to the least-squares solution: {gap:.1e} (the error above is the noise)")

    return {
        "true_coef": list(true_coef),
        "true_bias": bias,
        "coef": learned,
        "bias": learned_bias,
        "max_error": max(errors),
        "least_squares": exact,
        "gap": gap,
        "loss": history.losses[-1],
        "epochs": history.epochs,
        "converged": history.converged,
        "stop_reason": history.stop_reason,
    }


if __name__ == "__main__":
    main()
