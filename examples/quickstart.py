"""Quickstart: a Value graph, backprop, higher-order derivatives and a gradient check.

Teaches: how a ``Value`` records arithmetic, what ``backward`` leaves in ``.grad``,
how ``grad`` nests to any order, and how ``gradcheck`` compares backprop with finite
differences. Run: ``python examples/quickstart.py``.
"""

from __future__ import annotations

import autograd_mini as am
from autograd_mini import Value


def main() -> None:
    # A neuron: tanh(x*w + b), as in micrograd's README.
    x, w, b = Value(2.0, label="x"), Value(-0.25, label="w"), Value(1.0, label="b")
    y = (x * w + b).tanh()
    y.backward()
    print(f"y = tanh(x*w + b) = {y.data:.6f}")
    for v in (x, w, b):
        print(f"  dy/d{v.label} = {v.grad:+.6f}")

    # Derivatives of any order, JAX style.
    f = lambda t: t**3 - 2 * t  # noqa: E731
    print("f(t) = t**3 - 2t at t = 1.5:")
    df, d2f, d3f = am.grad(f), am.grad(am.grad(f)), am.grad(am.grad(am.grad(f)))
    print(f"  f' = {df(1.5)}, f'' = {d2f(1.5)}, f''' = {d3f(1.5)}")

    # Finite differences agree with backprop.
    def neuron(x: Value, w: Value, b: Value) -> Value:
        return (x * w + b).tanh()

    numeric = am.numerical_grad(neuron, [2.0, -0.25, 1.0])
    print("finite differences dy/d(x, w, b):", ", ".join(f"{d:+.6f}" for d in numeric))
    print("gradcheck passes:", am.gradcheck(neuron, [2.0, -0.25, 1.0]))

    # A deep graph: no recursion limit.
    z0 = z = Value(0.5)
    for _ in range(100_000):
        z = z.tanh()
    z.backward()
    print(f"a 100,000-node tanh chain backpropagates: dz/dz0 = {z0.grad:.3e}")


if __name__ == "__main__":
    main()
