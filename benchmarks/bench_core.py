"""Benchmark autograd_mini against micrograd 0.1.0, side by side in one process.

Workloads (``--only`` picks some; see ``--help``):

* W1demo: one training step (forward, zero grads, backward, SGD update) of micrograd's
  demo, an MLP 2-16-16-1 built from plain ``Value`` arithmetic exactly as micrograd's
  ``nn.py`` builds it, 100 two-moons points, SVM max-margin loss plus L2, run with each
  library's ``Value``.
* W1lib: the same training step as a user writes it with autograd_mini (``nn.MLP``,
  ``losses.hinge`` and ``losses.l2``, ``optim.SGD``): a bare loop, ``fit``,
  ``fit(compile=True)``, a step traced once with ``compiler.trace_program``, and the
  same step written by hand on plain floats (``handwritten_mlp.py``), the speed limit
  of pure CPython, against micrograd's demo step.
* W2: forward and backward of a ~100,000-op random expression DAG (``+ - * / ** relu``),
  the same structure replayed with each library's ``Value`` from one seeded program.
* W3: a 1,000,000-node ``tanh`` chain, autograd_mini only (micrograd's recursive
  backward cannot take it at the default recursion limit, and it has no ``tanh``):
  forward and backward time, peak memory, bytes per node; measured in fresh child
  processes.

Two kinds of figures, garbage collection enabled in both (what users get):

* per-phase rows: the two libraries alternate step by step; after each step, untimed,
  the graph is dropped and ``gc.collect()`` runs (reported as "teardown"); medians and
  minima of each phase;
* steady state: blocks of consecutive steps of one contender with the collector left
  alone, as in a training loop; block time / steps is the mean time per step,
  collections included. Contenders alternate block by block, with an untimed
  ``gc.collect()`` between blocks. The speed-up targets are checked on these figures.

Before timing, each workload checks (untimed) that the contenders compute the same
loss, weights and gradients.

Run from the repository root::

    python benchmarks/bench_core.py            # full run, about 2-3 minutes
    python benchmarks/bench_core.py --quick    # smoke run, a few seconds
    python benchmarks/bench_core.py --only W1lib --blocks 5 --profile

This is a benchmark, not a test: it asserts nothing about timings.
"""

from __future__ import annotations

import argparse
import builtins
import cProfile
import gc
import importlib
import importlib.util
import json
import math
import os
import platform
import pstats
import random
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["main"]

REPO_ROOT = Path(__file__).resolve().parents[1]

# Targets the engine is held to (printed next to the measurements, never asserted).
TARGET_SPEEDUP = 8.0  # W1 and W2 steady state: at least this many times micrograd's speed
TARGET_LIB_SPEEDUP = 40.0  # W1 with nn.MLP, losses and SGD: times micrograd (steady state)
TARGET_FIT_OVERHEAD = 0.10  # fit's time per epoch over the bare loop's per step
TARGET_COMPILED_SPEEDUP = 150.0  # compiled W1 step: times micrograd (steady state)
TARGET_COMPILED_VS_FLOATS = 1.3  # compiled W1 step: at most this many times the hand-written
TARGET_COMPILE_SECONDS = 1.0  # trace + code generation + Python's compile() of the W1 step
TARGET_FIT_COMPILE_EPOCH = 5  # fit(compile=True) faster per epoch than eager from here on
TARGET_BYTES_PER_NODE = 200.0
TARGET_W3_SECONDS = 3.0  # forward + backward of the 1,000,000-node chain
TARGET_W3_PEAK_MB = 400.0

# Sizes: W1 points, W2 ops and leaves, W3 and bytes-per-node chain nodes; steps per
# steady-state block (micrograd and the demo code on autograd_mini; the library variants
# of W1, which are much faster, run more steps per block) and blocks per contender.
FULL_SIZES = {
    "w1_points": 100,
    "w2_ops": 90_000,
    "w2_leaves": 1_000,
    "w3_nodes": 1_000_000,
    "bytes_nodes": 100_000,
    "block_steps": 6,
    "lib_block_steps": 20,
    "blocks": 3,
}
QUICK_SIZES = {
    "w1_points": 20,
    "w2_ops": 4_500,
    "w2_leaves": 100,
    "w3_nodes": 20_000,
    "bytes_nodes": 10_000,
    "block_steps": 2,
    "lib_block_steps": 6,
    "blocks": 2,
}
DEFAULT_REPEAT = 11
QUICK_REPEAT = 3
REL_TOL = 1e-9
FLOATS_TOL = 1e-12  # hand-written gradients against the engine's, relative
BIG_STACK = 512 * 1024 * 1024  # for micrograd's recursive topological sort (see _in_big_stack)
W1_LR = 0.1  # constant learning rate of the steady-state blocks and the library variants
W1_ALPHA = 1e-4  # weight of the L2 penalty, as in micrograd's demo

# What --only accepts: W1 stands for both of its parts.
WORKLOADS = ("W1", "W1DEMO", "W1LIB", "W2", "W3")

perf_counter = time.perf_counter


# --- loading the two libraries ---------------------------------------------------------
def _import_autograd_mini() -> Any:
    """Import autograd_mini from this checkout (not from any installed copy)."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    return importlib.import_module("autograd_mini")


def _import_micrograd() -> tuple[Any, Any]:
    """Return micrograd's ``engine`` and ``nn`` modules, or exit with how to install them."""
    try:
        engine = importlib.import_module("micrograd.engine")
        nn = importlib.import_module("micrograd.nn")
    except ImportError:
        sys.exit(
            "bench_core: micrograd is not installed; run `pip install micrograd==0.1.0` "
            "(or `pip install -e .[bench]`), or pass --only W3"
        )
    return engine, nn


def _version(dist: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


# --- statistics and printing -----------------------------------------------------------
class Row:
    """One line of the results table: timings of both libraries for one phase."""

    def __init__(self, workload: str, phase: str, target: str = "") -> None:
        self.workload = workload
        self.phase = phase
        self.target = target
        self.mg: list[float] = []
        self.am: list[float] = []

    def cells(self) -> list[str]:
        def stat(xs: list[float], f: Callable[[list[float]], float]) -> str:
            return f"{f(xs) * 1e3:10.2f}" if xs else f"{'-':>10}"

        speedup = "-"
        if self.mg and self.am:
            speedup = f"{statistics.median(self.mg) / statistics.median(self.am):.2f}x"
        status = ""
        if self.target and self.mg and self.am:
            ok = statistics.median(self.mg) / statistics.median(self.am) >= TARGET_SPEEDUP
            status = "MET" if ok else "MISSED"
        return [
            self.workload,
            self.phase,
            stat(self.mg, statistics.median),
            stat(self.mg, min),
            stat(self.am, statistics.median),
            stat(self.am, min),
            f"{speedup:>8}",
            self.target,
            status,
        ]


def _print_table(rows: Sequence[Row]) -> None:
    header = ["", "phase", "mg median", "mg min", "am median", "am min", "speed-up", "target", ""]
    for line in _format_table([header] + [r.cells() for r in rows], numeric=range(2, 7)):
        print(line)


def _rel_err(a: float, b: float) -> float:
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0.0 else abs(a - b) / scale


def _drop_garbage() -> float:
    """Collect what the previous step left (untimed for the step); return the seconds it took.

    micrograd's ``_backward`` closures make reference cycles, so its graphs are freed only
    by the cycle collector. Collecting between steps keeps one library's garbage off the
    other's clock; the time it takes is reported on its own row.
    """
    t0 = perf_counter()
    gc.collect()
    return perf_counter() - t0


# --- steady state: consecutive steps, GC left alone ----------------------------------
def _full_collections() -> int:
    return int(gc.get_stats()[2]["collections"])


class Clock:
    """Times one block: seconds and full (generation-2) collections from start to stop."""

    def __init__(self) -> None:
        self.t0 = 0.0
        self.c0 = 0
        self.seconds = 0.0
        self.collections = 0

    def start(self) -> None:
        self.c0 = _full_collections()
        self.t0 = perf_counter()

    def stop(self) -> None:
        self.seconds = perf_counter() - self.t0
        self.collections = _full_collections() - self.c0


class Contender:
    """One side of a steady-state measurement: a block of consecutive steps, repeated.

    ``run(steps, clock)`` runs ``steps`` steps, calling ``clock.start()`` and
    ``clock.stop()`` around what is timed; ``reset()`` (untimed) puts the starting
    weights back before each block, so that every block does the same work.
    """

    def __init__(
        self,
        name: str,
        steps: int,
        run: Callable[[int, Clock], None],
        reset: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self.steps = steps
        self.run = run
        self.reset = reset
        self.per_step: list[float] = []  # mean seconds per step, one per block
        self.leftover: list[float] = []  # untimed gc.collect() after each block, seconds
        self.collections = 0
        self.timed_steps = 0

    @property
    def median(self) -> float:
        return statistics.median(self.per_step)

    def collections_per_step(self) -> float:
        return self.collections / self.timed_steps if self.timed_steps else 0.0

    def leftover_per_step(self) -> float:
        """The untimed collection after a block, per step of the block (median)."""
        return statistics.median(self.leftover) / self.steps if self.leftover else 0.0


def run_blocks(contenders: Sequence[Contender], blocks: int) -> None:
    """Round-robin: a block of each contender in turn, ``blocks`` times.

    Inside a block nothing forces a collection: each step's graph is dropped when the
    next step rebinds the variable holding it, as in a training loop, and the cycle
    collector runs whenever its thresholds say so. After each block, untimed,
    ``gc.collect()`` clears what the block left, so that no contender pays for
    another's garbage; its duration is kept (``leftover``) to show what the block's
    time leaves out.
    """
    gc.collect()
    for _ in range(blocks):
        for c in contenders:
            if c.reset is not None:
                c.reset()
            clock = Clock()
            c.run(c.steps, clock)
            c.leftover.append(_drop_garbage())
            c.per_step.append(clock.seconds / c.steps)
            c.collections += clock.collections
            c.timed_steps += c.steps


def consecutive(step: Callable[[], Any], steps: int, clock: Clock) -> None:
    """Time ``steps`` calls of ``step``; each result is kept until the next replaces it."""
    clock.start()
    out = None
    for _ in range(steps):
        out = step()  # drops the previous step's result (its graph) here
    del out  # the last graph goes inside the block too, as every other one did
    clock.stop()


def _steady_note(mg: Contender, am: Contender, what: str) -> str:
    return (
        f"    per steady-state {what}: full (generation-2) collections: micrograd "
        f"{mg.collections_per_step():.1f}, autograd_mini {am.collections_per_step():.1f}; "
        f"the untimed gc.collect() after a block (what the block left; not in the figures), "
        f"per {what}: micrograd {mg.leftover_per_step() * 1e3:.0f} ms, autograd_mini "
        f"{am.leftover_per_step() * 1e3:.1f} ms"
    )


def steady_row(workload: str, mg: Contender, am: Contender) -> Row:
    row = Row(
        workload,
        "step, steady state (mean over consecutive steps, GC included)",
        f">= {TARGET_SPEEDUP:g}x",
    )
    row.mg, row.am = list(mg.per_step), list(am.per_step)
    return row


# --- W1: one training step of micrograd's demo -----------------------------------------
def make_moons(n: int, *, noise: float = 0.1, seed: int = 0) -> list[tuple[float, float, float]]:
    """Two interleaved half circles as ``(x0, x1, y)`` with ``y`` in {-1.0, 1.0}.

    The same shapes as scikit-learn's ``make_moons`` (labels mapped to -1/1 as micrograd's
    demo does), from ``random.Random(seed)`` so that every run gets the same points.
    """
    rng = random.Random(seed)
    n_outer = n // 2
    n_inner = n - n_outer
    points = []
    for i in range(n_outer):
        t = math.pi * i / max(n_outer - 1, 1)
        points.append((math.cos(t), math.sin(t), -1.0))
    for i in range(n_inner):
        t = math.pi * i / max(n_inner - 1, 1)
        points.append((1.0 - math.cos(t), 0.5 - math.sin(t), 1.0))
    points = [(x0 + rng.gauss(0.0, noise), x1 + rng.gauss(0.0, noise), y) for x0, x1, y in points]
    rng.shuffle(points)
    return points


class _Neuron:
    """micrograd's ``nn.Neuron``, line for line, on any ``Value`` class."""

    def __init__(self, value_cls: Any, nin: int, nonlin: bool = True) -> None:
        self.w = [value_cls(0.0) for _ in range(nin)]
        self.b = value_cls(0.0)
        self.nonlin = nonlin

    def __call__(self, x: Sequence[Any]) -> Any:
        act = builtins.sum((wi * xi for wi, xi in zip(self.w, x, strict=False)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Any]:
        return self.w + [self.b]


class _Layer:
    """micrograd's ``nn.Layer``."""

    def __init__(self, value_cls: Any, nin: int, nout: int, nonlin: bool) -> None:
        self.neurons = [_Neuron(value_cls, nin, nonlin) for _ in range(nout)]

    def __call__(self, x: Sequence[Any]) -> Any:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Any]:
        return [p for n in self.neurons for p in n.parameters()]


class MLP:
    """micrograd's ``nn.MLP`` (ReLU hidden layers, linear last layer) on any ``Value`` class.

    Written here rather than taken from ``autograd_mini.nn`` so that both libraries run
    exactly the same arithmetic (micrograd's ``zero_grad`` sets 0, this one 0.0).
    """

    def __init__(self, value_cls: Any, nin: int, nouts: Sequence[int]) -> None:
        sz = [nin, *nouts]
        self.layers = [
            _Layer(value_cls, sz[i], sz[i + 1], nonlin=i != len(nouts) - 1)
            for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Any]) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Any]:
        return [p for layer in self.layers for p in layer.parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0


def svm_loss(value_cls: Any, model: Any, data: Sequence[tuple[float, float, float]]) -> Any:
    """micrograd demo's loss: mean(relu(1 - y * score)) + 1e-4 * sum(p * p)."""
    inputs = [list(map(value_cls, (x0, x1))) for x0, x1, _ in data]
    scores = list(map(model, inputs))
    losses = [(1 + -y * score).relu() for (_, _, y), score in zip(data, scores, strict=True)]
    data_loss = builtins.sum(losses) * (1.0 / len(losses))
    alpha = 1e-4
    reg_loss = alpha * builtins.sum(p * p for p in model.parameters())
    return data_loss + reg_loss


def train_step(
    value_cls: Any, model: Any, data: Sequence[tuple[float, float, float]], lr: float
) -> tuple[Any, float, float, float]:
    """Forward, zero grads, backward, SGD update. Returns (loss, t_fwd, t_bwd, t_update)."""
    t0 = perf_counter()
    loss = svm_loss(value_cls, model, data)
    t1 = perf_counter()
    model.zero_grad()
    loss.backward()
    t2 = perf_counter()
    for p in model.parameters():
        p.data -= lr * p.grad
    t3 = perf_counter()
    return loss, t1 - t0, t2 - t1, t3 - t2


def _set_weights(params: Sequence[Any], values: Sequence[float]) -> None:
    for p, v in zip(params, values, strict=True):
        p.data = v


def _demo_contender(
    name: str, value_cls: Any, model: Any, data: Any, init: list[float], steps: int
) -> Contender:
    """Blocks of consecutive demo steps (micrograd's code) on one library."""
    params = model.parameters()
    return Contender(
        name,
        steps,
        lambda k, clock: consecutive(
            lambda: train_step(value_cls, model, data, W1_LR)[0], k, clock
        ),
        reset=lambda: _set_weights(params, init),
    )


def bench_w1(
    mg_engine: Any,
    mg_nn: Any,
    am: Any,
    sizes: dict[str, int],
    repeat: int,
    parts: set[str],
    dump_source: str | None,
) -> tuple[list[Row], list[str]]:
    """W1's table rows, and the lines of the report on the library variants (or [])."""
    n_points = sizes["w1_points"]
    data = make_moons(n_points)
    random.seed(1337)  # micrograd's MLP draws its initial weights from the global random
    mg_model = mg_nn.MLP(2, [16, 16, 1])
    init = [float(p.data) for p in mg_model.parameters()]
    k, blocks = sizes["block_steps"], sizes["blocks"]
    rows: list[Row] = []
    mg = _demo_contender("micrograd", mg_engine.Value, mg_model, data, init, k)
    contenders = [mg]
    am_demo = None
    if "W1DEMO" in parts:
        am_model = MLP(am.Value, 2, [16, 16, 1])
        _set_weights(am_model.parameters(), init)
        rows += _w1_phases(mg_engine, mg_model, am, am_model, data, repeat)
        am_demo = _demo_contender("autograd_mini", am.Value, am_model, data, init, k)
        contenders.append(am_demo)
    user = None
    if "W1LIB" in parts:
        user = W1User(am, data, init, sizes["lib_block_steps"])
        contenders += user.contenders
        for line in user.check_lines:
            print(line)
        if dump_source:
            Path(dump_source).write_text(user.program.source)
            print(f"    generated source of the compiled W1 step written to {dump_source}")
    lib_steps = f", {sizes['lib_block_steps']} for the library variants" if user else ""
    print(
        f"    steady state: {blocks} blocks per contender, round-robin "
        f"({', '.join(c.name for c in contenders)}); {k} consecutive steps per block for "
        f"micrograd's demo code{lib_steps}; lr {W1_LR:g}, each block from the same weights"
    )
    run_blocks(contenders, blocks)
    if am_demo is not None:
        rows.append(steady_row("W1", mg, am_demo))
        print(_steady_note(mg, am_demo, "step"))
    return rows, (user.report(mg, repeat) if user is not None else [])


def _w1_phases(
    mg_engine: Any, mg_model: Any, am: Any, am_model: Any, data: Any, repeat: int
) -> list[Row]:
    """Per-phase rows of the demo step, micrograd and autograd_mini interleaved step by step."""
    n_points = len(data)
    mg_params, am_params = mg_model.parameters(), am_model.parameters()
    n_params = len(mg_params)

    # Check (untimed): one step from identical weights gives the same loss and weights.
    mg_loss, *_ = train_step(mg_engine.Value, mg_model, data, lr=1.0)
    am_loss, *_ = train_step(am.Value, am_model, data, lr=1.0)
    loss_err = _rel_err(mg_loss.data, am_loss.data)
    pairs = zip(mg_params, am_params, strict=True)
    weight_err = max(_rel_err(pm.data, pa.data) for pm, pa in pairs)
    identical = loss_err <= REL_TOL and weight_err <= REL_TOL
    mg_nodes, am_nodes = _count_micrograd(mg_loss), _count_autograd_mini(am_loss)
    del mg_loss, am_loss
    _drop_garbage()

    rows = {
        "fwd": Row("W1", "forward"),
        "bwd": Row("W1", "zero_grad + backward"),
        "upd": Row("W1", "SGD update"),
        "step": Row("W1", "step (fwd+bwd+update), excluding teardown"),
        "gc": Row("W1", "teardown (gc.collect)"),
    }
    for k in range(1, repeat + 1):
        lr = 1.0 - 0.9 * k / 100  # the demo's schedule
        for which, value_cls, model in (
            ("mg", mg_engine.Value, mg_model),
            ("am", am.Value, am_model),
        ):
            loss, t_fwd, t_bwd, t_upd = train_step(value_cls, model, data, lr)
            del loss
            t_gc = _drop_garbage()
            for key, t in (
                ("fwd", t_fwd),
                ("bwd", t_bwd),
                ("upd", t_upd),
                ("step", t_fwd + t_bwd + t_upd),
                ("gc", t_gc),
            ):
                getattr(rows[key], which).append(t)

    print(
        f"W1  micrograd demo step: MLP 2-16-16-1 ({n_params} parameters), {n_points} two-moons "
        f"points, SVM loss + L2; per-phase rows from {repeat} interleaved steps"
    )
    print(f"    graph nodes per step: micrograd {mg_nodes:,}, autograd_mini {am_nodes:,}")
    print(
        f"    identical after one step from the same weights: {'yes' if identical else 'no'} "
        f"(loss rel. err {loss_err:.1e}, max weight rel. err {weight_err:.1e}, tol {REL_TOL:g})"
    )
    return list(rows.values())


# --- W1 as a user writes it with autograd_mini -----------------------------------------
class W1User:
    """W1 written with autograd_mini's own API, compiled, and by hand on plain floats.

    Every variant trains ``nn.MLP(2, [16, 16, 1])`` on the same points from the same
    initial weights (micrograd's, seed 1337): ``losses.hinge(scores, y) + W1_ALPHA *
    losses.l2(params)``, plain SGD with ``lr = W1_LR``.

    * W1-lib: the bare loop ``opt.zero_grad(); loss = ...; loss.backward(); opt.step()``;
    * W1-fit: ``fit(model, X, y, loss="hinge", l2=..., epochs=S, batch_size=None)``,
      one epoch being one full-batch step;
    * W1-fit-compiled: the same with ``compile=True``; its first epoch traces the step
      and is timed on its own, the next S epochs are the block;
    * W1-compiled: the step traced once with ``trace_program`` over the parameters (the
      points are baked in as constants), then ``program.fn(*data)``, gradients written
      to ``.grad``, ``opt.step()``;
    * W1-floats: :class:`handwritten_mlp.FloatMLP`, the same step by hand on floats.
    """

    def __init__(
        self, am: Any, points: list[tuple[float, float, float]], init: list[float], steps: int
    ) -> None:
        from handwritten_mlp import FloatMLP

        self.fit = am.fit
        self.losses = am.losses
        self.optim = am.optim
        self.steps = steps
        self.n_points = len(points)
        self.X = [[x0, x1] for x0, x1, _ in points]
        self.y = [label for _, _, label in points]
        self.init = init
        self.model = am.nn.MLP(2, [16, 16, 1], seed=0)
        self.params = self.model.parameters()
        self.opt = self.optim.SGD(self.params, lr=W1_LR)
        self.floats = FloatMLP(init, (16, 16), points, W1_ALPHA)
        self.reset()
        trace_program = importlib.import_module("autograd_mini.compiler").trace_program
        t0 = perf_counter()
        self.program = trace_program(
            lambda: (self.loss(), []), self.params, list(range(len(self.params)))
        )
        self.compile_seconds = perf_counter() - t0
        t0 = perf_counter()
        builtins.compile(self.program.source, "<W1 step>", "exec")
        self.python_compile_seconds = perf_counter() - t0
        self.after_first_block: dict[str, list[float]] = {}  # weights after each first block
        self.fit_losses: dict[str, list[float]] = {}  # fit's loss history in its first block
        self.epoch_times: dict[str, list[list[float]]] = {"fit": [], "fitc": []}
        self.contenders = self._contenders()
        self.check_lines = self._check()

    # --- the steps -----------------------------------------------------------------------
    def reset(self) -> None:
        for p, v in zip(self.params, self.init, strict=True):
            p.data = v
            p.grad = 0.0
        self.floats.set_parameters(self.init)

    def loss(self) -> Any:
        scores = [self.model(x) for x in self.X]
        return self.losses.hinge(scores, self.y) + W1_ALPHA * self.losses.l2(self.params)

    def lib_step(self) -> Any:
        self.opt.zero_grad()
        loss = self.loss()
        loss.backward()
        self.opt.step()
        return loss

    def compiled_step(self) -> float:
        params = self.params
        value, grads = self.program.fn(*[p.data for p in params])
        for p, g in zip(params, grads):
            p.grad = g
        self.opt.step()
        return float(value)

    def floats_step(self) -> float:
        return self.floats.step(W1_LR)

    def weights(self) -> list[float]:
        return [p.data for p in self.params]

    # --- the contenders ------------------------------------------------------------------
    def _contenders(self) -> list[Contender]:
        def blocks_of(
            name: str, step: Callable[[], Any], weights: Callable[[], list[float]]
        ) -> Contender:
            def run(k: int, clock: Clock) -> None:
                consecutive(step, k, clock)
                self.after_first_block.setdefault(name, weights())

            return Contender(name, self.steps, run, reset=self.reset)

        return [
            blocks_of("W1-lib", self.lib_step, self.weights),
            Contender("W1-fit", self.steps, self._fit_block, reset=self.reset),
            Contender(
                "W1-fit-compiled",
                self.steps,
                lambda k, clock: self._fit_block(k, clock, compiled=True),
                reset=self.reset,
            ),
            blocks_of("W1-compiled", self.compiled_step, self.weights),
            blocks_of("W1-floats", self.floats_step, self.floats.parameters),
        ]

    def _fit_block(self, steps: int, clock: Clock, compiled: bool = False) -> None:
        """One fit call: ``steps`` epochs, after one more (the tracing one) if compiled."""
        epochs = steps + 1 if compiled else steps
        stamps: list[float] = []

        def stamp(epoch: int, logs: dict[str, float]) -> None:
            stamps.append(perf_counter())
            if compiled and epoch == 1:
                clock.start()  # epoch 1 traced and compiled the step: timed on its own
            if epoch == epochs:
                clock.stop()

        opt = self.optim.SGD(self.params, lr=W1_LR)
        if compiled:
            t0 = perf_counter()
        else:
            clock.start()  # eager: the whole call is the block
            t0 = clock.t0
        history = self.fit(
            self.model,
            self.X,
            self.y,
            loss="hinge",
            l2=W1_ALPHA,
            optimizer=opt,
            epochs=epochs,
            batch_size=None,
            progress=False,
            compile=compiled,
            callbacks=[stamp],
        )
        if len(stamps) != epochs:
            raise RuntimeError(f"fit stopped after {len(stamps)} epochs: {history.stop_reason}")
        key = "fitc" if compiled else "fit"
        self.epoch_times[key].append([b - a for a, b in zip([t0, *stamps], stamps)])
        self.fit_losses.setdefault(key, list(history.losses))
        if not compiled:
            self.after_first_block.setdefault("W1-fit", self.weights())

    # --- checks ---------------------------------------------------------------------------
    def _check(self) -> list[str]:
        """Untimed: the hand-written and the compiled step against the engine."""
        self.reset()
        loss = self.loss()
        loss.backward()
        want = [loss.data] + [float(p.grad) for p in self.params]
        del loss
        f_loss, f_grads = self.floats.loss_and_gradients()
        floats_err = max(_rel_err(a, b) for a, b in zip([f_loss, *f_grads], want, strict=True))
        value, grads = self.program.fn(*self.weights())
        compiled_err = max(_rel_err(a, b) for a, b in zip([value, *grads], want, strict=True))
        active = sum(1 for row, t in zip(self.X, self.y) if 1.0 - t * self.model(row).data > 0.0)
        self.reset()
        return [
            f"W1 as a user writes it: nn.MLP(2, [16, 16, 1]), the same {self.n_points} points "
            f"and initial weights, losses.hinge + {W1_ALPHA:g} * losses.l2, optim.SGD(lr="
            f"{W1_LR:g}); {active} of {self.n_points} hinge terms active at the start",
            f"    hand-written gradients match the engine: "
            f"{'yes' if floats_err <= FLOATS_TOL else 'no'} (max rel. err {floats_err:.1e} "
            f"over the loss and {len(grads)} gradients, tol {FLOATS_TOL:g})",
            f"    compiled step matches the engine: "
            f"{'yes' if compiled_err <= FLOATS_TOL else 'no'} (max rel. err {compiled_err:.1e}); "
            f"{self.program.nodes:,} nodes, {self.program.source.count(chr(10)):,} lines of "
            f"generated code",
        ]

    # --- the report --------------------------------------------------------------------
    def report(self, mg: Contender, repeat: int) -> list[str]:
        """The table of the library variants and what it says about each target."""
        c = {x.name: x for x in self.contenders}
        lib, fit, fitc = c["W1-lib"], c["W1-fit"], c["W1-fit-compiled"]
        compiled, floats = c["W1-compiled"], c["W1-floats"]
        s = self.steps

        def verdict(ok: bool) -> str:
            return "MET" if ok else "MISSED"

        def speedup(x: Contender) -> float:
            return mg.median / x.median

        overhead = fit.median / lib.median - 1.0
        table = [
            ["", "", "ms/step", "min", "speed-up", "gen-2 GCs", "target", ""],
            ["micrograd", "micrograd's demo step (the reference)", *_cells(mg, mg), "", ""],
            [
                "W1-lib",
                "nn.MLP + losses + optim.SGD, bare loop",
                *_cells(lib, mg),
                f">= {TARGET_LIB_SPEEDUP:g}x",
                verdict(speedup(lib) >= TARGET_LIB_SPEEDUP),
            ],
            [
                "W1-fit",
                f"fit(..., epochs={s}): time per epoch",
                *_cells(fit, mg),
                f"<= +{TARGET_FIT_OVERHEAD:.0%} over W1-lib",
                verdict(overhead <= TARGET_FIT_OVERHEAD),
            ],
            [
                "W1-fit-compiled",
                f"fit(..., compile=True): epochs 2..{s + 1}",
                *_cells(fitc, mg),
                f">= {TARGET_COMPILED_SPEEDUP:g}x",
                verdict(speedup(fitc) >= TARGET_COMPILED_SPEEDUP),
            ],
            [
                "W1-compiled",
                "traced once: program.fn + .grad + SGD.step",
                *_cells(compiled, mg),
                f">= {TARGET_COMPILED_SPEEDUP:g}x",
                verdict(speedup(compiled) >= TARGET_COMPILED_SPEEDUP),
            ],
            ["W1-floats", "hand-written floats (handwritten_mlp.py)", *_cells(floats, mg), "", ""],
        ]
        lines = [
            f"W1 as a user writes it: steady state, ms per step = mean over a block of "
            f"consecutive steps (GC included); median and min over {len(mg.per_step)} blocks; "
            f"speed-up = micrograd's median / this median",
            *_format_table(table, numeric=range(2, 6)),
            "",
            f"    fit's overhead over the bare loop: {overhead:+.1%} per step   target <= "
            f"+{TARGET_FIT_OVERHEAD:.0%}  {verdict(overhead <= TARGET_FIT_OVERHEAD)}",
        ]
        ratio, ratio_fit = compiled.median / floats.median, fitc.median / floats.median
        lines.append(
            f"    compiled step / hand-written floats: W1-compiled {ratio:.2f}x   target <= "
            f"{TARGET_COMPILED_VS_FLOATS:g}x  {verdict(ratio <= TARGET_COMPILED_VS_FLOATS)}   "
            f"(W1-fit-compiled {ratio_fit:.2f}x)"
        )
        lines.append(
            f"    compile (trace + code generation + Python's compile()) of the W1-compiled "
            f"step: {self.compile_seconds * 1e3:.0f} ms, of which compile() of the "
            f"{self.program.source.count(chr(10)):,}-line source "
            f"{self.python_compile_seconds * 1e3:.0f} ms   target < "
            f"{TARGET_COMPILE_SECONDS * 1e3:.0f} ms  "
            f"{verdict(self.compile_seconds < TARGET_COMPILE_SECONDS)}"
        )
        lines += self._fit_epochs(verdict)
        lines += self._same_trajectories()
        lines += self._phases(repeat)
        return lines

    def _fit_epochs(self, verdict: Callable[[bool], str]) -> list[str]:
        """fit(compile=True) against eager fit, epoch by epoch and cumulatively."""
        eager, comp = self.epoch_times["fit"], self.epoch_times["fitc"]
        first = statistics.median(times[0] for times in comp)
        since = TARGET_FIT_COMPILE_EPOCH - 1  # index of that epoch
        late_e = [t for times in eager for t in times[since:]]
        late_c = [t for times in comp for t in times[since:]]
        te, tc = statistics.median(late_e), statistics.median(late_c)
        # cumulative time at the end of each epoch (median over blocks), from the fit call
        n = min(len(eager[0]), len(comp[0]))
        cum_e = [statistics.median(sum(x[:e]) for x in eager) for e in range(1, n + 1)]
        cum_c = [statistics.median(sum(x[:e]) for x in comp) for e in range(1, n + 1)]
        ahead = [ce < cc for ce, cc in zip(cum_c, cum_e)]  # compiled ahead after epoch e
        if ahead[-1]:
            e0 = n  # the first epoch from which compiled stays ahead to the end
            while e0 > 1 and ahead[e0 - 2]:
                e0 -= 1
            even = f"epoch {e0} (measured over {n} epochs)"
        elif te > tc:
            e0 = n + math.floor((cum_c[-1] - cum_e[-1]) / (te - tc)) + 1
            even = (
                f"epoch {e0} (extrapolated: after {n} epochs compiled is "
                f"{(cum_c[-1] - cum_e[-1]) * 1e3:.0f} ms behind and gains "
                f"{(te - tc) * 1e3:.1f} ms per epoch)"
            )
        else:
            even = "never (a compiled epoch is not faster than an eager one)"
        return [
            f"    fit(compile=True): first epoch {first * 1e3:.0f} ms (trace, code generation, "
            f"compile(), one step; eager fit's first epoch "
            f"{statistics.median(x[0] for x in eager) * 1e3:.1f} ms)",
            f"        per epoch from epoch {TARGET_FIT_COMPILE_EPOCH} on (median): compiled "
            f"{tc * 1e3:.2f} ms, eager {te * 1e3:.2f} ms ({te / tc:.1f}x)   target: compiled "
            f"faster from epoch {TARGET_FIT_COMPILE_EPOCH} on  {verdict(tc < te)}",
            f"        cumulatively faster than eager fit (compile time counted) from {even}",
        ]

    def _same_trajectories(self) -> list[str]:
        """Untimed check, from the first blocks: the variants took the same steps."""
        ref = self.after_first_block["W1-lib"]
        errs = {
            name: max(_rel_err(a, b) for a, b in zip(ref, w, strict=True))
            for name, w in self.after_first_block.items()
            if name != "W1-lib"
        }
        losses_e, losses_c = self.fit_losses["fit"], self.fit_losses["fitc"]
        hist = max(_rel_err(a, b) for a, b in zip(losses_e, losses_c))
        shown = ", ".join(f"{name} {err:.1e}" for name, err in errs.items())
        same = max(errs.values()) <= REL_TOL and hist <= REL_TOL
        return [
            f"    same weights after {self.steps} steps from the same start: "
            f"{'yes' if same else 'no'} (max rel. err against W1-lib: {shown}; "
            f"fit(compile=True)'s loss history against fit's: {hist:.1e}; tol {REL_TOL:g})"
        ]

    def _phases(self, repeat: int) -> list[str]:
        """Where a step's time goes: median of each phase over consecutive steps."""
        lib: list[list[float]] = [[], [], []]
        comp: list[list[float]] = [[], [], []]
        self.reset()
        gc.collect()
        loss = None
        for _ in range(repeat):
            t0 = perf_counter()
            self.opt.zero_grad()
            loss = self.loss()  # frees the previous step's graph
            t1 = perf_counter()
            loss.backward()
            t2 = perf_counter()
            self.opt.step()
            t3 = perf_counter()
            for acc, t in zip(lib, (t1 - t0, t2 - t1, t3 - t2)):
                acc.append(t)
        del loss
        self.reset()
        gc.collect()
        params = self.params
        for _ in range(repeat):
            t0 = perf_counter()
            _, grads = self.program.fn(*[p.data for p in params])
            t1 = perf_counter()
            for p, g in zip(params, grads):
                p.grad = g
            t2 = perf_counter()
            self.opt.step()
            t3 = perf_counter()
            for acc, t in zip(comp, (t1 - t0, t2 - t1, t3 - t2)):
                acc.append(t)
        self.reset()

        def ms(xs: list[float]) -> str:
            return f"{statistics.median(xs) * 1e3:.2f}"

        return [
            f"    phases, median ms over {repeat} consecutive steps: W1-lib: zero_grad + "
            f"forward {ms(lib[0])} (includes freeing the previous graph), backward "
            f"{ms(lib[1])}, SGD.step {ms(lib[2])}",
            f"        W1-compiled: generated function {ms(comp[0])}, writing .grad "
            f"{ms(comp[1])}, SGD.step {ms(comp[2])}",
        ]


def _cells(x: Contender, mg: Contender) -> list[str]:
    return [
        f"{x.median * 1e3:.2f}",
        f"{min(x.per_step) * 1e3:.2f}",
        f"{mg.median / x.median:.1f}x",
        f"{x.collections_per_step():.2f}",
    ]


def _format_table(lines: list[list[str]], numeric: Sequence[int]) -> list[str]:
    """Columns padded to their widest cell (numbers right-aligned), a rule under the header."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    out = []
    for k, line in enumerate(lines):
        out.append(
            "  ".join(
                c.rjust(w) if i in numeric else c.ljust(w)
                for i, (c, w) in enumerate(zip(line, widths, strict=True))
            ).rstrip()
        )
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


# --- W2: a random expression DAG -------------------------------------------------------
ADD, SUB, MUL, DIV, ADD_C, MUL_C, POW_C, RELU = range(8)
Program = list[tuple[int, int, Any]]


def make_program(n_ops: int, n_leaves: int, seed: int = 0) -> tuple[list[float], Program]:
    """A seeded random DAG as leaf values and instructions ``(code, operand, operand_or_const)``.

    Instruction ``k`` makes node ``n_leaves + k``; operands are indices of earlier nodes.
    Each step appends one small expression whose output joins the pool of operands: the
    first operand is one of the 4 most recent outputs, the second one of the 16 most
    recent or a random earlier one, so nodes are reused all over the graph. The generator
    follows the values in plain floats and steers them into a band (|x| in about
    [0.1, 2]): it shifts small values away from 0 and scales large ones down, so nothing
    overflows or underflows. The root is the plain sum of every output that nothing else
    uses, so gradients reach the whole graph without vanishing.
    """
    rng = random.Random(seed)
    leaves = [rng.uniform(-1.0, 1.0) for _ in range(n_leaves)]
    val = list(leaves)  # each node's value, to steer the choice of ops
    program: Program = []
    pool = list(range(n_leaves))
    used = [False] * n_leaves

    def emit(code: int, a: int, arg: Any) -> int:
        x = val[a]
        if code in (ADD, SUB, MUL, DIV):
            used[arg] = True
            y = val[arg]
            if code == ADD:
                out = x + y
            elif code == SUB:
                out = x - y
            else:
                out = x * y if code == MUL else x / y
        elif code == ADD_C:
            out = x + arg
        elif code == MUL_C:
            out = x * arg
        elif code == POW_C:
            out = x**arg
        else:
            out = x if x > 0.0 else 0.0
        program.append((code, a, arg))
        used[a] = True
        used.append(False)
        val.append(out)
        return len(val) - 1

    while len(program) < n_ops:
        a = pool[-rng.randint(1, 4)]
        b = pool[-rng.randint(1, 16)] if rng.random() < 0.5 else pool[rng.randrange(len(pool))]
        size = abs(val[a])
        r = rng.random()
        if size < 0.1:
            out = emit(ADD_C, a, rng.choice((-0.5, 0.5)))
        elif size > 2.0:
            out = emit(MUL_C, a, 0.25)
        elif r < 0.20:
            out = emit(MUL_C, emit(ADD, a, b), 0.5)
        elif r < 0.35:
            out = emit(SUB, a, b)
        elif r < 0.55:
            out = emit(MUL, a, b)
        elif r < 0.70:
            out = emit(DIV, a, emit(ADD_C, emit(MUL, b, b), 1.0))
        elif r < 0.80:
            out = emit(POW_C, a, 2.0)
        elif r < 0.90:
            out = emit(POW_C, emit(ADD_C, emit(MUL, a, a), 1.0), 0.5)
        else:
            out = emit(RELU, a, None)
        pool.append(out)
    sinks = [node for node in pool if not used[node]]
    root = sinks[0]
    for node in sinks[1:]:
        root = emit(ADD, root, node)
    return leaves, program


def replay(value_cls: Any, leaves: Sequence[float], program: Program) -> list[Any]:
    """Build the DAG with ``value_cls``; returns every node, leaves first, root last."""
    vals = [value_cls(x) for x in leaves]
    append = vals.append
    for code, i, arg in program:
        x = vals[i]
        if code == MUL:
            append(x * vals[arg])
        elif code == MUL_C:
            append(x * arg)
        elif code == ADD:
            append(x + vals[arg])
        elif code == ADD_C:
            append(x + arg)
        elif code == SUB:
            append(x - vals[arg])
        elif code == DIV:
            append(x / vals[arg])
        elif code == POW_C:
            append(x**arg)
        else:
            append(x.relu())
    return vals


def dag_step(value_cls: Any, leaves: Sequence[float], program: Program) -> tuple[Any, float, float]:
    """Forward and backward of the DAG. Returns (nodes, t_forward, t_backward)."""
    t0 = perf_counter()
    vals = replay(value_cls, leaves, program)
    t1 = perf_counter()
    vals[-1].backward()
    t2 = perf_counter()
    return vals, t1 - t0, t2 - t1


def _dag_contender(
    name: str, value_cls: Any, leaves: Sequence[float], program: Program, steps: int
) -> Contender:
    """Blocks of consecutive forward + backward runs of the DAG on one library."""
    return Contender(
        name,
        steps,
        lambda k, clock: consecutive(lambda: dag_step(value_cls, leaves, program)[0], k, clock),
    )


def bench_w2(
    mg_engine: Any, am: Any, n_ops: int, n_leaves: int, repeat: int, steps: int, blocks: int
) -> list[Row]:
    leaves, program = make_program(n_ops, n_leaves)

    # Check (untimed): same output value and the same gradient on every leaf.
    mg_vals, *_ = dag_step(mg_engine.Value, leaves, program)
    am_vals, *_ = dag_step(am.Value, leaves, program)
    out_err = _rel_err(mg_vals[-1].data, am_vals[-1].data)
    pairs = list(zip(mg_vals, am_vals, strict=True))
    grad_errs = [_rel_err(m.grad, a.grad) for m, a in pairs[:n_leaves]]
    data_errs = [_rel_err(m.data, a.data) for m, a in pairs]
    all_grad_err = max(_rel_err(m.grad, a.grad) for m, a in pairs)
    identical = out_err <= REL_TOL and max(grad_errs) <= REL_TOL
    n_zero_grads = builtins.sum(1 for a in am_vals[:n_leaves] if a.grad == 0.0)
    output = am_vals[-1].data
    mg_nodes, am_nodes = _count_micrograd(mg_vals[-1]), _count_autograd_mini(am_vals[-1])
    del mg_vals, am_vals, pairs
    _drop_garbage()

    rows = {
        "fwd": Row("W2", "forward (build)"),
        "bwd": Row("W2", "backward"),
        "step": Row("W2", "forward + backward, excluding teardown"),
        "gc": Row("W2", "teardown (gc.collect)"),
    }
    for _ in range(repeat):
        for which, value_cls in (("mg", mg_engine.Value), ("am", am.Value)):
            vals, t_fwd, t_bwd = dag_step(value_cls, leaves, program)
            del vals
            t_gc = _drop_garbage()
            for key, t in (("fwd", t_fwd), ("bwd", t_bwd), ("step", t_fwd + t_bwd), ("gc", t_gc)):
                getattr(rows[key], which).append(t)

    print(
        f"W2  random DAG: {len(program):,} ops on {n_leaves:,} leaves (+ - * / ** relu, "
        f"reused nodes; output {output:.6g}); per-phase rows from {repeat} interleaved runs"
    )
    print(
        f"    graph nodes: micrograd {mg_nodes:,} (a - b is a + b*(-1), a / b is a * b**-1, "
        f"constants are nodes), autograd_mini {am_nodes:,}"
    )
    print(
        f"    identical output and leaf gradients: {'yes' if identical else 'no'} (output rel. "
        f"err {out_err:.1e}, max leaf-grad rel. err {max(grad_errs):.1e}, max node-value "
        f"rel. err {max(data_errs):.1e}, max grad rel. err over all nodes {all_grad_err:.1e}; "
        f"tol {REL_TOL:g}; {n_zero_grads} leaves with zero gradient)"
    )
    mg = _dag_contender("micrograd", mg_engine.Value, leaves, program, steps)
    am_c = _dag_contender("autograd_mini", am.Value, leaves, program, steps)
    run_blocks([mg, am_c], blocks)
    print(
        f"    steady state: {blocks} blocks per library, alternating, {steps} consecutive runs "
        "per block"
    )
    print(_steady_note(mg, am_c, "run"))
    return [*rows.values(), steady_row("W2", mg, am_c)]


def _count_micrograd(root: Any) -> int:
    seen = {id(root)}
    stack = [root]
    while stack:
        for child in stack.pop()._prev:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


def _count_autograd_mini(root: Any) -> int:
    seen = {id(root)}
    stack = [root]
    while stack:
        for parent in stack.pop().parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen)


# --- W3: a long tanh chain, in child processes -----------------------------------------
def _tanh_chain(value_cls: Any, n: int) -> tuple[Any, Any]:
    leaf = x = value_cls(0.5)
    for _ in range(n):
        x = x.tanh()
    return leaf, x


def _rss_mb() -> tuple[float, float, str]:
    """This process's current and peak resident memory in MB, and where the peak comes from.

    On Linux the peak is ``VmHWM`` from ``/proc/self/status``: ``ru_maxrss`` would do, but
    Linux carries the parent's high-water mark over ``exec`` into the child, which hides
    the child's own peak under the parent's. Elsewhere ``ru_maxrss`` is both figures.
    """
    try:
        with open("/proc/self/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        rss_kib, hwm_kib = int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
        return rss_kib / 1024, hwm_kib / 1024, "VmHWM"
    except (OSError, KeyError, ValueError):
        import resource

        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        mb = rss / 2**20 if sys.platform == "darwin" else rss / 2**10  # bytes vs KiB
        return mb, mb, "ru_maxrss"


def w3_child(n: int, repeat: int) -> dict[str, Any]:
    """Time forward and backward of the chain; peak RSS over the baseline (no tracemalloc)."""
    am = _import_autograd_mini()
    baseline, _, source = _rss_mb()
    fwd, bwd, free = [], [], []
    grad = 0.0
    for _ in range(repeat):
        t0 = perf_counter()
        leaf, out = _tanh_chain(am.Value, n)
        t1 = perf_counter()
        out.backward()
        t2 = perf_counter()
        grad = leaf.grad
        del leaf, out
        t3 = perf_counter()
        fwd.append(t1 - t0)
        bwd.append(t2 - t1)
        free.append(t3 - t2)
    return {
        "fwd": fwd,
        "bwd": bwd,
        "free": free,
        "grad": grad,
        "peak_mb": _rss_mb()[1] - baseline,
        "baseline_mb": baseline,
        "source": source,
    }


def bytes_child(n: int) -> dict[str, Any]:
    """Bytes per node of the chain under tracemalloc: kept after backward, and peak."""
    import tracemalloc

    am = _import_autograd_mini()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    leaf, out = _tanh_chain(am.Value, n)
    built, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    out.backward()
    after, peak = tracemalloc.get_traced_memory()
    nodes = n + 1
    return {
        "nodes": nodes,
        "built": (built - base) / nodes,
        "after": (after - base) / nodes,
        "peak": (peak - base) / nodes,
        "grad_is_float": type(leaf.grad) is float,
    }


def micrograd_recursion_child(n: int) -> str:
    """micrograd's backward on an n-node chain at the default recursion limit."""
    engine, _ = _import_micrograd()
    x = engine.Value(0.5)
    for _ in range(n - 1):
        x = x.relu()  # micrograd 0.1.0 has no tanh
    try:
        x.backward()
    except RecursionError as e:
        return f"RecursionError ({e})"
    return "no error"


def _run_child(*args: str) -> Any:
    proc = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_w3(n: int, bytes_n: int, repeat: int, with_micrograd: bool) -> None:
    r = _run_child("--w3-child", str(n), str(repeat))
    b = _run_child("--bytes-child", str(bytes_n))
    fwd, bwd = statistics.median(r["fwd"]), statistics.median(r["bwd"])
    total = [f + g for f, g in zip(r["fwd"], r["bwd"], strict=True)]
    med = statistics.median(total)

    def verdict(ok: bool) -> str:
        return "MET" if ok else "MISSED"

    print(
        f"W3  tanh chain of {n:,} nodes, autograd_mini only, {repeat} runs in a fresh child "
        f"process (python {Path(__file__).name} --w3-child {n} {repeat})"
    )
    print(f"    {'':28}{'median ms':>12}{'min ms':>12}   target")
    print(f"    {'forward':28}{fwd * 1e3:12.1f}{min(r['fwd']) * 1e3:12.1f}")
    print(f"    {'backward':28}{bwd * 1e3:12.1f}{min(r['bwd']) * 1e3:12.1f}")
    print(
        f"    {'forward + backward':28}{med * 1e3:12.1f}{min(total) * 1e3:12.1f}   "
        f"< {TARGET_W3_SECONDS * 1e3:.0f} ms  {verdict(med < TARGET_W3_SECONDS)}"
    )
    print(
        f"    {'freeing the chain (del)':28}{statistics.median(r['free']) * 1e3:12.1f}"
        f"{min(r['free']) * 1e3:12.1f}"
    )
    print(
        f"    peak RSS over baseline ({r['source']}): {r['peak_mb']:.1f} MB   target "
        f"< {TARGET_W3_PEAK_MB:.0f} MB  {verdict(r['peak_mb'] < TARGET_W3_PEAK_MB)}   "
        f"(baseline {r['baseline_mb']:.1f} MB; d out/d leaf = {r['grad']:.6g})"
    )
    print(
        f"    bytes per node (tracemalloc, {b['nodes']:,}-node chain, separate child): "
        f"{b['after']:.1f} after backward (grads filled)   target <= "
        f"{TARGET_BYTES_PER_NODE:.0f}  {verdict(b['after'] <= TARGET_BYTES_PER_NODE)}"
    )
    print(
        f"        {b['built']:.1f} after the forward alone; {b['peak']:.1f} peak during "
        f"backward (the pass's own lists and sets)"
    )
    if with_micrograd:
        demo = _run_child("--micrograd-recursion-child", "1000")
        print(
            f"    micrograd: not run at this size; its recursive topological sort needs "
            f"sys.setrecursionlimit above the chain length (and a big thread stack on "
            f"Python 3.10). A 1,000-node chain (relu: micrograd 0.1.0 has no tanh) at the "
            f"default limit of 1000: {demo}"
        )
    else:
        print(
            "    micrograd: not installed; it could not take a chain this long at the "
            "default recursion limit anyway"
        )


# --- profiling ---------------------------------------------------------------------------
def _print_profile(title: str, fn: Callable[[], Any], top: int = 14) -> None:
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    stats: dict[Any, Any] = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    total = builtins.sum(v[2] for v in stats.values())
    print(
        f"\n{title}: cProfile, {total * 1e3:.1f} ms in total (profiling overhead included), "
        f"top {top} by own time"
    )
    print(f"    {'own ms':>8} {'own %':>6} {'cum ms':>8} {'calls':>9}  function")
    for (file, line, name), (_, ncalls, tt, ct, _) in sorted(
        stats.items(), key=lambda kv: kv[1][2], reverse=True
    )[:top]:
        where = f"{Path(file).name}:{line}" if line else "~"
        print(
            f"    {tt * 1e3:8.1f} {100 * tt / total:6.1f} {ct * 1e3:8.1f} {ncalls:9,}  "
            f"{name} ({where})"
        )


def profile_autograd_mini(only: set[str], sizes: dict[str, int]) -> None:
    am = _import_autograd_mini()
    if only & {"W1DEMO", "W1LIB"}:
        data = make_moons(sizes["w1_points"])
        rng = random.Random(1337)
        init = [rng.uniform(-1.0, 1.0) for _ in MLP(am.Value, 2, [16, 16, 1]).parameters()]
    if "W1DEMO" in only:
        model = MLP(am.Value, 2, [16, 16, 1])
        _set_weights(model.parameters(), init)
        train_step(am.Value, model, data, 0.5)
        gc.collect()
        _print_profile("autograd_mini W1 step", lambda: train_step(am.Value, model, data, 0.5))
    if "W1LIB" in only:
        user = W1User(am, data, init, 1)
        user.lib_step()
        gc.collect()
        _print_profile("autograd_mini W1-lib step (nn.MLP, losses, SGD)", user.lib_step)
        _print_profile("autograd_mini W1-compiled step", user.compiled_step)
    if "W2" in only:
        leaves, program = make_program(sizes["w2_ops"], sizes["w2_leaves"])
        gc.collect()
        _print_profile(
            "autograd_mini W2 forward + backward", lambda: dag_step(am.Value, leaves, program)
        )


# --- main --------------------------------------------------------------------------------
def _in_big_stack(fn: Callable[[], None]) -> None:
    """Run ``fn`` in a thread with a 512 MiB stack.

    micrograd's ``backward`` sorts the graph with a recursive function, one Python frame
    per node along the deepest path (~10^5 in W2). Python 3.11+ keeps such frames off
    the C stack, but 3.10 does not and would overflow the default 8 MiB stack.
    """
    errors: list[BaseException] = []

    def target() -> None:
        try:
            fn()
        except BaseException as e:  # re-raised in the main thread
            errors.append(e)

    old = threading.stack_size(BIG_STACK)
    try:
        thread = threading.Thread(target=target, name="bench_core")
        thread.start()
        thread.join()
    finally:
        threading.stack_size(old)
    if errors:
        raise errors[0]


def _machine() -> str:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return (
        f"{platform.platform()}, {platform.machine()}, nproc {usable} (cpu_count {os.cpu_count()})"
    )


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark autograd_mini against micrograd 0.1.0 (see benchmarks/README.md)."
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help=f"steps per workload for the per-phase rows (default {DEFAULT_REPEAT}, "
        f"{QUICK_REPEAT} with --quick)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes: a smoke run of a few seconds"
    )
    parser.add_argument(
        "--only",
        default="W1,W2,W3",
        help="comma-separated workloads to run (default W1,W2,W3): W1 (= W1demo,W1lib), "
        "W1demo (micrograd's demo code on both libraries), W1lib (W1 written with "
        "autograd_mini's nn, losses, optim, fit and compile, and by hand on floats, against "
        "micrograd's steady state), W2, W3; case does not matter",
    )
    parser.add_argument(
        "--blocks",
        type=int,
        default=None,
        help=f"steady-state blocks per contender (default {FULL_SIZES['blocks']}, "
        f"{QUICK_SIZES['blocks']} with --quick)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="after the tables, cProfile one autograd_mini step of each W1 and W2 variant run",
    )
    parser.add_argument(
        "--dump-source",
        metavar="FILE",
        help="with W1lib: write the generated source of the compiled W1 step to FILE",
    )
    args = parser.parse_args(argv)
    names = {w.strip().upper() for w in args.only.split(",") if w.strip()}
    unknown = names - set(WORKLOADS)
    if unknown or not names:
        parser.error(
            f"--only takes a comma-separated subset of W1,W1demo,W1lib,W2,W3 (got {args.only!r})"
        )
    if "W1" in names:
        names |= {"W1DEMO", "W1LIB"}
    args.only = names - {"W1"}
    if args.repeat is None:
        args.repeat = QUICK_REPEAT if args.quick else DEFAULT_REPEAT
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1 (got {args.repeat})")
    if args.blocks is not None and args.blocks < 1:
        parser.error(f"--blocks must be at least 1 (got {args.blocks})")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark (or, with a ``--*-child`` first argument, one child measurement)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "--w3-child":
        print(json.dumps(w3_child(int(argv[1]), int(argv[2]))))
        return
    if argv and argv[0] == "--bytes-child":
        print(json.dumps(bytes_child(int(argv[1]))))
        return
    if argv and argv[0] == "--micrograd-recursion-child":
        print(json.dumps(micrograd_recursion_child(int(argv[1]))))
        return

    args = _parse_args(argv)
    sizes = dict(QUICK_SIZES if args.quick else FULL_SIZES)
    if args.blocks is not None:
        sizes["blocks"] = args.blocks
    am = _import_autograd_mini()
    needs_micrograd = bool(args.only & {"W1DEMO", "W1LIB", "W2"})
    mg_engine, mg_nn = _import_micrograd() if needs_micrograd else (None, None)

    print("bench_core: autograd_mini vs micrograd, interleaved in one process")
    print(
        f"  python     {platform.python_implementation()} {platform.python_version()} "
        f"({sys.executable})"
    )
    print(f"  machine    {_machine()}")
    print(
        f"  libraries  autograd_mini {getattr(am, '__version__', '?')} "
        f"({Path(am.__file__).parent}), micrograd {_version('micrograd')}"
    )
    print(
        f"  settings   {'--quick, ' if args.quick else ''}repeat {args.repeat}, blocks "
        f"{sizes['blocks']}, workloads {','.join(sorted(args.only))}; times from "
        "time.perf_counter"
    )
    print(_METHOD)
    if args.quick:
        print("  NOTE       --quick: sizes far below the targets' (verdicts meaningless)")
    rows: list[Row] = []
    report: list[str] = []

    def run() -> None:
        if needs_micrograd:
            # micrograd's recursive backward needs one frame per node on the deepest path.
            limit = max(sys.getrecursionlimit(), 4 * sizes["w2_ops"] + 10_000)
            sys.setrecursionlimit(limit)
            print(
                f"  recursion  sys.setrecursionlimit({limit:,}) for micrograd's recursive "
                f"backward, run in a thread with a {BIG_STACK // 2**20} MiB stack"
            )
        print()
        if args.only & {"W1DEMO", "W1LIB"}:
            w1_rows, lines = bench_w1(
                mg_engine, mg_nn, am, sizes, args.repeat, args.only, args.dump_source
            )
            rows.extend(w1_rows)
            report.extend(lines)
            print()
        if "W2" in args.only:
            rows.extend(
                bench_w2(
                    mg_engine,
                    am,
                    sizes["w2_ops"],
                    sizes["w2_leaves"],
                    args.repeat,
                    sizes["block_steps"],
                    sizes["blocks"],
                )
            )
            print()

    _in_big_stack(run)
    if rows:
        print(
            "Times in ms; mg = micrograd 0.1.0, am = autograd_mini; speed-up = mg median / "
            "am median. Per-phase rows: median and min over the steps; steady-state rows: "
            "median and min over the blocks of the mean time per step"
        )
        _print_table(rows)
        print()
    if report:
        for line in report:
            print(line)
        print()
    if "W3" in args.only:
        has_micrograd = importlib.util.find_spec("micrograd") is not None
        bench_w3(sizes["w3_nodes"], sizes["bytes_nodes"], args.repeat, has_micrograd)
    if args.profile and args.only & {"W1DEMO", "W1LIB", "W2"}:
        profile_autograd_mini(args.only, sizes)


# How the figures are taken, printed under the settings.
_METHOD = """\
  GC         enabled during every timed step (what users get). Two kinds of figures:
             * per-phase rows: the libraries alternate step by step; after each step,
               untimed, the graph is dropped and gc.collect() runs (the 'teardown' row),
               so these rows leave out the cost of freeing each graph, which for
               micrograd (reference cycles, freed only by the cycle collector) is most
               of it.
             * steady state: blocks of consecutive steps of one contender with GC left
               alone: each step's graph is dropped when the next step rebinds the
               variable holding it, as in a training loop, and the collector runs
               whenever its thresholds say so. Block time / steps = the MEAN time per
               step, collections included (a median per step would skip the steps in
               which the collector runs). Contenders alternate block by block, with an
               untimed gc.collect() between blocks, so that none pays for another's
               garbage. The speed-up targets are checked on the steady state."""


if __name__ == "__main__":
    main()
