"""The functional API of JAX and HIPS autograd: ``grad``, ``value_and_grad``, ``hessian``.

These transform a function of positional scalars into a function that returns its
derivatives. They are pure: they never change a ``.grad`` field the caller can see.
Plain numbers in give floats out; ``Value`` arguments give ``Value`` results that are
themselves differentiable, so ``grad(grad(f))`` is the second derivative and any
order works.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .value import Value, _as_value, _grad_mode, _gradients, _leaf, _to_float

__all__ = ["grad", "value_and_grad", "hessian"]

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
