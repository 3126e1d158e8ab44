"""Compiled mode's costs: compiling (time and memory per node) and running (W1's step).

A standalone benchmark (it asserts nothing; the tests check results, never timings):

* compile time and peak memory per node of ``autograd_mini.compile`` on three chains, a
  ``tanh`` chain, links of ``(x * x + 1).relu() * 0.5`` (nested guards) and an RNN's
  ``tanh(w * h + u * x_t)``, and on W2's random DAG (no repeated structure), from 10^3
  nodes up (10^6 only with ``--max-nodes 1000000``, and only if the 10^5 run predicts
  that it fits in about a minute and 2 GB);
* W1's full step (micrograd's demo: MLP 2-16-16-1, 100 points, hinge + L2) compiled
  with ``compiler.trace_program``;
* ``fit(compile=True)``'s W1 step against the hand-written float code of
  ``handwritten_mlp.py`` (both add with plain left-to-right float addition: Python
  3.11's ``sum`` of floats is plain addition, and so is the engine's rule), and, if
  HIPS autograd is installed, against its batched numpy step;
* a 4,417-parameter model's batch-32 epoch against its full-batch epoch.

Figures are medians over several runs with their spread (min-max). Run it on an idle
machine: the load average is printed first, because other jobs move medians by tens of
percent.

    python benchmarks/bench_compile.py              # about a minute
    python benchmarks/bench_compile.py --quick      # a few seconds, to check it runs
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from w2_dag import make_program, replay  # noqa: E402

import autograd_mini as am  # noqa: E402
from autograd_mini import datasets, fit, losses, nn, optim  # noqa: E402
from autograd_mini.compiler import trace_program  # noqa: E402

W1_ALPHA, W1_LR = 1e-4, 0.05


def spread(xs: list[float], scale: float = 1.0, fmt: str = ".2f") -> str:
    """'median (min-max)' of ``xs`` times ``scale``."""
    m = statistics.median(xs) * scale
    return f"{m:{fmt}} ({min(xs) * scale:{fmt}}-{max(xs) * scale:{fmt}})"


# --- compile cost per node -------------------------------------------------------------
def tanh_chain(n: int) -> Callable[[Any], Any]:
    def f(x: Any) -> Any:
        for _ in range(n - 1):
            x = x.tanh()
        return x

    return f


def relu_links(n: int) -> Callable[[Any], Any]:
    def f(x: Any) -> Any:
        for _ in range((n - 1) // 4):
            x = (x * x + 1.0).relu() * 0.5
        return x

    return f


def rnn_chain(n: int) -> Callable[[Any], Any]:
    """``h = tanh(w * h + u * x_t)`` over a sequence: the ``u * x_t`` do not read the
    chain, so the engine orders them all before it (a loop of their own), and the
    chain's loop reads one per link."""
    xs = [math.sin(0.1 * t) for t in range((n - 1) // 4)]

    def f(x: Any) -> Any:
        w, u = x * 0.9, x * -0.4
        h = x
        for xt in xs:
            h = (w * h + u * xt).tanh()
        return h

    return f


def random_dag(n: int) -> Callable[[Any], Any]:
    """W2's seeded random DAG (``+ - * / ** relu``, nodes reused all over), over leaves
    made from x (equal to W2's leaves at x = 0.5, where the generator keeps every value
    in range): a graph without repeated structure, all straight-line code."""
    leaves, program = make_program(n, 8, seed=0)

    def f(x: Any) -> Any:
        d = x - 0.5
        return replay(lambda c: d + c, leaves, program)[-1]

    return f


def compile_once(make: Callable[[int], Callable[[Any], Any]], n: int) -> tuple[float, int, int]:
    """Seconds to trace, generate and compile an n-node graph (first call), its nodes and
    the generated source's lines."""
    f = make(n)
    gc.collect()
    t0 = time.perf_counter()
    compiled = am.compile(f, max_nodes=10 * n)
    compiled(0.5)
    seconds = time.perf_counter() - t0
    program = compiled._last
    return seconds, program.nodes if program else n, program.source.count("\n") if program else 0


def peak_bytes(make: Callable[[int], Callable[[Any], Any]], n: int) -> int:
    """Peak memory (tracemalloc) of compiling an n-node graph, the trace included."""
    f = make(n)
    gc.collect()
    tracemalloc.start()
    am.compile(f, max_nodes=10 * n)(0.5)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def per_node(sizes: list[int], repeat: int, max_nodes: int) -> None:
    print("compile(f), first call (trace + code generation + Python's compile)")
    print(f"  {'graph':<12}{'nodes':>10}  {'us/node median (min-max)':<28}{'peak bytes/node':>16}"
          f"{'lines/node':>12}")
    for name, make in (("tanh chain", tanh_chain), ("relu links", relu_links),
                       ("RNN chain", rnn_chain), ("random DAG", random_dag)):
        last: tuple[int, float, float] | None = None
        for n in sizes:
            if n > max_nodes:
                continue
            if n >= 10**6 and last is not None:
                m, us, b = last
                if us * n / 1e6 > 60 or b * n > 2e9:
                    print(f"  {name:<12}{n:>10,}  skipped: {us * n / 1e6:.0f} s and "
                          f"{b * n / 1e9:.1f} GB predicted from {m:,} nodes")
                    continue
            runs = [compile_once(make, n) for _ in range(repeat if n <= 10**4 else 1)]
            nodes, lines = runs[0][1], runs[0][2]
            times = [s / nodes for s, _, _ in runs]
            peak = peak_bytes(make, n) / nodes if n <= 10**5 else float("nan")
            print(f"  {name:<12}{nodes:>10,}  {spread(times, 1e6, '.1f'):<28}{peak:>16,.0f}"
                  f"{lines / nodes:>12.2f}")
            last = (nodes, statistics.median(times) * 1e6, peak)


# --- W1 ----------------------------------------------------------------------------------
def w1_data() -> tuple[list[list[float]], list[float]]:
    X, y = datasets.make_moons(100, noise=0.1, seed=1)
    return [list(map(float, x)) for x in X], [1.0 if t else -1.0 for t in y]


def w1_compile(repeat: int) -> None:
    X, y = w1_data()
    times = []
    nodes = lines = 0
    for _ in range(repeat):
        model = nn.MLP(2, [16, 16, 1], seed=0)
        params = model.parameters()

        def run(model: nn.MLP = model, params: list[Any] = params) -> tuple[Any, list[Any]]:
            scores = [model(x) for x in X]
            return losses.hinge(scores, y) + W1_ALPHA * losses.l2(params), []

        gc.collect()
        t0 = time.perf_counter()
        program = trace_program(run, params, list(range(len(params))))
        times.append(time.perf_counter() - t0)
        nodes, lines = program.nodes, program.source.count("\n")
    print(f"W1 full step compiled (trace_program): {spread(times, 1e3, '.0f')} ms for "
          f"{nodes:,} nodes, {lines:,} lines ({statistics.median(times) / nodes * 1e6:.1f} "
          "us/node)")


def w1_step(repeat: int, steps: int) -> None:
    from handwritten_mlp import FloatMLP

    X, y = w1_data()
    model = nn.MLP(2, [16, 16, 1], seed=0)
    init = [p.data for p in model.parameters()]
    points = [(a, b, c) for (a, b), c in zip(X, y)]
    floats = FloatMLP(init, (16, 16), points, W1_ALPHA)

    def fit_step() -> float:
        for p, v in zip(model.parameters(), init):
            p.data = v
        stamps: list[float] = []
        fit(model, X, y, loss="hinge", l2=W1_ALPHA, epochs=steps + 1, progress=False,
            optimizer=optim.SGD(model.parameters(), lr=W1_LR), compile=True,
            callbacks=[lambda epoch, logs: stamps.append(time.perf_counter())])
        return (stamps[-1] - stamps[0]) / steps  # epoch 1 traced: not counted

    def floats_step() -> float:
        floats.set_parameters(init)
        t0 = time.perf_counter()
        for _ in range(steps):
            floats.step(W1_LR)
        return (time.perf_counter() - t0) / steps

    hips = _hips_step()
    a: list[float] = []
    b: list[float] = []
    c: list[float] = []
    for _ in range(repeat):  # interleaved, so that load changes hit every contender
        a.append(fit_step())
        b.append(floats_step())
        if hips is not None:
            c.append(hips(steps))
    ratio = statistics.median(a) / statistics.median(b)
    print(f"W1 step, ms: fit(compile=True) {spread(a, 1e3, '.3f')}, hand-written floats "
          f"{spread(b, 1e3, '.3f')}; ratio of medians {ratio:.2f} (target <= 0.75)")
    if c:
        print(f"    HIPS autograd + numpy, batched: {spread(c, 1e3, '.3f')} ms; fit(compile=True)"
              f" / HIPS {statistics.median(a) / statistics.median(c):.2f}")
    else:
        print("    HIPS autograd not installed: its row is skipped")


def _hips_step() -> Callable[[int], float] | None:
    """W1's step batched in numpy with HIPS autograd, or None if it is not installed."""
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError:
        return None
    X, y = w1_data()
    Xa, ya = anp.array(X), anp.array(y)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    flat = [p.data for p in model.parameters()]

    def unpack(p: list[float]) -> list[Any]:
        w1 = anp.array([p[3 * j : 3 * j + 2] for j in range(16)]).T
        b1 = anp.array([p[3 * j + 2] for j in range(16)])
        at = 48
        rows = [p[at + 17 * k : at + 17 * (k + 1)] for k in range(16)]
        w2 = anp.array([r[:16] for r in rows]).T
        b2 = anp.array([r[16] for r in rows])
        w3, b3 = anp.array(p[at + 272 : at + 288]), anp.array(p[at + 288])
        return [w1, b1, w2, b2, w3, b3]

    def loss(ws: list[Any]) -> Any:
        w1, b1, w2, b2, w3, b3 = ws
        h1 = anp.maximum(anp.dot(Xa, w1) + b1, 0.0)
        h2 = anp.maximum(anp.dot(h1, w2) + b2, 0.0)
        score = anp.dot(h2, w3) + b3
        data = anp.mean(anp.maximum(1.0 - ya * score, 0.0))
        return data + W1_ALPHA * sum(anp.sum(w * w) for w in ws)

    grad = autograd.grad(loss)

    def run(steps: int) -> float:
        ws = unpack(flat)
        t0 = time.perf_counter()
        for _ in range(steps):
            gs = grad(ws)
            ws = [w - W1_LR * g for w, g in zip(ws, gs)]
        return (time.perf_counter() - t0) / steps

    return run


def wide_model(repeat: int) -> None:
    """A 4,417-parameter MLP (2-64-64-1): batch-32 epoch against full-batch epoch."""
    X, y = datasets.make_moons(128, noise=0.1, seed=0)
    model = nn.MLP(2, [64, 64, 1], seed=0)
    init = [p.data for p in model.parameters()]

    def epoch(batch_size: int | None) -> float:
        for p, v in zip(model.parameters(), init):
            p.data = v
        stamps: list[float] = []
        fit(model, X, y, loss="hinge", l2=W1_ALPHA, epochs=3, batch_size=batch_size,
            progress=False, optimizer=optim.SGD(model.parameters(), lr=0.01), compile=True,
            callbacks=[lambda e, logs: stamps.append(time.perf_counter())])
        return (stamps[-1] - stamps[0]) / 2

    full: list[float] = []
    mini: list[float] = []
    for _ in range(repeat):
        full.append(epoch(None))
        mini.append(epoch(32))
    print(f"{len(init):,}-parameter model, 128 points, fit(compile=True) epoch, ms: full batch "
          f"{spread(full, 1e3, '.1f')}, batch 32 {spread(mini, 1e3, '.1f')}; ratio "
          f"{statistics.median(mini) / statistics.median(full):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check it runs")
    parser.add_argument("--max-nodes", type=int, default=10**5,
                        help="largest graph for the per-node figures (10^6 is opt-in)")
    args = parser.parse_args()
    print(f"Python {platform.python_version()} on {platform.platform()}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    heavy = sorted(m for m in ("numpy", "torch", "jax", "autograd") if m in sys.modules)
    print(f"process holds: autograd_mini{''.join(', ' + m for m in heavy)}")
    if args.quick:
        per_node([10**3], 2, 10**3)
        w1_step(2, 3)
        return
    per_node([10**3, 10**4, 10**5, 10**6], 5, args.max_nodes)
    w1_compile(3)
    w1_step(5, 20)
    wide_model(3)


if __name__ == "__main__":
    main()
