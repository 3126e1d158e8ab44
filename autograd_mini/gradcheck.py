"""Numerical differentiation, first class: finite differences and the gradient checker.

``numerical_grad`` estimates derivatives from function values alone, so it works for
any function of positional scalars (and serves as a gradient source for optimizers);
``gradcheck`` compares backprop with central differences and, when they disagree,
says where and by how much.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from typing import Any, Literal

from .value import Value, _grad_mode, _gradients, _leaf, _to_float

__all__ = ["numerical_grad", "gradcheck", "GradcheckError"]

Method = Literal["central", "forward", "backward"]

_EPS = sys.float_info.epsilon
# Step sizes that balance truncation against rounding error (Numerical Recipes 5.7):
# O(h**2) truncation for central differences wants h ~ eps**(1/3), O(h) wants eps**(1/2).
_STEP = {"central": _EPS ** (1 / 3), "forward": _EPS**0.5, "backward": _EPS**0.5}


class GradcheckError(RuntimeError):
    """Backprop and finite differences disagree; the message is a table per input."""


def _evaluate(f: Callable[..., Any], xs: Sequence[float], where: str) -> float:
    with _grad_mode(False):
        out = f(*[_leaf(x) for x in xs])
    if isinstance(out, Value):
        return out.data
    if isinstance(out, bool) or not isinstance(out, (int, float)):
        raise TypeError(f"{where}: f must return a Value or a number (got {type(out).__name__})")
    return float(out)


def _numbers(args: Sequence[Any], where: str) -> list[float]:
    if isinstance(args, (Value, int, float)):
        raise TypeError(f"{where}: args must be a sequence of numbers, e.g. [x] (got {args!r})")
    return [_to_float(a.data if isinstance(a, Value) else a, where) for a in args]


def numerical_grad(
    f: Callable[..., Any],
    args: Sequence[float | Value],
    *,
    eps: float | None = None,
    method: Method = "central",
) -> list[float]:
    """Estimate df/dargs by finite differences.

    ``f`` is called with ``Value`` arguments (recording no graph) and may return a
    ``Value`` or a number. With the default step, argument i moves by
    ``h = c * max(1, |x_i|)`` where c is about ``cbrt(machine eps)`` (6e-6) for
    central differences and ``sqrt(machine eps)`` (1.5e-8) for one-sided ones; the step
    is then rounded so that ``x + h`` is exact, which removes one source of error.

    Args:
        f: a function of positional scalars.
        args: the point, a sequence of numbers (or ``Value``s, whose data is used).
        eps: a fixed step instead of the scaled default.
        method: ``"central"`` ((f(x+h) - f(x-h)) / 2h, error O(h**2)), ``"forward"``
            ((f(x+h) - f(x)) / h) or ``"backward"`` ((f(x) - f(x-h)) / h), both O(h).

    Returns:
        One estimated partial derivative per argument, as floats.

    Raises:
        ValueError: a bad ``method`` or ``eps``, or ``f`` is undefined at a probe point
            (the message names the argument and the point; try a smaller ``eps`` or a
            one-sided method near a domain edge).

    Example:
        >>> [round(d, 6) for d in numerical_grad(lambda x, y: x * x * y, [3.0, 2.0])]
        [12.0, 9.0]
    """
    if method not in _STEP:
        raise ValueError(
            f"numerical_grad: method must be 'central', 'forward' or 'backward' (got {method!r})"
        )
    if eps is not None and (not isinstance(eps, (int, float)) or not 0.0 < eps < math.inf):
        raise ValueError(f"numerical_grad: eps must be a positive finite number (got {eps!r})")
    xs = _numbers(args, "numerical_grad")
    f0 = _evaluate(f, xs, "numerical_grad") if method != "central" else 0.0
    grads = []
    for i, x in enumerate(xs):
        h = eps if eps is not None else _STEP[method] * max(1.0, abs(x))
        h = (x + h) - x  # NOTE: a step that is exactly representable around x
        lo = x - h if method != "forward" else x
        hi = x + h if method != "backward" else x
        f_hi = _probe(f, xs, i, hi, method, h) if method != "backward" else f0
        f_lo = _probe(f, xs, i, lo, method, h) if method != "forward" else f0
        grads.append((f_hi - f_lo) / (hi - lo))
    return grads


def _probe(f: Callable[..., Any], xs: list[float], i: int, point: float, method: str,
           h: float) -> float:
    """f at ``xs`` with argument i moved to ``point``, or a clear error if undefined there."""
    probe = list(xs)
    probe[i] = point
    try:
        return _evaluate(f, probe, "numerical_grad")
    except (ValueError, ZeroDivisionError, OverflowError) as e:
        raise ValueError(
            f"numerical_grad: f is not defined at argument {i} = {point!r} "
            f"(a {method} difference step of {h:.3g} from {xs[i]!r}): {e}"
        ) from e


def gradcheck(
    f: Callable[..., Any],
    args: Sequence[float | Value],
    *,
    eps: float | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check backprop's gradient of ``f`` at ``args`` against central differences.

    Each input passes when ``|analytic - numeric| <= atol + rtol * |numeric|`` (the
    test of PyTorch's gradcheck). Because the analytic side is backprop through the
    graph ``f`` records, a graph broken by reading ``.data`` is caught:
    ``lambda x: x * x.data`` backpropagates ``x`` where the true derivative is ``2x``.

    Args:
        f: a function of positional scalars returning a ``Value``.
        args: the point (numbers or ``Value``s, whose data is used).
        eps: finite-difference step (see :func:`numerical_grad`).
        atol: absolute tolerance.
        rtol: relative tolerance.
        raise_exception: raise ``GradcheckError`` on failure (else return False).

    Returns:
        True when every input passes.

    Raises:
        GradcheckError: with a table per input: the input, the analytic and numeric
            derivatives, the absolute error and the relative error.

    Example:
        >>> gradcheck(lambda x, y: (x * y).tanh(), [0.5, -1.5])
        True
        >>> gradcheck(lambda x: x * x.data, [3.0], raise_exception=False)
        False
    """
    xs = _numbers(args, "gradcheck")
    leaves = [_leaf(x) for x in xs]
    with _grad_mode(True):
        out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value (got {type(out).__name__})")
    analytic = [float(g) for g in _gradients(out, leaves, create_graph=False)]
    numeric = numerical_grad(f, xs, eps=eps, method="central")
    bad = [
        i
        for i, (a, n) in enumerate(zip(analytic, numeric))
        if not abs(a - n) <= atol + rtol * abs(n)
    ]
    if not bad:
        return True
    if not raise_exception:
        return False
    raise GradcheckError(_report(xs, analytic, numeric, bad, atol, rtol))


def _report(
    xs: list[float],
    analytic: list[float],
    numeric: list[float],
    bad: list[int],
    atol: float,
    rtol: float,
) -> str:
    head = ("arg", "input", "analytic", "numeric", "abs error", "rel error", "")
    rows = [head]
    for i, (x, a, n) in enumerate(zip(xs, analytic, numeric)):
        err = abs(a - n)
        rel = err / abs(n) if n else math.inf if err else 0.0
        mark = "FAIL" if i in bad else "ok"
        cells = (f"{x:.6g}", f"{a:.10g}", f"{n:.10g}", f"{err:.3g}", f"{rel:.3g}")
        rows.append((str(i), *cells, mark))
    widths = [max(len(r[c]) for r in rows) for c in range(len(head))]
    lines = ["  ".join(cell.rjust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    return (
        f"gradcheck: backprop disagrees with central differences for argument(s) "
        f"{', '.join(map(str, bad))} (tolerance: |analytic - numeric| <= {atol:g} + "
        f"{rtol:g} * |numeric|)\n" + "\n".join(lines)
    )
