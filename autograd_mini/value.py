"""The engine: ``Value`` nodes, graph recording, the backward pass and ``no_grad``.

A ``Value`` holds a float, the gradient backprop leaves in it, and how it was made: the
:class:`~autograd_mini.ops.Op` (by reference, shared by every node of that op) and its
parent nodes. There is no per-node closure and no reference cycle, so a graph is freed
by reference counting alone and the cycle collector has nothing to chase.

``backward`` walks the graph in an iterative topological order (no recursion, no depth
limit) and applies the chain rule with the op table's partials; this module is the only
place that does ``grad +=``. A call either completes or leaves every ``.grad`` as it was:
an overflow, a failed derivative, or any interruption (Ctrl-C, ``MemoryError``) at any
phase restores them all before the error propagates.

Why graphs are cycle-free, and what that buys: a node points only to its parents (made
before it) and to the shared, immortal ``Op`` of the table; there are no closures and
no back-references. So reference counting frees a graph the moment its root goes, and
the cycle collector can be paused around whole loops (:func:`gc_paused`; ``backward``
pauses it too) without leaking anything.

``dot`` and ``sum`` add in plain left-to-right float arithmetic (the rule is written in
:mod:`autograd_mini.ops`), the same order compiled mode generates.
"""

from __future__ import annotations

import builtins
import gc
import math
import numbers
import operator
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from .ops import OPS, Op

__all__ = ["Value", "no_grad", "enable_grad", "is_grad_enabled", "dot", "gc_paused"]
# ``sum`` is public as ``autograd_mini.sum`` but left out of ``__all__`` so that a star
# import never shadows the builtin.

Number = int | float

_grad_enabled: ContextVar[bool] = ContextVar("autograd_mini_grad_enabled", default=True)



def _describe(x: object) -> str:
    """``x`` for an error message: its repr (shortened) and its type, "'2', a str"."""
    text = repr(x)
    if len(text) > 60:
        text = text[:57] + "..."
    kind = type(x).__name__
    return f"{text}, {'an' if kind[:1].lower() in 'aeiou' else 'a'} {kind}"


def _too_large(x: object, where: str) -> OverflowError:
    """The error for a number (a huge int) that has no float: it names ``where`` and ``x``."""
    if isinstance(x, int) and x:
        size = math.log10(abs(x))  # exact enough for a message, and works on any int
        k = round(size)
        shown = f"{'-' if x < 0 else ''}10**{k}" if abs(x) == 10**k else (
            f"an int of about {'-' if x < 0 else ''}10**{size:.1f}")
    else:
        shown = _describe(x)
    return OverflowError(f"{where}: {shown} is too large for a float (the largest is ~1.8e308)")


def _to_float(x: object, where: str) -> float:
    """Check a plain number for ``where`` and return it as a finite float."""
    if type(x) is float:
        f = x
    elif type(x) is int or (isinstance(x, numbers.Real) and not isinstance(x, bool)):
        try:
            f = float(x)
        except OverflowError:
            raise _too_large(x, where) from None
    else:
        raise TypeError(f"{where}: expected an int, float or Value (got {_describe(x)})")
    if f - f != 0.0:
        raise ValueError(f"{where}: numbers must be finite (got {f!r})")
    return f


def _raise_for(op: Op, error: Exception, inputs: Sequence[float]) -> Exception:
    """The error to raise when ``op.forward`` raised ``error``: one that names the op."""
    text = str(error)
    if text.startswith(f"{op.name}:"):
        return error  # the forward's own message already names the op and the value
    head, colon, rest = text.partition(":")
    if colon and head in OPS:  # a message of a shared helper ("pow: ..." in pow_const)
        return type(error)(f"{op.name}:{rest}")
    if any(d - d != 0.0 for d in inputs):
        return _overflow(op, inputs)  # says which input is not finite
    if isinstance(error, OverflowError):
        return _overflow(op, inputs)
    if isinstance(error, ZeroDivisionError) and len(inputs) == 2:
        return ZeroDivisionError(f"{op.name}: division by zero ({inputs[0]!r} / {inputs[1]!r})")
    return type(error)(f"{op.name}: {error} (inputs: {', '.join(map(repr, inputs))})")


def _binary(
    op: Op, const_op: Op, reflected: bool = False
) -> Callable[[Value, Value | Number], Value]:
    """The method ``x <op> y`` (or, reflected, ``y <op> x``) for a binary table op.

    One node, recorded unless inside ``no_grad``: the op's forward from the table, the
    overflow check, and nothing else, since these methods are the engine's hot path.
    A plain-number operand makes a ``const_op`` node instead (``x * 0.5`` is one
    ``mul_const`` node holding 0.5, not a ``mul`` node and a constant leaf).
    """
    forward, name, get = op.forward, op.name, _grad_enabled.get
    const_forward = const_op.forward

    # NOTE: one Python call per node: the records are written out in the method rather
    # than called (a call costs about as much as the record itself).
    def method(self: Value, other: Value | Number) -> Value:
        v: Value
        if type(other) is not Value:
            kind = type(other)
            if kind is float or kind is int:
                try:
                    c = float(other)
                except OverflowError:  # an int beyond any float
                    raise _too_large(other, name) from None
                if c - c == 0.0:
                    d = self.data
                    try:
                        out = const_forward(d, c)
                    except (ArithmeticError, ValueError) as e:
                        raise _raise_for(const_op, e, [c, d] if reflected else [d, c]) from None
                    if out - out != 0.0:
                        raise _overflow(const_op, [c, d] if reflected else [d, c])
                    v = _new(Value)
                    v.data = out
                    v.grad = 0.0
                    v.label = ""
                    if get():
                        v._op = const_op
                        v._a = self
                        v._const = c
                    else:
                        v._op = v._a = v._const = None
                    v._b = v._mark = None
                    return v
            other = _as_value(other, name)  # a Value subclass, another real number, or an error
        if reflected:
            x, y = other, self
        else:
            x, y = self, other
        try:
            out = forward(x.data, y.data)
        except (ArithmeticError, ValueError) as e:
            raise _raise_for(op, e, [x.data, y.data]) from None
        if out - out != 0.0:  # inf or nan from finite inputs: an overflow
            raise _overflow(op, [x.data, y.data])
        v = _new(Value)
        v.data = out
        v.grad = 0.0
        v.label = ""
        if get():
            v._op = op
            v._a = x
            v._b = y
        else:
            v._op = v._a = v._b = None
        v._const = v._mark = None
        return v

    method.__name__ = method.__qualname__ = f"__{'r' if reflected else ''}{name}__"
    left, right = ("other", "self") if reflected else ("self", "other")
    method.__doc__ = f"{left} {op.symbol} {right}: one {name} node ({const_op.name} for a number)."
    return method


def _unary(op: Op, doc: str = "") -> Callable[[Value], Value]:
    """The method for a one-input table op without a constant (``x.tanh()``, ``-x``)."""
    forward, get = op.forward, _grad_enabled.get

    def method(self: Value) -> Value:
        try:
            out = forward(self.data)
        except (ArithmeticError, ValueError) as e:
            raise _raise_for(op, e, [self.data]) from None
        if out - out != 0.0:
            raise _overflow(op, [self.data])
        v: Value = _new(Value)
        v.data = out
        v.grad = 0.0
        v.label = ""
        if get():
            v._op = op
            v._a = self
        else:
            v._op = v._a = None
        v._b = v._const = v._mark = None
        return v

    method.__name__ = method.__qualname__ = op.name
    method.__doc__ = doc or f"{op.name}(self)."
    return method


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
    __slots__ = ("data", "grad", "label", "_op", "_a", "_b", "_const", "_mark")

    data: float
    grad: Any  # float; a Value after backward(create_graph=True)
    label: str
    _op: Op | None
    _a: Any
    _b: Any
    _const: Any
    _mark: Any  # set by each graph walk (see _walk); no meaning outside one

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
        self._mark = None
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

    # --- arithmetic: each method is made from its op-table entry (see _binary) ---------
    __add__ = _binary(OPS["add"], OPS["add_const"])
    __radd__ = _binary(OPS["add"], OPS["add_const"], reflected=True)  # c + x == x + c
    __sub__ = _binary(OPS["sub"], OPS["sub_const"])
    __rsub__ = _binary(OPS["sub"], OPS["rsub_const"], reflected=True)
    __mul__ = _binary(OPS["mul"], OPS["mul_const"])
    __rmul__ = _binary(OPS["mul"], OPS["mul_const"], reflected=True)  # c * x == x * c
    __truediv__ = _binary(OPS["div"], OPS["div_const"])
    __rtruediv__ = _binary(OPS["div"], OPS["rdiv_const"], reflected=True)

    def __rpow__(self, base: Number) -> Value:
        # A number base is a constant: one rpow_const node, which needs only d/dy.
        if type(base) is not float:
            base = _to_float(base, "rpow_const")
        return _apply1(_RPOW_CONST, self, base)

    __neg__ = _unary(OPS["neg"])
    __pos__ = _unary(OPS["pos"])
    __abs__ = _unary(OPS["abs"])

    def __pow__(self, exponent: Value | Number, modulo: None = None) -> Value:
        if modulo is not None:
            raise TypeError("pow: a modulo is not supported for Value")
        if isinstance(exponent, Value):
            return _apply2(_POW, self, exponent)
        if type(exponent) is float and exponent - exponent == 0.0:
            return _apply1(_POW_CONST, self, exponent)
        try:
            c = _to_float(exponent, "pow")
        except TypeError:
            raise TypeError(
                f"pow: exponent must be int, float or Value (got {_describe(exponent)})"
            ) from None
        return _apply1(_POW_CONST, self, c)

    # --- functions ----------------------------------------------------------------------
    exp = _unary(OPS["exp"], "Exponential ``e ** x``; ``OverflowError`` past about 709.78.")
    log = _unary(OPS["log"], "Natural logarithm; ``ValueError`` for x <= 0.")
    sqrt = _unary(OPS["sqrt"], "Square root; ``ValueError`` for x < 0.")
    tanh = _unary(OPS["tanh"], "Hyperbolic tangent.")
    sigmoid = _unary(OPS["sigmoid"], "Logistic sigmoid ``1 / (1 + e**-x)``, stable for any x.")
    relu = _unary(OPS["relu"], "Rectified linear unit ``max(x, 0)``; relu'(0) = 0, as PyTorch.")
    softplus = _unary(OPS["softplus"], "Softplus ``log(1 + e**x)``, stable for any x.")
    sin = _unary(OPS["sin"], "Sine.")
    cos = _unary(OPS["cos"], "Cosine.")

    def leaky_relu(self, slope: Number = 0.01) -> Value:
        """Leaky ReLU: ``x`` for x > 0, else ``slope * x``; its derivative at 0 is ``slope``."""
        if type(slope) is not float:
            slope = _to_float(slope, "leaky_relu slope")
        return _apply1(_LEAKY_RELU, self, slope)

    # --- as in PyTorch --------------------------------------------------------------------
    def item(self) -> float:
        """The number this node holds, as a Python float (``tensor.item()`` in PyTorch).

        Example:
            >>> (Value(2.0) * 3).item()
            6.0
        """
        return self.data

    def detach(self) -> Value:
        """A new leaf with the same data and no graph: gradients do not flow through it.

        As ``tensor.detach()``: use it for a number computed from the graph that should
        act as a constant (a target, a running statistic).

        Example:
            >>> x = Value(3.0)
            >>> y = x * x.detach()      # d/dx sees the second factor as the constant 3
            >>> y.backward()
            >>> x.grad, x.detach().op, x.detach().data
            (3.0, '', 3.0)
        """
        return _leaf(self.data)

    # --- gradients ----------------------------------------------------------------------
    def backward(self, *, create_graph: bool = False) -> None:
        """Add d self / d node to the ``.grad`` of every node in this graph.

        Gradients accumulate, as in PyTorch: after k calls without zeroing, every node
        holds k times its gradient. The walk is iterative, so graphs of any depth work.
        ``.grad`` is shared state: two threads must not backpropagate through a graph
        they share at the same time (separate graphs are fine). The cycle collector is
        paused during the call (as by :func:`gc_paused`, so it nests with your own block).

        Args:
            create_graph: record the backward pass itself, so that the gradients are
                ``Value`` nodes that can be differentiated again.

        Raises:
            OverflowError: a gradient overflowed, also when added to the ``.grad`` a
                previous call left.
            ZeroDivisionError, ValueError: a derivative is infinite or undefined at this
                point (``sqrt`` at 0). On any error or interruption every ``.grad`` is
                left as it was before the call.

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
        topo: list[Value] = []
        olds: list[Any] = []
        with _gc_paused():
            try:
                _reverse_pass(self, create_graph, topo, olds)
                # Add back what was there before: every nonzero float, and every Value (a
                # Value gradient carries a graph even where its data is 0). A zero of a
                # float subclass (optim's NONE_GRAD) needs nothing added back either.
                if any(olds) or any(not issubclass(t, float) for t in set(map(type, olds))):
                    _add_back(topo, olds)
            except BaseException:
                _restore(topo, olds)
                raise

    def zero_grad(self) -> None:
        """Set ``.grad`` of every node in this graph to 0.0."""
        for node in _walk(self)[0]:
            node.grad = 0.0


# The ops this module names itself: for methods with a constant, n-ary nodes, and the
# backward pass's spelled-out cases.
_ADD, _SUB, _MUL, _DIV = OPS["add"], OPS["sub"], OPS["mul"], OPS["div"]
_ADD_C, _SUB_C, _MUL_C = OPS["add_const"], OPS["sub_const"], OPS["mul_const"]
_POW, _POW_CONST, _LEAKY_RELU = OPS["pow"], OPS["pow_const"], OPS["leaky_relu"]
_RPOW_CONST = OPS["rpow_const"]
_RELU, _TANH, _DOT, _SUM = OPS["relu"], OPS["tanh"], OPS["dot"], OPS["sum"]

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
    v._op = v._a = v._b = v._const = v._mark = None
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
    """``x`` itself if it is a Value, else a constant leaf for it (checked)."""
    if isinstance(x, Value):
        return x
    kind = type(x)
    if kind is float or kind is int:  # the common case, in one call: _leaf inlined
        try:
            f = float(x)  # type: ignore[arg-type]
        except OverflowError:  # an int beyond any float
            raise _too_large(x, where) from None
        if f - f == 0.0:
            v: Value = _new(Value)
            v.data = f
            v.grad = 0.0
            v.label = ""
            v._op = v._a = v._b = v._const = v._mark = None
            trace = _tracing.get()
            if trace is not None:
                trace.constants.add(v)
            return v
    return _leaf(_to_float(x, where))


def _data(x: object, where: str) -> float:
    return x.data if isinstance(x, Value) else _to_float(x, where)


def _overflow(op: Op, inputs: Sequence[float]) -> Exception:
    """The error for a non-finite result of ``op``: an overflow, or a non-finite input.

    Only built on the error path, so the diagnosis costs the hot path nothing.
    """
    shown = ", ".join(repr(d) for d in inputs[:4]) + (", ..." if len(inputs) > 4 else "")
    bad = [(i, d) for i, d in enumerate(inputs) if d - d != 0.0]
    if bad:  # a .data set by hand to nan or inf: the op did not overflow
        i, d = bad[0]
        return ValueError(
            f"{op.name}: input {i} is not finite ({d!r}), so neither is the result "
            f"(inputs: {shown}); was a .data set to nan or inf?"
        )
    if op.name in ("dot", "sum"):
        return OverflowError(
            f"{op.name}: the sum overflows a float (its terms are too large, or reach +inf "
            f"and -inf) (inputs: {shown})"
        )
    return OverflowError(f"{op.name}: the result overflows a float (inputs: {shown})")


def _record(op: Op, out: float, a: Any, b: Any, const: Any) -> Value:
    """The node for ``out``, recording its op and parents unless inside ``no_grad``."""
    v: Value = _new(Value)
    v.data = out
    v.grad = 0.0
    v.label = ""
    v._mark = None
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
    except (ArithmeticError, ValueError) as e:
        raise _raise_for(op, e, _inputs1(op, x, const)) from None
    if out - out != 0.0:  # inf or nan: an overflow, or a non-finite input
        raise _overflow(op, _inputs1(op, x, const))
    return _record(op, out, x, None, const)


def _inputs1(op: Op, x: Value, const: Any) -> list[float]:
    """A one-input op's operands as the user wrote them, for an error message."""
    if const is None:
        return [x.data]
    return [const, x.data] if op is _RPOW_CONST else [x.data, const]


def _apply2(op: Op, x: object, y: object) -> Value:
    if type(x) is not Value:
        x = _as_value(x, op.name)
    if type(y) is not Value:
        y = _as_value(y, op.name)
    try:
        out = op.forward(x.data, y.data)
    except (ArithmeticError, ValueError) as e:
        raise _raise_for(op, e, [x.data, y.data]) from None
    if out - out != 0.0:
        raise _overflow(op, [x.data, y.data])
    return _record(op, out, x, y, None)


def dot(
    ws: Iterable[Value | Number], xs: Iterable[Value | Number], bias: Value | Number | None = None
) -> Value:
    """One node for ``w1*x1 + ... + wn*xn + bias``: the building block of a fast neuron.

    The terms are added from left to right in plain float arithmetic, exactly
    ``((w1*x1 + w2*x2) + ...) + wn*xn``, then ``+ bias`` (as a Python loop or hand-written
    float code does; compiled mode uses the same order). Backward is one n-ary step.

    Args:
        ws: weights.
        xs: inputs, as many as ``ws``.
        bias: an optional term added last.

    Raises:
        ValueError: ``ws`` and ``xs`` differ in length.
        OverflowError: the sum overflows a float (or meets both +inf and -inf).

    Example:
        >>> w, x = [Value(1.0), Value(2.0)], [3.0, 4.0]
        >>> y = dot(w, x, bias=0.5)
        >>> y.backward()
        >>> y.data, [wi.grad for wi in w]
        (11.5, [3.0, 4.0])
    """
    # NOTE: the hot path of every neuron: one parents tuple, no other temporaries, the
    # table's forward (ops._dot_forward) spelled out on it, and the record inlined.
    wl = ws if type(ws) is list or type(ws) is tuple else list(ws)
    xl = xs if type(xs) is list or type(xs) is tuple else list(xs)
    n = len(wl)
    if n != len(xl):
        raise ValueError(
            f"dot: ws and xs must have the same length (got {n} and {len(xl)})"
        )
    ps: tuple[Any, ...] = (*wl, *xl) if bias is None else (*wl, *xl, bias)
    for p in ps:
        if type(p) is not Value:
            ps = tuple([q if type(q) is Value else _as_value(q, "dot") for q in ps])
            break
    if n:
        out = ps[0].data * ps[n].data
        for i in range(1, n):
            out += ps[i].data * ps[n + i].data
        if bias is not None:
            out += ps[-1].data
    elif bias is None:
        return _leaf(0.0)
    else:
        out = ps[0].data
    if out - out != 0.0:
        raise _overflow(_DOT, [p.data for p in ps])
    v: Value = _new(Value)
    v.data = out
    v.grad = 0.0
    v.label = ""
    if _grad_enabled.get():
        v._op = _DOT
        v._a = ps
        v._b = _NARY
    else:
        v._op = v._a = v._b = None
    v._const = v._mark = None
    return v


def sum(values: Iterable[Value | Number]) -> Value:  # noqa: A001 - mirrors builtins.sum
    """One node for ``((x1 + x2) + x3) + ...``: plain left-to-right float addition.

    One term is that term itself; no terms give a 0.0 leaf.

    Raises:
        OverflowError: the sum overflows a float (or meets both +inf and -inf).

    Example:
        >>> xs = [Value(1.0), Value(2.0), 3]
        >>> s = sum(xs)
        >>> s.backward()
        >>> s.data, xs[0].grad
        (6.0, 1.0)
    """
    ps: tuple[Any, ...] = tuple(values)
    if not ps:
        return _leaf(0.0)
    for p in ps:
        if type(p) is not Value:
            ps = tuple([q if type(q) is Value else _as_value(q, "sum") for q in ps])
            break
    it = iter(ps)
    out = next(it).data
    for p in it:
        out += p.data
    if out - out != 0.0:
        raise _overflow(_SUM, [p.data for p in ps])
    return _record(_SUM, out, ps, _NARY, None)


# --- the backward pass ------------------------------------------------------------------
_ZERO = 0.0  # the one float object a zeroed .grad holds: `is` tells it was not touched


def _topological_order(root: Value) -> tuple[list[Value], set[Value]]:
    """Nodes of ``root``'s graph, each after all of its parents, and the same as a set."""
    order, _ = _walk(root)
    return order, set(order)


def _walk(
    root: Value, olds: list[Any] | None = None, order: list[Value] | None = None
) -> tuple[list[Value], object]:
    """Nodes of ``root``'s graph in topological order, and this walk's mark for them.

    An iterative depth-first search: a node is pushed back under its parents when first
    met and finished when met again. (In a DAG a node met again before it is finished
    is a stale duplicate, already finished.) No recursion, so no depth limit; and no
    push or pop where the next step is known (the last parent, a node whose parents
    are all finished), which takes a quarter off the walk of a micrograd-style graph.

    Each node records the walk's state in its ``_mark`` slot, with marks made afresh
    for every walk: an identity test on a slot is about twice as fast as a set. A node
    belongs to this walk's graph exactly when ``node._mark is done`` afterwards.

    Given a list ``olds``, the walk also saves each node's ``.grad`` there (in the
    order of the result) and sets it to 0.0, sparing the backward pass another sweep
    over the graph. NOTE: so two threads must not walk a graph they share at the same
    time (neither may they backpropagate through it at the same time: ``.grad`` is
    shared too). The result goes into ``order`` when given, so that a caller still
    holds both lists if the walk is interrupted: ``_restore(order, olds)`` then undoes
    every zeroing (a node is appended to ``order`` before its ``.grad`` is saved).
    """
    seen, done = object(), object()
    if order is None:
        order = []
    stack: list[Value] = []
    push, pop, append = stack.append, stack.pop, order.append
    keep = olds.append if olds is not None else None
    node = root
    while True:
        mark = node._mark
        if mark is not seen:
            if mark is done:  # a stale duplicate
                if not stack:
                    return order, done
                node = pop()
                continue
            # First met: push it back under its unfinished parents, then go on with the
            # parent that would be pushed last (the next pop) without pushing it. A node
            # whose parents are all finished is finished at once. A parent is never
            # marked ``seen`` here: that would be a cycle. The order is that of pushing
            # every parent and popping them one by one.
            a = node._a
            b = node._b
            if b is None:
                if a is not None and a._mark is not done:
                    node._mark = seen
                    push(node)
                    node = a
                    continue
            elif b is _NARY:
                node._mark = seen
                push(node)
                for p in a:
                    if p._mark is not done:
                        push(p)
                node = pop()
                continue
            elif a._mark is not done:
                node._mark = seen
                push(node)
                push(a)
                node = b if b._mark is not done else pop()
                continue
            elif b._mark is not done:
                node._mark = seen
                push(node)
                node = b
                continue
        node._mark = done
        append(node)
        if keep is not None:
            keep(node.grad)
            node.grad = _ZERO
        if not stack:
            return order, done
        node = pop()


def _reverse_pass(root: Value, create_graph: bool, topo: list[Value], olds: list[Any]) -> object:
    """Leave d root / d node (this pass only) in every node's ``.grad``.

    Fills ``topo`` with the nodes in topological order and ``olds`` with each node's
    ``.grad`` from before the pass, for the caller to add back or restore (the caller
    restores them on any error, and must pause the collector: see ``gc_paused``; the
    pass makes no reference cycles but allocates enough to trigger it many times).
    Returns the walk's mark (see ``_walk``).
    """
    _, done = _walk(root, olds, topo)
    if create_graph:
        _propagate_values(topo, root)
    else:
        _propagate_floats(topo, root)
    return done


def _restore(topo: list[Value], olds: list[Any]) -> None:
    """Put back every ``.grad`` a walk saved (``zip`` stops at the shorter list)."""
    for node, old in zip(topo, olds):
        node.grad = old


def _add_back(topo: list[Value], olds: list[Any]) -> None:
    """Add the gradients from before the pass to this pass's: all of them, or none.

    Every sum is computed and checked before any ``.grad`` is set, so an overflow (two
    finite gradients adding up to inf) raises with nothing changed.
    """
    sums: list[tuple[Value, Any]] = []
    for node, old in zip(topo, olds):
        if type(old) is not float or old:
            new = node.grad
            try:
                total = old + new
            except OverflowError:  # a Value gradient whose add node overflowed
                total = None
            if total is None or (type(total) is float and total - total != 0.0):
                raise OverflowError(
                    f"backward: adding this call's gradient ({_data_of(new)!r}) to the .grad "
                    f"a previous call left ({_data_of(old)!r}) overflows a float at the "
                    f"{node.op or 'leaf'} node {_short(node)}; call zero_grad() between "
                    "backward calls, or scale the loss down (no .grad was changed)"
                )
            sums.append((node, total))
    for node, total in sums:
        node.grad = total


def _data_of(g: Any) -> float:
    return g if type(g) is float else float(g.data)


def _short(node: Value) -> str:
    label = f" {node.label!r}" if node.label else ""
    return f"Value(data={node.data!r}){label}"


def _propagate_floats(topo: list[Value], root: Value) -> None:
    root.grad = 1.0
    leaves = []
    node = root
    # NOTE: a try block costs nothing until it catches; the except names the node whose
    # partials failed (a float ** that overflows raises a bare errno OverflowError).
    try:
        for node in reversed(topo):
            op = node._op
            if op is None:
                leaves.append(node)
                continue
            g = node.grad
            if g == 0.0:  # nothing flows back through this node
                continue
            if g - g != 0.0:
                _raise_overflow(node, topo)
            a = node._a
            b = node._b
            # NOTE: the commonest ops are spelled out: the table's partials for each, written
            # exactly as in ops.py and multiplied into g as the general case below would
            # (test_fast_paths_match_the_table checks they agree to the bit).
            if op is _ADD:
                a.grad += g
                b.grad += g
            elif op is _MUL:
                a.grad += g * b.data
                b.grad += g * a.data
            elif op is _RELU:
                if a.data > 0.0:
                    a.grad += g
            elif op is _MUL_C:
                a.grad += g * node._const
            elif op is _ADD_C or op is _SUB_C:
                a.grad += g
            elif op is _SUB:
                a.grad += g
                b.grad -= g
            elif op is _TANH:
                out = node.data
                a.grad += g * (1.0 - out * out)
            elif op is _DIV:
                y = b.data
                a.grad += g * (1.0 / y)
                b.grad += g * (-node.data / y)
            elif op is _POW_CONST and node._const != 0.0 and (a.data != 0.0 or node._const >= 1.0):
                c = node._const
                a.grad += g * (c * a.data ** (c - 1.0))
            elif b is None:
                c = node._const
                if c is None:
                    (d,) = op.partials(node.data, a.data)
                else:
                    (d,) = op.partials(node.data, a.data, c)
                a.grad += g * d
            elif b is _NARY:
                if op is _DOT:
                    n = len(a) // 2
                    ws, xs = a[:n], a[n : 2 * n]
                    for w, x in zip(ws, xs):
                        w.grad += g * x.data
                    for w, x in zip(ws, xs):
                        x.grad += g * w.data
                    if len(a) % 2:
                        a[-1].grad += g
                else:
                    for p, d in zip(a, op.partials(node.data, *[p.data for p in a])):
                        p.grad += g * d
            else:
                da, db = op.partials(node.data, a.data, b.data)
                a.grad += g * da
                b.grad += g * db
    except (ArithmeticError, ValueError) as e:
        raise _partial_error(node, e) from None
    total = builtins.sum(map(_get_grad, leaves))  # finite unless some leaf's is not
    if total - total != 0.0:
        for leaf in leaves:
            if leaf.grad - leaf.grad != 0.0:
                _raise_overflow(leaf, topo)


def _raise_overflow(node: Value, topo: list[Value] | None = None) -> None:
    """Raise for a non-finite gradient at ``node``, naming the ops it flowed back from."""
    users = ""
    if topo is not None:  # the error path only: find the nodes that use this one
        names = sorted({u.op for u in topo if any(p is node for p in _parents(u))})
        users = f", which is an input of {', '.join(names)}" if names else ""
    why = "the loss or its scale is probably too large"
    if node.grad != node.grad and topo is not None:
        bad = [u for u in topo if u.data - u.data != 0.0]
        if bad:
            why = f"the data of {_short(bad[0])} is not finite (was a .data set to nan or inf?)"
    raise OverflowError(
        f"backward: a gradient overflowed to {node.grad!r} at the {node.op or 'leaf'} node "
        f"{_short(node)}{users}; {why}"
    )


def _partial_error(node: Value, error: Exception) -> Exception:
    """The error for a failed partial derivative of ``node``: one naming its op and inputs."""
    text = str(error)
    op = node._op
    if op is None or text.startswith("backward:"):
        return error
    name = op.name
    inputs = [p.data for p in _parents(node)]
    if node._const is not None:
        inputs.append(node._const)
    shown = ", ".join(repr(d) for d in inputs[:4]) + (", ..." if len(inputs) > 4 else "")
    if isinstance(error, OverflowError):  # a bare errno one, or a node inside the partial's
        inner = "" if text.startswith("(") or not text else f" ({text})"
        return OverflowError(
            f"backward: a derivative of {name} overflows a float at its inputs ({shown}); "
            f"the gradient there is too large to represent{inner}"
        )
    if text.startswith(f"{name}:"):
        return error  # the table's own message ("sqrt: derivative is infinite at x=0.0")
    head, colon, rest = text.partition(":")
    if colon and head in OPS:
        return type(error)(f"{name}:{rest}")  # a shared helper's message, for this op
    return type(error)(f"backward: a derivative of {name} failed at its inputs ({shown}): {text}")


_get_grad = operator.attrgetter("grad")


def _propagate_values(topo: list[Value], root: Value) -> None:
    root.grad = _leaf(1.0)
    node = root
    try:
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
    except (ArithmeticError, ValueError) as e:
        raise _partial_error(node, e) from None


def _gradients(root: Value, wrt: Sequence[Value], create_graph: bool) -> list[Any]:
    """d root / d w for each w in ``wrt``, leaving every ``.grad`` as it was (pure).

    Every ``.grad`` is restored whatever happens, also on an interruption.
    """
    topo: list[Value] = []
    olds: list[Any] = []
    with _gc_paused():
        try:
            done = _reverse_pass(root, create_graph, topo, olds)
            grads = [w.grad if w._mark is done else 0.0 for w in wrt]
            _restore(topo, olds)
        except BaseException:  # also one that interrupts the _restore above: it is idempotent
            _restore(topo, olds)
            raise
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
        ...     (Value(1.0) + Value(1.0)).op
        'add'
    """
    return _grad_mode(True)


# --- the cycle collector ----------------------------------------------------------------
_gc_lock = threading.Lock()
_gc_pauses = 0  # how many gc_paused blocks are open, in any thread
_gc_was_enabled = False  # the collector's state when the first of them opened


@contextmanager
def _gc_paused() -> Iterator[None]:
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
        _gc_pauses += 1
        gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def gc_paused() -> Any:
    """Context manager (or decorator) that pauses Python's cycle collector inside it.

    A graph of ``Value`` nodes holds no reference cycle (no closures, parents only point
    upwards), so reference counting frees it the moment the last reference goes; the
    cycle collector has nothing to find there, yet it rescans every live node each time
    enough objects are allocated. In a process that also holds large libraries (torch,
    numpy: any notebook) that rescanning can double the time a step takes. ``fit`` and
    ``minimize`` pause the collector around their loops; wrap your own training loop
    in this to do the same. The collector is switched back on when the outermost block
    ends (if it was on before), also when the block raises.

    Example:
        >>> import gc
        >>> with gc_paused():
        ...     y = (Value(2.0) * 3.0).tanh()
        ...     gc.isenabled()
        False
    """
    return _gc_paused()
