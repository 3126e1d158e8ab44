"""The op table: every differentiable operation's forward and its local partials, side by side.

Each :class:`Op` holds a name, a ``forward`` on floats and ``partials(out, *inputs)``:
the local partial derivatives d out / d input_i, one per input, as a function of the
output and the inputs. The engine (:mod:`autograd_mini.value`) is the only place that
applies the chain rule (``parent.grad += grad * partial``).

Partials are written with plain arithmetic and the small generic helpers below
(``_exp``, ``_log``, ...), which work on floats *and* on ``Value`` objects. The same
table therefore serves first-order backprop on floats (``out`` and inputs are floats)
and higher-order backprop (``backward(create_graph=True)``: ``out`` and inputs are the
graph's own ``Value`` nodes, so the partials are recorded and differentiable again).

Ops with a constant parameter (``pow_const``'s exponent, ``leaky_relu``'s slope) take it
as one extra trailing argument in both ``forward`` and ``partials``; it is stored on the
node, not as a graph input, and gets no gradient.

``dot`` and ``sum`` add from left to right in plain float arithmetic (no ``math.fsum``):
``dot(ws, xs, b)`` is ``((w1*x1 + w2*x2) + w3*x3) + ... + wn*xn``, then ``+ b``; ``sum`` is
``((x1 + x2) + x3) + ...``; a single term is that term itself (so ``-0.0`` stays ``-0.0``).
That is what a Python loop and hand-written float code do, it is much faster than a
correctly rounded sum, and compiled mode generates exactly this order, so eager and
compiled results stay equal to the bit.

An error message raised by a forward or a partial starts with an op's name and a colon
(``"pow: ..."``); the engine puts the name of the node's own op there (``pow_const``).

Adding an op is one entry in :data:`OPS` (plus a method on ``Value`` that calls it, and a
domain entry in ``tests/strategies.py``). See ``docs/adding_an_op.md``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

__all__ = ["Op", "OPS", "REFLECTED"]

# A scalar in a partial: a float during plain backprop, a ``Value`` with create_graph.
Scalar = Any


# --- generic helpers: the same formula on floats and on Values -----------------------
def _exp(x: Scalar) -> Scalar:
    return math.exp(x) if type(x) is float else x.exp()


def _log(x: Scalar) -> Scalar:
    return math.log(x) if type(x) is float else x.log()


def _sin(x: Scalar) -> Scalar:
    return math.sin(x) if type(x) is float else x.sin()


def _cos(x: Scalar) -> Scalar:
    return math.cos(x) if type(x) is float else x.cos()


def _sigmoid(x: Scalar) -> Scalar:
    return _sigmoid_forward(x) if type(x) is float else x.sigmoid()


def _raw(x: Scalar) -> float:
    """The float behind ``x``, for piecewise choices (which branch), never for values."""
    return x if type(x) is float else float(x.data)


# --- forwards with their domain checks ----------------------------------------------
def _pow_forward(x: float, y: float) -> float:
    """``x ** y`` on floats; the engine names a result too large for a float itself."""
    if x == 0.0 and y < 0.0:
        raise ZeroDivisionError(f"pow: 0.0 cannot be raised to a negative power ({y!r})")
    if x < 0.0 and not y.is_integer():
        raise ValueError(
            f"pow: a negative base ({x!r}) with a non-integer exponent ({y!r}) has no real result"
        )
    return math.pow(x, y)


def _log_forward(x: float) -> float:
    if x <= 0.0:
        raise ValueError(f"log: argument must be > 0 (got {x!r})")
    return math.log(x)


def _sqrt_forward(x: float) -> float:
    if x < 0.0:
        raise ValueError(f"sqrt: argument must be >= 0 (got {x!r})")
    return math.sqrt(x)


def _sigmoid_forward(x: float) -> float:
    # NOTE: two branches so that exp never overflows: exp(-|x|) <= 1.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _softplus_forward(x: float) -> float:
    # NOTE: log(1 + exp(x)) overflows for x > 709; max(x, 0) + log1p(exp(-|x|)) never does.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


# --- partials with their edge cases -------------------------------------------------
def _pow_partials(out: Scalar, x: Scalar, y: Scalar) -> tuple[Scalar, Scalar]:
    """d(x**y)/dx = y*x**(y-1); d(x**y)/dy = x**y * log(x).

    As PyTorch: d/dx is 0 where y == 0, at any base (x**0 is 1 for every x), and at a
    zero base d/dy is 0 (for y >= 0, the only exponents a zero base allows).
    """
    xr, yr = _raw(x), _raw(y)
    if xr < 0.0:
        raise ValueError(
            f"pow: the derivative with respect to the exponent is undefined for a negative "
            f"base ({xr!r}); use a plain-number exponent if it needs no gradient"
        )
    if xr == 0.0:
        if yr == 0.0:
            return 0.0, 0.0
        if yr < 1.0:
            raise ZeroDivisionError(f"pow: derivative of x**{yr!r} is infinite at x=0.0")
        return y * x ** (y - 1.0), 0.0
    if yr == 0.0 and (type(y) is float or 1.0 / xr == math.inf):
        # NOTE: x**0 is 1 for every x, so d/dx is 0 (PyTorch masks it so). With
        # create_graph it stays y * x**(y-1), whose d/dy = 1/x is right, unless 1/x overflows.
        return 0.0, out * _log(x)
    return y * x ** (y - 1.0), out * _log(x)


def _pow_const_partials(out: Scalar, x: Scalar, c: float) -> tuple[Scalar]:
    """d(x**c)/dx = c * x**(c-1) for a constant exponent c."""
    if c == 0.0:
        return (0.0,)
    if _raw(x) == 0.0 and c < 1.0:
        raise ZeroDivisionError(f"pow: derivative of x**{c!r} is infinite at x=0.0")
    return (c * x ** (c - 1.0),)


def _rpow_const_partials(out: Scalar, y: Scalar, c: float) -> tuple[Scalar]:
    """d(c**y)/dy = c**y * log(c) for a constant base c; 0 where c == 0, as PyTorch."""
    if c == 0.0:
        return (0.0,)
    if c < 0.0:
        raise ValueError(
            f"pow: the derivative with respect to the exponent is undefined for a negative "
            f"base ({c!r})"
        )
    return (out * math.log(c),)


def _sqrt_partials(out: Scalar, x: Scalar) -> tuple[Scalar]:
    if _raw(out) == 0.0:
        raise ZeroDivisionError("sqrt: derivative is infinite at x=0.0")
    return (0.5 / out,)


def _abs_partials(out: Scalar, x: Scalar) -> tuple[float]:
    # NOTE: abs'(0) = 0, as PyTorch (the subgradient in the middle of [-1, 1]).
    xr = _raw(x)
    return (1.0 if xr > 0.0 else -1.0 if xr < 0.0 else 0.0,)


def _rpow_const_forward(y: float, c: float) -> float:
    """``c ** y`` for a constant (number) base ``c`` and the graph input ``y``."""
    return _pow_forward(c, y)


def _dot_forward(*v: float) -> float:
    """``((w1*x1 + w2*x2) + ...) + wn*xn``, then ``+ b``, over inputs (w_1..w_n, x_1..x_n[, b]).

    Plain left-to-right float addition (see the module docstring); ``b`` alone if n = 0.
    """
    n = len(v) // 2
    if n == 0:
        return v[0] if v else 0.0
    s = v[0] * v[n]
    for i in range(1, n):
        s += v[i] * v[n + i]
    if len(v) % 2:
        s += v[-1]
    return s


def _sum_forward(*v: float) -> float:
    """``((x1 + x2) + x3) + ...``: plain left-to-right float addition; 0.0 for no terms."""
    if not v:
        return 0.0
    s = v[0]
    for i in range(1, len(v)):
        s += v[i]
    return s


def _dot_partials(out: Scalar, *v: Scalar) -> tuple[Scalar, ...]:
    """Inputs are (w_1..w_n, x_1..x_n[, b]): d/dw_i = x_i, d/dx_i = w_i, d/db = 1."""
    n = len(v) // 2
    return v[n : 2 * n] + v[:n] + ((1.0,) if len(v) % 2 else ())


class Op:
    """One differentiable operation: its forward on floats and its local partials.

    Args:
        name: the op's name, as ``Value.op`` reports it.
        forward: ``forward(*inputs[, const]) -> float`` on floats; outside the op's
            domain it raises a typed error (the engine adds the op's name and inputs to
            a bare one, such as ``operator.truediv``'s ``ZeroDivisionError``).
        partials: ``partials(out, *inputs[, const]) -> tuple``, one partial derivative per
            input, written so that it works on floats and on ``Value`` nodes alike.
        arity: number of graph inputs, or ``-1`` for n-ary ops (``dot``, ``sum``).
        has_const: whether the op carries one constant parameter stored on the node.
        symbol: a short label for pictures (``"+"``, ``"tanh"``).
        formula: the partials written out for people, one per input, in the names
            ``{x}``, ``{y}`` (the inputs), ``{out}`` and ``{c}`` (the constant): the
            backprop explorer shows them beside the numbers ``partials`` computes. Empty
            for the n-ary ops, whose partials the explorer names input by input.

    Example:
        >>> OPS["mul"].forward(3.0, 4.0), OPS["mul"].partials(12.0, 3.0, 4.0)
        (12.0, (4.0, 3.0))
    """

    __slots__ = ("name", "forward", "partials", "arity", "has_const", "symbol", "formula")

    def __init__(
        self,
        name: str,
        forward: Callable[..., float],
        partials: Callable[..., tuple[Scalar, ...]],
        arity: int,
        *,
        has_const: bool = False,
        symbol: str = "",
        formula: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.forward = forward
        self.partials = partials
        self.arity = arity
        self.has_const = has_const
        self.symbol = symbol or name
        self.formula = formula

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


def _table(*ops: Op) -> dict[str, Op]:
    return {op.name: op for op in ops}


# fmt: off
OPS: dict[str, Op] = _table(
    #  name          forward                                partials(out, *inputs[, const])                       arity
    Op("add",        operator.add,                          lambda out, x, y: (1.0, 1.0),                         2, symbol="+", formula=("1", "1")),
    Op("sub",        operator.sub,                          lambda out, x, y: (1.0, -1.0),                        2, symbol="-", formula=("1", "-1")),
    Op("mul",        operator.mul,                          lambda out, x, y: (y, x),                             2, symbol="*", formula=("{y}", "{x}")),
    Op("div",        operator.truediv,                      lambda out, x, y: (1.0 / y, -out / y),                2, symbol="/", formula=("1 / {y}", "-{out} / {y}")),
    Op("neg",        operator.neg,                          lambda out, x: (-1.0,),                               1, symbol="-", formula=("-1",)),
    Op("pos",        operator.pos,                          lambda out, x: (1.0,),                                1, symbol="+", formula=("1",)),
    Op("add_const",  operator.add,                          lambda out, x, c: (1.0,),                             1, symbol="+", has_const=True, formula=("1",)),
    Op("sub_const",  operator.sub,                          lambda out, x, c: (1.0,),                             1, symbol="-", has_const=True, formula=("1",)),
    Op("rsub_const", lambda x, c: c - x,                    lambda out, x, c: (-1.0,),                            1, symbol="-", has_const=True, formula=("-1",)),
    Op("mul_const",  operator.mul,                          lambda out, x, c: (c,),                               1, symbol="*", has_const=True, formula=("{c}",)),
    Op("div_const",  operator.truediv,                      lambda out, x, c: (1.0 / c,),                         1, symbol="/", has_const=True, formula=("1 / {c}",)),
    Op("rdiv_const", lambda x, c: c / x,                    lambda out, x, c: (-out / x,),                        1, symbol="/", has_const=True, formula=("-{out} / {x}",)),
    Op("pow",        _pow_forward,                          _pow_partials,                                        2, symbol="**", formula=("{y} * {x} ** ({y} - 1)", "{out} * log({x})")),
    Op("pow_const",  _pow_forward,                          _pow_const_partials,                                  1, symbol="**", has_const=True, formula=("{c} * {x} ** ({c} - 1)",)),
    Op("rpow_const", _rpow_const_forward,                   _rpow_const_partials,                                 1, symbol="**", has_const=True, formula=("{out} * log({c})",)),
    Op("abs",        abs,                                   _abs_partials,                                        1, formula=("sign({x})",)),
    Op("exp",        math.exp,                              lambda out, x: (out,),                                1, formula=("{out}",)),
    Op("log",        _log_forward,                          lambda out, x: (1.0 / x,),                            1, formula=("1 / {x}",)),
    Op("sqrt",       _sqrt_forward,                         _sqrt_partials,                                       1, formula=("0.5 / {out}",)),
    Op("tanh",       math.tanh,                             lambda out, x: (1.0 - out * out,),                    1, formula=("1 - {out}**2",)),
    Op("sigmoid",    _sigmoid_forward,                      lambda out, x: (out * (1.0 - out),),                  1, formula=("{out} * (1 - {out})",)),
    Op("relu",       lambda x: 0.0 if x <= 0.0 else x,      lambda out, x: (1.0 if _raw(x) > 0.0 else 0.0,),      1, formula=("1 if {x} > 0 else 0",)),
    Op("leaky_relu", lambda x, a: x if x > 0.0 else a * x,  lambda out, x, a: (1.0 if _raw(x) > 0.0 else a,),     1, has_const=True, formula=("1 if {x} > 0 else {c}",)),
    Op("softplus",   _softplus_forward,                     lambda out, x: (_sigmoid(x),),                        1, formula=("sigmoid({x})",)),
    Op("sin",        math.sin,                              lambda out, x: (_cos(x),),                            1, formula=("cos({x})",)),
    Op("cos",        math.cos,                              lambda out, x: (-_sin(x),),                           1, formula=("-sin({x})",)),
    Op("dot",        _dot_forward,                          _dot_partials,                                       -1, symbol="dot"),
    Op("sum",        _sum_forward,                          lambda out, *x: (1.0,) * len(x),                     -1, symbol="sum"),
)
# fmt: on
# NOTE: relu'(0) = 0 and leaky_relu'(0) = slope, as PyTorch. relu tests x <= 0.0 rather
# than x > 0.0 so that a NaN input stays NaN (as in PyTorch) and is reported, not hidden.
# The *_const ops are the binary ops with a plain number on one side (x * 0.5, 1 - x):
# one node instead of two, and the same partials, bit for bit, as the binary op's.
REFLECTED = ("rsub_const", "rdiv_const", "rpow_const")  # ops whose constant is the left operand
