"""W2: forward and backward of a ~100,000-op random expression DAG on each library.

The same structure (``+ - * / ** relu``, reused nodes) is replayed with each library's
``Value`` from one seeded list of instructions.
"""

from __future__ import annotations

import builtins
import random
from collections.abc import Sequence
from typing import Any

from harness import (
    REL_TOL,
    Contender,
    Row,
    _count_autograd_mini,
    _count_micrograd,
    _drop_garbage,
    _rel_err,
    _steady_note,
    consecutive,
    perf_counter,
    run_blocks,
    steady_row,
)

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
