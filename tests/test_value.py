"""The Value contract: construction, operators, errors, backward semantics, no_grad."""

from __future__ import annotations

import asyncio
import math
import re
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import Value, no_grad
from tests.strategies import dag_function, dag_leaves, dag_steps, reals


# --- construction --------------------------------------------------------------------
def test_fields_of_a_new_leaf() -> None:
    """A new Value stores a float, a 0.0 grad, its label, no op and no parents."""
    v = Value(3, label="x")
    assert v.data == 3.0 and type(v.data) is float
    assert v.grad == 0.0 and v.label == "x" and v.op == "" and v.parents == ()
    assert float(v) == 3.0
    assert repr(v) == "Value(data=3.0, grad=0.0, label='x')"
    assert f"{v:.2f}" == "3.00"


def test_values_use_slots() -> None:
    """Value has no per-instance __dict__ (memory per node stays small)."""
    assert not hasattr(Value(1.0), "__dict__")


@pytest.mark.parametrize(
    ("bad", "shown"),
    [("2", "'2', a str"), (None, "None, a NoneType"), (1j, "1j, a complex"),
     ([1.0], "[1.0], a list"), (True, "True, a bool")],
)
def test_bad_data_raises_type_error_naming_it(bad: Any, shown: str) -> None:
    """Anything but an int or float is refused with a TypeError naming what arrived."""
    message = f"Value: expected an int, float or Value (got {shown})"
    with pytest.raises(TypeError, match=re.escape(message)):
        Value(bad)


def test_value_of_a_value_is_refused() -> None:
    """Value(Value(...)) is a TypeError (use the Value itself)."""
    with pytest.raises(TypeError, match="got Value\\(data=1.0"):
        Value(Value(1.0))  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_data_is_refused(bad: float) -> None:
    """NaN and infinities never enter a graph."""
    with pytest.raises(ValueError, match="must be finite"):
        Value(bad)


def test_label_must_be_a_string() -> None:
    """A non-str label is a TypeError."""
    with pytest.raises(TypeError, match="label must be a str"):
        Value(1.0, label=3)  # type: ignore[arg-type]


# --- operators with numbers on either side -------------------------------------------------
@given(x=reals(-50, 50), y=reals(0.5, 50))
def test_operators_mix_values_and_numbers(x: float, y: float) -> None:
    """Every operator accepts a Value or a plain number on either side."""
    v, w = Value(x), Value(y)
    for expr, expected in [
        (v + y, x + y), (y + v, y + x), (v - y, x - y), (y - v, y - x),
        (v * y, x * y), (y * v, y * x), (v / y, x / y), (y / w, 1.0),
        (w**2, y**2), (w**v, y**x), (2.0**v, 2.0**x), (-v, -x), (+v, x), (abs(v), abs(x)),
    ]:
        assert expr.data == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_number_to_the_power_of_a_value_sends_gradient_to_the_exponent() -> None:
    """d(2**x)/dx = 2**x log 2, and Value**Value gets both partials."""
    x = Value(3.0)
    (2**x).backward()
    assert x.grad == pytest.approx(8 * math.log(2))
    a, b = Value(2.0), Value(3.0)
    (a**b).backward()
    assert a.grad == pytest.approx(12.0) and b.grad == pytest.approx(8 * math.log(2))


def test_comparisons_look_at_data() -> None:
    """<, <=, >, >= compare the data with Values or numbers and record nothing."""
    a, b = Value(1.0), Value(2.0)
    assert a < b and a <= 1 and b > a and b >= 2.0 and not a > 1


def test_bad_operand_names_the_op_and_the_value() -> None:
    """An operand that is not a number is a TypeError naming the op and the operand."""
    message = "add: expected an int, float or Value (got '2', a str)"
    with pytest.raises(TypeError, match=re.escape(message)):
        Value(1.0) + "2"  # type: ignore[operator]
    with pytest.raises(TypeError, match="pow: exponent must be int, float or Value \\(got '2'"):
        Value(1.0) ** "2"  # type: ignore[operator]
    with pytest.raises(TypeError, match="mul"):
        [1] * Value(2.0)  # type: ignore[operator]


# --- domain errors ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expr", "error", "message"),
    [
        (lambda: Value(0.0).log(), ValueError, r"log: argument must be > 0 \(got 0.0\)"),
        (lambda: Value(-2.0).log(), ValueError, r"log: argument must be > 0 \(got -2.0\)"),
        (lambda: Value(-1.0).sqrt(), ValueError, r"sqrt: argument must be >= 0 \(got -1.0\)"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, r"div_const: division by zero \(1.0 / 0.0\)"),
        (lambda: 1 / Value(0.0), ZeroDivisionError, r"rdiv_const: division by zero \(1.0 / 0.0\)"),
        (lambda: Value(1.0) / Value(0.0), ZeroDivisionError, r"div: division by zero \(1.0 / 0"),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, r"pow_const: 0.0 cannot be raised to a neg"),
        (lambda: Value(-8.0) ** (1 / 3), ValueError, r"pow_const: a negative base \(-8.0\) with"),
        (lambda: Value(1000.0).exp(), OverflowError, r"exp: the result overflows a float"),
        (lambda: Value(1e200) * 1e200, OverflowError, r"mul_const: the result overflows a float"),
        (lambda: Value(1e200) * Value(1e200), OverflowError, r"mul: the result overflows a"),
        (lambda: Value(1e308) + 1e308, OverflowError, r"add_const: the result overflows"),
        (lambda: 1e308 - Value(-1e308), OverflowError, r"rsub_const: the result overflows"),
        (lambda: Value(10.0) ** 400, OverflowError,
         r"pow_const: the result overflows a float \(inputs: 10.0, 400.0\)"),
        (lambda: Value(1e300) / 1e-300, OverflowError, r"div_const: the result overflows"),
        (lambda: am.dot([1e300, 1e300], [1e10, 1e10]), OverflowError, r"dot: the sum overflows"),
        (lambda: am.dot([1.0], [1.0, 2.0]), ValueError, r"dot: ws and xs must have the same len"),
        (lambda: Value(1.0).leaky_relu("a"), TypeError, r"leaky_relu slope"),  # type: ignore
        (lambda: Value(2.0).__pow__(2, 3), TypeError, r"modulo"),
    ],
)
def test_domain_errors_are_clear(expr: Any, error: type[Exception], message: str) -> None:
    """Outside an op's domain the error is typed and names the op and the value."""
    with pytest.raises(error, match=message):
        expr()


def test_infinite_derivatives_raise_instead_of_returning_inf() -> None:
    """sqrt'(0) and d(x**0.5)/dx at 0 are infinite: backward says so, naming the op."""
    x = Value(0.0)
    with pytest.raises(ZeroDivisionError, match="sqrt: derivative is infinite at x=0.0"):
        x.sqrt().backward()
    with pytest.raises(ZeroDivisionError, match=r"pow_const: derivative of x\*\*0.5 is inf"):
        (x**0.5).backward()


def test_exponent_gradient_of_a_negative_base_is_refused() -> None:
    """(-2)**y has no real derivative in y: backward raises instead of inventing one."""
    y = Value(2.0)
    out = (-2.0) ** y
    assert out.data == 4.0
    with pytest.raises(ValueError, match="undefined for a negative base"):
        out.backward()


def test_gradient_overflow_raises_and_keeps_old_gradients() -> None:
    """A gradient that overflows raises OverflowError and leaves every .grad as before."""
    x = Value(1e-200)
    y = 1.0 / x  # dy/dx = -1e400: overflows
    x.grad = 7.0
    with pytest.raises(OverflowError, match="backward: a gradient overflowed"):
        y.backward()
    assert x.grad == 7.0 and y.grad == 0.0


# --- backward semantics ------------------------------------------------------------------------
def test_backward_fills_every_node() -> None:
    """After backward every node holds d root / d node (intermediates included)."""
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c + a
    d.backward()
    assert (d.grad, c.grad, a.grad, b.grad) == (1.0, 1.0, -2.0, 2.0)


def test_k_backward_calls_accumulate_k_times_on_every_node() -> None:
    """After k backward calls every node, intermediates too, holds k * d root / d node."""
    a = Value(3.0)
    b = a * a
    c = b * 2.0
    for k in range(1, 4):
        c.backward()
        assert (c.grad, b.grad, a.grad) == (k * 1.0, k * 2.0, k * 12.0)


def test_two_roots_over_a_shared_subgraph_add_up() -> None:
    """Gradients of two roots sharing a subgraph add up in the shared nodes."""
    x = Value(2.0)
    shared = x * x
    r1, r2 = shared * 3.0, shared.exp()
    r1.backward()
    r2.backward()
    assert shared.grad == pytest.approx(3.0 + math.exp(4.0))
    assert x.grad == pytest.approx(4.0 * (3.0 + math.exp(4.0)))


def test_reused_non_leaf_counts_every_use() -> None:
    """b = a + a; c = b + b gives dc/da = 4."""
    a = Value(1.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0 and b.grad == 2.0


def test_zero_grad_clears_the_graph() -> None:
    """Value.zero_grad sets every node's grad in the graph back to 0.0."""
    a = Value(1.0)
    c = (a * 3.0).tanh()
    c.backward()
    c.zero_grad()
    assert a.grad == 0.0 and c.grad == 0.0


def test_create_graph_gives_differentiable_gradients() -> None:
    """backward(create_graph=True) leaves Value gradients with a graph of their own."""
    x = Value(2.0)
    y = x**3
    y.backward(create_graph=True)
    dydx = x.grad
    assert isinstance(dydx, Value) and dydx.data == 12.0
    x.grad = 0.0
    dydx.backward()
    assert x.grad == 12.0  # d2y/dx2 = 6x


def test_create_graph_third_order() -> None:
    """Repeated create_graph passes give the third derivative of sin: -cos."""
    x = Value(0.3)
    y = x.sin()
    y.backward(create_graph=True)
    g1 = x.grad
    x.grad = 0.0
    g1.backward(create_graph=True)
    g2 = x.grad
    x.grad = 0.0
    g2.backward()
    assert x.grad == pytest.approx(-math.cos(0.3), rel=1e-15)


def test_deep_chain_of_a_million_nodes_backpropagates() -> None:
    """A chain of 1,000,000 tanh nodes backpropagates with no RecursionError."""
    x = Value(0.5)
    y = x
    for _ in range(1_000_000):
        y = y.tanh()
    y.backward()
    # d tanh^n(x) / dx: product of (1 - t_k^2); tanh^n(x) ~ sqrt(3/(2n)), so the product
    # decays slowly; check against the product computed directly in floats.
    t, expected = 0.5, 1.0
    for _ in range(1_000_000):
        t = math.tanh(t)
        expected *= 1.0 - t * t
    assert y.data == t
    assert x.grad == pytest.approx(expected, rel=1e-9)


def test_freeing_a_deep_graph_does_not_crash() -> None:
    """Dropping the last reference to a 300,000-deep graph frees it without a stack overflow."""
    y = Value(1.0)
    for _ in range(300_000):
        y = y + 1.0
    del y


# --- no_grad ------------------------------------------------------------------------------------
def test_no_grad_records_nothing_and_restores() -> None:
    """Inside no_grad results are leaves; outside recording is back on."""
    x = Value(2.0)
    with no_grad():
        y = x * x
        assert not am.is_grad_enabled()
    assert y.data == 4.0 and y.op == "" and y.parents == ()
    assert am.is_grad_enabled()
    assert (x * x).op == "mul" and (x * 2).op == "mul_const"


def test_no_grad_as_decorator_and_nested_enable_grad() -> None:
    """no_grad works as a decorator; enable_grad turns recording back on inside it."""

    @no_grad()
    def f(v: Value) -> tuple[Value, Value]:
        with am.enable_grad():
            inner = v * v
        return v * v, inner

    outer, inner = f(Value(1.0))
    assert outer.op == "" and inner.op == "mul"


def test_no_grad_is_per_thread() -> None:
    """no_grad in one thread leaves recording on in another."""
    seen: list[str] = []
    inside, release = threading.Event(), threading.Event()

    def worker() -> None:
        with no_grad():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(5)
    seen.append((Value(1.0) + 1).op)
    release.set()
    t.join()
    assert seen == ["add_const"]


def test_no_grad_is_per_async_task() -> None:
    """no_grad in one asyncio task leaves recording on in another."""

    async def quiet(evt: asyncio.Event, done: asyncio.Event) -> str:
        with no_grad():
            evt.set()
            await done.wait()
            return (Value(1.0) + 1).op

    async def loud(evt: asyncio.Event, done: asyncio.Event) -> str:
        await evt.wait()
        op = (Value(1.0) + 1).op
        done.set()
        return op

    async def main() -> list[str]:
        evt, done = asyncio.Event(), asyncio.Event()
        return list(await asyncio.gather(quiet(evt, done), loud(evt, done)))

    assert asyncio.run(main()) == ["", "add_const"]


def test_gc_paused_nests_and_restores_across_threads() -> None:
    """gc_paused pauses the collector until the outermost block closes, in any thread order."""
    import gc
    import threading

    from autograd_mini import gc_paused

    assert gc.isenabled()
    inner_open, outer_may_close = threading.Event(), threading.Event()

    def other() -> None:
        with gc_paused():
            inner_open.set()
            outer_may_close.wait(5)
            assert not gc.isenabled()

    with gc_paused():
        t = threading.Thread(target=other)
        t.start()
        inner_open.wait(5)
    assert not gc.isenabled()  # the other thread's block is still open
    outer_may_close.set()
    t.join()
    assert gc.isenabled()
    try:
        with gc_paused():
            raise KeyError("x")
    except KeyError:
        pass
    assert gc.isenabled()


# --- item and detach, as in PyTorch -----------------------------------------------------------
def test_item_returns_the_float() -> None:
    """Value.item() is the node's data as a Python float, as tensor.item()."""
    out = Value(2) * 3
    assert out.item() == 6.0 and type(out.item()) is float


def test_detach_is_a_new_leaf_that_stops_gradients() -> None:
    """detach() gives a leaf with the same data and no graph; no gradient flows through it."""
    x = Value(3.0)
    y = x * 2.0
    d = y.detach()
    assert d is not y and d.data == 6.0 and d.op == "" and d.parents == () and d.grad == 0.0
    out = x * d
    out.backward()
    assert x.grad == 6.0 and y.grad == 0.0


# --- the summation rule, and errors that name their op ----------------------------------------
@pytest.mark.parametrize(
    ("expr", "message"),
    [
        (lambda: Value(2) + 10**400, r"^add: 10\*\*400 is too large for a float"),
        (lambda: 10**400 + Value(2), r"^add: 10\*\*400 is too large for a float"),
        (lambda: Value(2) * -(10**400), r"^mul: -10\*\*400 is too large for a float"),
        (lambda: am.dot([10**400], [1.0]), r"^dot: 10\*\*400 is too large"),
        (lambda: Value(10**400 + 7), r"^Value: an int of about 10\*\*400.0 is too large"),
    ],
)
def test_a_huge_int_operand_names_the_op(expr: Any, message: str) -> None:
    """An int beyond any float is an OverflowError naming the op and the number."""
    with pytest.raises(OverflowError, match=message):
        expr()


@pytest.mark.parametrize(
    ("expr", "name"),
    [
        (lambda: am.dot([1e308, 1e308], [10.0, -10.0]), "dot"),  # +inf and -inf products
        (lambda: am.dot([1e308, 1e308], [1.0, 1.0]), "dot"),  # finite products, infinite sum
        (lambda: am.dot([1.0], [1e308], 1e308), "dot"),
        (lambda: am.sum([1e308, 1e308]), "sum"),
        (lambda: am.sum([Value(1e308), 1e308, -1e308]), "sum"),  # left to right: inf first
    ],
)
def test_sums_that_overflow_raise_naming_dot_or_sum(expr: Any, name: str) -> None:
    """An overflow in dot's or sum's left-to-right sum is an OverflowError naming the op."""
    with pytest.raises(OverflowError, match=f"^{name}: the sum overflows a float"):
        expr()


def test_an_overflowing_derivative_names_its_op() -> None:
    """x**-1 at 1e-200: d/dx = -1e400 overflows inside the partial; the error names pow_const."""
    for run in (
        lambda: (Value(1e-200) ** -1).backward(),
        lambda: (Value(1e-200) ** -1).backward(create_graph=True),
        lambda: am.grad(lambda x: x**-1)(1e-200),
        lambda: am.grad(am.grad(lambda x: x**-2))(1e-100),
    ):
        with pytest.raises(OverflowError, match=r"^backward: .*pow_const") as info:
            run()
        assert "out of range" not in str(info.value)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_data_is_reported_as_such_not_as_an_overflow(bad: float) -> None:
    """After x.data = nan (or inf), x * 2 says input 0 is not finite, naming mul_const."""
    x = Value(3.0)
    x.data = bad
    with pytest.raises(ValueError, match=rf"^mul_const: input 0 is not finite \({bad!r}\)"):
        x * 2
    with pytest.raises(ValueError, match=r"^mul: input 1 is not finite"):
        Value(1.0) * x
    with pytest.raises(ValueError, match=r"^dot: input 1 is not finite"):
        am.dot([1.0, x], [1.0, 1.0])


# --- backward is all or nothing ---------------------------------------------------------------
def test_accumulated_gradient_overflow_raises_and_changes_nothing() -> None:
    """backward() twice on x * 1e308 raises OverflowError naming the node; every .grad stays."""
    x = Value(1.0)
    y = x * 1e308
    y.backward()
    assert x.grad == 1e308
    with pytest.raises(OverflowError, match=r"^backward: adding .* at the leaf node Value\(da"):
        y.backward()
    assert x.grad == 1e308 and y.grad == 1.0


def test_create_graph_add_back_is_all_or_nothing() -> None:
    """With create_graph, an overflow adding back old gradients leaves every .grad as it was."""
    x, w = Value(1.0), Value(1.0)
    y = x * 1e308 + w
    x.grad, w.grad = 1e308, 100.0
    with pytest.raises(OverflowError, match="backward: adding"):
        y.backward(create_graph=True)
    assert x.grad == 1e308 and w.grad == 100.0 and y.grad == 0.0


def test_backward_pauses_the_collector_through_gc_paused() -> None:
    """A gc_paused block opened during backward stays paused after backward returns."""
    import gc

    from autograd_mini import gc_paused

    class Hooked(Value):
        __slots__ = ("_g",)

        @property  # type: ignore[override]
        def grad(self) -> Any:
            return self._g

        @grad.setter
        def grad(self, g: Any) -> None:
            self._g = g

    block = gc_paused()
    x = Hooked(2.0)
    y = x * x
    assert gc.isenabled()
    opened = []

    def open_block(g: Any) -> None:
        if not opened:
            opened.append(block.__enter__())
        x._g = g

    Hooked.grad = property(Hooked.grad.fget, lambda self, g: open_block(g))  # type: ignore
    try:
        y.backward()
        assert opened and not gc.isenabled()  # the block opened inside backward is still open
    finally:
        block.__exit__(None, None, None)
    assert gc.isenabled() and x.grad == 4.0


# --- interruption at any phase ------------------------------------------------------------------
_ENGINE_FILES = {am.value.__file__, am.ops.__file__}


def _interrupt_at_line(k: int, error: BaseException) -> Callable[..., Any]:
    """A tracer raising ``error`` at the k-th line the engine runs (value.py, ops.py).

    The collector's bookkeeping (``_gc_paused``) is left out: it is not the engine's work.
    Raising from a trace function raises in the traced frame and switches tracing off.
    """
    count = 0

    def local(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
            if count == k:
                raise error
        return local

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        code = frame.f_code
        if code.co_filename in _ENGINE_FILES and code.co_name != "_gc_paused":
            return local
        return None

    return tracer


def _graph() -> tuple[Value, list[Value]]:
    """A small graph with a dot, a shared node and nonzero .grad left by earlier calls."""
    a, b = Value(0.5, label="a"), Value(-1.5, label="b")
    ws = [Value(0.1 * i) for i in range(3)]
    ab = a * b
    h = am.dot(ws, [a, ab, b.tanh()], 0.2)
    root = (h * h + ab).sigmoid() + a**2
    nodes = am.value._topological_order(root)[0]
    for i, node in enumerate(nodes):
        node.grad = float(i % 3)  # some zero, some not: both add-back paths run
    return root, nodes


def _run_interrupted(
    setup: Callable[[], Any], call: Callable[[Any], Any], error: BaseException
) -> Iterator[tuple[Any, BaseException]]:
    """``call(setup())`` with ``error`` raised at line 1, 2, ... of the engine in ``call``.

    Yields what ``setup`` made and the error for each k that raised, until a run completes.
    """
    import sys

    previous = sys.gettrace()
    k = 0
    while True:
        k += 1
        made = setup()
        sys.settrace(_interrupt_at_line(k, error))
        try:
            call(made)
        except type(error) as e:
            sys.settrace(previous)
            yield made, e
            continue
        finally:
            sys.settrace(previous)
        return


@pytest.mark.parametrize("create_graph", [False, True])
def test_an_interruption_anywhere_in_backward_leaves_every_grad_as_before(
    create_graph: bool,
) -> None:
    """Ctrl-C at each line the engine runs during backward leaves every .grad unchanged."""
    root, nodes = _graph()
    root.backward(create_graph=create_graph)
    finished = [float(n.grad.data if isinstance(n.grad, Value) else n.grad) for n in nodes]
    interrupted = 0

    def setup() -> tuple[Value, list[Value], list[Any]]:
        root, nodes = _graph()
        return root, nodes, [n.grad for n in nodes]

    for error in (KeyboardInterrupt(), MemoryError()):
        runs = _run_interrupted(setup, lambda m: m[0].backward(create_graph=create_graph), error)
        for (_, now, before), _ in runs:
            interrupted += 1
            unchanged = all(n.grad is old for n, old in zip(now, before))
            done = [float(n.grad.data if isinstance(n.grad, Value) else n.grad) for n in now]
            # an interruption after the last .grad was set (leaving the call) is a completed one
            assert unchanged or done == finished, (error, [n.grad for n in now])
    assert interrupted > 100  # the sweep really reached every phase


def test_an_interruption_anywhere_in_grad_keeps_it_pure() -> None:
    """Ctrl-C at each line the engine runs in grad() (first and second order) changes no .grad."""
    w = Value(2.0)
    w.grad = 5.0

    def f(x: Any) -> Value:
        return (x * w).tanh() + am.dot([x, w], [x, 3.0])

    for call in (lambda _: am.grad(f)(0.3), lambda _: am.grad(am.grad(f))(0.3)):
        count = 0
        for _, error in _run_interrupted(lambda: None, call, KeyboardInterrupt()):
            count += 1
            assert w.grad == 5.0 and type(w.grad) is float, traceback.format_tb(
                error.__traceback__)
        assert count > 50


@settings(max_examples=60)
@given(
    steps=dag_steps,
    leaves=dag_leaves,
    olds=st.lists(st.sampled_from([0.0, 2.5, -1.0, 1e308, -1.7e308]), min_size=1, max_size=9),
    scale=st.sampled_from([1.0, 1e300, 1e308]),
    create_graph=st.booleans(),
)
def test_backward_adds_to_old_grads_exactly_or_changes_nothing(
    steps: list[tuple[int, int, int]], leaves: list[float], olds: list[float], scale: float,
    create_graph: bool,
) -> None:
    """On random graphs with huge old .grads, each grad becomes old + this call's, or none does."""
    xs = [Value(x) for x in leaves]
    try:
        root = dag_function(steps)(*xs) * scale
        root.backward()
    except OverflowError:
        return  # this graph's own gradients overflow: covered by the tests above
    nodes = am.value._topological_order(root)[0]
    fresh = [n.grad for n in nodes]
    before = [olds[i % len(olds)] for i in range(len(nodes))]
    for node, old in zip(nodes, before):
        node.grad = old
    try:
        root.backward(create_graph=create_graph)
    except OverflowError as e:
        assert str(e).startswith("backward:")
        assert [n.grad for n in nodes] == before
        return
    got = [float(n.grad.data) if isinstance(n.grad, Value) else n.grad for n in nodes]
    assert got == [f if o == 0.0 else o + f for o, f in zip(before, fresh)]
    assert all(map(math.isfinite, got))


def _postorder(root: Value) -> list[Value]:
    """The reference order: depth first, each node after its parents, last parent first."""
    order: list[Value] = []
    seen: set[int] = set()

    def visit(node: Value) -> None:
        seen.add(id(node))
        for p in reversed(node.parents):
            if id(p) not in seen:
                visit(p)
        order.append(node)

    visit(root)
    return order


@settings(max_examples=60)
@given(steps=dag_steps, leaves=dag_leaves)
def test_the_walk_gives_the_reference_order(
    steps: list[tuple[int, int, int]], leaves: list[float]
) -> None:
    """On random graphs the iterative walk gives exactly the recursive postorder (gradients
    are added in this order, so any other order would change their last bits)."""
    xs = [Value(x) for x in leaves]
    root = dag_function(steps)(*xs)
    got = am.value._topological_order(root)[0]
    assert [id(n) for n in got] == [id(n) for n in _postorder(root)]


def test_a_real_ctrl_c_during_a_large_backward_loses_no_gradient() -> None:
    """A KeyboardInterrupt delivered by a timer mid-backward leaves every leaf's .grad whole."""
    import _thread

    leaves = [Value(1.0) for _ in range(100_000)]
    root = am.sum(leaves) * 2.0 + am.dot(leaves, leaves)
    for leaf in leaves:
        leaf.grad = 1.0
    interrupted = 0
    for delay in (0.002, 0.005, 0.01, 0.02, 0.04):
        timer = threading.Timer(delay, _thread.interrupt_main)
        timer.start()
        try:
            try:
                root.backward()
            finally:
                timer.join()  # interrupt_main has now set the flag, if it did not land yet
                # A pending interrupt is raised at the next check of the eval loop, which
                # a loop's backward jump makes: here, inside the try, never in a later test.
                for _ in range(1000):
                    pass
        except KeyboardInterrupt:
            interrupted += 1
        grads = {leaf.grad for leaf in leaves}
        assert len(grads) == 1, sorted(grads)[:5]  # all restored or all updated, never mixed
        for leaf in leaves:
            leaf.grad = 1.0
    assert interrupted >= 1
