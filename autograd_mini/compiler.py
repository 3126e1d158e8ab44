"""Compiled mode: trace a graph once, run forward + backward as generated Python.

A training step's graph has the same shape every step; only the numbers at its leaves
change. ``compile(f)`` records ``f``'s graph on the first call, writes one Python
function that evaluates every node and then every gradient in topological order, and
runs that function on later calls: no ``Value`` objects, no graph walk, just float
arithmetic, one line per node, and one loop over the copies wherever the graph repeats
itself (a batch's samples, a chain's links: see :mod:`autograd_mini.rolling`).

The generated code computes exactly what the engine computes, in the same order: each
op's forward and partials are spelled out below (``_CODE``) as the same expressions the
op table uses, or the table's own functions are called, so results match eager backprop
to the last bit (dot and sum add their terms from left to right, the engine's rule).

Limits, as for ``jax.jit`` and ``torch.jit.trace``: the trace records the operations
that ran for the first arguments. Python control flow that depends on data (an ``if``
on ``x.data``, ``x > 0``, ``float(x)``) is frozen into the trace. ``float()``,
``bool()`` and comparisons on a ``Value`` during tracing are detected and reported
(``TracerWarning``, or ``TraceError`` with ``strict=True``); reading ``.data`` directly
cannot be seen, and ``verify=N`` compares the first N calls with the eager engine to
catch it. Leaves the engine made from plain numbers are baked in as literals; other
``Value``s that ``f`` reads from outside (a model's parameters, say) are read afresh on
every call, so updating them is seen, but they get no gradient.
"""

from __future__ import annotations

import builtins
import inspect
import keyword
import math
import operator
import re
import threading
import warnings
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import Any

from . import ops as _ops
from . import rolling as _rolling
from . import value as _value
from .value import (
    _NARY,
    Value,
    _grad_mode,
    _gradients,
    _leaf,
    _new,
    _parents,
    _to_float,
    _topological_order,
    _Trace,
    _tracing,
    gc_paused,
)

__all__ = ["compile", "Compiled", "CompileError", "TraceError", "TracerWarning",
           "TraceMismatchError", "MAX_NODES", "ROLL_MIN_NODES"]

#: The largest graph ``compile`` accepts by default (nodes, leaves included). Tracing,
#: code generation and Python's own compiler cost about 2-7 us and 0.4-1.3 KB per node
#: where the graph repeats itself (written as loops), 20-42 us and 1.5 KB per node of
#: straight-line code (most of it Python's ``compile()`` of the generated source); the
#: trace counts nodes as the engine makes them and raises a clear ``CompileError`` as
#: soon as it passes this size (raise it with ``max_nodes=``).
MAX_NODES = 200_000
#: A run of repeated structure this long or longer is written as a loop over its copies
#: (see :mod:`autograd_mini.rolling`); shorter ones, and small graphs, stay straight-line
#: code: cheap to compile at that size, and one line per node to read.
ROLL_MIN_NODES = 256


class CompileError(ValueError):
    """The graph cannot be compiled (too large, or ``f`` returned no ``Value``)."""


class TraceError(RuntimeError):
    """With ``strict=True``: data reached Python control flow while tracing."""


class TracerWarning(UserWarning):
    """Data reached Python control flow while tracing: the trace may be wrong elsewhere."""


class TraceMismatchError(AssertionError):
    """``verify`` found the compiled result differing from the eager engine's."""


# --- code for each op ------------------------------------------------------------------------
# forward: a format string over the inputs ({0}, {1}, ...) and {c} (the op's constant);
# partials: one format string per input over the inputs, {out} and {c}, exactly the
# expressions of the op table (so that results agree to the bit); None, or no entry at
# all, means "call the table's own function", which is always right and a little slower.
_Code = tuple[str | None, tuple[str, ...] | None]
_CODE: dict[str, _Code] = {
    "add": ("{0} + {1}", ("1.0", "1.0")),
    "sub": ("{0} - {1}", ("1.0", "-1.0")),
    "mul": ("{0} * {1}", ("{1}", "{0}")),
    "div": ("{0} / {1}", ("1.0 / {1}", "-{out} / {1}")),
    "add_const": ("{0} + {c}", ("1.0",)),
    "sub_const": ("{0} - {c}", ("1.0",)),
    "rsub_const": ("{c} - {0}", ("-1.0",)),
    "mul_const": ("{0} * {c}", ("{c}",)),
    "div_const": ("{0} / {c}", ("1.0 / {c}",)),
    "rdiv_const": ("{c} / {0}", ("-{out} / {0}",)),
    "neg": ("-{0}", ("-1.0",)),
    "pos": ("{0}", ("1.0",)),
    "pow": (None, None),
    "pow_const": (None, None),
    "abs": ("abs({0})", None),
    "exp": ("exp({0})", ("{out}",)),
    "log": ("log({0})", ("1.0 / {0}",)),
    "sqrt": ("sqrt({0})", None),
    "tanh": ("tanh({0})", ("1.0 - {out} * {out}",)),
    "sigmoid": ("sigmoid({0})", ("{out} * (1.0 - {out})",)),
    "relu": ("{0} if {0} > 0.0 else 0.0", ("1.0 if {0} > 0.0 else 0.0",)),
    "leaky_relu": ("{0} if {0} > 0.0 else {c} * {0}", ("1.0 if {0} > 0.0 else {c}",)),
    "softplus": ("softplus({0})", ("sigmoid({0})",)),
    "sin": ("sin({0})", ("cos({0})",)),
    "cos": ("cos({0})", ("-sin({0})",)),
    "dot": (None, None),  # written by _dot_lines / _nary_partials
    "sum": (None, None),
}
# NOTE: log, sqrt and division use math's functions and Python's operator here; outside
# their domain these raise a bare error, and the call falls back to the eager engine,
# which raises its own clear one. So does an overflow (checked once, on the results).

_NAMESPACE: dict[str, Any] = {
    "exp": math.exp, "log": math.log, "sqrt": math.sqrt, "tanh": math.tanh,
    "sin": math.sin, "cos": math.cos, "abs": builtins.abs, "itemgetter": operator.itemgetter,
    "sigmoid": _ops._sigmoid_forward, "softplus": _ops._softplus_forward,
}


def _tuple(items: list[str]) -> str:
    """Code for a tuple of ``items`` (a 1-tuple keeps its comma)."""
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


class _SlotName(str):
    """Code standing where a node's constant would be: a loop's name for a constant that
    differs between the copies of a run (see :mod:`autograd_mini.rolling`)."""


def _literal(x: float | str) -> str:
    if type(x) is _SlotName:
        return str(x)
    text = repr(float(x))
    return f"({text})" if text.startswith("-") else text


def _simple(term: str) -> bool:
    """Whether ``term`` can stand next to an operator without parentheses."""
    if term.isidentifier():  # the common case: a variable
        return True
    if term.replace("_", "").replace(".", "").isalnum():
        return True
    if not (term.startswith("(") and term.endswith(")")):
        return False
    depth = 0  # one group "( ... )", not "(-2.0) * x ** (-3.0)"
    for k, ch in enumerate(term):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and k < len(term) - 1:
            return False
    return True


def _wrap(term: str) -> str:
    return term if term.isidentifier() or _simple(term) else f"({term})"


def _times(g: str, d: str) -> str:
    """Code for ``g * d``, simplified where that is exact (d = 1.0 or -1.0)."""
    if d == "1.0":
        return g
    if d == "-1.0":
        return f"-{g}"
    return f"{g} * {_wrap(d)}"


_first = operator.itemgetter(0)
_CHAIN = 100  # factors per statement of a chain's gradient (CPython's compiler recurses)
_MAX_TEMPS = 2  # the most partials an op computed by the table's own function returns


class _Program:
    """One traced structure: the generated source and the function compiled from it."""

    __slots__ = ("source", "fn", "nodes", "concrete", "calls")

    def __init__(self, source: str, fn: Callable[..., Any], nodes: int,
                 concrete: list[str]) -> None:
        self.source = source
        self.fn = fn
        self.nodes = nodes
        self.concrete = concrete
        self.calls = 0


def _usable(name: str) -> bool:
    """Whether ``name`` can be a generated identifier as it is.

    Only ASCII identifiers qualify: Python folds every other identifier to its NFKC
    form (``"\u00b5"`` and ``"\u03bc"`` both become ``"\u03bc"``, full-width
    ``"\uff45\uff58\uff50"`` becomes ``"exp"``), so two labels that differ as strings could
    name one variable, or one of the code's own names. ASCII text is its own NFKC form.
    """
    return name.isascii() and name.isidentifier() and not keyword.iskeyword(name)


class _Names:
    """Unique, valid Python identifiers for the generated code."""

    def __init__(self) -> None:
        self.used = set(_NAMESPACE) | {"K", "fsum"} | set(dir(builtins))
        self.used |= {f"{kind}_{name}" for kind in "FP" for name in _ops.OPS}

    def make(self, wanted: str, fallback: str) -> str:
        base = wanted if _usable(wanted) else fallback
        name, k = base, 1
        while name in self.used:
            k += 1
            name = f"{base}_{k}"
        self.used.add(name)
        return name


class _Emitted:
    """The code for one graph: its forward lines, its backward lines and their names."""

    def __init__(self) -> None:
        self.forward: list[str] = []  # every node's value, in topological order
        self.inits: list[str] = []  # the differentiated arguments' gradients set to 0.0
        self.backward: list[str] = []  # the gradients, accumulated under their guards
        self.grads: list[str] = []  # per differentiated argument: its gradient's code
        self.var: dict[int, str] = {}  # id(node) -> its code: a local name or a literal
        self.captured: list[Value] = []  # Values read from outside (K[i].data)
        self.nodes = 0
        self.names = _Names()
        self.tables: dict[str, tuple[Any, ...]] = {}  # a loop's per-copy values, by name


def _emit(
    arg_names: list[str],
    leaves: list[Value],
    wrt: list[int],
    out: Value,
    aux: list[Any],
    trace: _Trace,
    max_nodes: int,
    seed: str = "1.0",
    reserved: set[str] | None = None,
    maxima: dict[Value, list[Value]] | None = None,
    *,
    roll: int = 0,
    names: _Names | None = None,
    preset: dict[int, str] | None = None,
) -> _Emitted:
    """Write the lines that compute ``out`` (and ``aux``) and d out / d ``leaves[wrt]``.

    ``seed`` is the code of d(result) / d out: 1.0 for a whole function, or a name when
    ``out`` is one piece of something larger (one sample's part of a loss). ``maxima``
    maps leaves that stand for a data-dependent constant to the nodes it is the
    ``max`` of (cross-entropy's shift): the code computes it, and no gradient flows
    through it, as through the engine's plain-number constant.

    With ``roll`` > 0, every run of repeated structure covering at least ``roll`` nodes
    (see :mod:`autograd_mini.rolling`) is written as a loop over its copies. ``names``
    and ``preset`` serve such a loop's body: the names in use, and the gradient
    variables of leaves that the enclosing code accumulates (``arg_names`` are then
    taken as they are: they are the enclosing code's variables).
    """
    code = _Emitted()
    fixed = names is not None
    if names is not None:
        code.names = names
    roots = [out, *[a for a in aux if isinstance(a, Value)]]
    holder: Value = _new(Value)  # a temporary n-ary node over all outputs, for one walk
    holder._a, holder._b, holder._mark = tuple(roots), _NARY, None
    topo, _ = _topological_order(holder)
    topo.pop()
    if len(topo) > max_nodes:
        raise CompileError(
            f"compile: the graph has {len(topo):,} nodes, more than max_nodes={max_nodes:,}; "
            "compile a smaller piece (e.g. one mini-batch) or pass a larger max_nodes="
        )
    # backward follows out's own topological order, as the engine does, so that every
    # gradient is accumulated in the same order and rounds the same way
    only_out = len(roots) == 1
    out_topo, in_out_graph = (topo, set()) if only_out else _topological_order(out)
    wrt_leaves = {id(leaves[i]) for i in wrt}

    code.nodes = len(topo)
    names = code.names
    names.used |= reserved or set()
    var = code.var
    for v, name in zip(leaves, arg_names):
        var[id(v)] = name if fixed else names.make(name, "x")
    captured = code.captured
    body = code.forward

    def visit_leaf(node: Value) -> None:
        key = id(node)
        if maxima and node in maxima:
            if any(id(z) not in var for z in maxima[node]):
                raise CompileError("compile: a maximum's inputs must be computed first")
            var[key] = names.make(node.label, f"m{len(body)}")
            body.append(f"{var[key]} = max({_tuple([var[id(z)] for z in maxima[node]])})")
        elif node in trace.constants:
            var[key] = _literal(node.data)
        else:
            var[key] = names.make(node.label, f"c{len(captured)}")
            body.append(f"{var[key]} = K[{len(captured)}].data")
            captured.append(node)

    runs: list[_rolling.Run] = []
    member: dict[int, _rolling.Run] = {}
    if roll and len(topo) >= roll:
        uses: dict[int, int] = {}
        count = uses.get
        for node in topo:
            a, b = node._a, node._b
            if a is None:
                continue
            if b is _NARY:
                for p in a:
                    k = id(p)
                    uses[k] = count(k, 0) + 1
                continue
            k = id(a)
            uses[k] = count(k, 0) + 1
            if b is not None:
                k = id(b)
                uses[k] = count(k, 0) + 1
        shown: dict[int, int] = {}
        for r in roots:
            uses[id(r)] = count(id(r), 0) + 1
            if r is not out:
                shown[id(r)] = shown.get(id(r), 0) + 1
        runs = _rolling.find_runs(out_topo, uses, wrt_leaves, min_nodes=roll, shown=shown)
        member = {id(node): run for run in runs for node in run.nodes}
    for node in topo:
        key = id(node)
        if key in var:
            continue
        if node._op is None:
            visit_leaf(node)
            continue
        if member:
            run = member.get(key)
            if run is not None:  # the loop goes where the run's first node would
                if "at" in run.state or _place_run(run, var, body, names, visit_leaf):
                    continue
                for n in run.nodes:  # an input not computed yet: straight lines after all
                    del member[id(n)]
        name = names.make(node.label, f"v{len(body)}")
        op = node._op
        if op is _DOT_OP or op is _SUM_OP:
            body += _sum_lines(name, _nary_terms(node, var))
        else:
            body.append(f"{name} = {_forward_code(node, var)}")
        var[key] = name

    # which nodes need a gradient: those between a differentiated argument and out
    needs: set[int] = set()
    for node in topo:  # NOTE: _parents inlined: this loop meets every node of the graph
        key = id(node)
        a, b = node._a, node._b
        if key in wrt_leaves:
            hit = True
        elif a is None:
            continue
        elif b is None:
            hit = id(a) in needs
        elif b is _NARY:
            hit = any(id(p) in needs for p in a)
        else:
            hit = id(a) in needs or id(b) in needs
        if hit and (only_out or node in in_out_graph):
            needs.add(key)
    # Guards: a relu whose input is <= 0 passes no gradient back, and neither does
    # anything whose every path to out runs through such a relu. Each node's backward
    # lines run under its guard (the conditions all its consumers share), so the work
    # the engine skips (nodes whose gradient is 0.0) is skipped here too, with the same
    # results. Guards form a tree (a consumer's guard extends its parents'), kept as
    # integer ids so that a chain of relus costs one entry per relu, not its depth.
    guards = _Guards()
    guard: dict[int, int] = {id(out): 0}
    consumers: Counter[int] = Counter()  # per node: the edges its gradient comes along
    for node in reversed(out_topo):
        key = id(node)
        if member and key in member:
            _guard_run(member[key], guard, needs, guards, consumers)
            continue
        if key not in needs or node._op is None or key not in guard:
            continue
        parents = _parents(node)
        if not parents:
            continue
        # every edge of a node shares its guard (a relu has one edge, under one more test)
        edge = _edge_guard(node, parents[0], guard[key], var, guards)
        for p in parents:
            k = id(p)
            if k not in needs:
                continue
            consumers[k] += 1
            have = guard.get(k)
            guard[k] = edge if have is None or have == edge else guards.common(have, edge)

    # A node's gradient is dead once the node has passed it on to its parents, so its
    # variable is recycled: far fewer locals, which Python compiles much faster.
    grad: dict[int, str] = {}
    free: list[str] = []
    spare: list[str] = [names.make(f"t{k}", "t") for k in range(_MAX_TEMPS)]
    lines: list[tuple[int, str]] = []  # (guard, line) of the backward pass
    for i in wrt:
        leaf = leaves[i]
        if id(leaf) in needs and id(leaf) not in grad:
            if preset and id(leaf) in preset:
                grad[id(leaf)] = preset[id(leaf)]
                continue
            grad[id(leaf)] = names.make(f"d_{var[id(leaf)]}", "d")
            code.inits.append(f"{grad[id(leaf)]} = 0.0")
    for run in runs:
        if "at" in run.state:
            _write_run(run, code, grad, needs, wrt_leaves, max_nodes)

    made = [0]

    def new_grad() -> str:
        if free:
            return free.pop()
        made[0] += 1
        return names.make(f"g{made[0] - 1}", "g")

    if id(out) in needs and id(out) not in grad:
        grad[id(out)] = new_grad()
        lines.append((0, f"{grad[id(out)]} = {seed}"))
    elif id(out) in needs:  # out is itself a differentiated argument
        lines.append((0, f"{grad[id(out)]} += {seed}"))
    append = lines.append
    # A chain of one-input nodes (tanh(tanh(x))) is one product, g * d1 * d2 * ...: the
    # last line `gp = g * d1` gives the gradient of the next node, p; if p is the node
    # processed next, has no other consumer and passes it on as `gq = gp * d2`, that line
    # becomes `gq = g * d1 * d2`. Python's * is left-associative: the same operations in
    # the same order, in one statement instead of one per node.
    chain: tuple[int, str, int] | None = None  # (id of p, gp, factors so far)
    for node in reversed(out_topo):
        if member and id(node) in member:
            run = member[id(node)]
            if "done" not in run.state:
                run.state["done"] = True
                _run_backward(run, grad, needs, guard, lines, free, new_grad)
            chain = None
            continue
        if node._op is None or id(node) not in needs:
            continue
        link, chain = chain, None
        temps: list[str] = []
        zeros: list[tuple[int, str]] = []
        start = len(lines)
        g = grad[id(node)]
        block = guard[id(node)]
        if node._op.name == "relu":  # inside its guard, relu passes g on unchanged
            a = _parents(node)[0]
            block = _edge_guard(node, a, block, var, guards)
            terms = [(a, g)] if id(a) in needs else []
        else:
            pre: list[str] = []
            terms = [(p, c) for p, c in _partial_terms(node, var, g, pre, temps, spare)
                     if id(p) in needs]
            lines += [(block, line) for line in pre]
        handed_on = False
        # a parent met twice (x * x) must not take g over: its second term reads g
        counts = None
        if len(terms) > 1:
            ids = [id(p) for p, _ in terms]
            if len(set(ids)) < len(ids):
                counts = Counter(ids)
        fresh: str | None = None  # the variable lines[-1] set, this node's `fresh = ...`
        merged = 0
        for p, contribution in terms:
            k = id(p)
            gp = grad.get(k)
            tail, fresh = fresh, None
            if gp is not None:
                if gp == tail and merged < _CHUNK - 1:  # _CHUNK terms at most
                    # p met again (x * x): `gp = a` then `gp += b` is `gp = a + b`, the
                    # same additions in the same order, in one statement
                    lines[-1] = (block, f"{lines[-1][1]} + {contribution}")
                    fresh, merged = gp, merged + 1
                    continue
                append((block, f"{gp} += {contribution}"))
            elif block == guard[k]:
                if (contribution == g and not handed_on
                        and (counts is None or counts[k] == 1)):
                    # p takes this node's gradient variable over: no copy. Safe, as no
                    # other line of this block writes to it.
                    grad[k] = g
                    handed_on = True
                else:
                    grad[k] = gp = new_grad()
                    if (link is not None and link[0] == id(node) and link[1] == g
                            and link[2] < _CHAIN and len(terms) == 1 and len(lines) == start
                            and consumers[id(node)] == 1 and lines[-1][0] == block
                            and contribution.startswith(f"{g} * ")):
                        # lines[-1] is `g = expr`, g's only assignment and its only use
                        expr = lines[-1][1][len(g) + 3 :]
                        lines[-1] = (block, f"{gp} = {expr} * {contribution[len(g) + 3 :]}")
                        chain = (k, gp, link[2] + 1)
                    else:
                        append((block, f"{gp} = {contribution}"))
                        if len(terms) == 1:
                            chain = (k, gp, 1)
                        elif counts is not None:
                            fresh, merged = gp, 0
            else:  # p's other uses may run where this block does not: start it at 0.0
                grad[k] = gp = new_grad()
                zeros.append((guard[k], f"{gp} = 0.0"))
                append((block, f"{gp} += {contribution}"))
        if zeros:
            # all of this node's starts at 0.0 go first, grouped by guard: one `if` per
            # guard, not two per parent (no line of this node reads them before its +=)
            zeros.sort(key=_first)
            mine = lines[start:]
            del lines[start:]
            lines += zeros
            lines += mine
        if not handed_on:
            free.append(g)
        spare.extend(temps)
    code.backward = guards.lines(lines, names)
    code.grads = [grad.get(id(leaves[i]), "0.0") for i in wrt]
    if runs:  # a loop stands in one entry of the forward lines: make them lines again
        code.forward = [line for item in body for line in item.split("\n")]
    return code


# --- runs of repeated structure, written as loops (see autograd_mini.rolling) ---------
def _place_run(run: _rolling.Run, var: dict[int, str], body: list[str], names: _Names,
               visit_leaf: Callable[[Value], None]) -> bool:
    """Keep the place of ``run``'s forward loop in ``body`` and name what it leaves: a
    chain's last node, or each independent copy's last node in a list of them.

    False if a node the copies read is not computed yet here (the forward pass, walked
    from auxiliary outputs too, may meet the run before one of them).
    """
    st = run.state
    made = [*run.inputs, *[n for kind, values in run.slots if kind == "node" for n in values]]
    if any(id(n) not in var for n in made):
        return False
    for leaf in run.shared:
        if id(leaf) not in var:
            visit_leaf(leaf)
    for kind, values in run.slots:
        if kind == "leaf":
            for leaf in values:
                if id(leaf) not in var:
                    visit_leaf(leaf)
    st["at"] = len(body)
    body.append("")  # the loop's lines, once they are written (_write_run)
    p = run.period
    st["shown"] = {}
    for o in sorted(run.shown):  # auxiliary outputs inside the copies: kept in a list
        kept = st["shown"][o] = names.make("", "kept")
        for k, node in enumerate(run.nodes[o::p]):
            var[id(node)] = f"{kept}[{k}]"
    if run.carry:
        st["out"] = names.make("", "r")
        var[id(run.roots[-1])] = st["out"]
    else:
        st["parts"] = names.make("", "parts")
        for k, root in enumerate(run.roots):
            var[id(root)] = f"{st['parts']}[{k}]"
    st["var"], st["names"] = var, names
    return True


def _guard_run(run: _rolling.Run, guard: dict[int, int], needs: set[int], guards: _Guards,
               consumers: Counter[int]) -> None:
    """The guard pass at ``run``: one guard for the whole loop, the weakest of its copies'.

    Every consumer of a copy's last node comes after the run in topological order, so
    all of them have been seen here. A copy's gradient variable is then started under
    the loop's guard (``g = 0.0``, then ``g += ...`` where it gets one), so that it is
    set wherever the loop reads it.
    """
    st = run.state
    if "guard" in st:
        return
    roots = [r for r in run.roots if id(r) in guard and id(r) in needs]
    if not roots:
        st["guard"] = None  # no gradient reaches the run
        return
    g = guard[id(roots[0])]
    for r in roots[1:]:
        if guard[id(r)] != g:
            g = guards.common(g, guard[id(r)])
    for r in roots:
        guard[id(r)] = g
    st["guard"] = g
    ext = [leaf for leaf in run.shared if id(leaf) in needs]
    ext += [n for n in run.inputs if id(n) in needs]
    ext += [n for kind, values in run.slots if kind == "node" for n in values if id(n) in needs]
    if run.carry and run.carry_in is not None and id(run.carry_in) in needs:
        ext.append(run.carry_in)
    for p in ext:
        k = id(p)
        consumers[k] += run.carry if p is run.carry_in else 1
        have = guard.get(k)
        guard[k] = g if have is None or have == g else guards.common(have, g)


def _proxy() -> Value:
    """A stand-in leaf of a loop body's graph (``_leaf`` would join a trace running now)."""
    v: Value = _new(Value)
    v.data, v.grad, v.label = 0.0, 0.0, ""
    v._op = v._a = v._b = v._const = v._mark = None
    return v


def _write_run(run: _rolling.Run, code: _Emitted, grad: dict[int, str], needs: set[int],
               wrt_leaves: set[int], max_nodes: int) -> None:
    """Write ``run``'s forward loop (into its place in ``code.forward``) and the lines of
    its backward loop (kept in ``run.state`` for ``_run_backward``).

    One copy's code is the code of a stand-in graph: the template's nodes over stand-in
    leaves for the shared leaves (named as the enclosing code names them, their
    gradients accumulated into its variables), the slots and the carry, emitted by
    ``_emit`` itself, so a copy computes exactly what that code would.
    """
    st = run.state
    var: dict[int, str] = st["var"]
    names: _Names = st["names"]
    tables = code.tables
    shared = [_proxy() for _ in run.shared]
    slot_leaf: dict[int, Value] = {}
    fwd_cols: list[tuple[str, str]] = []  # (loop target, column): what the forward reads
    bwd_cols: list[tuple[str, str]] = []  # the same, for the backward loop
    op_code: dict[int, _ops.Op] = {}
    const_code: dict[int, _SlotName] = {}
    slot_names: list[str] = []
    for s, (kind, values) in enumerate(run.slots):
        if kind == "op":
            k = 0
            while f"F_o{k}" in names.used or f"P_o{k}" in names.used:
                k += 1
            names.used |= {f"F_o{k}", f"P_o{k}"}
            first = values[0]
            op_code[s] = _ops.Op(f"o{k}", first.forward, first.partials, first.arity,
                                 has_const=first.has_const)
            for prefix, attr in (("F", "forward"), ("P", "partials")):
                table = names.make(f"T{prefix}{k}", "T")
                tables[table] = tuple(getattr(op, attr) for op in values)
                (fwd_cols if prefix == "F" else bwd_cols).append((f"{prefix}_o{k}", table))
            slot_names.append("")
            continue
        name = names.make("", "k" if kind == "const" else "s")
        slot_names.append(name)
        if kind == "const":
            const_code[s] = _SlotName(name)
            table = names.make("", "T")
            tables[table] = tuple(values)
        else:  # a leaf or a node made before the run: a stand-in leaf, a column of codes
            slot_leaf[s] = _proxy()
            codes = [var[id(leaf)] for leaf in values]
            if kind == "leaf" and all(not c.isidentifier() for c in codes):  # literals
                table = names.make("", "T")
                tables[table] = tuple(float(leaf.data) for leaf in values)
            else:
                table = names.make("", "col")
                st["pre"] = [*st.get("pre", []), f"{table} = {_tuple(codes)}"]
        fwd_cols.append((name, table))
        bwd_cols.append((name, table))
    carry = _proxy() if run.carry else None
    inputs = [_proxy() for _ in run.inputs]
    clones: list[Value] = []
    for o, node in enumerate(run.template):
        c: Value = _new(Value)
        c.data, c.grad, c.label, c._mark = node.data, 0.0, "", None
        c._op = op_code[run.op_slot[o]] if o in run.op_slot else node._op
        c._const = const_code[run.const_slot[o]] if o in run.const_slot else node._const
        ins: list[Value] = []
        for ref in run.refs[o]:
            tag = ref[0]
            if tag == "local":
                ins.append(clones[ref[1]])
            elif tag == "shared":
                ins.append(shared[ref[1]])
            elif tag == "slot":
                ins.append(slot_leaf[ref[1]])
            elif tag == "input":
                ins.append(inputs[ref[1]])
            else:
                assert carry is not None
                ins.append(carry)
        if node._b is _NARY:
            c._a, c._b = tuple(ins), _NARY
        elif len(ins) == 2:
            c._a, c._b = ins
        else:
            c._a, c._b = ins[0], None
        clones.append(c)
    leaves = [*shared, *slot_leaf.values(), *inputs]
    arg_names = [var[id(leaf)] for leaf in run.shared]
    arg_names += [slot_names[s] for s in slot_leaf]
    arg_names += [var[id(n)] for n in run.inputs]
    wrt = [k for k, leaf in enumerate(run.shared) if id(leaf) in wrt_leaves and id(leaf) in needs]
    preset = {id(shared[k]): grad[id(run.shared[k])] for k in wrt}
    # a node every copy reads accumulates its gradient in a variable of its own, which
    # takes over the node's gradient variable when the loop starts (see _run_backward)
    in_grads: list[tuple[Value, str]] = []
    for k, n in enumerate(run.inputs):
        if id(n) in needs:
            wrt.append(len(shared) + len(slot_leaf) + k)
            preset[id(inputs[k])] = name = names.make("", "gin")
            in_grads.append((n, name))
    per_copy: list[tuple[int, int]] = []  # (slot, position in wrt): a gradient per copy
    for k, s in enumerate(slot_leaf):
        kind, values = run.slots[s]
        if kind == "node" and any(id(n) in needs for n in values):
            per_copy.append((s, len(wrt)))
            wrt.append(len(shared) + k)
    carry_name = ""
    if carry is not None:
        carry_name = names.make("", "c")
        wrt.append(len(leaves))
        leaves.append(carry)
        arg_names.append(carry_name)
    seed = names.make("", "s")
    live = st["guard"] is not None and bool(wrt)
    one = _emit(arg_names, leaves, wrt if live else [], clones[-1], [], _Trace(), max_nodes,
                seed=seed, names=names, preset=preset)
    root = one.var[id(clones[-1])]
    back = [*one.inits, *one.backward] if live else []
    used = set("\n".join(back).translate(_NOT_NAME).split())
    taped = [one.var[id(c)] for c in clones if one.var[id(c)] in used]
    if carry_name in used:
        taped.insert(0, carry_name)
    taped = list(dict.fromkeys(taped))
    tape = names.make("", "tape")
    lines = list(st.get("pre", []))
    if back:
        lines.append(f"{tape} = []")
    if run.carry:
        lines.append(f"{carry_name} = {var[id(run.carry_in)]}" if run.carry_in is not None
                     else f"{carry_name} = 0.0")
    else:
        lines.append(f"{st['parts']} = []")
    lines += [f"{kept} = []" for kept in st["shown"].values()]
    lines.append(_loop_head([t for t, _ in fwd_cols], [c for _, c in fwd_cols], run.reps,
                            names, reverse=False))
    inner = list(one.forward)
    if back:
        inner.append(f"{tape}.append({taped[0] if len(taped) == 1 else _tuple(taped)})")
    inner += [f"{kept}.append({one.var[id(clones[o])]})" for o, kept in st["shown"].items()]
    inner.append(f"{carry_name} = {root}" if run.carry else f"{st['parts']}.append({root})")
    lines += ["    " + line for line in inner]
    if run.carry:
        lines.append(f"{st['out']} = {carry_name}")
    code.forward[st["at"]] = "\n".join(lines)
    st["back"] = back
    st["tape"] = (tape, taped)
    st["seed"] = seed
    st["cols"] = [(t, c) for t, c in bwd_cols if t in used]
    st["carry_grad"] = one.grads[-1] if run.carry and live else None
    st["in_grads"] = in_grads if live else []
    st["per_copy"] = [(s, one.grads[pos]) for s, pos in per_copy] if live else []


def _loop_head(targets: list[str], columns: list[str], reps: int, names: _Names, *,
               reverse: bool) -> str:
    """``for <targets> in <the columns, zipped>:``, or over ``range(reps)`` without any."""
    cols = [f"reversed({c})" if reverse else c for c in columns]
    if not cols:
        return f"for {names.make('', 'i')} in range({reps}):"
    if len(cols) == 1:
        return f"for {targets[0]} in {cols[0]}:"
    return f"for {', '.join(targets)} in zip({', '.join(cols)}):"


def _run_backward(run: _rolling.Run, grad: dict[int, str], needs: set[int],
                  guard: dict[int, int], lines: list[tuple[int, str]], free: list[str],
                  new_grad: Callable[[], str]) -> None:
    """Append ``run``'s backward loop to ``lines``: the copies in reverse order, each
    seeded with the gradient of its last node (a chain's copy with the one the next
    copy passed back), skipped where that is 0.0, as the engine skips such a node."""
    st = run.state
    back = st.get("back")
    if not back:
        return
    g = st["guard"]
    names: _Names = st["names"]
    seed = st["seed"]
    tape, taped = st["tape"]
    targets = [taped[0] if len(taped) == 1 else _tuple(taped)] if taped else []
    columns = [tape] if taped else []
    roots = run.roots
    if run.carry:
        seeds = [grad.get(id(roots[-1]))]
    else:
        seeds = [grad.get(id(r)) if id(r) in needs else None for r in roots]
    known = [x for x in seeds if x is not None]
    if not known:
        return
    out: list[str] = []
    if run.carry or len(set(seeds)) == 1:
        out.append(f"{seed} = {known[0]}")
    else:
        column = names.make("", "seeds")
        out.append(f"{column} = {_tuple([x or '0.0' for x in seeds])}")
        targets.append(seed)
        columns.append(column)
    targets += [t for t, _ in st["cols"]]
    columns += [c for _, c in st["cols"]]
    kept: list[tuple[str, str, list[Value]]] = []  # per node slot: its list of gradients
    for s, name in st["per_copy"]:
        table = names.make("", "gl")
        kept.append((table, name, run.slots[s][1]))
        out.append(f"{table} = [0.0] * {run.reps}")
    at = ""
    if kept:
        at = names.make("", "at")
        targets.append(at)
        columns.append(f"range({run.reps})")
    out.append(_loop_head(targets, columns, run.reps, names, reverse=True))
    out.append(f"    if {seed} == 0.0:")
    out.append("        continue")
    out += ["    " + line for line in back]
    out += [f"    {table}[{at}] = {name}" for table, name, _ in kept]
    if run.carry:
        out.append(f"    {seed} = {st['carry_grad'] or '0.0'}")
    for n, name in st["in_grads"]:  # first, the inputs' gradients so far, if any
        have = grad.get(id(n))
        lines.append((guard[id(n)], f"{name} = {have or '0.0'}"))
        if have is not None:
            free.append(have)
        grad[id(n)] = name
    lines += [(g, line) for line in out]
    for table, _, values in kept:  # each copy's input takes its list entry as its gradient
        for k, n in enumerate(values):
            if id(n) in needs:
                grad[id(n)] = f"{table}[{k}]"
    for x in dict.fromkeys(known):
        free.append(x)
    p = run.carry_in
    if run.carry and p is not None and id(p) in needs:
        k = id(p)
        gp = grad.get(k)
        if gp is not None:
            lines.append((g, f"{gp} += {seed}"))
        elif g == guard[k]:
            grad[k] = new_grad()
            lines.append((g, f"{grad[k]} = {seed}"))
        else:
            grad[k] = gp = new_grad()
            lines.append((guard[k], f"{gp} = 0.0"))
            lines.append((g, f"{gp} += {seed}"))


def _generate(
    fname: str,
    arg_names: list[str],
    leaves: list[Value],
    wrt: list[int],
    out: Value,
    aux: list[Any],
    single: bool,
    trace: _Trace,
    max_nodes: int,
) -> tuple[str, list[Value], int, dict[str, tuple[Any, ...]]]:
    """Write the source of the function; return it, its captured Values, its node count
    and the tables its loops read."""
    code = _emit(arg_names, leaves, wrt, out, aux, trace, max_nodes, roll=ROLL_MIN_NODES)
    var = code.var
    value = var[id(out)]
    grads_code = code.grads[0] if single else _tuple(code.grads)
    if aux:
        aux_code = _tuple([
            var[id(a)] if isinstance(a, Value) else _literal(_to_float(a, "compile aux"))
            for a in aux
        ])
        value = f"({value}, {aux_code})"
    args = [var[id(v)] for v in leaves]
    body = code.forward + code.inits + code.backward
    if len(body) > _PIECE_LINES:
        text = _in_pieces(fname, args, body, f"{value}, {grads_code}", code.names)
        return text, code.captured, code.nodes, code.tables
    source = [f"def {fname}({', '.join(args)}):"]
    source += ["    " + line for line in body]
    source.append(f"    return {value}, {grads_code}")
    return "\n".join(source) + "\n", code.captured, code.nodes, code.tables


#: Lines per generated function. Python's compile() of one function costs about 3.5 KB
#: of memory per line while it runs, and a little more time per line the longer the
#: function; a larger program is written as a chain of functions this long, which share
#: their variables through one list, so compiling it takes memory for one piece at a time.
_PIECE_LINES = 2000
_PIECE_CHARS = 30 * _PIECE_LINES
# Every identifier of generated code stands between these characters or spaces (the code
# puts spaces around binary operators; names are ASCII): splitting on them is a superset of
# its identifiers (plus literals and such, which name no variable) and much faster than a
# regular expression over the whole program.
_NOT_NAME = str.maketrans("()[],:-*/+<>=%~.", " " * 16)  # "." too: tape.append(...)
_TARGETS = re.compile(r"^( *)([A-Za-z_]\w*(?:, [A-Za-z_]\w*)*),? \+?= ", re.MULTILINE)


def _in_pieces(fname: str, args: list[str], body: list[str], result: str,
               names: _Names) -> str:
    """The function ``fname(*args)`` running ``body`` and returning ``result``, written as
    pieces of about ``_PIECE_LINES`` lines each, called in turn.

    Each piece is a function of one list ``S``: it reads the variables that earlier
    pieces made and it uses from their slots in ``S`` and writes back those it makes
    that later pieces use. (Uses are over-approximated by every identifier in the
    text: loading a variable that is not needed is harmless.) A variable a piece writes
    back is also loaded first, since the lines that set it may sit under a guard that
    is false. Pieces end only between top-level lines, never inside an ``if``.
    """
    pieces: list[list[str]] = []
    # a piece ends at the first top-level line past _PIECE_LINES lines or _PIECE_CHARS
    # characters (a chain's gradient packs a hundred nodes into one line)
    chars = [0, *accumulate(map(len, body))]  # chars[i]: the length of body[:i]
    lo = 0
    while lo < len(body):
        hi = min(lo + _PIECE_LINES, bisect_left(chars, chars[lo] + _PIECE_CHARS))
        while hi < len(body) and body[hi].startswith(" "):
            hi += 1
        pieces.append(body[lo:hi])
        lo = hi
    defs: list[set[str]] = []
    guarded: list[set[str]] = []  # set only under an if: maybe not set at all
    uses: list[set[str]] = []
    texts: list[str] = []
    for piece in pieces:
        text = "\n".join(piece)
        texts.append(text)
        found = _TARGETS.findall(text)  # (indent, targets): one join and split, not a loop
        made = set(", ".join([t for i, t in found if not i]).split(", "))
        maybe = set(", ".join([t for i, t in found if i]).split(", "))
        made.discard("")
        maybe.discard("")
        defs.append(made | maybe)
        guarded.append(maybe - made)
        uses.append(set(text.translate(_NOT_NAME).split()))
    uses.append(set(result.translate(_NOT_NAME).split()))  # the return, after the last piece
    last: dict[str, int] = {}
    for k, used in enumerate(uses):  # the last piece (or the return) using each name
        last.update(dict.fromkeys(used, k))
    slot: dict[str, int] = {}
    for a in args:
        slot[a] = len(slot)
    known = set(args)  # made before the piece at hand
    source: list[str] = []
    calls: list[str] = []
    load = names.make("_load", "_load")
    for k, text in enumerate(texts):
        stores = [n for n in sorted(defs[k]) if last.get(n, -1) > k]
        fresh = [n for n in stores if n not in slot]  # new slots, side by side
        base = len(slot)
        for n in fresh:
            slot[n] = len(slot)
        # a variable written back is loaded too: a guarded line may leave it unset here
        loads = sorted((uses[k] & known) | (guarded[k] & set(stores)), key=slot.__getitem__)
        known |= defs[k]
        name = names.make(f"{fname}_piece{k}", "piece")
        calls.append(name)
        if len(loads) > 1:  # one call in C, not one subscript per variable
            getter = ", ".join(str(slot[n]) for n in loads)
            source.append(f"def {name}(S, {load}=itemgetter({getter})):")
            source.append(f"    {', '.join(loads)} = {load}(S)")
        else:
            source.append(f"def {name}(S):")
            source += [f"    {n} = S[{slot[n]}]" for n in loads]
        source.append("    " + text.replace("\n", "\n    "))
        if fresh:
            source.append(f"    S[{base}:{base + len(fresh)}] = {_tuple(fresh)}")
        source += _store_lines(sorted((slot[n], n) for n in stores if slot[n] < base))
        source.append("")
    final = sorted(uses[-1] & known, key=slot.__getitem__)
    source.append(f"def {fname}({', '.join(args)}):")
    source.append(f"    S = [{_tuple(args)[1:-1] if args else ''}]")
    source.append(f"    S += [0.0] * {len(slot) - len(args)}")
    source += [f"    {c}(S)" for c in calls]
    source += [f"    {n} = S[{slot[n]}]" for n in final if n not in args]
    source.append(f"    return {result}")
    return "\n".join(source) + "\n"


def _store_lines(slots: list[tuple[int, str]]) -> list[str]:
    """Lines writing variables back to their slots of ``S`` (sorted by slot): one slice
    assignment per run of consecutive slots (a model's gradients, written back by every
    piece, are one run), which Python compiles several times faster than one line each."""
    out: list[str] = []
    lo = 0
    for hi in range(1, len(slots) + 1):
        if hi == len(slots) or slots[hi][0] != slots[hi - 1][0] + 1:
            run = [n for _, n in slots[lo:hi]]
            if len(run) == 1:
                out.append(f"    S[{slots[lo][0]}] = {run[0]}")
            else:
                out.append(f"    S[{slots[lo][0]}:{slots[hi - 1][0] + 1}] = {_tuple(run)}")
            lo = hi
    return out


def _edge_guard(
    node: Value, parent: Value, node_guard: int, var: dict[int, str], guards: _Guards
) -> int:
    """The guard under which ``node`` passes a gradient to ``parent``."""
    if node._op is not None and node._op.name == "relu":
        return guards.extend(node_guard, f"{var[id(parent)]} > 0.0")
    return node_guard


class _Guards:
    """The tree of guards: id 0 is "always"; every other id is its parent's and one more
    condition. A guard used in the code is written once, as its parent's name and its own
    condition (``q3 = q1 and v7 > 0.0``), so the code stays linear in the graph however
    deep the relus nest (repeating every condition above would make it quadratic)."""

    def __init__(self) -> None:
        self.parent = [0]
        self.cond = [""]
        self.depth = [0]
        self.ids: dict[tuple[int, str], int] = {}

    def extend(self, guard: int, cond: str) -> int:
        key = (guard, cond)
        found = self.ids.get(key)
        if found is None:
            found = self.ids[key] = len(self.cond)
            self.parent.append(guard)
            self.cond.append(cond)
            self.depth.append(self.depth[guard] + 1)
        return found

    def common(self, a: int, b: int) -> int:
        """The deepest guard both ``a`` and ``b`` extend (their common conditions)."""
        parent, depth = self.parent, self.depth
        while depth[a] > depth[b]:
            a = parent[a]
        while depth[b] > depth[a]:
            b = parent[b]
        while a != b:
            a, b = parent[a], parent[b]
        return a

    def lines(self, lines: list[tuple[int, str]], names: _Names) -> list[str]:
        """Lines under their guards: each run of lines with the same guard in one ``if``;
        a guard's ancestors are named (once, just before their first use)."""
        named: dict[int, str] = {}
        out: list[str] = []

        def test(g: int) -> str:  # the expression of guard g, naming its ancestors
            p = self.parent[g]
            if p == 0:
                return self.cond[g]
            missing = []  # unnamed ancestors, deepest first (a loop: chains can be deep)
            while p != 0 and p not in named:
                missing.append(p)
                p = self.parent[p]
            for a in reversed(missing):
                up = self.parent[a]
                expr = self.cond[a] if up == 0 else f"{named[up]} and {self.cond[a]}"
                named[a] = names.make(f"q{len(named)}", "q")
                out.append(f"{named[a]} = {expr}")
            return f"{named[self.parent[g]]} and {self.cond[g]}"

        current = 0
        for g, line in lines:
            if g != current:
                current = g
                if g:
                    out.append(f"if {named[g] if g in named else test(g)}:")
            out.append(f"    {line}" if g else line)
        return out


_DOT_OP, _SUM_OP = _ops.OPS["dot"], _ops.OPS["sum"]
_CHUNK = 200  # terms per statement: CPython's compiler recurses once per nested `+`


def _nary_terms(node: Value, var: dict[int, str]) -> list[str]:
    """The terms a dot or sum node adds up, in its order: ``w_i * x_i``, then the bias."""
    ins = [var[id(p)] for p in _parents(node)]
    if node._op is _SUM_OP:
        return ins
    n = len(ins) // 2
    # a dot node's inputs are nearly all variables: wrap only what needs it (per term,
    # _wrap would cost a third of generating a dot node)
    ws = [i if i.isidentifier() else _wrap(i) for i in ins[: 2 * n]]
    return [f"{ws[i]} * {ws[n + i]}" for i in range(n)] + ins[2 * n :]


def _sum_lines(name: str, terms: list[str]) -> list[str]:
    """Lines setting ``name`` to the sum of ``terms`` by the engine's summation rule.

    The rule (dot and sum alike): plain float addition from left to right,
    ``((t1 + t2) + t3) + ...``; one term is itself, no term is 0.0. Python's ``+`` is
    left-associative, so ``t1 + t2 + t3`` is exactly that; long sums continue in
    further statements (``s = s + ...``), which changes nothing.
    """
    if not terms:
        return [f"{name} = 0.0"]
    lines = [f"{name} = {' + '.join(terms[:_CHUNK])}"]
    for lo in range(_CHUNK, len(terms), _CHUNK):
        lines.append(f"{name} = {name} + {' + '.join(terms[lo : lo + _CHUNK])}")
    return lines


def _forward_code(node: Value, var: dict[int, str]) -> str:
    op = node._op
    assert op is not None
    ins = [var[id(p)] for p in _parents(node)]
    if op.name == "pow_const" and float(node._const).is_integer():
        # NOTE: ** on floats with an integral exponent is the same C pow() as math.pow
        return f"{_wrap(ins[0])} ** {_literal(node._const)}"
    template = _CODE.get(op.name, (None, None))[0]
    if template is None:
        args = ins + ([_literal(node._const)] if op.has_const else [])
        return f"F_{op.name}({', '.join(args)})"
    c = _literal(node._const) if op.has_const else ""
    return template.format(*[_wrap(i) for i in ins], c=c)


def _partial_terms(
    node: Value, var: dict[int, str], g: str, body: list[str], temps: list[str],
    spare: list[str],
) -> list[tuple[Value, str]]:
    """(parent, code of g * d node / d parent) for each parent, in the engine's order."""
    op = node._op
    assert op is not None
    parents = _parents(node)
    ins = [var[id(p)] for p in parents]
    out = var[id(node)]
    if op.name == "dot":
        n = len(ins) // 2
        ds = ins[n : 2 * n] + ins[:n] + (["1.0"] if len(ins) % 2 else [])
        # nearly every partial of a dot is a variable: spare it _times's tests
        return [(p, f"{g} * {d}" if d.isidentifier() else _times(g, d))
                for p, d in zip(parents, ds)]
    if op.name == "sum":
        return [(p, g) for p in parents]
    if op.name == "pow_const" and float(node._const).is_integer():
        k = float(node._const)  # _pow_const_partials for an integral exponent
        d = "0.0" if k == 0.0 else f"{_literal(k)} * {_wrap(ins[0])} ** {_literal(k - 1.0)}"
        return [(parents[0], _times(g, d))]
    template = _CODE.get(op.name, (None, None))[1]
    if template is None:  # call the table's own partials
        args = [out, *ins] + ([_literal(node._const)] if op.has_const else [])
        ds = [spare.pop() for _ in parents]  # the table's partials, in temporaries
        temps.extend(ds)
        body.append(f"{_tuple(ds)[1:-1]} = P_{op.name}({', '.join(args)})")
        return [(p, _times(g, d)) for p, d in zip(parents, ds)]
    c = _literal(node._const) if op.has_const else ""
    wrapped = [_wrap(i) for i in ins]
    out = _wrap(out)
    return [(p, _times(g, t.format(*wrapped, out=out, c=c))) for p, t in zip(parents, template)]


class Compiled:
    """A function of positional scalars compiled to generated Python.

    Calling it returns what ``value_and_grad(f, argnums)`` returns for plain numbers: the
    value and the gradient(s) as floats. See :func:`compile`.

    Attributes:
        source: the generated code of the most recent structure traced.
        traces: how many structures have been traced (one per argument count).
        unsafe: what made the most recent trace unsafe (``float()`` etc.), if anything.

    Example:
        >>> f = compile(lambda x, y: (x * y).tanh())
        >>> value, (dx, dy) = f(0.5, 2.0)
        >>> round(value, 6), round(dx, 6)
        (0.761594, 0.839949)
    """

    def __init__(self, f: Callable[..., Any], *, argnums: int | Sequence[int] | None = None,
                 has_aux: bool = False, verify: int = 0, strict: bool = False,
                 max_nodes: int = MAX_NODES) -> None:
        if not callable(f):
            raise TypeError(f"compile: f must be callable (got {f!r})")
        if not isinstance(verify, int) or verify < 0:
            raise ValueError(f"compile: verify must be an int >= 0 (got {verify!r})")
        self._f = f
        self._argnums = argnums
        self._has_aux = has_aux
        self._verify = verify
        self._strict = strict
        self._max_nodes = max_nodes
        self._programs: dict[int, _Program] = {}
        self._last: _Program | None = None
        self._checked = 0
        self.__name__ = f"compiled_{getattr(f, '__name__', 'f')}"
        self.__doc__ = getattr(f, "__doc__", None)

    # --- inspection ------------------------------------------------------------------------
    @property
    def source(self) -> str:
        """The generated Python source of the most recently traced structure."""
        if self._last is None:
            raise RuntimeError("compile: nothing traced yet; call the compiled function first")
        return self._last.source

    @property
    def traces(self) -> int:
        """How many input structures have been traced so far."""
        return len(self._programs)

    @property
    def unsafe(self) -> list[str]:
        """Where data reached Python control flow during the most recent trace."""
        return [] if self._last is None else list(self._last.concrete)

    def __repr__(self) -> str:
        return f"<compiled {getattr(self._f, '__name__', 'f')}: {self.traces} trace(s)>"

    # --- calling ---------------------------------------------------------------------------
    def __call__(self, *args: Any) -> Any:
        xs = [a if type(a) is float else _to_float(a.data if isinstance(a, Value) else a,
                                                   "compiled function") for a in args]
        if not math.isfinite(builtins.sum(xs)):
            for a in xs:
                _to_float(a, "compiled function")  # names the non-finite argument
        program = self._programs.get(len(xs))
        if program is None:
            program = self._programs[len(xs)] = self._trace(xs)
        self._last = program
        try:
            result = program.fn(*xs)
        except (ArithmeticError, ValueError):
            return self._eager(xs)  # raises the engine's own, clear error
        if not _finite(result):
            return self._eager(xs)
        program.calls += 1
        if self._checked < self._verify:
            self._checked += 1
            self._compare(xs, result, self._eager(xs))
        return result

    def _wrt(self, n: int) -> tuple[list[int], bool]:
        if self._argnums is None:
            return list(range(n)), False
        from .functional import _normalize_argnums

        nums = _normalize_argnums(self._argnums, n, "compile")
        return list(nums), isinstance(self._argnums, int)

    def _trace(self, xs: list[float]) -> _Program:
        wrt, single = self._wrt(len(xs))
        names = _argument_names(self._f, len(xs))
        leaves = [_leaf(x) for x in xs]
        for leaf, name in zip(leaves, names):
            leaf.label = name
        return trace_program(
            lambda: self._split(self._f(*leaves)), leaves, wrt, single=single,
            arg_names=names, fname=_function_name(self._f),
            strict=self._strict, max_nodes=self._max_nodes,
            what=getattr(self._f, "__name__", "f"),
        )

    def _split(self, result: Any) -> tuple[Any, list[Any]]:
        if not self._has_aux:
            return result, []
        if not isinstance(result, tuple) or len(result) != 2:
            raise TypeError("compile: with has_aux=True, f must return (value, aux)")
        value, aux = result
        return value, list(aux) if isinstance(aux, (list, tuple)) else [aux]

    def _eager(self, xs: list[float]) -> Any:
        """The same result from the eager engine (and its errors, if any)."""
        wrt, single = self._wrt(len(xs))
        leaves = [_leaf(x) for x in xs]
        with _grad_mode(True):
            out, aux = self._split(self._f(*leaves))
        value = out.data if isinstance(out, Value) else _to_float(out, "compile")
        if isinstance(out, Value):
            grads = [float(g) for g in _gradients(out, [leaves[i] for i in wrt], False)]
        else:
            grads = [0.0] * len(wrt)
        g: Any = grads[0] if single else tuple(grads)
        if self._has_aux:
            return (value, tuple(a.data if isinstance(a, Value) else float(a) for a in aux)), g
        return value, g

    def _compare(self, xs: list[float], got: Any, want: Any) -> None:
        a, b = _flatten(got), _flatten(want)
        bad = [i for i, (u, v) in enumerate(zip(a, b)) if not math.isclose(u, v, rel_tol=1e-12,
                                                                            abs_tol=1e-300)]
        if bad or len(a) != len(b):
            i = bad[0] if bad else 0
            raise TraceMismatchError(
                f"compile(verify={self._verify}): call {self._checked} differs from the eager "
                f"engine at output {i} (compiled {a[i]!r}, eager {b[i]!r}) for arguments "
                f"{xs[:6]}{' ...' if len(xs) > 6 else ''}: f's graph depends on its data "
                "(Python control flow on values), so it cannot be compiled as traced"
            )


def trace_program(
    run: Callable[[], tuple[Any, list[Any]]],
    leaves: list[Value],
    wrt: list[int],
    *,
    single: bool = False,
    arg_names: list[str] | None = None,
    fname: str = "compiled",
    strict: bool = False,
    max_nodes: int = MAX_NODES,
    what: str = "f",
) -> _Program:
    """Trace ``run()`` (which builds the graph over ``leaves``) and compile it.

    ``leaves`` become the generated function's arguments, in order (they may be a model's
    own parameters); ``run`` returns ``(out, aux)``. Gradients are generated for the
    leaves at positions ``wrt``.
    """
    names = arg_names or [leaf.label if _usable(leaf.label) else f"x{i}"
                          for i, leaf in enumerate(leaves)]
    # NOTE: the graph, the lines and the code objects hold no reference cycle: the cycle
    # collector would only rescan the whole graph, again and again, while it grows
    with gc_paused():
        out, aux, trace = _traced(run, what, strict, max_nodes)
        source, captured, nodes, tables = _generate(fname, names, leaves, wrt, out, aux,
                                                    single, trace, max_nodes)
        fn = _build(source, fname, captured, tables)
    return _Program(source, fn, nodes, list(trace.concrete))


def trace_rolled(
    run_one: Callable[[], tuple[Value, list[Any]]],
    params: list[Value],
    sample: list[Value],
    *,
    param_names: list[str],
    sample_names: list[str],
    fname: str = "train_step",
    max_nodes: int = MAX_NODES,
    what: str = "the training step",
    maxima: dict[Value, list[Value]] | None = None,
) -> _Program:
    """Compile one sample's graph as the body of a loop over a batch.

    ``run_one()`` builds the graph of one sample over ``params`` and the ``sample``
    leaves, and returns ``(part, preds)``: ``part`` is that sample's node of the loss's
    reduction (a ``sum`` or ``dot`` node whose inputs the batch's reduction adds up),
    ``preds`` the values to report. The generated function is
    ``fname(*params, data, seed) -> (parts, preds, grads)``: for each tuple of ``data``
    (the sample's values, in the order of ``sample``) it computes the sample's graph,
    appends the terms the reduction adds up to ``parts`` and the predictions to
    ``preds``, and adds ``seed`` times d part / d params to the gradients. Walking one
    sample's graph in the engine's order and the samples in the batch's order, it
    accumulates every gradient as the engine would; and its code is one sample long, so
    it compiles in milliseconds for a batch of any size.
    """
    part, preds, trace = _traced(run_one, what, strict=False, max_nodes=max_nodes)
    if part._op is None or part._op.name not in ("sum", "dot") or part._const is not None:
        raise CompileError(f"compile: a sample's part must be a sum or dot node (got {part!r})")
    leaves = [*params, *sample]
    reserved = {"_data", "_seed", "_parts", "_preds"}
    code = _emit([*param_names, *sample_names], leaves, list(range(len(params))), part, preds,
                 trace, max_nodes, seed="_seed", reserved=reserved, maxima=maxima)
    var = code.var
    terms = _nary_terms(part, var)
    pred_code = [var[id(v)] if isinstance(v, Value) else _literal(float(v)) for v in preds]
    names = [var[id(v)] for v in sample]
    source = [f"def {fname}({', '.join(var[id(v)] for v in params)}, _data, _seed):"]
    source += ["    " + line for line in code.inits]
    source += ["    _parts = []", "    _preds = []"]
    source.append(f"    for {', '.join(names)}{',' if len(names) == 1 else ''} in _data:")
    body = [*code.forward, f"_parts.extend({_tuple(terms)})"]
    body.append(f"_preds.append({pred_code[0] if len(pred_code) == 1 else _tuple(pred_code)})")
    source += ["        " + line for line in body + code.backward]
    source.append(f"    return _parts, _preds, {_tuple(code.grads)}")
    text = "\n".join(source) + "\n"
    return _Program(text, _build(text, fname, code.captured), code.nodes, list(trace.concrete))


class _Budget(_Trace):
    """A trace that counts the nodes the engine makes while it runs, up to a limit."""

    __slots__ = ("nodes", "limit", "what")

    def __init__(self, limit: int, what: str) -> None:
        super().__init__()
        self.nodes = 0
        self.limit = limit
        self.what = what


_object_new = object.__new__
_counting = threading.Lock()
_counters = 0  # how many traces are counting nodes right now, in any thread


def _counting_new(cls: type) -> Any:
    """``object.__new__`` for the engine while a trace runs: counts the trace's nodes.

    NOTE: the engine makes every node with ``value._new(Value)``, looked up as a module
    global on each call; while any trace runs, that name is this function, so a graph
    past ``max_nodes`` is refused as soon as it gets there, not after tracing all of
    it. Nodes made in other threads (no trace of theirs) are only passed through.
    """
    trace = _tracing.get()
    if type(trace) is _Budget:
        trace.nodes += 1
        if trace.nodes > trace.limit:
            raise CompileError(
                f"compile: tracing {trace.what} made more than max_nodes={trace.limit:,} "
                "nodes; compile a smaller piece (e.g. one mini-batch) or pass a larger "
                "max_nodes="
            )
    return _object_new(cls)


def _traced(
    run: Callable[[], tuple[Any, list[Any]]], what: str, strict: bool,
    max_nodes: int = MAX_NODES,
) -> tuple[Value, list[Any], _Trace]:
    """Run ``run()`` while tracing; warn (or, strict, raise) where data steered Python.

    Raises ``CompileError`` as soon as the trace has made more than ``max_nodes`` nodes.
    """
    global _counters
    trace = _Budget(max_nodes, what)
    with _counting:
        _counters += 1
        _value._new = _counting_new
    token = _tracing.set(trace)
    try:
        with _grad_mode(True):
            out, aux = run()
    finally:
        _tracing.reset(token)
        with _counting:
            _counters -= 1
            if _counters == 0:
                _value._new = _object_new
    if not isinstance(out, Value):
        out = _leaf(_to_float(out, "compile"))
        trace.constants.add(out)
    if trace.concrete:
        where = "; ".join(trace.concrete[:3]) + (" ..." if len(trace.concrete) > 3 else "")
        message = (
            f"compile: while tracing {what}, data reached Python control flow ({where}); "
            "the trace follows the branch taken for these arguments only. Use verify=N to "
            "compare with the eager engine."
        )
        if strict:
            raise TraceError(message)
        warnings.warn(message, TracerWarning, stacklevel=5)
    return out, aux, trace


def _build(source: str, fname: str, captured: list[Value],
           tables: dict[str, tuple[Any, ...]] | None = None) -> Callable[..., Any]:
    """Compile generated ``source`` and return its function ``fname``."""
    namespace = dict(_NAMESPACE)
    namespace["K"] = tuple(captured)
    namespace.update(tables or {})
    for op in _ops.OPS.values():
        namespace[f"F_{op.name}"] = op.forward
        namespace[f"P_{op.name}"] = op.partials
    # one compile() per top-level function: a long program written in pieces (see
    # _in_pieces) is compiled piece by piece, holding one piece's compiler state at a time
    for piece in source.split("\ndef "):
        text = piece if piece.startswith("def ") else "def " + piece
        code = builtins.compile(text, f"<autograd_mini.compile {fname}>", "exec")
        exec(code, namespace)  # noqa: S102 - our own generated code, never user text
    fn: Callable[..., Any] = namespace[fname]
    return fn


def _flatten(x: Any) -> list[float]:
    if isinstance(x, (tuple, list)):
        return [v for item in x for v in _flatten(item)]
    return [float(x)]


def _finite(result: Any) -> bool:
    try:
        return math.isfinite(builtins.sum(_flatten(result)))
    except OverflowError:  # pragma: no cover - float sums do not raise
        return False


def _argument_names(f: Callable[..., Any], n: int) -> list[str]:
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(names) == n:
        return names
    return [f"x{i}" for i in range(n)]


def _function_name(f: Callable[..., Any]) -> str:
    name = getattr(f, "__name__", "f")
    # the function is a global of the generated module: it must not rebind the code's own
    # globals (a function named ``exp`` would otherwise be called for every exp node)
    ok = isinstance(name, str) and _usable(name) and name not in _Names().used
    return name if ok else "compiled"


def compile(  # noqa: A001 - the name users expect (jax.jit, torch.compile)
    f: Callable[..., Any],
    *,
    argnums: int | Sequence[int] | None = None,
    has_aux: bool = False,
    verify: int = 0,
    strict: bool = False,
    max_nodes: int = MAX_NODES,
) -> Compiled:
    """Compile ``f`` to Python code computing its value and gradients.

    The returned callable gives what ``value_and_grad(f, argnums)`` gives for plain
    numbers (``argnums`` defaults to every argument), as floats. It traces ``f`` on the
    first call, caches the generated code by the number of arguments, and traces again
    for a new number. ``compiled.source`` shows the code: one line per node, named after
    labels where given.

    Args:
        f: a function of positional scalars returning a ``Value`` (and, with
            ``has_aux``, a pair ``(value, aux)`` where ``aux`` is a list of ``Value``s
            whose data is returned too, e.g. predictions).
        argnums: which arguments to differentiate (an int gives one derivative, a tuple
            a tuple); None for all.
        has_aux: see ``f``.
        verify: compare the first ``verify`` calls with the eager engine and raise
            ``TraceMismatchError`` on a difference beyond 1e-12 (relative).
        strict: raise ``TraceError`` instead of warning when data reaches Python
            control flow during tracing.
        max_nodes: refuse larger graphs with a ``CompileError`` (see ``MAX_NODES``).

    Returns:
        A :class:`Compiled` callable.

    Example:
        >>> step = compile(lambda w, b: (w * 2.0 + b - 1.0) ** 2)
        >>> step(1.0, 0.5)
        (2.25, (6.0, 3.0))
        >>> print(step.source)
        def compiled(w, b):
            v0 = w * 2.0
            v1 = v0 + b
            v2 = v1 - 1.0
            v3 = v2 ** 2.0
            d_w = 0.0
            d_b = 0.0
            g0 = 1.0
            g1 = g0 * (2.0 * v2 ** 1.0)
            d_b += g1
            d_w += g1 * 2.0
            return v3, (d_w, d_b)
        <BLANKLINE>
    """
    return Compiled(f, argnums=argnums, has_aux=has_aux, verify=verify, strict=strict,
                    max_nodes=max_nodes)
