"""Benchmark finite differences on a network: numerical_grad and gradcheck against their floor.

The workload is the loss of an MLP 2-16-16-1 (tanh, 337 parameters) on 32 two-moons
points, as a function of its 337 parameters. Contenders, each timed ``--repeats`` times,
interleaved:

* ``numerical_grad``: central differences, 2n = 674 probes;
* ``gradcheck``: one backprop plus the same 674 probes;
* floor: 2n evaluations of the same loss written on plain Python floats (the
  cheapest a probe can be in pure CPython);
* one backprop: a recording forward and ``backward()`` with ``Value``s.

Printed: median and spread (min-max) of each, and the ratios to the floor and to one
backprop. The issue's target: numerical_grad within 1.5x of the floor.

Run from the repository root::

    python benchmarks/bench_numerical.py            # about a minute
    python benchmarks/bench_numerical.py --repeats 3

This is a benchmark, not a test: it asserts nothing about timings.
"""

from __future__ import annotations

import argparse
import math
import operator
import random
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import autograd_mini as am
from autograd_mini import Value, datasets

SIZES = (2, 16, 16, 1)


def _layers(p: Sequence[Any]) -> list[list[tuple[Sequence[Any], Any]]]:
    """Split the flat parameter list into layers of (weights, bias) per neuron."""
    layers, k = [], 0
    for nin, nout in zip(SIZES, SIZES[1:]):
        layer = []
        for _ in range(nout):
            layer.append((p[k : k + nin], p[k + nin]))
            k += nin + 1
        layers.append(layer)
    return layers


def make_loss(points: list[tuple[list[float], float]]) -> Callable[..., Value]:
    """The mean squared error of the MLP as a function of its parameters, on Values."""

    def loss(*p: Value) -> Value:
        layers = _layers(p)
        errors = []
        for x, y in points:
            h: list[Any] = x
            for depth, layer in enumerate(layers):
                h = [am.dot(w, h, b) for w, b in layer]
                if depth < len(layers) - 1:
                    h = [v.tanh() for v in h]
            errors.append((h[0] - y) ** 2)
        return am.sum(errors) / len(points)

    return loss


def make_float_loss(points: list[tuple[list[float], float]]) -> Callable[..., float]:
    """The same loss on plain floats: the floor of any probe."""
    mul, tanh = operator.mul, math.tanh

    def loss(*p: float) -> float:
        layers = _layers(p)
        total = 0.0
        for x, y in points:
            h: Sequence[float] = x
            for depth, layer in enumerate(layers):
                h = [sum(map(mul, w, h), b) for w, b in layer]
                if depth < len(layers) - 1:
                    h = [tanh(v) for v in h]
            total += (h[0] - y) ** 2
        return total / len(points)

    return loss


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--points", type=int, default=32)
    args = parser.parse_args(argv)
    X, y = datasets.make_moons(args.points, noise=0.1, seed=0)
    points = [([float(a) for a in row], float(t)) for row, t in zip(X, y)]
    n = sum((a + 1) * b for a, b in zip(SIZES, SIZES[1:]))
    rng = random.Random(0)
    params = [rng.uniform(-0.5, 0.5) for _ in range(n)]
    loss, float_loss = make_loss(points), make_float_loss(points)

    def floor() -> None:
        for i in range(n):
            for h in (1e-6, -1e-6):
                probe = list(params)
                probe[i] += h
                float_loss(*probe)

    def backprop() -> None:
        leaves = [Value(v) for v in params]
        loss(*leaves).backward()

    contenders: dict[str, Callable[[], object]] = {
        "numerical_grad": lambda: am.numerical_grad(loss, params),
        "gradcheck": lambda: am.gradcheck(loss, params),
        f"floor: {2 * n} plain-float evaluations": floor,
        "one backprop": backprop,
    }
    numeric = am.numerical_grad(loss, params)
    exact = am.grad(loss, argnums=tuple(range(n)))(*params)
    worst = max(abs(a - b) for a, b in zip(numeric, exact))
    print(f"MLP {'-'.join(map(str, SIZES))}, {n} parameters, {len(points)} points; "
          f"max |numerical - backprop| = {worst:.2e}")
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.repeats):
        for name, run in contenders.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    floor_name = f"floor: {2 * n} plain-float evaluations"
    base, bp = statistics.median(times[floor_name]), statistics.median(times["one backprop"])
    print(f"{'contender':<40} {'median':>10} {'spread':>20} {'/floor':>8} {'/backprop':>10}")
    for name, ts in times.items():
        med = statistics.median(ts)
        spread = f"{min(ts) * 1e3:.1f}-{max(ts) * 1e3:.1f} ms"
        print(f"{name:<40} {med * 1e3:>8.1f}ms {spread:>20} {med / base:>8.2f} {med / bp:>10.1f}")


if __name__ == "__main__":
    main()
