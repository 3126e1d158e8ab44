"""W1demo: one training step of micrograd's demo, run with each library's ``Value``.

An MLP 2-16-16-1 built from plain ``Value`` arithmetic exactly as micrograd's ``nn.py``
builds it, 100 two-moons points, SVM max-margin loss plus L2, zero grads, backward, SGD
update. Optional contenders, each skipped with a note when not installed: HIPS autograd
with numpy and PyTorch (float64), both batched, as their users would write the step.
"""

from __future__ import annotations

import builtins
import contextlib
import math
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from harness import (
    REL_TOL,
    W1_LR,
    Clock,
    Contender,
    Row,
    _count_autograd_mini,
    _count_micrograd,
    _drop_garbage,
    _format_table,
    _rel_err,
    _steady_note,
    consecutive,
    perf_counter,
    run_blocks,
    spread,
    steady_row,
)
from w1_batched import batched_contenders
from w1_lib import W1User


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
    name: str,
    value_cls: Any,
    model: Any,
    data: Any,
    init: list[float],
    steps: int,
    around: Callable[[], Any] = contextlib.nullcontext,
) -> Contender:
    """Blocks of consecutive demo steps (micrograd's code) on one library.

    ``around()`` is a context manager entered around each block, as a user wraps a
    training loop (``autograd_mini.gc_paused``).
    """
    params = model.parameters()

    def run(k: int, clock: Clock) -> None:
        with around():
            consecutive(lambda: train_step(value_cls, model, data, W1_LR)[0], k, clock)

    return Contender(name, steps, run, reset=lambda: _set_weights(params, init))


def bench_w1(
    mg_engine: Any,
    mg_nn: Any,
    am: Any,
    sizes: dict[str, Any],
    repeat: int,
    parts: set[str],
    dump_source: str | None,
    held: Sequence[str] = (),
) -> tuple[list[Row], list[str]]:
    """W1's table rows, and the lines of the report on the library variants (or [])."""
    n_points = sizes["w1_points"]
    data = make_moons(n_points)
    random.seed(1337)  # micrograd's MLP draws its initial weights from the global random
    mg_model = mg_nn.MLP(2, [16, 16, 1])
    init = [float(p.data) for p in mg_model.parameters()]
    start_loss = svm_loss(mg_engine.Value, mg_model, data).data  # before any step moves them
    k, blocks = sizes["block_steps"], sizes["blocks"]
    rows: list[Row] = []
    mg = _demo_contender("micrograd", mg_engine.Value, mg_model, data, init, k)
    contenders = [mg]
    am_demo = am_paused = None
    if "W1DEMO" in parts:
        am_model = MLP(am.Value, 2, [16, 16, 1])
        _set_weights(am_model.parameters(), init)
        rows += _w1_phases(mg_engine, mg_model, am, am_model, data, repeat)
        am_demo = _demo_contender("autograd_mini", am.Value, am_model, data, init, k)
        contenders.append(am_demo)
        if hasattr(am, "gc_paused"):
            am_paused = _demo_contender(
                "autograd_mini in gc_paused()", am.Value, am_model, data, init, k, am.gc_paused
            )
            contenders.append(am_paused)
    others, other_lines = batched_contenders(
        data, init, start_loss, sizes["lib_block_steps"], held
    )
    if other_lines:
        print("W1 batched, in other libraries (the process holds them):")
        for line in other_lines:
            print(line)
    contenders += others
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
    if am_paused is not None:
        row = steady_row("W1", mg, am_paused)
        row.phase = "step, steady state, the loop inside autograd_mini.gc_paused()"
        rows.append(row)
    report = user.report(mg, repeat) if user is not None else []
    if others:
        table = [["", "ms/step", "min", "spread", "x micrograd"]] + [
            [c.name, f"{c.median * 1e3:.2f}", f"{min(c.per_step) * 1e3:.2f}",
             spread(c.per_step), f"{mg.median / c.median:.0f}x"]
            for c in others
        ]  # fmt: skip
        report += ["", "W1 batched in other libraries, steady state (not pure Python):"]
        report += ["    " + line for line in _format_table(table, numeric=range(1, 5))]
    return rows, report


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
