"""Gradient clipping by norm, as ``torch.nn.utils.clip_grad_norm_``."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import SupportsFloat, cast

from ..value import _describe
from .optimizer import _collect, _NoneGrad, _Param, _real

__all__ = ["clip_grad_norm_"]


def _norm(xs: list[float], p: float) -> float:
    """The p-norm of ``xs`` (absolute values), without overflow or underflow on the way."""
    if p == math.inf:
        return max(xs)
    if p == 1.0:
        return sum(xs)
    if p == 2.0:
        return math.hypot(*xs)
    big = max(xs)
    if big == 0.0 or not math.isfinite(big):
        return big
    # NOTE: scaled by the largest, as math.hypot is, so that x**p neither overflows
    # (1e200**2) nor underflows (1e-200**2) before the root is taken
    return big * float(math.fsum((x / big) ** p for x in xs) ** (1.0 / p))


def clip_grad_norm_(
    parameters: _Param | Iterable[_Param],
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """Scale the gradients so that their joint norm is at most ``max_norm``; return the norm.

    As ``torch.nn.utils.clip_grad_norm_``: ``total = ||(g_1, ..., g_n)||_p`` over the
    parameters that have a gradient (those holding :data:`NONE_GRAD` are left out, as
    PyTorch leaves out ``None``), then every such gradient is multiplied by
    ``min(max_norm / (total + 1e-6), 1)`` (so gradients whose norm is below
    ``max_norm`` are unchanged up to rounding, and the clipped norm is slightly below
    ``max_norm``). The norm is computed without overflow (scaled, as ``math.hypot``
    is): a gradient of 1e200 gives a norm of 1e200, where squaring first would give inf
    (PyTorch's float64 norm does), so it agrees with PyTorch to rounding wherever
    PyTorch's is finite. Gradients are read as floats (a ``Value`` gradient from
    ``backward(create_graph=True)`` is replaced by its clipped float).

    Args:
        parameters: one parameter or an iterable of them (objects with ``.grad``).
        max_norm: the largest norm allowed, ``>= 0``.
        norm_type: ``p > 0`` of the p-norm, or ``math.inf`` (or ``"inf"``) for the
            largest absolute value.
        error_if_nonfinite: raise if the norm is NaN or infinite, instead of scaling
            by it (which makes every gradient 0 or NaN, as in PyTorch).

    Returns:
        The total norm of the gradients before clipping (0.0 if none has a gradient).

    Raises:
        TypeError: an argument or a gradient has the wrong type.
        ValueError: ``max_norm`` is negative or NaN, or ``norm_type`` is not a norm.
        FloatingPointError: ``error_if_nonfinite`` and the norm is NaN or infinite (no
            gradient is changed); PyTorch raises ``RuntimeError`` there.

    Example:
        >>> from autograd_mini import Value
        >>> x, y = Value(1.0), Value(1.0)
        >>> (3 * x + 4 * y).backward()  # gradients (3, 4), norm 5
        >>> clip_grad_norm_([x, y], max_norm=1.0)
        5.0
        >>> round(x.grad, 6), round(y.grad, 6)
        (0.6, 0.8)
    """
    where = "clip_grad_norm_"
    params: list[_Param]
    if hasattr(parameters, "grad") and hasattr(parameters, "data"):
        params = [cast(_Param, parameters)]
    else:
        params = _collect(parameters, where)
    limit = _real(max_norm, "max_norm")
    if not limit >= 0.0:
        raise ValueError(f"{where}: max_norm must be >= 0 (got {max_norm!r})")
    if isinstance(norm_type, str):
        if norm_type != "inf":
            raise ValueError(f"{where}: norm_type must be a number or 'inf' (got {norm_type!r})")
        p = math.inf
    else:
        p = _real(norm_type, "norm_type")
    if not p > 0.0:
        raise ValueError(
            f"{where}: norm_type must be > 0 or inf (got {norm_type!r}); other values "
            "are not norms"
        )
    if not isinstance(error_if_nonfinite, bool):
        raise TypeError(
            f"{where}: error_if_nonfinite must be True or False "
            f"(got {_describe(error_if_nonfinite)})"
        )
    holders = [q for q in params if type(q.grad) is not _NoneGrad]
    grads = []
    for i, q in enumerate(holders):
        g = q.grad
        if isinstance(g, (str, bytes)) or not isinstance(g, SupportsFloat):
            raise TypeError(f"{where}: parameter {i} has .grad {_describe(g)}, not a number")
        grads.append(float(g))
    if not grads:
        return 0.0
    total = _norm([abs(g) for g in grads], p)
    if error_if_nonfinite and not math.isfinite(total):
        raise FloatingPointError(
            f"{where}: the total norm of order {p} of the gradients is {total!r}, so they "
            "cannot be clipped; no gradient was changed (pass error_if_nonfinite=False to "
            "scale by it anyway)"
        )
    coef = min(limit / (total + 1e-6), 1.0)
    for q, g in zip(holders, grads):
        q.grad = g * coef
    return total
