"""W3: a 1,000,000-node ``tanh`` chain (autograd_mini only), in fresh child processes.

Forward and backward time, peak memory and bytes per node; and the cost per node from
10^3 to 10^6 nodes, which the cycle collector would make grow if it were not paused.
"""

from __future__ import annotations

import gc
import importlib
import json
import statistics
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from harness import (
    BENCH_CORE,
    TARGET_BYTES_PER_NODE,
    TARGET_NODE_COST_GROWTH,
    TARGET_W3_PEAK_MB,
    TARGET_W3_SECONDS,
    _format_table,
    _import_autograd_mini,
    _import_micrograd,
    perf_counter,
)


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


def scaling_child(n: int, held: list[str]) -> dict[str, Any]:
    """Seconds per node of forward + backward of an n-node chain, in a process holding
    ``held`` (imported first), with the collector as users get it and inside gc_paused."""
    for name in held:
        importlib.import_module(name)
    am = _import_autograd_mini()
    repeat = max(3, min(200, 2_000_000 // n))  # about 2,000,000 nodes of work per figure
    out: dict[str, Any] = {"n": n, "repeat": repeat}
    for mode in ("plain", "paused"):
        times = []
        for _ in range(repeat):
            gc.collect()
            t0 = perf_counter()
            if mode == "paused":
                with am.gc_paused():
                    leaf, root = _tanh_chain(am.Value, n)
                    root.backward()
            else:
                leaf, root = _tanh_chain(am.Value, n)
                root.backward()
            times.append((perf_counter() - t0) / (n + 1))
            del leaf, root
        out[mode] = statistics.median(times)
    return out


def bench_scaling(sizes: Sequence[int], held: list[str]) -> None:
    """Cost per node from 10^3 to 10^6 nodes: flat if nothing grows with the graph."""
    rows = [_run_child("--scaling-child", str(n), ",".join(held)) for n in sizes]
    base = rows[0]
    print(
        f"W3s cost per node of a tanh chain's forward + backward, by length, each in a fresh "
        f"child process holding {', '.join(held) or 'nothing else'} (median over runs)"
    )
    table = [["nodes", "runs", "ns/node", "x smallest", "in gc_paused() ns/node", "x smallest"]]
    for r in rows:
        table.append(
            [
                f"{r['n']:,}",
                str(r["repeat"]),
                f"{r['plain'] * 1e9:.0f}",
                f"{r['plain'] / base['plain']:.2f}x",
                f"{r['paused'] * 1e9:.0f}",
                f"{r['paused'] / base['paused']:.2f}x",
            ]
        )
    for line in _format_table(table, numeric=range(0, 6)):
        print("    " + line)
    print(f"    target: the largest within {TARGET_NODE_COST_GROWTH:g}x of the smallest")


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
        [sys.executable, str(BENCH_CORE), *args], capture_output=True, text=True, check=False
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
        f"process (python {BENCH_CORE.name} --w3-child {n} {repeat})"
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
