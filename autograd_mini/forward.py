"""Forward mode: push tangents through a recorded graph with the op table's partials.

Reverse mode multiplies a node's gradient into each of its partials; forward mode sums
partial x parent tangent, in topological order:

    tangent(node) = sum_i  partials(node)[i] * tangent(parent_i)

Both read the same :data:`~autograd_mini.ops.OPS` entries, so a new op needs nothing
here. The public entry point is :func:`autograd_mini.functional.jvp`; this module holds
the sweep it runs once ``f`` has been evaluated (recording) on boxed arguments.

Cost: one recording forward of ``f`` (the graph is dropped afterwards), then one sweep
over the nodes that depend on a seeded argument, each calling its op's ``partials``
once: about the cost of one backward pass (on the loss of a 337-parameter MLP, ``jvp``
takes about 1.2x a forward and backward pass). It is not a one-pass, graph-free
forward mode: a dual number that carries its tangent through every op would need the
engine's ops to know of it, which would slow them. Nothing writes ``.grad``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .ops import OPS
from .value import _NARY, Value, _grad_mode, _record, _walk

__all__ = ["push_tangents", "topological_order"]

_SUM = OPS["sum"]


def topological_order(roots: Sequence[Value]) -> list[Value]:
    """The nodes of the graphs of ``roots``, each after its parents, each once.

    Example:
        >>> x = Value(2.0)
        >>> y = x * x
        >>> [v.data for v in topological_order([y, x + 1])]
        [2.0, 3.0, 4.0]
    """
    if len(roots) == 1:
        return _walk(roots[0])[0]
    # NOTE: one walk from a node joining the roots (made without running any forward,
    # never part of a result) is the engine's fast walk instead of one per root.
    with _grad_mode(True):
        join = _record(_SUM, 0.0, tuple(roots), _NARY, None)
    return _walk(join)[0][:-1]


def push_tangents(
    roots: Sequence[Value], seeds: Iterable[tuple[Value, Any]], *, differentiable: bool
) -> list[Any]:
    """The tangent of each root, given the tangents of some nodes of its graph.

    Args:
        roots: the outputs.
        seeds: ``(node, tangent)`` pairs; a seeded node's tangent is its seed (its own
            parents are not looked at), every unseeded leaf's tangent is 0.
        differentiable: evaluate the partials on the graph's ``Value`` nodes, so that
            the tangents are ``Value``s that can be differentiated again; else on floats.

    Returns:
        One tangent per root: a float, or (``differentiable``) a ``Value`` or 0.0.

    Example:
        >>> x = Value(3.0)
        >>> y = x * x + x
        >>> push_tangents([y], [(x, 1.0)], differentiable=False)
        [7.0]
    """
    tangent: dict[int, Any] = {id(node): t for node, t in seeds}
    get = tangent.get
    for node in topological_order(roots):
        op = node._op
        if op is None or id(node) in tangent:  # a leaf, or a seed
            continue
        b = node._b
        parents = (node._a,) if b is None else node._a if b is _NARY else (node._a, b)
        ts = [get(id(p)) for p in parents]
        if ts.count(None) == len(ts):
            continue  # does not depend on any seed
        c = node._const
        if differentiable:
            ds = op.partials(node, *parents) if c is None else op.partials(node, *parents, c)
        else:
            datas = [p.data for p in parents]
            ds = op.partials(node.data, *datas) if c is None else op.partials(node.data, *datas, c)
        acc: Any = None
        for d, t in zip(ds, ts):
            if t is None or (type(t) is float and t == 0.0):
                continue
            term = d * t
            acc = term if acc is None else acc + term
        tangent[id(node)] = 0.0 if acc is None else acc
    return [get(id(r), 0.0) for r in roots]
