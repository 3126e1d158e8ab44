"""The functional API of JAX, HIPS autograd and ``torch.autograd.functional``.

``grad``, ``value_and_grad`` and ``hessian``; ``jvp`` (forward mode), ``vjp``, ``hvp``
(Hessian-vector products) and ``jacobian`` (in either mode).

These transform a function of positional scalars into a function that returns its
derivatives. They are pure: they never change a ``.grad`` field the caller can see.
Plain numbers in give floats out; ``Value`` arguments give ``Value`` results that are
themselves differentiable, so ``grad(grad(f))`` is the second derivative and any
order works.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from .forward import push_tangents
from .ops import OPS
from .value import (
    _NARY,
    Value,
    _as_value,
    _describe,
    _grad_mode,
    _gradients,
    _leaf,
    _record,
    _to_float,
)

__all__ = ["grad", "value_and_grad", "hessian", "jvp", "vjp", "hvp", "jacobian"]

Argnums = int | Sequence[int]


def _normalize_argnums(argnums: Argnums, nargs: int, where: str) -> tuple[int, ...]:
    items = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    out = []
    for i in items:
        if not isinstance(i, int) or isinstance(i, bool):
            raise TypeError(f"{where}: argnums must be ints (got {i!r})")
        if not -nargs <= i < nargs:
            raise ValueError(
                f"{where}: argnums {i} is out of range for a call with {nargs} positional "
                "argument(s)"
            )
        out.append(i % nargs)
    return tuple(out)


def _box(x: object, where: str, i: int) -> Value:
    """A fresh node for argument ``i``: a leaf for a number, ``+x`` for a Value.

    The ``+x`` node keeps ``x``'s graph (so the result stays differentiable with respect
    to ``x``) while giving this argument its own node, so two arguments passed the same
    ``Value`` still get their own derivatives.
    """
    if isinstance(x, Value):
        return +x
    try:
        return _leaf(_to_float(x, where))
    except (TypeError, ValueError) as e:
        raise type(e)(f"{e} (argument {i})") from None


def _evaluate(
    f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], argnums: Argnums,
    where: str,
) -> tuple[Any, list[Value], tuple[int, ...], bool]:
    """Call ``f`` with boxed arguments; return (output, boxes, argnums, any Value input)."""
    nums = _normalize_argnums(argnums, len(args), where)
    # Numbers not differentiated still become (constant) Values, so that f can call
    # Value methods on every scalar argument; anything else passes through untouched.
    boxed = [
        _leaf(_to_float(a, where)) if type(a) in (int, float) and i not in nums else a
        for i, a in enumerate(args)
    ]
    made: dict[int, Value] = {}
    for i in nums:
        if i not in made:
            made[i] = boxed[i] = _box(args[i], where, i)
    boxes = [made[i] for i in nums]
    with _grad_mode(True):
        out = f(*boxed, **kwargs)
    if isinstance(out, bool) or not isinstance(out, (Value, int, float)):
        raise TypeError(
            f"{where}: f must return a scalar Value or number (got {type(out).__name__}); "
            "reduce the output to a scalar, e.g. with autograd_mini.sum(...)"
        )
    if not isinstance(out, Value):
        _check_finite(_to_float(out, where) if type(out) is int else out, where, "f's value")
    higher = any(isinstance(a, Value) for a in args)
    return out, boxes, nums, higher


def _derivatives(out: Any, boxes: list[Value], higher: bool) -> list[Any]:
    if not isinstance(out, Value):
        zeros = [0.0] * len(boxes)
        return [_leaf(z) for z in zeros] if higher else zeros
    grads = _gradients(out, boxes, create_graph=higher)
    if higher:
        return [_as_value(g, "grad") for g in grads]
    return [float(g) for g in grads]


def value_and_grad(
    f: Callable[..., Any], argnums: Argnums = 0
) -> Callable[..., tuple[Any, Any]]:
    """Return a function computing ``(f(*args), df/dargs)``.

    Args:
        f: a function of positional scalars returning a ``Value`` (or a plain number,
            whose derivatives are 0). Keyword arguments are passed through, not
            differentiated.
        argnums: which positional argument(s) to differentiate with respect to: an int
            gives one derivative, a tuple gives a tuple.

    Returns:
        A function returning the value and the derivative(s): floats for plain-number
        arguments; differentiable ``Value``s when any argument is a ``Value``.

    Example:
        >>> value_and_grad(lambda x, y: x * y + y, argnums=(0, 1))(3.0, 4.0)
        (16.0, (4.0, 4.0))
    """

    def value_and_grad_f(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        out, boxes, _, higher = _evaluate(f, args, kwargs, argnums, "value_and_grad")
        grads = _derivatives(out, boxes, higher)
        value: Any
        if higher:
            value = out if isinstance(out, Value) else _leaf(_to_float(out, "value_and_grad"))
        else:
            value = float(out)
        return value, grads[0] if isinstance(argnums, int) else tuple(grads)

    value_and_grad_f.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    value_and_grad_f.__doc__ = f"Value and gradient of {getattr(f, '__name__', 'f')}."
    return value_and_grad_f


def grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """Return a function computing the derivative(s) of ``f``.

    Args:
        f: a function of positional scalars returning a ``Value``.
        argnums: an int (one derivative) or a tuple of ints (a tuple of derivatives).

    Returns:
        The gradient function: floats for plain-number arguments, differentiable
        ``Value``s when any argument is a ``Value``, so ``grad`` nests to any order.

    Example:
        >>> f = lambda x: x ** 3
        >>> grad(f)(2.0), grad(grad(f))(2.0), grad(grad(grad(f)))(2.0)
        (12.0, 12.0, 6.0)
        >>> grad(lambda x, y: x * y, argnums=(0, 1))(2.0, 5.0)
        (5.0, 2.0)
    """
    vg = value_and_grad(f, argnums)

    def grad_f(*args: Any, **kwargs: Any) -> Any:
        return vg(*args, **kwargs)[1]

    grad_f.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    grad_f.__doc__ = f"Gradient of {getattr(f, '__name__', 'f')}."
    return grad_f


def hessian(f: Callable[..., Any]) -> Callable[..., list[list[Any]]]:
    """Return a function computing the matrix of second derivatives of ``f``.

    Rows and columns run over all positional arguments.

    Args:
        f: a function of positional scalars returning a ``Value``.

    Returns:
        A function returning a list of rows (floats for plain-number arguments,
        differentiable ``Value``s when any argument is a ``Value``).

    Example:
        >>> hessian(lambda x, y: x * x * y)(3.0, 2.0)
        [[4.0, 6.0], [6.0, 0.0]]
    """

    def hessian_f(*args: Any, **kwargs: Any) -> list[list[Any]]:
        if not args:
            return []
        out, boxes, _, higher = _evaluate(f, args, kwargs, tuple(range(len(args))), "hessian")
        firsts = _derivatives(out, boxes, True) if isinstance(out, Value) else []
        rows = []
        for i in range(len(args)):
            first = firsts[i] if firsts else 0.0
            rows.append(_derivatives(first, boxes, higher))
        return rows

    hessian_f.__name__ = f"hessian({getattr(f, '__name__', 'f')})"
    return hessian_f


# --- forward mode, vjp, hvp, jacobian ---------------------------------------------------
def _check_finite(x: Any, where: str, what: str) -> None:
    """Raise for a non-finite float result: nothing non-finite is returned silently."""
    if not isinstance(x, float):
        return  # Values are finite by construction (the engine raises on overflow); ints too
    f = float(x)
    if f - f != 0.0:
        kind = OverflowError if f in (math.inf, -math.inf) else ValueError
        raise kind(f"{where}: {what} is not finite ({f!r})")


def _sequence(xs: object, where: str, name: str) -> list[Any]:
    if isinstance(xs, (Value, int, float, str, bytes)) or not isinstance(xs, Sequence):
        raise TypeError(
            f"{where}: {name} must be a sequence with one entry per argument, e.g. [x] "
            f"(got {_describe(xs)})"
        )
    return list(xs)


def _outputs(out: Any, where: str) -> tuple[list[Value], bool]:
    """``f``'s result as a list of Values, and whether it was a list."""
    listed = isinstance(out, (list, tuple))
    items = list(out) if listed else [out]
    values = []
    for k, y in enumerate(items):
        if isinstance(y, Value):
            values.append(y)
            continue
        if isinstance(y, bool) or not isinstance(y, (int, float)):
            raise TypeError(
                f"{where}: f must return a scalar Value or a list of them "
                f"(got {type(y).__name__}{f' at output {k}' if listed else ''})"
            )
        _check_finite(y, where, f"f's output {k}" if listed else "f's value")
        values.append(_leaf(_to_float(y, where)))
    return values, listed


def _call_boxed(
    f: Callable[..., Any], primals: Sequence[Any], where: str
) -> tuple[list[Value], bool, list[Value], bool]:
    """Call ``f`` on boxed primals: (outputs, listed, boxes, any Value primal)."""
    boxes = [_box(p, where, i) for i, p in enumerate(primals)]
    with _grad_mode(True):
        out = f(*boxes)
    outs, listed = _outputs(out, where)
    return outs, listed, boxes, any(isinstance(p, Value) for p in primals)


def _tangent_arg(t: object, where: str, name: str, i: int) -> Any:
    if isinstance(t, Value):
        return t
    try:
        return _to_float(t, where)
    except (TypeError, ValueError, OverflowError) as e:
        raise type(e)(f"{e} ({name} {i})") from None


def _primals_and_tangents(
    primals: object, tangents: object, where: str
) -> tuple[list[Any], list[Any]]:
    """The checked ``primals`` and ``tangents`` of ``jvp`` and ``hvp``, one each per argument."""
    ps = _sequence(primals, where, "primals")
    ts = [_tangent_arg(t, where, "tangent", i)
          for i, t in enumerate(_sequence(tangents, where, "tangents"))]
    if len(ps) != len(ts):
        raise ValueError(
            f"{where}: primals and tangents must have the same length "
            f"(got {len(ps)} and {len(ts)})"
        )
    return ps, ts


def _result(x: Any, differentiable: bool, where: str, what: str) -> Any:
    """A derivative as returned: a float, or (differentiable) a Value."""
    if differentiable:
        return _as_value(x, where)
    _check_finite(x, where, what)
    return float(x)


def _values(outs: list[Value], higher: bool) -> list[Any]:
    return list(outs) if higher else [v.data for v in outs]


def jvp(
    f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]
) -> tuple[Any, Any]:
    """Forward mode: ``f(*primals)`` and its derivative in the direction ``tangents``.

    ``f`` is evaluated once on recording ``Value`` arguments; then one sweep in
    topological order computes each node's tangent as the sum of its op's partials
    (from the op table, the same entries backprop uses) times its parents' tangents.
    The graph is dropped afterwards and no ``.grad`` is touched.

    Args:
        f: a function of positional scalars returning a ``Value`` or a list of them.
        primals: the point, one number or ``Value`` per argument.
        tangents: the direction, one number or ``Value`` per argument.

    Returns:
        ``(value, directional_derivative)``, both lists when ``f`` returns a list:
        floats for plain numbers, differentiable ``Value``s when any primal or tangent
        is a ``Value`` (so ``jvp`` nests, and ``grad`` of it works).

    Raises:
        ValueError: ``primals`` and ``tangents`` differ in length, or hold a non-finite
            number.
        OverflowError: the directional derivative overflows a float.

    Example:
        >>> jvp(lambda x, y: x * y + x.sin(), [0.0, 3.0], [1.0, 0.5])
        (0.0, 4.0)
        >>> jvp(lambda x: [x * x, x.exp()], [0.0], [2.0])
        ([0.0, 1.0], [0.0, 2.0])
    """
    ps, ts = _primals_and_tangents(primals, tangents, "jvp")
    outs, listed, boxes, higher = _call_boxed(f, ps, "jvp")
    differentiable = higher or any(isinstance(t, Value) for t in ts)
    dots = push_tangents(outs, zip(boxes, ts), differentiable=differentiable)
    dots = [
        _result(d, differentiable, "jvp", "the directional derivative"
                + (f" of output {k}" if listed else ""))
        for k, d in enumerate(dots)
    ]
    values = _values(outs, differentiable)
    return (values, dots) if listed else (values[0], dots[0])


def vjp(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]:
    """Reverse mode: ``f(*primals)`` and a function pulling cotangents back to the inputs.

    ``f`` is evaluated once (recording); each call of ``vjp_fn(cotangent)`` is one
    backward pass over that graph, giving ``sum_k cotangent_k * d f_k / d primal_i``.

    Args:
        f: a function of positional scalars returning a ``Value`` or a list of them.
        *primals: the point, one number or ``Value`` per argument.

    Returns:
        ``(value, vjp_fn)``: the value (a list when ``f`` returns a list) and a function
        taking a cotangent (a number, or a list of them for a list-valued ``f``) and
        returning a tuple with one derivative per primal; floats for plain numbers,
        differentiable ``Value``s when a primal or a cotangent is a ``Value``.

    Example:
        >>> value, vjp_fn = vjp(lambda x, y: [x * y, x + y], 2.0, 3.0)
        >>> value, vjp_fn([1.0, 10.0])
        ([6.0, 5.0], (13.0, 12.0))
    """
    outs, listed, boxes, higher = _call_boxed(f, primals, "vjp")

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        cs = _sequence(cotangent, "vjp", "the cotangent") if listed else [cotangent]
        if len(cs) != len(outs):
            raise ValueError(
                f"vjp: f has {len(outs)} outputs but the cotangent has {len(cs)} entries"
            )
        cs = [_tangent_arg(c, "vjp", "cotangent", k) for k, c in enumerate(cs)]
        differentiable = higher or any(isinstance(c, Value) for c in cs)
        weights = [c if isinstance(c, Value) else _leaf(c) for c in cs]
        # NOTE: a dot node of the cotangents and the outputs, made without running its
        # forward (whose sum could overflow where no gradient does): backward reads only
        # the partials d/d out_k = cotangent_k, never the node's own data.
        with _grad_mode(True):
            root = _record(OPS["dot"], 0.0, (*weights, *outs), _NARY, None)
        grads = _gradients(root, boxes, create_graph=differentiable)
        return tuple(
            _result(g, differentiable, "vjp", f"the derivative for argument {i}")
            for i, g in enumerate(grads)
        )

    vjp_fn.__name__ = f"vjp({getattr(f, '__name__', 'f')})"
    values = _values(outs, higher)
    return (values if listed else values[0]), vjp_fn


def hvp(
    f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]
) -> tuple[Any, list[Any]]:
    """The Hessian of ``f`` at ``primals`` times the vector ``tangents``, in O(cost of f).

    Forward over reverse: one recording forward, one backward that records the
    gradient's graph (``create_graph``), and one forward-mode sweep over that graph
    seeded with ``tangents``: ``(H v)_i = d/dt grad_i(x + t v)`` at t = 0. No Hessian
    is formed. Returned as ``torch.autograd.functional.hvp`` returns it.

    Args:
        f: a function of positional scalars returning a scalar ``Value``.
        primals: the point, one number or ``Value`` per argument.
        tangents: the vector v, one number or ``Value`` per argument.

    Returns:
        ``(f(*primals), [(H v)_0, (H v)_1, ...])``: floats for plain numbers,
        differentiable ``Value``s when a primal or tangent is a ``Value``.

    Example:
        >>> hvp(lambda x, y: x * x * y, [3.0, 2.0], [1.0, 0.0])
        (18.0, [4.0, 6.0])
    """
    ps, vs = _primals_and_tangents(primals, tangents, "hvp")
    outs, listed, boxes, higher = _call_boxed(f, ps, "hvp")
    if listed:
        raise TypeError("hvp: f must return a scalar Value (got a list); use jacobian")
    differentiable = higher or any(isinstance(v, Value) for v in vs)
    grads = _gradients(outs[0], boxes, create_graph=True)
    roots = [g for g in grads if isinstance(g, Value)]
    pushed = iter(push_tangents(roots, zip(boxes, vs), differentiable=differentiable))
    hv = [next(pushed) if isinstance(g, Value) else 0.0 for g in grads]
    result = [_result(h, differentiable, "hvp", f"the product for argument {i}")
              for i, h in enumerate(hv)]
    return (outs[0] if higher else outs[0].data), result


def jacobian(
    f: Callable[..., Any], argnums: Argnums | None = None, *, mode: str = "rev"
) -> Callable[..., Any]:
    """Return a function computing the Jacobian of a list-valued ``f``.

    Args:
        f: a function of positional scalars returning a list of ``Value``s (a scalar
            result counts as a list of one).
        argnums: the arguments to differentiate with respect to: None (all of them) or
            a tuple gives rows that are lists, one entry per argument; an int gives one
            derivative per output.
        mode: ``"rev"`` (one backward pass per output: best for few outputs) or
            ``"fwd"`` (one forward-mode sweep per argument: best for few arguments).
            Both give the same numbers up to rounding.

    Returns:
        A function returning the list of rows ``J[k][j] = d f_k / d arg_j``: floats for
        plain numbers, differentiable ``Value``s when any argument is a ``Value``.

    Example:
        >>> J = jacobian(lambda x, y: [x * y, x + 2 * y])
        >>> J(3.0, 5.0), jacobian(lambda x, y: [x * y, x + 2 * y], mode="fwd")(3.0, 5.0)
        ([[5.0, 3.0], [1.0, 2.0]], [[5.0, 3.0], [1.0, 2.0]])
        >>> jacobian(lambda x, y: [x * y, x - y], argnums=1)(3.0, 5.0)
        [3.0, -1.0]
    """
    if mode not in ("rev", "fwd"):
        raise ValueError(f"jacobian: mode must be 'rev' or 'fwd' (got {mode!r})")

    def jacobian_f(*args: Any) -> Any:
        nums = _normalize_argnums(
            tuple(range(len(args))) if argnums is None else argnums, len(args), "jacobian"
        )
        # Arguments not differentiated pass as they are (numbers as constant leaves).
        boxed = [a if isinstance(a, Value) else _leaf(_to_float(a, "jacobian")) for a in args]
        made: dict[int, Value] = {}
        for i in nums:
            if i not in made:
                made[i] = boxed[i] = _box(args[i], "jacobian", i)
        with _grad_mode(True):
            outs, _ = _outputs(f(*boxed), "jacobian")
        higher = any(isinstance(a, Value) for a in args)
        wrt = [made[i] for i in nums]
        if mode == "rev":
            rows = [_gradients(y, wrt, create_graph=higher) for y in outs]
        else:
            cols = [push_tangents(outs, [(w, 1.0)], differentiable=higher) for w in wrt]
            rows = [[col[k] for col in cols] for k in range(len(outs))]
        rows = [[_result(d, higher, "jacobian", f"d output {k} / d argument {nums[j]}")
                 for j, d in enumerate(row)] for k, row in enumerate(rows)]
        return [row[0] for row in rows] if isinstance(argnums, int) else rows

    jacobian_f.__name__ = f"jacobian({getattr(f, '__name__', 'f')})"
    return jacobian_f
