"""W1's training step written by hand on plain floats: the speed limit of pure CPython.

No graph and no ``Value`` objects: the weights are lists of floats, the forward pass
keeps what the backward pass needs, and the gradients of the SVM loss
``mean(relu(1 - y * score)) + alpha * sum(p * p)`` are derived by hand. ``bench_core.py``
times one step of it next to the engine and checks, untimed, that its loss and gradients
equal the engine's on the same weights.

The code is written for CPython's speed, as one would write it by hand:

* every inner product is ``sum(map(mul, a, b))``, a loop in C with no Python frame per
  element;
* the forward pass stores the activations of each point, and the backward pass runs only
  for the points whose hinge term is active (``1 - y * score > 0``); the others add
  nothing to any gradient;
* the weight gradients are inner products over those points, taken column by column
  (``zip(*rows)`` transposes in C), instead of ``+=`` once per point and weight.

Architecture: 2 inputs, two ReLU hidden layers, one linear output, as
``autograd_mini.nn.MLP(2, [h1, h2, 1])``; parameters in that model's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import mul

__all__ = ["FloatMLP"]

# The loss and the data term's gradients, shaped as the weights: w1 (pairs), b1, w2
# (rows), b2, w3, b3.
_Backprop = tuple[
    float,
    list[tuple[float, float]],
    list[float],
    list[list[float]],
    list[float],
    list[float],
    float,
]


class FloatMLP:
    """The MLP 2-h1-h2-1 and its data, trained by SGD on the hinge loss plus L2.

    Args:
        params: the ``h1 * 3 + h2 * (h1 + 1) + h2 + 1`` parameters as floats, in the order
            of ``autograd_mini.nn.MLP(2, [h1, h2, 1]).parameters()`` (per neuron: its
            weights, then its bias).
        hidden: the widths ``(h1, h2)`` of the hidden layers.
        points: the data, ``(x0, x1, y)`` with ``y`` in {-1.0, 1.0}.
        alpha: the weight of the L2 penalty.

    Raises:
        ValueError: ``params`` has the wrong length or a label is not -1 or 1.
    """

    def __init__(
        self,
        params: Sequence[float],
        hidden: tuple[int, int],
        points: Sequence[tuple[float, float, float]],
        alpha: float,
    ) -> None:
        h1, h2 = hidden
        expected = 3 * h1 + (h1 + 1) * h2 + h2 + 1
        if len(params) != expected:
            raise ValueError(f"FloatMLP: expected {expected} parameters, got {len(params)}")
        if any(y not in (-1.0, 1.0) for _, _, y in points):
            raise ValueError("FloatMLP: labels must be -1.0 or 1.0")
        self.hidden = (h1, h2)
        self.points = [(float(x0), float(x1), float(y)) for x0, x1, y in points]
        self.alpha = float(alpha)
        self.set_parameters(params)

    # --- parameters in the engine's order -------------------------------------------------
    def set_parameters(self, params: Sequence[float]) -> None:
        """Load the weights from a flat list in ``MLP.parameters()`` order."""
        h1, h2 = self.hidden
        p = [float(v) for v in params]
        layer1 = [p[3 * j : 3 * j + 3] for j in range(h1)]
        self.w1 = [(w0, w1) for w0, w1, _ in layer1]
        self.b1 = [b for _, _, b in layer1]
        at = 3 * h1
        rows = [p[at + k * (h1 + 1) : at + (k + 1) * (h1 + 1)] for k in range(h2)]
        self.w2 = [row[:h1] for row in rows]
        self.b2 = [row[h1] for row in rows]
        at += h2 * (h1 + 1)
        self.w3 = p[at : at + h2]
        self.b3 = p[at + h2]

    def parameters(self) -> list[float]:
        """The weights as a flat list in ``MLP.parameters()`` order."""
        return _flatten(self.w1, self.b1, self.w2, self.b2, self.w3, self.b3)

    # --- the step -------------------------------------------------------------------------
    def loss_and_gradients(self) -> tuple[float, list[float]]:
        """The loss and its gradient (L2 included) as a flat list, for checking."""
        loss, g1, gb1, g2, gb2, g3, gb3 = self._backprop()
        c = 2.0 * self.alpha
        g1 = [(a + c * w0, b + c * w1) for (a, b), (w0, w1) in zip(g1, self.w1)]
        gb1 = [g + c * w for g, w in zip(gb1, self.b1)]
        g2 = [[g + c * w for g, w in zip(grow, row)] for grow, row in zip(g2, self.w2)]
        gb2 = [g + c * w for g, w in zip(gb2, self.b2)]
        g3 = [g + c * w for g, w in zip(g3, self.w3)]
        gb3 = gb3 + c * self.b3
        return loss, _flatten(g1, gb1, g2, gb2, g3, gb3)

    def step(self, lr: float) -> float:
        """One SGD step on the whole data set; returns the loss before the update."""
        loss, g1, gb1, g2, gb2, g3, gb3 = self._backprop()
        # p - lr * (g + 2 * alpha * p): the L2 term's gradient joins here, once per weight
        c = 2.0 * self.alpha
        self.w1 = [
            (w0 - lr * (a + c * w0), w1 - lr * (b + c * w1))
            for (w0, w1), (a, b) in zip(self.w1, g1)
        ]
        self.b1 = [w - lr * (g + c * w) for w, g in zip(self.b1, gb1)]
        self.w2 = [
            [w - lr * (g + c * w) for w, g in zip(row, grow)] for row, grow in zip(self.w2, g2)
        ]
        self.b2 = [w - lr * (g + c * w) for w, g in zip(self.b2, gb2)]
        self.w3 = [w - lr * (g + c * w) for w, g in zip(self.w3, g3)]
        self.b3 -= lr * (gb3 + c * self.b3)
        return loss

    def _backprop(self) -> _Backprop:
        """Forward and backward over every point; the loss and the data term's gradients."""
        w1, b1, w2, b2, w3, b3 = self.w1, self.b1, self.w2, self.b2, self.w3, self.b3
        w2t = list(zip(*w2))  # column j of w2: what h1[j] feeds
        inv_n = 1.0 / len(self.points)
        hinge = 0.0
        # per active point: d loss / d score, its inputs, activations and their gradients
        ds: list[float] = []
        x0s: list[float] = []
        x1s: list[float] = []
        h1s: list[list[float]] = []
        h2s: list[list[float]] = []
        dz1s: list[list[float]] = []
        dz2s: list[list[float]] = []
        for x0, x1, y in self.points:
            z1 = [a * x0 + b * x1 + c for (a, b), c in zip(w1, b1)]
            h1 = [z if z > 0.0 else 0.0 for z in z1]
            z2 = [sum(map(mul, row, h1)) + c for row, c in zip(w2, b2)]
            h2 = [z if z > 0.0 else 0.0 for z in z2]
            margin = 1.0 - y * (sum(map(mul, w3, h2)) + b3)
            if margin <= 0.0:  # NOTE: relu'(0) = 0, as in the engine: no gradient
                continue
            hinge += margin
            d = -y * inv_n  # d loss / d score
            # relu' is 1 where the activation is positive (h > 0 exactly when z > 0)
            dz2 = [d * w if h > 0.0 else 0.0 for w, h in zip(w3, h2)]
            dz1 = [sum(map(mul, col, dz2)) if h > 0.0 else 0.0 for col, h in zip(w2t, h1)]
            ds.append(d)
            x0s.append(x0)
            x1s.append(x1)
            h1s.append(h1)
            h2s.append(h2)
            dz1s.append(dz1)
            dz2s.append(dz2)
        l2 = (
            sum(a * a + b * b for a, b in w1)
            + sum(map(mul, b1, b1))
            + sum(sum(map(mul, row, row)) for row in w2)
            + sum(map(mul, b2, b2))
            + sum(map(mul, w3, w3))
            + b3 * b3
        )
        loss = hinge * inv_n + self.alpha * l2
        if not ds:  # every margin is met: the data term has no gradient
            h1_width, h2_width = self.hidden
            zeros1, zeros2 = [0.0] * h1_width, [0.0] * h2_width
            return loss, [(0.0, 0.0)] * h1_width, zeros1, [zeros1] * h2_width, zeros2, zeros2, 0.0
        # weight gradients: inner products over the active points, one column at a time
        h1c, h2c = list(zip(*h1s)), list(zip(*h2s))
        dz1c, dz2c = list(zip(*dz1s)), list(zip(*dz2s))
        g3 = [sum(map(mul, ds, col)) for col in h2c]
        g2 = [[sum(map(mul, dz, col)) for col in h1c] for dz in dz2c]
        g1 = [(sum(map(mul, dz, x0s)), sum(map(mul, dz, x1s))) for dz in dz1c]
        return loss, g1, list(map(sum, dz1c)), g2, list(map(sum, dz2c)), g3, sum(ds)


def _flatten(
    w1: Sequence[tuple[float, float]],
    b1: Sequence[float],
    w2: Sequence[Sequence[float]],
    b2: Sequence[float],
    w3: Sequence[float],
    b3: float,
) -> list[float]:
    """Layer by layer, neuron by neuron: weights then bias (``MLP.parameters()`` order)."""
    flat: list[float] = []
    for (a, b), c in zip(w1, b1):
        flat += (a, b, c)
    for row, c in zip(w2, b2):
        flat += row
        flat.append(c)
    flat += w3
    flat.append(b3)
    return flat
