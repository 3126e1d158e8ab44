"""Forward mode: push tangents through a recorded graph with the op table's partials.

Reverse mode multiplies a node's gradient into each of its partials; forward mode sums
partial x parent tangent, in topological order:

    tangent(node) = sum_i  partials(node)[i] * tangent(parent_i)

Both read the same :data:`~autograd_mini.ops.OPS` entries, so a new op needs nothing
here. The public entry point is :func:`autograd_mini.functional.jvp`; this module holds
the sweep it runs once ``f`` has been evaluated (recording) on boxed arguments.

Cost: one recording forward of ``f`` (the graph is dropped afterwards), then one sweep
over the nodes that depend on a seeded argument, each calling its op's ``partials``
once: about the cost of one backward pass. Nothing writes ``.grad``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .value import Value, _parents, _walk

__all__ = ["push_tangents", "topological_order"]


def topological_order(roots: Sequence[Value]) -> list[Value]:
    """The nodes of the graphs of ``roots``, each after its parents, each once.

    Example:
        >>> x = Value(2.0)
        >>> y = x * x
        >>> [v.data for v in topological_order([y, x + 1])]
        [2.0, 4.0, 3.0]
    """
    if len(roots) == 1:
        return _walk(roots[0])[0]
    seen: set[int] = set()
    order: list[Value] = []
    for root in roots:
        stack: list[tuple[Value, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in _parents(node) if id(p) not in seen)
    return order


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
    seeded = set(tangent)
    for node in topological_order(roots):
        key = id(node)
        op = node._op
        if key in seeded or op is None:
            continue
        parents = _parents(node)
        ts = [tangent.get(id(p)) for p in parents]
        if all(t is None for t in ts):
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
        tangent[key] = 0.0 if acc is None else acc
    return [tangent.get(id(r), 0.0) for r in roots]
