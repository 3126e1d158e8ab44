"""Repeated structure in a traced graph: the runs that compiled mode writes as loops.

A training step's graph repeats itself: one sample's forward pass per sample of the
batch, one link per step of a chain. Written out one line per node, such a graph costs
Python's own ``compile()`` about 4 us per line, most of the time of compiling it. A
*run* is a stretch of the graph's topological order made of ``reps`` copies of one
*template* of ``period`` nodes, which compiled mode writes once, as the body of a
``for`` loop (see :mod:`autograd_mini.compiler`).

What makes copies of one template, and what each copy may read:

* the same ops (or ops of one family, such as ``1.0 - s`` and ``1.0 + s``, whose
  functions the loop then reads per copy), the same number of inputs, and the same
  edges inside the copy;
* *shared* leaves: the same leaf in every copy (a model's weights), whose gradients
  the loop accumulates;
* *slots*: a leaf, a constant or an op that differs between copies (a sample's
  data, its label's sign), read per copy from a table; a leaf slot never needs a
  gradient;
* *inputs*: nodes made before the run, one that every copy reads (its gradient
  accumulated by the loop) or one per copy read by that copy alone (an RNN's
  ``u * x_t``, which the engine's depth-first order puts before the whole chain),
  whose gradient the loop leaves in a list, one entry per copy;
* for a chain, the previous copy's last node (the *carry*). Every node of a copy but
  its last is used only inside the copy.

Only the topological order is searched, for a stretch whose node signatures repeat
with some period; the search does a bounded amount of work per node, so it stays
linear in the graph's size. Because the copies sit next to each other in the engine's
own order, a loop that runs them forward in that order and backward in the reverse
order accumulates every gradient in the engine's order: the results are the same to
the bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .value import _NARY, Value, _parents

__all__: list[str] = []  # internal: compiled mode's helper

# Ops whose code differs only in the operator: a copy may use any member of a family,
# and when the members differ the loop calls each copy's own op. A constant of the
# constant family may differ between copies too (it becomes a slot).
_CONST_FAMILY = frozenset(
    ["add_const", "sub_const", "rsub_const", "mul_const", "div_const", "rdiv_const"])
_FAMILY = {name: "const" for name in _CONST_FAMILY} | {
    name: "binary" for name in ("add", "sub", "mul", "div")}

#: How many candidate periods are tried at one position, and how much comparing the
#: search may do per node of the graph, in all: its cost stays linear in the graph
#: (about 1 us a node on a 10^5-node chain, 5 us on a random graph with no runs).
_TRIES = 48
_WORK_PER_NODE = 16
#: A chain's links shorter than this are taken several to one copy, so that the loop's
#: own cost (a zip, a tuple per copy) is spread over more nodes.
_UNROLL = 16
#: Inputs this many nodes back or nearer are told apart by their distance in the
#: signatures, farther ones by their own signature (see ``find_runs``).
_NEAR = 8


class Run:
    """``reps`` copies of one template of ``period`` nodes, in topological order.

    Attributes:
        nodes: the run's nodes, copy after copy (``reps * period`` of them).
        refs: per template node, per input: ``("local", offset)``, ``("carry",)``,
            ``("shared", k)`` (``shared[k]``), ``("input", k)`` (``inputs[k]``) or
            ``("slot", s)``.
        shared: the leaves every copy reads, in order of first use.
        slots: per slot, its kind ("leaf", "node", "const" or "op") and one value per
            copy (a leaf ``Value``, a node made before the run and read by that copy
            alone, a float, or an ``Op``).
        const_slot, op_slot: template offset -> slot, for a constant or an op that
            differs between copies.
        carry: how many inputs of a copy read the previous copy's last node (0 if the
            copies are independent).
        carry_in: for a chain, the node the first copy reads as its carry.
        shown: template offsets whose nodes are also auxiliary outputs (in some copy).
        inputs: nodes made before the run that every copy reads (``("input", k)``).
    """

    __slots__ = ("nodes", "period", "reps", "refs", "shared", "inputs", "slots",
                 "const_slot", "op_slot", "carry", "carry_in", "shown", "state")

    def __init__(self, nodes: list[Value], period: int, reps: int) -> None:
        self.nodes = nodes
        self.period = period
        self.reps = reps
        self.refs: list[list[tuple[Any, ...]]] = []
        self.shared: list[Value] = []
        self.inputs: list[Value] = []
        self.slots: list[tuple[str, list[Any]]] = []
        self.const_slot: dict[int, int] = {}
        self.op_slot: dict[int, int] = {}
        self.carry = 0
        self.carry_in: Value | None = None
        self.shown: set[int] = set()
        self.state: dict[str, Any] = {}  # the code generator's notes on this run

    @property
    def roots(self) -> list[Value]:
        """The last node of each copy, in order."""
        p = self.period
        return self.nodes[p - 1 :: p]

    @property
    def template(self) -> list[Value]:
        """The first copy's nodes, in topological order."""
        return self.nodes[: self.period]


def _same_float(a: float, b: float) -> bool:
    return a == b and (a != 0.0 or str(a) == str(b))  # 0.0 and -0.0 differ here


def find_runs(
    order: Sequence[Value], uses: dict[int, int], wrt: set[int], *, min_nodes: int,
    shown: dict[int, int] | None = None,
) -> list[Run]:
    """The runs in ``order`` (a topological order) that cover ``min_nodes`` nodes or more.

    ``uses`` counts, per node id, the edges that read it anywhere in the program (an
    output counts as one more); ``wrt`` holds the ids of the leaves that get gradients,
    which may be shared by copies but never differ between them. ``shown`` counts the
    uses that only read a value out (auxiliary outputs, through which no gradient
    flows): a copy's node may have those, and the loop then keeps it per copy.

    Example:
        >>> from autograd_mini import Value
        >>> from autograd_mini.value import _topological_order
        >>> w, x = Value(0.5), Value(1.0)
        >>> y = x
        >>> for _ in range(100):      # a chain of 100 links y = tanh(y * w)
        ...     y = (y * w).tanh()
        >>> order, _ = _topological_order(y)
        >>> uses = {}
        >>> for node in order:
        ...     for p in node.parents:
        ...         uses[id(p)] = uses.get(id(p), 0) + 1
        >>> uses[id(y)] = 1
        >>> [run] = find_runs(order, uses, {id(w)}, min_nodes=64)
        >>> run.period, run.reps, run.carry, run.shared == [w]   # 8 links to a copy
        (16, 12, 1, True)
    """
    seq = [node for node in order if node._op is not None]
    n = len(seq)
    if n < min_nodes:
        return []
    index = {id(node): i for i, node in enumerate(seq)}
    kinds: dict[tuple[Any, ...], int] = {}
    sigs: list[int] = []
    families: dict[Any, tuple[str, bool]] = {}  # per op: its family, and if its constant may vary

    def ref(i: int, p: Value) -> Any:
        # a near input by its distance; a far one (maybe a different node per copy, made
        # before the run) by what it is, so that copies reading such inputs still match
        j = index[id(p)]
        return i - j if i - j <= _NEAR else sigs[j]

    for i, node in enumerate(seq):
        # a node's signature: its op's family, its constant (or just "c" where it may
        # vary), and per input "L" for a leaf or how many nodes back the input is
        op = node._op
        family = families.get(op)
        if family is None:
            assert op is not None
            family = families[op] = (_FAMILY.get(op.name, op.name), op.name in _CONST_FAMILY)
        const = node._const
        ck = None if const is None else ("c" if family[1] else repr(const))
        a, b = node._a, node._b  # NOTE: _parents and ref inlined: this meets every node
        if b is _NARY:  # a is the tuple of inputs
            key: tuple[Any, ...] = (
                family[0], ck, *["L" if p._op is None else ref(i, p) for p in a])
        else:
            if a._op is None:
                ra: Any = "L"
            else:
                d = i - index[id(a)]
                ra = d if d <= _NEAR else sigs[i - d]
            if b is None:
                key = (family[0], ck, ra)
            else:
                if b._op is None:
                    rb: Any = "L"
                else:
                    d = i - index[id(b)]
                    rb = d if d <= _NEAR else sigs[i - d]
                key = (family[0], ck, ra, rb)
        sigs.append(kinds.setdefault(key, len(kinds)))
    # candidate periods at i: the distances to the next places where the same four
    # signatures follow each other (single signatures repeat all over a random graph)
    grams: dict[tuple[int, ...], int] = {}
    gram = [grams.setdefault(g, len(grams)) for g in zip(sigs, sigs[1:], sigs[2:], sigs[3:])]
    following = [-1] * n  # the next position with the same four signatures
    last: dict[int, int] = {}
    for i in range(len(gram) - 1, -1, -1):
        following[i] = last.get(gram[i], -1)
        last[gram[i]] = i

    runs: list[Run] = []
    budget = _WORK_PER_NODE * n
    reach: dict[int, int] = {}  # period -> where the stretch last scanned for it ends
    i = 0
    while i < n - 1 and budget > 0:
        best: Run | None = None
        j, tries = following[i], 0
        while j != -1 and tries < _TRIES and budget > 0 and (j - i) * 2 <= n - i:
            period = j - i
            far = i + min_nodes - period - 1  # a run this long must match up to here
            if far > i and (far + period >= n or sigs[far] != sigs[far + period]):
                j, tries, budget = following[j], tries + 1, budget - 1
                continue
            # how far sigs[t] == sigs[t + period] holds from i on: known from an earlier
            # position inside the same stretch, or scanned (so each stretch once)
            t = reach.get(period, -1)
            if t <= i:
                limit = n - period
                t = i
                while t < limit and sigs[t] == sigs[t + period]:
                    t += 1
                reach[period] = t
                budget -= t - i + 1
            length = t - i
            reps = length // period + 1
            if reps >= 2 and reps * period >= min_nodes and (
                    best is None or reps * period > len(best.nodes)):
                run = _validate(seq, index, i, period, reps, uses, wrt, min_nodes,
                                shown or {})
                budget -= reps * period
                if run is not None:
                    best = run
                    if 8 * len(run.nodes) >= 7 * (length + period):
                        break  # it covers (nearly) all that repeats from here on
            j, tries = following[j], tries + 1
        if best is not None:
            runs.append(best)
            i = index[id(best.nodes[-1])] + 1
        else:
            i += 1
    return runs


def _validate(
    seq: list[Value], index: dict[int, int], start: int, period: int, reps: int,
    uses: dict[int, int], wrt: set[int], min_nodes: int, shown: dict[int, int],
) -> Run | None:
    """The run of ``reps`` copies of ``seq[start : start + period]``, or None if its
    copies read something other than themselves, shared leaves, nodes made before the
    run, slots and the carry (see the module's docstring)."""
    refs, carry, local_uses = _template_refs(seq, index, start, period)
    if carry and period < _UNROLL and reps >= 2 * -(-_UNROLL // period):
        k = -(-_UNROLL // period)
        return _validate(seq, index, start, period * k, reps // k, uses, wrt, min_nodes,
                         shown)
    if carry:
        carry_in = seq[start - 1]
        if uses.get(id(carry_in), 0) != carry:  # read elsewhere too: start one copy later
            start, reps = start + period, reps - 1
            if uses.get(id(seq[start - 1]), 0) != carry:
                return None
    if reps < 2 or reps * period < min_nodes:
        return None
    nodes = seq[start : start + reps * period]
    run = Run(nodes, period, reps)
    run.carry = carry
    run.carry_in = seq[start - 1] if carry else None
    # every node but a copy's last is read only inside its copy; a chain's copies but
    # the last are read only by the next copy
    for k in range(reps):
        base = k * period
        for o in range(period - 1):
            key = id(nodes[base + o])
            extra = uses.get(key, 0) - local_uses[o]
            if extra:
                if extra != shown.get(key, 0):
                    return None
                run.shown.add(o)
        if carry and k < reps - 1:
            key = id(nodes[base + period - 1])
            extra = uses.get(key, 0) - carry
            if extra:
                if extra != shown.get(key, 0):
                    return None
                run.shown.add(period - 1)
    shared_at: dict[int, int] = {}
    for o, node in enumerate(nodes[:period]):
        row = refs[o]
        copies = [nodes[k * period + o] for k in range(reps)]
        ops = {c._op for c in copies}
        if len(ops) > 1:
            run.op_slot[o] = len(run.slots)
            run.slots.append(("op", [c._op for c in copies]))
        const = node._const
        if const is not None and not all(_same_float(c._const, const) for c in copies):
            if node._op is None or node._op.name not in _CONST_FAMILY:
                return None
            run.const_slot[o] = len(run.slots)
            run.slots.append(("const", [c._const for c in copies]))
        for q, ref in enumerate(row):
            if ref[0] != "leaf":
                continue
            leaves = [_parents(c)[q] for c in copies]
            first = leaves[0]
            if all(leaf is first for leaf in leaves):
                if id(first) not in shared_at:
                    shared_at[id(first)] = len(run.shared)
                    run.shared.append(first)
                row[q] = ("shared", shared_at[id(first)])
            else:
                if any(id(leaf) in wrt for leaf in leaves):
                    return None  # a differentiated leaf that differs between copies
                row[q] = ("slot", len(run.slots))
                run.slots.append(("leaf", leaves))
    if not _same_shape(seq, index, start, period, reps, refs):
        return None
    inputs_at: dict[int, int] = {}
    for o in range(period):
        row = refs[o]
        for q, ref in enumerate(row):
            if ref[0] != "input":
                continue
            ins = [_parents(nodes[k * period + o])[q] for k in range(reps)]
            first = ins[0]
            if all(p is first for p in ins):  # one node every copy reads: shared
                if id(first) not in inputs_at:
                    inputs_at[id(first)] = len(run.inputs)
                    run.inputs.append(first)
                row[q] = ("input", inputs_at[id(first)])
            else:  # one node per copy, read by this input of that copy and nothing else
                if any(uses.get(id(p), 0) != 1 for p in ins):
                    return None
                row[q] = ("slot", len(run.slots))
                run.slots.append(("node", ins))
    run.refs = refs
    return run


def _template_refs(
    seq: list[Value], index: dict[int, int], start: int, period: int
) -> tuple[list[list[tuple[Any, ...]]], int, list[int]]:
    """Per template node, what each input reads (see ``Run.refs``; leaves are marked
    ``("leaf",)`` and inputs made before the copy ``("input",)`` until the copies are
    compared), the carry count and, per offset, how many inputs of the template read it."""
    refs: list[list[tuple[Any, ...]]] = []
    carry = 0
    local_uses = [0] * period
    for o in range(period):
        node = seq[start + o]
        row: list[tuple[Any, ...]] = []
        for q, p in enumerate(_parents(node)):
            if p._op is None:
                row.append(("leaf",))
                continue
            d = start + o - index[id(p)]
            if d <= o:
                row.append(("local", o - d))
                local_uses[o - d] += 1
            elif d == o + 1 and _parents(seq[start + period + o])[q] is seq[start + period - 1]:
                row.append(("carry",))  # the second copy reads the first copy's last node
                carry += 1
            else:  # made before the run (the node just before it, too, if not a carry)
                row.append(("input",))
        refs.append(row)
    return refs, carry, local_uses


def _same_shape(seq: list[Value], index: dict[int, int], start: int, period: int,
                reps: int, refs: list[list[tuple[Any, ...]]]) -> bool:
    """Whether every copy's inputs are of the template's kinds, at its distances (the
    signatures tell far inputs apart only by what they are), and its inputs made
    before the copy are made before the run."""
    for k in range(reps):
        base = start + k * period
        for o in range(period):
            i = base + o
            for ref, p in zip(refs[o], _parents(seq[i])):
                tag = ref[0]
                if tag == "leaf" or tag == "shared" or tag == "slot":
                    if p._op is not None:
                        return False
                    continue
                if p._op is None:
                    return False
                j = index[id(p)]
                if tag == "local":
                    if j != base + ref[1]:
                        return False
                elif tag == "carry":
                    if j != base - 1:
                        return False
                elif j >= start:  # an input: made before the run
                    return False
    return True
