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
import gc
import importlib
import importlib.util
import json
import platform
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness import (
    BIG_STACK,
    DEFAULT_REPEAT,
    FULL_SIZES,
    QUICK_REPEAT,
    QUICK_SIZES,
    WORKLOADS,
    Row,
    _import_autograd_mini,
    _import_micrograd,
    _in_big_stack,
    _machine,
    _print_profile,
    _print_table,
    _version,
    hold,
    holdings,
)
from w1_demo import MLP, _set_weights, bench_w1, make_moons, train_step
from w1_lib import W1User
from w2_dag import bench_w2, dag_step, make_program
from w3_chain import (
    bench_scaling,
    bench_w3,
    bytes_child,
    micrograd_recursion_child,
    scaling_child,
    w3_child,
)

__all__ = ["main"]


def profile_autograd_mini(only: set[str], sizes: dict[str, Any]) -> None:
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
        "--hold",
        default="",
        metavar="MODULES",
        help="comma-separated modules to import before measuring, as a notebook's process "
        "holds them (e.g. torch,numpy,autograd): their objects are what the cycle "
        "collector rescans; W1 then also times HIPS autograd (autograd) and PyTorch "
        "(torch) batched, where held",
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
    if argv and argv[0] == "--scaling-child":
        print(json.dumps(scaling_child(int(argv[1]), [m for m in argv[2].split(",") if m])))
        return
    if argv and argv[0] == "--bytes-child":
        print(json.dumps(bytes_child(int(argv[1]))))
        return
    if argv and argv[0] == "--micrograd-recursion-child":
        print(json.dumps(micrograd_recursion_child(int(argv[1]))))
        return

    args = _parse_args(argv)
    held = hold([m.strip() for m in args.hold.split(",") if m.strip()])
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
    print(f"  process    {holdings(held)}")
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
                mg_engine, mg_nn, am, sizes, args.repeat, args.only, args.dump_source, held
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
        print()
        bench_scaling(sizes["scaling"], held)
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
