"""The engine: ``Value`` nodes, graph recording, the backward pass and ``no_grad``.

A ``Value`` holds a float, the gradient backprop leaves in it, and how it was made: the
:class:`~autograd_mini.ops.Op` (by reference, shared by every node of that op) and its
parent nodes. There is no per-node closure and no reference cycle, so a graph is freed
by reference counting alone and the cycle collector has nothing to chase.

``backward`` walks the graph in an iterative topological order (no recursion, no depth
limit) and applies the chain rule with the op table's partials; this module is the only
place that does ``grad +=``.
"""

from __future__ import annotations

import builtins
import gc
import numbers
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from .ops import OPS, Op

__all__ = ["Value", "no_grad", "enable_grad", "is_grad_enabled", "dot"]
# ``sum`` is public as ``autograd_mini.sum`` but left out of ``__all__`` so that a star
# import never shadows the builtin.

Number = int | float

_grad_enabled: ContextVar[bool] = ContextVar("autograd_mini_grad_enabled", default=True)

_F = TypeVar("_F", bound=Callable[..., Any])


def _describe(x: object) -> str:
    text = repr(x)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text}, a {type(x).__name__}"


def _to_float(x: object, where: str) -> float:
    """Check a plain number for ``where`` and return it as a finite float."""
    if type(x) is float:
        f = x
    elif type(x) is int or (isinstance(x, numbers.Real) and not isinstance(x, bool)):
        try:
            f = float(x)
        except OverflowError:
            raise OverflowError(f"{where}: {x!r} is too large for a float") from None
    else:
        raise TypeError(f"{where}: expected an int, float or Value (got {_describe(x)})")
    if f - f != 0.0:
        raise ValueError(f"{where}: numbers must be finite (got {f!r})")
    return f


class Value:
    """A scalar that records the computation graph it takes part in.

    Args:
        data: the number (an int or float; stored as a finite float).
        label: an optional name, shown in pictures and error messages.

    Raises:
        TypeError: ``data`` is not an int or float (a ``Value``, str, None, ...).
        ValueError: ``data`` is NaN or infinite.

    Example:
        >>> x = Value(2.0, label="x")
        >>> y = x * x + 3 * x
        >>> y.backward()
        >>> y.data, x.grad
        (10.0, 7.0)
    """

    # Parents live in two slots rather than a tuple: one object per node instead of two
    # halves what the cycle collector scans. ``_a`` is the first parent (or the tuple
    # of parents of an n-ary op, with ``_b`` set to ``_NARY``); ``_b`` the second or None.
    __slots__ = ("data", "grad", "label", "_op", "_a", "_b", "_const")

    data: float
    grad: Any  # float; a Value after backward(create_graph=True)
    label: str
    _op: Op | None
    _a: Any
    _b: Any
    _const: Any

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = _to_float(data, "Value")
        if not isinstance(label, str):
            raise TypeError(f"Value: label must be a str (got {_describe(label)})")
        self.grad = 0.0
        self.label = label
        self._op = None
        self._a = None
        self._b = None
        self._const = None
        trace = _tracing.get()
        if trace is not None:  # made while tracing: a constant of the traced function
            trace.constants.add(self)

    # --- introspection ---------------------------------------------------------------
    @property
    def parents(self) -> tuple[Value, ...]:
        """The nodes this one was computed from (``()`` for a leaf)."""
        return _parents(self)

    @property
    def op(self) -> str:
        """The name of the op that made this node (``""`` for a leaf)."""
        return "" if self._op is None else self._op.name

    @property
    def const(self) -> float | None:
        """The op's constant parameter (``x ** 3``'s exponent, leaky_relu's slope), if any."""
        return self._const  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # float(), bool() and comparisons read the data, as ``float(tensor)`` and
    # ``tensor < 0`` do. They record nothing, so a trace (``autograd_mini.compile``) is
    # told of each one: Python control flow on them is invisible to it.
    def __float__(self) -> float:
        if _tracing.get() is not None:
            _concrete(self, "float()")
        return self.data

    def __bool__(self) -> bool:
        if _tracing.get() is not None:
            _concrete(self, "bool()")
        return self.data != 0.0

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else repr(self)

    def __lt__(self, other: Value | Number) -> bool:
        if _tracing.get() is not None:
            _concrete(self, "<")
        return self.data < _data(other, "<")

    def __le__(self, other: Value | Number) -> bool:
        if _tracing.get() is not None:
            _concrete(self, "<=")
        return self.data <= _data(other, "<=")

    def __gt__(self, other: Value | Number) -> bool:
        if _tracing.get() is not None:
            _concrete(self, ">")
        return self.data > _data(other, ">")

    def __ge__(self, other: Value | Number) -> bool:
        if _tracing.get() is not None:
            _concrete(self, ">=")
        return self.data >= _data(other, ">=")

    # --- arithmetic --------------------------------------------------------------------
    def __add__(self, other: Value | Number) -> Value:
        return _apply2(_ADD, self, other)

    def __radd__(self, other: Number) -> Value:
        return _apply2(_ADD, other, self)

    def __sub__(self, other: Value | Number) -> Value:
        return _apply2(_SUB, self, other)

    def __rsub__(self, other: Number) -> Value:
        return _apply2(_SUB, other, self)

    def __mul__(self, other: Value | Number) -> Value:
        return _apply2(_MUL, self, other)

    def __rmul__(self, other: Number) -> Value:
        return _apply2(_MUL, other, self)

    def __truediv__(self, other: Value | Number) -> Value:
        return _apply2(_DIV, self, other)

    def __rtruediv__(self, other: Number) -> Value:
        return _apply2(_DIV, other, self)

    def __pow__(self, exponent: Value | Number, modulo: None = None) -> Value:
        if modulo is not None:
            raise TypeError("pow: a modulo is not supported for Value")
        if isinstance(exponent, Value):
            return _apply2(_POW, self, exponent)
        try:
            c = _to_float(exponent, "pow")
        except TypeError:
            raise TypeError(
                f"pow: exponent must be int, float or Value (got {_describe(exponent)})"
            ) from None
        return _apply1(_POW_CONST, self, c)

    def __rpow__(self, base: Number) -> Value:
        return _apply2(_POW, base, self)

    def __neg__(self) -> Value:
        return _apply1(_NEG, self)

    def __pos__(self) -> Value:
        return _apply1(_POS, self)

    def __abs__(self) -> Value:
        return _apply1(_ABS, self)

    # --- functions ----------------------------------------------------------------------
    def exp(self) -> Value:
        """e ** self. Raises ``OverflowError`` past about 709.78."""
        return _apply1(_EXP, self)

    def log(self) -> Value:
        """Natural logarithm. Raises ``ValueError`` for self <= 0."""
        return _apply1(_LOG, self)

    def sqrt(self) -> Value:
        """Square root. Raises ``ValueError`` for self < 0."""
        return _apply1(_SQRT, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        return _apply1(_TANH, self)

    def sigmoid(self) -> Value:
        """Logistic sigmoid 1 / (1 + e**-x), finite for any finite x."""
        return _apply1(_SIGMOID, self)

    def relu(self) -> Value:
        """max(x, 0); its derivative at 0 is 0, as PyTorch's."""
        return _apply1(_RELU, self)

    def leaky_relu(self, slope: Number = 0.01) -> Value:
        """x for x > 0, else slope * x."""
        return _apply1(_LEAKY_RELU, self, _to_float(slope, "leaky_relu slope"))

    def softplus(self) -> Value:
        """log(1 + e**x), computed stably (finite for any finite x)."""
        return _apply1(_SOFTPLUS, self)

    def sin(self) -> Value:
        """Sine."""
        return _apply1(_SIN, self)

    def cos(self) -> Value:
        """Cosine."""
        return _apply1(_COS, self)

    # --- gradients ----------------------------------------------------------------------
    def backward(self, *, create_graph: bool = False) -> None:
        """Add d self / d node to the ``.grad`` of every node in this graph.

        Gradients accumulate, as in PyTorch: after k calls without zeroing, every node
        holds k times its gradient. The walk is iterative, so graphs of any depth work.

        Args:
            create_graph: record the backward pass itself, so that the gradients are
                ``Value`` nodes that can be differentiated again.

        Raises:
            OverflowError: a gradient overflowed (the ``.grad`` fields are left as they
                were before the call).

        Example:
            >>> x = Value(3.0)
            >>> y = x ** 3
            >>> y.backward(create_graph=True)
            >>> dydx = x.grad
            >>> x.grad = 0.0
            >>> dydx.backward()
            >>> dydx.data, x.grad
            (27.0, 18.0)
        """
        topo, _, olds = _reverse_pass(self, create_graph)
        # Add back what was there before: every nonzero float, and every Value (a
        # Value gradient carries a graph even where its data is 0).
        if any(olds) or set(map(type, olds)) - {float}:
            for node, old in zip(topo, olds):
                if type(old) is not float or old:
                    node.grad = old + node.grad

    def zero_grad(self) -> None:
        """Set ``.grad`` of every node in this graph to 0.0."""
        for node in _topological_order(self)[0]:
            node.grad = 0.0


_ADD, _SUB, _MUL, _DIV = OPS["add"], OPS["sub"], OPS["mul"], OPS["div"]
_POW, _POW_CONST, _NEG, _POS = OPS["pow"], OPS["pow_const"], OPS["neg"], OPS["pos"]
_ABS, _EXP, _LOG, _SQRT, _TANH = OPS["abs"], OPS["exp"], OPS["log"], OPS["sqrt"], OPS["tanh"]
_SIGMOID, _RELU, _LEAKY_RELU = OPS["sigmoid"], OPS["relu"], OPS["leaky_relu"]
_SOFTPLUS, _SIN, _COS, _DOT, _SUM = OPS["softplus"], OPS["sin"], OPS["cos"], OPS["dot"], OPS["sum"]

_new = object.__new__
_NARY = object()  # marks ``_b`` of an n-ary node, whose ``_a`` is the tuple of parents


def _parents(v: Value) -> tuple[Value, ...]:
    b = v._b
    if b is None:
        return () if v._a is None else (v._a,)
    return v._a if b is _NARY else (v._a, b)


def _leaf(data: float) -> Value:
    """A leaf for an already checked float (a constant operand, a seed)."""
    v: Value = _new(Value)
    v.data = data
    v.grad = 0.0
    v.label = ""
    v._op = v._a = v._b = v._const = None
    trace = _tracing.get()
    if trace is not None:
        trace.constants.add(v)
    return v


class _Trace:
    """What ``autograd_mini.compile`` learns while it traces ``f``.

    Attributes:
        constants: leaves the engine made from plain numbers during the trace (safe to
            bake into generated code as literals).
        concrete: one line per place where a ``Value``'s data reached Python control
            flow (``float()``, ``bool()``, a comparison), which a trace cannot follow.
    """

    __slots__ = ("constants", "concrete")

    def __init__(self) -> None:
        self.constants: set[Value] = set()
        self.concrete: list[str] = []


_tracing: ContextVar[_Trace | None] = ContextVar("autograd_mini_tracing", default=None)


def _concrete(v: Value, how: str) -> None:
    trace = _tracing.get()
    if trace is not None:
        trace.concrete.append(f"{how} on {v!r}")


def _as_value(x: object, where: str) -> Value:
    if isinstance(x, Value):
        return x
    return _leaf(_to_float(x, where))


def _data(x: object, where: str) -> float:
    return x.data if isinstance(x, Value) else _to_float(x, where)


def _overflow(op: Op, inputs: Sequence[float]) -> OverflowError:
    shown = ", ".join(repr(d) for d in inputs[:4]) + (", ..." if len(inputs) > 4 else "")
    return OverflowError(f"{op.name}: the result overflows a float (inputs: {shown})")


def _record(op: Op, out: float, a: Any, b: Any, const: Any) -> Value:
    """The node for ``out``, recording its op and parents unless inside ``no_grad``."""
    v: Value = _new(Value)
    v.data = out
    v.grad = 0.0
    v.label = ""
    if _grad_enabled.get():
        v._op = op
        v._a = a
        v._b = b
        v._const = const
    else:
        v._op = v._a = v._b = v._const = None
    return v


def _apply1(op: Op, x: Value, const: Any = None) -> Value:
    try:
        out = op.forward(x.data) if const is None else op.forward(x.data, const)
    except OverflowError:
        raise _overflow(op, [x.data] if const is None else [x.data, const]) from None
    if out - out != 0.0:  # inf or nan from finite inputs: an overflow
        raise _overflow(op, [x.data] if const is None else [x.data, const])
    return _record(op, out, x, None, const)


def _apply2(op: Op, x: object, y: object) -> Value:
    if type(x) is not Value:
        x = _as_value(x, op.name)
    if type(y) is not Value:
        y = _as_value(y, op.name)
    try:
        out = op.forward(x.data, y.data)
    except OverflowError:
        raise _overflow(op, [x.data, y.data]) from None
    if out - out != 0.0:
        raise _overflow(op, [x.data, y.data])
    return _record(op, out, x, y, None)


def _applyn(op: Op, parents: tuple[Value, ...]) -> Value:
    datas = [p.data for p in parents]
    try:
        out = op.forward(*datas)
    except OverflowError:
        raise _overflow(op, datas) from None
    if out - out != 0.0:
        raise _overflow(op, datas)
    return _record(op, out, parents, _NARY, None)


def dot(
    ws: Iterable[Value | Number], xs: Iterable[Value | Number], bias: Value | Number | None = None
) -> Value:
    """One node for ``sum(w_i * x_i) + bias``: the building block of a fast neuron.

    The sum is correctly rounded (``math.fsum``); backward is one n-ary step.

    Args:
        ws: weights.
        xs: inputs, as many as ``ws``.
        bias: an optional term added to the sum.

    Raises:
        ValueError: ``ws`` and ``xs`` differ in length.

    Example:
        >>> w, x = [Value(1.0), Value(2.0)], [3.0, 4.0]
        >>> y = dot(w, x, bias=0.5)
        >>> y.backward()
        >>> y.data, [wi.grad for wi in w]
        (11.5, [3.0, 4.0])
    """
    wv = [w if type(w) is Value else _as_value(w, "dot") for w in ws]
    xv = [x if type(x) is Value else _as_value(x, "dot") for x in xs]
    if len(wv) != len(xv):
        raise ValueError(f"dot: ws and xs must have the same length (got {len(wv)} and {len(xv)})")
    parents = (*wv, *xv) if bias is None else (*wv, *xv, _as_value(bias, "dot"))
    if not parents:
        return _leaf(0.0)
    return _applyn(_DOT, parents)


def sum(values: Iterable[Value | Number]) -> Value:  # noqa: A001 - mirrors builtins.sum
    """One node for the (correctly rounded) sum of ``values``.

    Example:
        >>> xs = [Value(1.0), Value(2.0), 3]
        >>> s = sum(xs)
        >>> s.backward()
        >>> s.data, xs[0].grad
        (6.0, 1.0)
    """
    parents = tuple(_as_value(v, "sum") for v in values)
    if not parents:
        return _leaf(0.0)
    return _applyn(_SUM, parents)


# --- the backward pass ------------------------------------------------------------------
_ZERO = 0.0  # the one float object a zeroed .grad holds; `is` tells "nothing to add back"


def _topological_order(root: Value) -> tuple[list[Value], set[Value]]:
    """Nodes of ``root``'s graph, each after all of its parents, and the same as a set.

    An iterative depth-first search: a node is pushed back under its parents when first
    met and finished when met again. (In a DAG a node met again before it is finished
    is a stale duplicate, already finished.) No recursion, so no depth limit.
    """
    order: list[Value] = []
    seen: set[Value] = set()
    done: set[Value] = set()
    stack = [root]
    push, pop, mark, finish, append = stack.append, stack.pop, seen.add, done.add, order.append
    while stack:
        node = pop()
        if node in seen:
            if node not in done:
                finish(node)
                append(node)
            continue
        mark(node)
        push(node)
        a = node._a
        b = node._b
        if b is None:
            if a is not None and a not in seen:
                push(a)
        elif b is _NARY:
            for p in a:
                if p not in seen:
                    push(p)
        else:
            if a not in seen:
                push(a)
            if b not in seen:
                push(b)
    return order, seen


def _reverse_pass(root: Value, create_graph: bool) -> tuple[list[Value], set[Value], list[Any]]:
    """Leave d root / d node (this pass only) in every node's ``.grad``.

    Returns the nodes in topological order, the same as a set, and each node's
    ``.grad`` from before the pass, for the caller to add back or restore.
    """
    # NOTE: the pass makes no reference cycles, but it allocates enough for the cycle
    # collector to rescan the whole graph several times over; pausing it halves the time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        topo, seen = _topological_order(root)
        olds = [node.grad for node in topo]
        for node in topo:
            node.grad = _ZERO
        try:
            if create_graph:
                _propagate_values(topo, root)
            else:
                _propagate_floats(topo, root)
        except BaseException:
            for node, old in zip(topo, olds):
                node.grad = old
            raise
    finally:
        if collecting:
            gc.enable()
    return topo, seen, olds


def _propagate_floats(topo: list[Value], root: Value) -> None:
    root.grad = 1.0
    for node in reversed(topo):
        op = node._op
        if op is None:
            continue
        g = node.grad
        if g == 0.0:  # nothing flows back through this node
            continue
        a = node._a
        b = node._b
        if b is None:
            c = node._const
            if c is None:
                (d,) = op.partials(node.data, a.data)
            else:
                (d,) = op.partials(node.data, a.data, c)
            a.grad += g * d
        elif b is _NARY:
            for p, d in zip(a, op.partials(node.data, *[p.data for p in a])):
                p.grad += g * d
        else:
            da, db = op.partials(node.data, a.data, b.data)
            a.grad += g * da
            b.grad += g * db
    _check_finite(topo)


def _check_finite(topo: list[Value]) -> None:
    total = builtins.sum(map(_get_grad, topo))  # finite unless some gradient is not
    if total - total == 0.0:
        return
    for node in reversed(topo):  # report the bad gradient nearest the root
        if node.grad - node.grad != 0.0:
            raise OverflowError(
                f"backward: a gradient overflowed to {node.grad!r} at the "
                f"{node.op or 'leaf'} node {node!r}; the loss or its scale is probably too large"
            )


_get_grad = operator.attrgetter("grad")


def _propagate_values(topo: list[Value], root: Value) -> None:
    root.grad = _leaf(1.0)
    for node in reversed(topo):
        op = node._op
        if op is None:
            continue
        g = node.grad
        if type(g) is float and g == 0.0:
            continue
        ps = _parents(node)
        c = node._const
        ds = op.partials(node, *ps) if c is None else op.partials(node, *ps, c)
        for p, d in zip(ps, ds):
            contribution = g * d
            p.grad = contribution if p.grad is _ZERO else p.grad + contribution


def _gradients(root: Value, wrt: Sequence[Value], create_graph: bool) -> list[Any]:
    """d root / d w for each w in ``wrt``, leaving every ``.grad`` as it was (pure)."""
    topo, seen, olds = _reverse_pass(root, create_graph)
    grads = [w.grad if w in seen else 0.0 for w in wrt]
    for node, old in zip(topo, olds):
        node.grad = old
    return grads


# --- recording on and off ---------------------------------------------------------------
def is_grad_enabled() -> bool:
    """Whether ops record the graph here (False inside ``no_grad``).

    Example:
        >>> with no_grad():
        ...     is_grad_enabled()
        False
    """
    return _grad_enabled.get()


@contextmanager
def _grad_mode(enabled: bool) -> Iterator[None]:
    token = _grad_enabled.set(enabled)
    try:
        yield
    finally:
        _grad_enabled.reset(token)


def no_grad() -> Any:
    """Context manager (or decorator) inside which ops record no graph.

    Results are leaves: ``.op == ""`` and no parents. The switch lives in a
    ``contextvars.ContextVar``, so threads and asyncio tasks each have their own.

    Example:
        >>> x = Value(2.0)
        >>> with no_grad():
        ...     y = x * x
        >>> y.data, y.op, y.parents
        (4.0, '', ())
    """
    return _grad_mode(False)


def enable_grad() -> Any:
    """Context manager (or decorator) that turns recording back on, e.g. inside ``no_grad``.

    Example:
        >>> with no_grad(), enable_grad():
        ...     (Value(1.0) + 1).op
        'add'
    """
    return _grad_mode(True)
