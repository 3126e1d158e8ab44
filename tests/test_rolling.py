"""Compiled mode's loops: repeated structure written once, results equal to the bit.

A graph made of copies of one piece (a sample's forward pass, a chain's link) compiles
to a ``for`` loop over the copies (see ``autograd_mini.rolling``). These tests build
such graphs at random and check that the loop computes exactly what the eager engine
and the straight-line code compute, whatever the copies share, vary in or skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import Value, compiler, datasets, losses, nn
from autograd_mini.compiler import trace_program
from tests.strategies import N_KINDS, _guarded, reals


@contextmanager
def threshold(nodes: int) -> Iterator[None]:
    """Roll the runs of ``nodes`` nodes or more (the default leaves small graphs alone)."""
    saved = compiler.ROLL_MIN_NODES
    compiler.ROLL_MIN_NODES = nodes
    try:
        yield
    finally:
        compiler.ROLL_MIN_NODES = saved


@pytest.fixture
def loops() -> Iterator[None]:
    with threshold(8):
        yield


def eager(f: Any, args: list[float]) -> Any:
    try:
        return am.value_and_grad(f, argnums=tuple(range(len(args))))(*args)
    except (OverflowError, ZeroDivisionError, ValueError) as e:
        return type(e)


def compiled_result(compiled: Any, args: list[float]) -> Any:
    try:
        return compiled(*args)
    except (OverflowError, ZeroDivisionError, ValueError) as e:
        return type(e)


def straight(f: Any, args: list[float]) -> Any:
    with threshold(10**9):
        return compiled_result(am.compile(f), args)


def piece(steps: list[tuple[int, int, int]], shared: list[Value], datum: float,
          flip: bool, carry: Value | None) -> Value:
    """One copy: random ops over the shared leaves, this copy's datum and the carry; the
    last op is ``1 - s`` or ``1 + s`` by ``flip`` (as hinge does with a label's sign).

    Every node of a copy reads the carry (through ``mixed``): the engine's depth-first
    order then keeps each copy of a chain together, which is what a loop needs. (A part
    of a link that does not read the carry is ordered before the chain: see
    ``test_a_link_partly_apart_from_the_chain_stays_correct``.)
    """
    mixed = shared[0] * datum + (carry if carry is not None else shared[-1])
    nodes = [mixed, *[mixed * w for w in shared]]
    for kind, i, j in steps:
        nodes.append(_guarded(kind, nodes[i % len(nodes)], nodes[j % len(nodes)], False))
    s = (nodes[-1] + mixed).tanh()
    return (1.0 - s) if flip else (1.0 + s)


steps_strategy = st.lists(
    st.tuples(st.integers(0, N_KINDS - 1), st.integers(0, 10**6), st.integers(0, 10**6)),
    min_size=1, max_size=8)
copies_strategy = st.lists(st.tuples(reals(-2, 2), st.booleans()), min_size=6, max_size=14)


@settings(max_examples=80)
@given(steps=steps_strategy, copies=copies_strategy, reduce=st.sampled_from(["sum", "chain"]),
       args=st.lists(reals(-1.5, 1.5), min_size=2, max_size=3), shift=reals(-0.1, 0.1))
def test_copies_of_a_random_piece_loop_to_the_eager_result(
    steps: list[tuple[int, int, int]], copies: list[tuple[float, bool]],
    reduce: str, args: list[float], shift: float,
) -> None:
    """Independent copies summed (``am.sum``, or builtin ``sum``'s chain of adds) and
    chains of copies: the loop equals eager and the straight-line code, at two points."""

    def f(*ws: Value) -> Value:
        shared = list(ws)
        if reduce == "chain":
            y = ws[0]
            for datum, flip in copies:
                y = piece(steps, shared, datum, flip, y)
            return y
        return am.sum([piece(steps, shared, d, flip, None) for d, flip in copies])

    with threshold(8):
        compiled = am.compile(f)
        compiled_result(compiled, args)  # traced here
    for point in (args, [a + shift for a in args]):
        want = eager(f, point)
        assert compiled_result(compiled, point) == want
        assert straight(f, point) == want
    assert "for " in compiled.source


@settings(max_examples=40)
@given(steps=steps_strategy, copies=copies_strategy,
       args=st.lists(reals(-1.5, 1.5), min_size=2, max_size=3))
def test_micrograd_style_sums_and_kept_outputs_loop_to_the_eager_result(
    steps: list[tuple[int, int, int]], copies: list[tuple[float, bool]],
    args: list[float],
) -> None:
    """Copies added up by builtin ``sum`` (a chain of adds over them, as micrograd's demo
    writes its loss), with some copies' inner nodes returned as auxiliary outputs."""

    def f(*ws: Value) -> tuple[Value, list[Value]]:
        shared = list(ws)
        parts = [piece(steps, shared, d, flip, None) for d, flip in copies]
        kept = [p._a for p in parts[:2] if isinstance(p._a, Value)]  # 1 -/+ s: the s
        return sum(parts) * (1.0 / len(parts)), kept

    with threshold(8):
        compiled = am.compile(f, has_aux=True)
        got = compiled_result(compiled, args)
    want = eager_with_aux(f, args)
    assert got == want
    assert "for " in compiled.source


def eager_with_aux(f: Any, args: list[float]) -> Any:
    try:
        leaves = [Value(a) for a in args]
        out, aux = f(*leaves)
        out.backward()
        return (out.data, tuple(a.data for a in aux)), tuple(v.grad for v in leaves)
    except (OverflowError, ZeroDivisionError, ValueError) as e:
        return type(e)


def _step(model: nn.MLP, X: Any, y: Any) -> Any:
    params = model.parameters()

    def run() -> tuple[Value, list[Any]]:
        scores = [model(x) for x in X]
        return losses.hinge(scores, y) + 1e-4 * losses.l2(params), scores[:2]

    return run, params


def test_an_mlp_training_step_is_one_loop_over_its_samples() -> None:
    """micrograd's demo step (hinge + L2) over 60 samples: one copy per sample, with the
    label's sign as a per-copy op; equal to eager, with a twentieth of the lines."""
    X, y = datasets.make_moons(60, noise=0.1, seed=3)
    model = nn.MLP(2, [8, 8, 1], seed=1)
    run, params = _step(model, X, y)
    rolled = trace_program(run, params, list(range(len(params))))
    with threshold(10**9):
        flat = trace_program(run, params, list(range(len(params))))
    values = [p.data for p in params]
    got = rolled.fn(*values)
    assert got == flat.fn(*values)
    loss, scores = run()
    loss.backward()
    assert got[0] == (loss.data, tuple(s.data for s in scores))
    assert list(got[1]) == [p.grad for p in params]
    assert rolled.source.count("\n") * 20 < flat.source.count("\n")
    assert rolled.source.count("for ") == 2  # the forward loop and the backward loop


def test_a_dead_relu_chain_loops_to_the_engines_zeros(loops: None) -> None:
    """A chain of relu links cut off at its end: every copy's seed is 0.0 and skipped."""

    def f(x: Value, w: Value) -> Value:
        for _ in range(50):
            x = (x * w + 0.5).relu()
        return (x - 100.0).relu() + x * 0.0

    compiled = am.compile(f)
    for point in ([0.3, 0.9], [-1.0, 0.4], [2.0, -3.0]):
        assert compiled(*point) == eager(f, point)
    assert "for " in compiled.source


def test_a_chain_read_before_it_starts_begins_one_copy_later(loops: None) -> None:
    """When the chain's first input is used elsewhere too, its gradient is not just the
    loop's: the loop starts one copy later, and the results stay the engine's."""

    def f(x: Value, w: Value) -> Value:
        start = x * w
        y = start
        for _ in range(40):
            y = (y * w).tanh() + 0.1
        return y * start

    compiled = am.compile(f)
    for point in ([0.3, 0.9], [-1.1, 1.4]):
        assert compiled(*point) == eager(f, point)
    assert "for " in compiled.source


def test_copies_differing_in_a_differentiated_leaf_stay_straight_line(loops: None) -> None:
    """Copies reading different arguments (which get gradients) cannot share a body."""

    def f(*xs: Value) -> Value:
        return am.sum([(x * 2.0 + 1.0).tanh() for x in xs])

    args = [0.1 * k - 1.0 for k in range(20)]
    compiled = am.compile(f)
    assert compiled(*args) == eager(f, args)
    assert "for " not in compiled.source


def test_a_copy_read_from_outside_stays_straight_line(loops: None) -> None:
    """A node inside a copy that something outside it reads: the copies are not private."""

    def f(x: Value) -> Value:
        inner = [(x * float(k)).tanh() for k in range(20)]
        outs = [(t * 3.0).sin() for t in inner]
        return am.sum(outs) * inner[5]

    compiled = am.compile(f)
    for point in ([0.3], [-0.8]):
        assert compiled(*point) == eager(f, point)


def test_a_run_under_an_outer_relu_loops_under_its_guard(loops: None) -> None:
    """The whole loop sits under the relu its result feeds: off, every gradient is 0."""

    def f(x: Value, w: Value) -> Value:
        total = am.sum([(x * float(k) + w).tanh() * w for k in range(30)])
        return (total - 1.0).relu()

    compiled = am.compile(f)
    for point in ([0.5, 0.9], [-0.5, 0.1], [0.01, -2.0]):
        assert compiled(*point) == eager(f, point)
    assert "for " in compiled.source


def test_long_chains_compile_in_loops_of_bounded_size() -> None:
    """At the default threshold a 40,000-node chain is one loop: its code does not grow
    with the chain's length (beyond the few links left over after the last whole copy),
    and it equals eager."""
    sizes = []
    for n in (10_000, 40_000):
        def f(x: Value, n: int = n) -> Value:
            for _ in range(n // 4):
                x = (x * x + 1.0).relu() * 0.5
            return x

        compiled = am.compile(f, max_nodes=10 * n)
        assert compiled(0.5) == eager(f, [0.5])
        sizes.append(compiled.source.count("\n"))
    assert sizes[1] < 1.5 * sizes[0] < 200


def test_a_link_partly_apart_from_the_chain_loops_over_its_inputs(loops: None) -> None:
    """An RNN-like link, ``h = tanh(w * h + u * x_t)``: the ``u * x_t`` parts do not read
    the chain, so the engine orders them all before it. The chain's loop reads them per
    link and hands each its gradient in a list, as the engine would, to the bit."""

    def f(h: Value, w: Value, u: Value) -> Value:
        for t in range(40):
            h = (w * h + u * (0.1 * t - 2.0)).tanh()
        return h

    compiled = am.compile(f)
    for point in ([0.3, 0.9, -0.4], [-1.1, 1.4, 0.2]):
        assert compiled(*point) == eager(f, point)
    assert compiled.source.count("for ") == 4  # u * x_t's loop and the chain's, twice
    assert compiled.source.count("\n") < 150  # 200 nodes


@settings(max_examples=60)
@given(steps=steps_strategy, copies=copies_strategy,
       args=st.lists(reals(-1.5, 1.5), min_size=2, max_size=3))
def test_chains_whose_links_read_parts_made_apart_loop_to_the_eager_result(
    steps: list[tuple[int, int, int]], copies: list[tuple[float, bool]], args: list[float],
) -> None:
    """Links that also read a part of their own that does not depend on the chain (made,
    in the engine's order, before the whole chain), and a node all links read."""

    def f(*ws: Value) -> Value:
        common = (ws[-1] * 0.7).sin()  # made once, read by every link
        y = ws[0]
        for datum, flip in copies:
            apart = piece(steps, list(ws), datum, flip, None)  # does not read y
            y = (y * ws[0] + apart * common).tanh()
        return y

    with threshold(8):
        compiled = am.compile(f)
        got = compiled_result(compiled, args)
    assert got == eager(f, args)
    assert got == straight(f, args)
    assert "for " in compiled.source


def test_copies_reading_arguments_that_get_no_gradient_loop_over_them(loops: None) -> None:
    """Data passed as arguments (not differentiated: argnums leaves them out) differs
    between copies: the loop reads them from a column built at run time."""

    def f(w: Value, b: Value, *xs: Value) -> Value:
        return am.sum([((x * w + b).relu() - x * 0.5) ** 2 for x in xs])

    xs = [0.1 * k - 1.2 for k in range(24)]
    compiled = am.compile(f, argnums=(0, 1))
    for w, b in ((0.7, -0.1), (-1.3, 0.4)):
        got = compiled(w, b, *xs)
        want = am.value_and_grad(f, argnums=(0, 1))(w, b, *xs)
        assert got == want
    assert "for " in compiled.source
    moved = [x + 0.05 for x in xs]  # new data through the same code
    assert compiled(0.7, -0.1, *moved) == am.value_and_grad(f, argnums=(0, 1))(0.7, -0.1, *moved)


def test_copies_reading_outside_values_read_them_afresh(loops: None) -> None:
    """Values from outside f (a model's parameters here) are read on every call, in a
    loop as in straight-line code, shared by the copies or one per copy."""
    scale = Value(0.5)
    offsets = [Value(0.1 * k) for k in range(20)]

    def f(x: Value) -> Value:
        return am.sum([(x * scale + o).tanh() * (x - o) for o in offsets])

    compiled = am.compile(f)
    assert compiled(0.3) == eager(f, [0.3])
    assert "for " in compiled.source
    scale.data = -0.9
    offsets[3].data = 2.0
    assert compiled(0.3) == eager(f, [0.3])


@pytest.mark.parametrize("kind", ["pow", "leaky", "dot", "sum", "abs", "div"])
def test_every_kind_of_node_inside_a_copy_loops_to_the_eager_result(
    loops: None, kind: str
) -> None:
    """Constants that may not vary (an exponent, a slope) keep copies apart when they do;
    n-ary nodes and table-called partials work inside a loop body."""

    def link(x: Value, w: Value, k: int) -> Value:
        if kind == "pow":
            return (x * w) ** (2.0 + k % 2)  # the exponent differs: copies must differ
        if kind == "leaky":
            return (x * w - 0.3).leaky_relu(0.1)
        if kind == "dot":
            return am.dot([x, w, x], [w, 0.5 * k, 1.5], w).tanh()
        if kind == "sum":
            return am.sum([x, w * x, float(k)]).sin()
        if kind == "abs":
            return abs(x * w - 0.2 * k)
        return x / (1.0 + w * w + k)

    def f(x: Value, w: Value) -> Value:
        return am.sum([link(x, w, k) for k in range(16)])

    compiled = am.compile(f)
    for point in ([0.4, 0.9], [-1.2, 0.3]):
        assert compiled(*point) == eager(f, point)


@settings(max_examples=30)
@given(steps=steps_strategy, copies=copies_strategy,
       reduce=st.sampled_from(["sum", "chain", "apart"]),
       size=st.integers(1, 12), args=st.lists(reals(-1.5, 1.5), min_size=2, max_size=3))
def test_loops_in_programs_cut_into_pieces_give_the_eager_result(
    steps: list[tuple[int, int, int]], copies: list[tuple[float, bool]], reduce: str,
    size: int, args: list[float],
) -> None:
    """A program cut into pieces of a few lines (see ``compiler._in_pieces``), with its
    loops inside: the tape, the results and the gradients pass from piece to piece."""

    def f(*ws: Value) -> Value:
        shared = list(ws)
        if reduce == "chain":
            y = ws[0] * 0.5
            for datum, flip in copies:
                y = piece(steps, shared, datum, flip, y)
            return (y * y).tanh()
        if reduce == "apart":  # links reading parts made before the chain: gradient lists
            y = ws[0] * 0.5
            for datum, flip in copies:
                y = (y * ws[-1] + piece(steps, shared, datum, flip, None)).tanh()
            return y
        parts = [piece(steps, shared, d, flip, None) for d, flip in copies]
        return am.sum(parts) * parts[0].sin()

    saved = compiler._PIECE_LINES
    compiler._PIECE_LINES = size
    try:
        with threshold(8):
            compiled = am.compile(f)
            got = compiled_result(compiled, args)
    finally:
        compiler._PIECE_LINES = saved
    assert got == eager(f, args)
    assert "for " in compiled.source
