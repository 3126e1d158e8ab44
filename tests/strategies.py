"""Hypothesis strategies: each op's domain, and random expression graphs.

``DOMAINS`` maps every op in the op table to a strategy of ``(inputs, const)``: the
op's graph inputs as floats, and its constant parameter (or None). Points are kept a
little away from kinks and domain edges, where finite differences cannot be trusted;
those points get explicit tests of their own. ``CALLS`` maps every op to the public
spelling a user writes (an operator or a method), so the tests go through the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import Value


def reals(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Finite floats in [lo, hi]."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def away_from_zero(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Floats with lo <= |x| <= hi, either sign."""
    return st.tuples(reals(lo, hi), st.booleans()).map(lambda t: -t[0] if t[1] else t[0])


def _args(*parts: st.SearchStrategy[float], const: st.SearchStrategy[Any] | None = None) -> Any:
    const_s: st.SearchStrategy[Any] = st.none() if const is None else const
    return st.tuples(st.tuples(*parts).map(list), const_s)


def _nary(with_bias: bool) -> Any:
    def build(n: int) -> Any:
        extra = 1 if with_bias else 0
        return st.lists(reals(-5, 5), min_size=2 * n + extra, max_size=2 * n + extra)

    # an empty dot without a bias is a plain 0.0 leaf, not a dot node
    return st.integers(0 if with_bias else 1, 6).flatmap(build).map(lambda xs: (xs, None))


DOMAINS: dict[str, Any] = {
    "add": _args(reals(-100, 100), reals(-100, 100)),
    "sub": _args(reals(-100, 100), reals(-100, 100)),
    "mul": _args(reals(-100, 100), reals(-100, 100)),
    "div": _args(reals(-100, 100), away_from_zero(0.1, 100)),
    "add_const": _args(reals(-100, 100), const=reals(-100, 100)),
    "sub_const": _args(reals(-100, 100), const=reals(-100, 100)),
    "rsub_const": _args(reals(-100, 100), const=reals(-100, 100)),
    "mul_const": _args(reals(-100, 100), const=reals(-100, 100)),
    "div_const": _args(reals(-100, 100), const=away_from_zero(0.1, 100)),
    "rdiv_const": _args(away_from_zero(0.1, 100), const=reals(-100, 100)),
    "neg": _args(reals(-100, 100)),
    "pos": _args(reals(-100, 100)),
    "pow": _args(reals(0.1, 5), reals(-3, 3)),
    "pow_const": _args(reals(0.1, 5), const=reals(-3, 3)),
    "rpow_const": _args(reals(-3, 3), const=reals(0.1, 5)),
    "abs": _args(away_from_zero(1e-3, 100)),
    "exp": _args(reals(-30, 30)),
    "log": _args(reals(0.05, 1e3)),
    "sqrt": _args(reals(0.05, 1e3)),
    "tanh": _args(reals(-8, 8)),
    "sigmoid": _args(reals(-30, 30)),
    "relu": _args(away_from_zero(1e-3, 100)),
    "leaky_relu": _args(away_from_zero(1e-3, 100), const=reals(0, 1)),
    "softplus": _args(reals(-30, 30)),
    "sin": _args(reals(-10, 10)),
    "cos": _args(reals(-10, 10)),
    "dot": st.one_of(_nary(True), _nary(False)),
    "sum": st.lists(reals(-100, 100), min_size=1, max_size=8).map(lambda xs: (xs, None)),
}


def _dot_call(*v: Any) -> Value:
    n = len(v) // 2
    return am.dot(v[:n], v[n : 2 * n], v[2 * n] if len(v) % 2 else None)


CALLS: dict[str, Callable[..., Value]] = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "add_const": lambda x, c: x + c,
    "sub_const": lambda x, c: x - c,
    "rsub_const": lambda x, c: c - x,
    "mul_const": lambda x, c: x * c,
    "div_const": lambda x, c: x / c,
    "rdiv_const": lambda x, c: c / x,
    "neg": lambda x: -x,
    "pos": lambda x: +x,
    "pow": lambda x, y: x**y,
    "pow_const": lambda x, c: x**c,
    "rpow_const": lambda y, c: c**y,
    "abs": lambda x: abs(x),
    "exp": lambda x: x.exp(),
    "log": lambda x: x.log(),
    "sqrt": lambda x: x.sqrt(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "leaky_relu": lambda x, a: x.leaky_relu(a),
    "softplus": lambda x: x.softplus(),
    "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(),
    "dot": _dot_call,
    "sum": lambda *xs: am.sum(xs),
}


def call(name: str, inputs: list[Any], const: Any) -> Value:
    """Apply op ``name`` through the public API to ``inputs`` (and its constant)."""
    return CALLS[name](*inputs) if const is None else CALLS[name](*inputs, const)


# --- random expression DAGs --------------------------------------------------------------
# Each step is (kind, i, j): apply op ``kind`` to earlier nodes i and j (taken modulo the
# number of nodes so far). Every op is guarded so that any input stays in its domain and
# away from kinks, so the whole graph is smooth where it is evaluated.
def _guarded(kind: int, a: Value, b: Value, near_kink: bool) -> Value:
    if kind == 0:
        return a + b
    if kind == 1:
        return a - b
    if kind == 2:
        return a * b
    if kind == 3:
        return a / (1 + b * b)
    if kind == 4:
        return (1 + a * a) ** b.tanh()
    if kind == 5:
        return (1 + a * a).log()
    if kind == 6:
        return (a * a + 0.5).sqrt()
    if kind == 7:
        return a.tanh() + b.sigmoid()
    if kind == 8:
        return a.sin() * b.cos()
    if kind == 9:
        return a.softplus() - a.tanh().exp()
    if kind == 10:
        return (a * b) ** 2
    if kind == 11:
        return -a + +b
    if kind == 12:
        return am.dot([a, b, a], [b, 2.0, 0.5], a)
    if kind == 13:
        return am.sum([a, b, b, 1.0])
    # kinks: only where the input is clearly away from them
    if near_kink:
        return a * 2.0
    return abs(a) if kind == 14 else a.relu() if kind == 15 else a.leaky_relu(0.2)


N_KINDS = 17


def dag_function(
    steps: list[tuple[int, int, int]],
) -> Callable[..., Value]:
    """A function of the leaves that builds a random expression graph; nodes are reused.

    Its two data-dependent choices (skip a kink that is too close, squash a large value)
    are made on the first call and replayed on later calls, so that the function is
    one smooth expression around the first point, as finite differences need.
    """
    choices: list[bool] = []

    def f(*leaves: Value) -> Value:
        first = not choices
        nodes: list[Value] = list(leaves)
        k = 0
        for kind, i, j in steps:
            a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
            if first:
                choices.append(abs(a.data) < 1e-2)
            node = _guarded(kind, a, b, choices[k])
            if first:
                choices.append(abs(node.data) > 10.0)
            if choices[k + 1]:  # keep magnitudes moderate for finite differences
                node = node.tanh() * 10.0
            k += 2
            nodes.append(node)
        return nodes[-1] if steps else leaves[0] * 1.0

    return f


dag_steps = st.lists(
    st.tuples(st.integers(0, N_KINDS - 1), st.integers(0, 10**6), st.integers(0, 10**6)),
    min_size=1,
    max_size=25,
)
dag_leaves = st.lists(reals(-2, 2), min_size=1, max_size=4)
