"""W1 batched: micrograd's demo step as HIPS autograd + numpy and PyTorch users write it.

Optional contenders, run only when the process holds them (``--hold autograd,torch``):
the same MLP 2-16-16-1, the same 100 points and initial weights, the same SVM loss
``mean(relu(1 - y * score)) + alpha * sum(p * p)`` and SGD step, written on whole
arrays (float64), as those libraries' users would. They show where pure Python stands
against what a user would otherwise pick; they are not pure Python.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Sequence
from typing import Any

from harness import W1_ALPHA, W1_LR, Clock, Contender, _rel_err, consecutive

__all__ = ["batched_contenders"]

Points = Sequence[tuple[float, float, float]]


def _matrices(init: Sequence[float], sizes: Sequence[int]) -> list[list[Any]]:
    """micrograd's flat parameter order (neuron by neuron: weights, then bias) as
    per-layer ``W[i][j]`` (input i, neuron j) and ``b[j]`` nested lists."""
    out: list[list[Any]] = []
    k = 0
    for nin, nout in zip(sizes[:-1], sizes[1:]):
        W = [[0.0] * nout for _ in range(nin)]
        b = [0.0] * nout
        for j in range(nout):
            for i in range(nin):
                W[i][j] = init[k]
                k += 1
            b[j] = init[k]
            k += 1
        out.append([W, b])
    return out


def _hips(points: Points, init: Sequence[float]) -> tuple[Callable[[], float], Callable[[], None]]:
    np = importlib.import_module("autograd.numpy")
    grad = importlib.import_module("autograd").grad
    X = np.array([[x0, x1] for x0, x1, _ in points])
    y = np.array([t for _, _, t in points])
    start = [np.array(m) for layer in _matrices(init, (2, 16, 16, 1)) for m in layer]
    params = [p.copy() for p in start]

    def loss(ps: list[Any]) -> Any:
        W1, b1, W2, b2, W3, b3 = ps
        h = np.maximum(np.dot(X, W1) + b1, 0.0)
        h = np.maximum(np.dot(h, W2) + b2, 0.0)
        score = (np.dot(h, W3) + b3)[:, 0]
        data = np.mean(np.maximum(1.0 - y * score, 0.0))
        return data + W1_ALPHA * sum(np.sum(p * p) for p in ps)

    dloss = grad(loss)

    def step() -> float:
        gs = dloss(params)
        for p, g in zip(params, gs):
            p -= W1_LR * g
        return 0.0

    def reset() -> None:
        for p, s in zip(params, start):
            p[...] = s

    step.loss = lambda: float(loss(params))  # type: ignore[attr-defined]
    return step, reset


def _torch(points: Points, init: Sequence[float]) -> tuple[Callable[[], float], Callable[[], None]]:
    torch = importlib.import_module("torch")
    f64 = torch.float64
    X = torch.tensor([[x0, x1] for x0, x1, _ in points], dtype=f64)
    y = torch.tensor([t for _, _, t in points], dtype=f64)
    start = [torch.tensor(m, dtype=f64) for layer in _matrices(init, (2, 16, 16, 1)) for m in layer]
    params = [p.clone().requires_grad_() for p in start]

    def loss() -> Any:
        W1, b1, W2, b2, W3, b3 = params
        h = torch.relu(X @ W1 + b1)
        h = torch.relu(h @ W2 + b2)
        score = (h @ W3 + b3)[:, 0]
        data = torch.relu(1.0 - y * score).mean()
        return data + W1_ALPHA * sum((p * p).sum() for p in params)

    def step() -> float:
        for p in params:
            p.grad = None
        out = loss()
        out.backward()
        with torch.no_grad():
            for p in params:
                p -= W1_LR * p.grad
        return 0.0

    def reset() -> None:
        with torch.no_grad():
            for p, s in zip(params, start):
                p.copy_(s)

    def start_loss() -> float:
        with torch.no_grad():
            return float(loss().item())

    step.loss = start_loss  # type: ignore[attr-defined]
    return step, reset


def batched_contenders(
    points: Points, init: Sequence[float], want_loss: float, steps: int, held: Sequence[str]
) -> tuple[list[Contender], list[str]]:
    """The contenders for the libraries the process holds, and a line about each.

    Each is checked first (untimed): its loss at the initial weights equals micrograd's
    demo loss ``want_loss`` to 1e-9 relative; one that does not is left out, saying so.
    """
    makers = {
        "autograd": ("HIPS autograd + numpy, batched", _hips),
        "torch": ("PyTorch, batched float64", _torch),
    }
    out: list[Contender] = []
    lines: list[str] = []
    for module, (name, make) in makers.items():
        if module not in held:
            continue
        if importlib.util.find_spec(module) is None:
            lines.append(f"    {name}: not installed, skipped")
            continue
        step, reset = make(points, init)
        err = _rel_err(step.loss(), want_loss)  # type: ignore[attr-defined]
        if err > 1e-9:
            lines.append(f"    {name}: loss at the start differs (rel. err {err:.1e}); left out")
            continue
        if module == "torch":
            torch = importlib.import_module("torch")
            name += f", {torch.get_num_threads()} threads"
        lines.append(f"    {name}: same loss as micrograd at the start (rel. err {err:.1e})")

        def run(k: int, clock: Clock, step: Callable[[], float] = step) -> None:
            consecutive(step, k, clock)

        out.append(Contender(name, steps, run, reset=reset))
    return out, lines
