"""The shared harness of the benchmarks: timing, interleaving, statistics and printing.

Every workload module (``w1_demo``, ``w1_lib``, ``w2_dag``, ``w3_chain``) builds
:class:`Contender` objects and hands them to :func:`run_blocks`, which alternates them
block by block; :class:`Row` and :func:`format_table` print medians, minima, spreads and
ratios. Nothing here asserts anything about a timing.
"""

from __future__ import annotations

import builtins
import cProfile
import gc
import importlib
import importlib.util
import os
import platform
import pstats
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
# The entry point, which the child processes of W3 run too.
BENCH_CORE = Path(__file__).with_name("bench_core.py")

# Targets the engine is held to (printed next to the measurements, never asserted).
TARGET_SPEEDUP = 8.0  # W1 and W2 steady state: at least this many times micrograd's speed
TARGET_LIB_SPEEDUP = 80.0  # W1 with nn.MLP, losses and SGD: times micrograd (steady, lean)
TARGET_LIB_SPEEDUP_HELD = 60.0  # the same in a process holding numpy or torch (--hold)
TARGET_FIT_OVERHEAD = 0.10  # fit's time per epoch over the bare loop's per step
TARGET_COMPILED_SPEEDUP = 150.0  # compiled W1 step: times micrograd (steady state)
TARGET_FIT_COMPILED_VS_FLOATS = 0.75  # fit(compile=True)'s W1 step over the hand-written
TARGET_COMPILED_VS_FLOATS = 1.3  # compiled W1 step: at most this many times the hand-written
TARGET_COMPILE_SECONDS = 1.0  # trace + code generation + Python's compile() of the W1 step
TARGET_FIT_COMPILE_EPOCH = 5  # fit(compile=True) faster per epoch than eager from here on
TARGET_BYTES_PER_NODE = 200.0
TARGET_W3_SECONDS = 3.0  # forward + backward of the 1,000,000-node chain
TARGET_W3_PEAK_MB = 400.0
TARGET_NODE_COST_GROWTH = 1.3  # cost per node at 10^6 nodes over that at 10^3

# Sizes: W1 points, W2 ops and leaves, W3 and bytes-per-node chain nodes; steps per
# steady-state block (micrograd and the demo code on autograd_mini; the library variants
# of W1, which are much faster, run more steps per block) and blocks per contender.
FULL_SIZES: dict[str, Any] = {
    "w1_points": 100,
    "w2_ops": 90_000,
    "w2_leaves": 1_000,
    "w3_nodes": 1_000_000,
    "bytes_nodes": 100_000,
    "scaling": (1_000, 10_000, 100_000, 1_000_000),
    "block_steps": 6,
    "lib_block_steps": 20,
    "blocks": 3,
}
QUICK_SIZES: dict[str, Any] = {
    "w1_points": 20,
    "w2_ops": 4_500,
    "w2_leaves": 100,
    "w3_nodes": 20_000,
    "bytes_nodes": 10_000,
    "scaling": (1_000, 10_000),
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


# --- what the process holds --------------------------------------------------------------
def hold(modules: Sequence[str]) -> list[str]:
    """Import ``modules`` (those installed), as a notebook's process would hold them.

    The cycle collector's full collections scan every tracked object in the process, so
    a process that holds torch or numpy makes an engine that allocates many tracked
    objects slower than a lean one would; the figures say which kind of process they
    come from. Returns the modules imported.
    """
    held = []
    for name in modules:
        if importlib.util.find_spec(name) is None:
            print(f"  --hold: {name} is not installed; not held")
            continue
        importlib.import_module(name)
        if name == "autograd":
            importlib.import_module("autograd.numpy")
        held.append(name)
    return held


def holdings(held: Sequence[str]) -> str:
    """One line on what the process holds: imported libraries and GC-tracked objects."""
    gc.collect()
    libs = ", ".join(f"{m} {_version(m)}" for m in held) or "nothing beyond the benchmark"
    return (
        f"holds {libs}; {len(gc.get_objects()):,} GC-tracked objects before the first "
        f"workload; gc thresholds {gc.get_threshold()}"
    )


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
            spread(self.mg),
            stat(self.am, statistics.median),
            stat(self.am, min),
            spread(self.am),
            f"{speedup:>8}",
            self.target,
            status,
        ]


def _print_table(rows: Sequence[Row]) -> None:
    header = [
        "", "phase", "mg median", "mg min", "mg spread", "am median", "am min", "am spread",
        "speed-up", "target", "",
    ]  # fmt: skip
    for line in _format_table([header] + [r.cells() for r in rows], numeric=range(2, 9)):
        print(line)


def spread(xs: Sequence[float]) -> str:
    """How far the runs are apart: (max - min) / median, in percent ("-" for one run)."""
    if len(xs) < 2:
        return "-"
    return f"{(max(xs) - min(xs)) / statistics.median(xs):.0%}"


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


def _cells(x: Contender, mg: Contender) -> list[str]:
    return [
        f"{x.median * 1e3:.2f}",
        f"{min(x.per_step) * 1e3:.2f}",
        spread(x.per_step),
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
