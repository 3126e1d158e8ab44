"""Line searches: choose a step length ``alpha`` along a descent direction.

Both searches work on the one-dimensional restriction ``phi(alpha) = f(x + alpha*d)`` of
the cost along a direction ``d``, given as a function returning the pair
``(phi(alpha), phi'(alpha))`` (the value and the directional derivative
``grad f(x + alpha*d) . d``: with reverse mode both come from one evaluation):

* :func:`armijo`: backtracking from ``alpha0`` until the sufficient-decrease (Armijo)
  condition ``phi(alpha) <= phi(0) + c1 * alpha * phi'(0)`` holds, each trial from the
  minimizer of a quadratic, then cubic, interpolant (Nocedal & Wright, *Numerical
  Optimization*, 2nd ed., section 3.5; scipy's ``scalar_search_armijo``);
* :func:`strong_wolfe`: Nocedal & Wright's Algorithm 3.5 with the ``zoom`` of Algorithm
  3.6 (cubic interpolation, quadratic as fallback, bisection as last resort, as scipy's
  ``scalar_search_wolfe2``; longer trials from the secant of the slope rather than by
  doubling), returning a step that satisfies the strong Wolfe conditions
  ``phi(alpha) <= phi(0) + c1 * alpha * phi'(0)`` and ``|phi'(alpha)| <= c2 * |phi'(0)|``.

:func:`line_search` runs either on ``(f, fprime, xk, pk)`` with lists of floats, as
``scipy.optimize.line_search`` does. A trial where ``phi`` is not finite (an overflow, a
step out of ``f``'s domain) counts as "too long": the searches shrink the step.

Example:
    >>> phi = lambda a: ((a - 2.0) ** 2, 2.0 * (a - 2.0))  # phi(0) = 4, phi'(0) = -4
    >>> r = strong_wolfe(phi)  # alpha = 1: phi' = -2, |-2| <= 0.9 * |-4|
    >>> r.success, r.alpha, r.phi
    (True, 1.0, 1.0)
    >>> strong_wolfe(phi, c2=0.1).alpha  # a stricter curvature condition: the minimum
    2.0
    >>> armijo(phi, alpha0=8.0).alpha
    2.0
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["LineSearchResult", "armijo", "strong_wolfe", "line_search"]

Phi = Callable[[float], tuple[float, float]]


@dataclass
class LineSearchResult:
    """What a line search found.

    Attributes:
        alpha: the step length accepted, or None when the search failed.
        phi: ``phi(alpha)`` (for a failed search: the best value seen).
        derphi: ``phi'(alpha)``.
        nfev: how many times ``phi`` was evaluated (each evaluation gives both values).
        success: whether the conditions of the search hold at ``alpha``.
        message: why the search stopped.

    Example:
        >>> LineSearchResult(1.0, 0.5, -0.1, 1, True, "").alpha
        1.0
    """

    alpha: float | None
    phi: float
    derphi: float
    nfev: int
    success: bool
    message: str


def _check(c1: float, c2: float | None, where: str) -> None:
    if not 0.0 < c1 < 1.0:
        raise ValueError(f"{where}: c1 must be in (0, 1) (got {c1!r})")
    if c2 is not None and not c1 < c2 < 1.0:
        raise ValueError(f"{where}: c2 must be in (c1, 1) = ({c1!r}, 1) (got {c2!r})")


def _safe(phi: Phi, alpha: float) -> tuple[float, float]:
    """``phi(alpha)``, with any non-finite or failed evaluation reported as (inf, nan)."""
    try:
        value, slope = phi(alpha)
        value, slope = float(value), float(slope)
    except (OverflowError, FloatingPointError, ValueError, ZeroDivisionError):
        return math.inf, math.nan
    if not (math.isfinite(value) and math.isfinite(slope)):
        return math.inf, math.nan
    return value, slope


def _start(phi: Phi, phi0: float | None, derphi0: float | None) -> tuple[float, float, int]:
    if phi0 is not None and derphi0 is not None:
        return float(phi0), float(derphi0), 0
    value, slope = phi(0.0)
    return float(value), float(slope), 1


def _quadmin(a: float, fa: float, fpa: float, b: float, fb: float) -> float | None:
    """The minimizer of the quadratic through (a, fa) with slope fpa at a and (b, fb)."""
    try:
        db = b - a
        curv = (fb - fa - fpa * db) / (db * db)
        if curv <= 0.0:
            return None
        x = a - fpa / (2.0 * curv)
    except (ZeroDivisionError, OverflowError):
        return None
    return x if math.isfinite(x) else None


def _cubicmin(a: float, fa: float, fpa: float, b: float, fb: float, c: float,
              fc: float) -> float | None:
    """The minimizer of the cubic through (a, fa), (b, fb), (c, fc) with slope fpa at a."""
    try:
        db, dc = b - a, c - a
        denom = (db * dc) ** 2 * (db - dc)
        rb, rc = fb - fa - fpa * db, fc - fa - fpa * dc
        ca = (dc * dc * rb - db * db * rc) / denom
        cb = (-dc ** 3 * rb + db ** 3 * rc) / denom
        radical = cb * cb - 3.0 * ca * fpa
        if radical < 0.0 or ca == 0.0:
            return None
        x = a + (-cb + math.sqrt(radical)) / (3.0 * ca)
    except (ZeroDivisionError, OverflowError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _extrapolate(a0: float, g0: float, a1: float, g1: float) -> float:
    """The next trial past ``a1`` while phi still descends there: in ``[2 a1, 10 a1]``.

    Where the slope rises towards 0 (``g0 < g1 < 0``), the zero of its secant through
    the last two trials; elsewhere the far end, 10 a1 (so a far minimum is reached in
    few trials, not by doubling).
    """
    lo, hi = 2.0 * a1, 10.0 * a1
    if g0 < g1 < 0.0 and a1 > a0:
        zero = a1 - g1 * (a1 - a0) / (g1 - g0)
        if math.isfinite(zero):
            return min(max(zero, lo), hi)
    return hi


def armijo(
    phi: Phi,
    phi0: float | None = None,
    derphi0: float | None = None,
    *,
    alpha0: float = 1.0,
    c1: float = 1e-4,
    amin: float = 1e-16,
    maxiter: int = 60,
) -> LineSearchResult:
    """Backtracking line search for the sufficient-decrease (Armijo) condition.

    Tries ``alpha0``; while ``phi(alpha) > phi(0) + c1 * alpha * phi'(0)``, the next trial
    is the minimizer of the quadratic interpolating ``phi(0)``, ``phi'(0)`` and the last
    trial (later, the cubic through the last two trials), kept inside
    ``[0.1 * alpha, 0.5 * alpha]`` so the step shrinks by a factor 2 to 10 each time
    (Nocedal & Wright, section 3.5).

    Args:
        phi: ``alpha -> (phi(alpha), phi'(alpha))``.
        phi0: ``phi(0)``, if known (saves an evaluation, with ``derphi0``).
        derphi0: ``phi'(0)``; must be negative (a descent direction).
        alpha0: the first step tried.
        c1: the sufficient-decrease constant, in (0, 1).
        amin: give up when the step falls below this.
        maxiter: the maximum number of trials.

    Returns:
        A :class:`LineSearchResult`; ``success`` when the Armijo condition holds.

    Raises:
        ValueError: ``c1`` out of range, ``alpha0 <= 0``, or a direction that is not a
            descent direction (``phi'(0) >= 0``).

    Example:
        >>> r = armijo(lambda a: ((a - 1.0) ** 2, 2.0 * (a - 1.0)), alpha0=10.0)
        >>> r.success, r.alpha
        (True, 1.0)
    """
    _check(c1, None, "armijo")
    if not alpha0 > 0.0:
        raise ValueError(f"armijo: alpha0 must be > 0 (got {alpha0!r})")
    f0, g0, nfev = _start(phi, phi0, derphi0)
    if not g0 < 0.0:
        raise ValueError(f"armijo: phi'(0) = {g0!r} is not negative: d is not a descent "
                         "direction")
    alpha, prev_alpha, prev_f = alpha0, 0.0, f0
    for _ in range(maxiter):
        fa, ga = _safe(phi, alpha)
        nfev += 1
        if fa <= f0 + c1 * alpha * g0:
            return LineSearchResult(alpha, fa, ga, nfev, True, "the Armijo condition holds")
        if prev_alpha > 0.0 and math.isfinite(fa) and math.isfinite(prev_f):
            trial = _cubicmin(0.0, f0, g0, alpha, fa, prev_alpha, prev_f)
        else:
            trial = _quadmin(0.0, f0, g0, alpha, fa) if math.isfinite(fa) else None
        lo, hi = 0.1 * alpha, 0.5 * alpha
        nxt = hi if trial is None else min(max(trial, lo), hi)
        prev_alpha, prev_f, alpha = alpha, fa, nxt
        if alpha < amin:
            break
    return LineSearchResult(None, f0, g0, nfev, False,
                            "the Armijo backtracking found no step with sufficient decrease")


def strong_wolfe(
    phi: Phi,
    phi0: float | None = None,
    derphi0: float | None = None,
    *,
    alpha1: float = 1.0,
    c1: float = 1e-4,
    c2: float = 0.9,
    amax: float = 1e100,
    maxiter: int = 40,
) -> LineSearchResult:
    """A step satisfying the strong Wolfe conditions (Nocedal & Wright, Alg. 3.5 and 3.6).

    Algorithm 3.5 tries ``alpha1`` and lengthens the step (up to ``amax``) until the
    interval from the previous trial brackets a strong Wolfe step: the next trial is
    where the secant of the slope through the last two trials reaches 0, kept within 2
    to 10 times the last one (scipy doubles); ``zoom``
    (Algorithm 3.6) then narrows the bracket, each trial the minimizer of the cubic
    through the bracket's ends and the previous trial, else of the quadratic, else the
    midpoint, rejecting interpolants too close to the ends (within 20% and 10% of the
    bracket, scipy's ``delta1`` and ``delta2``; a quadratic one is moved inside instead),
    at most 20 times.

    Args:
        phi: ``alpha -> (phi(alpha), phi'(alpha))``.
        phi0: ``phi(0)``, if known (with ``derphi0``, saves an evaluation).
        derphi0: ``phi'(0)``; must be negative.
        alpha1: the first step tried (1 for Newton and quasi-Newton directions).
        c1: the sufficient-decrease constant.
        c2: the curvature constant, ``c1 < c2 < 1`` (0.9 for quasi-Newton methods, 0.1
            for nonlinear conjugate gradients).
        amax: the longest step allowed.
        maxiter: the maximum number of bracketing steps, each at least doubling the step
            (scipy takes 10; zoom takes at most 20).

    Returns:
        A :class:`LineSearchResult`; ``success`` when both conditions hold at ``alpha``.

    Raises:
        ValueError: constants out of range, or ``phi'(0) >= 0``.

    Example:
        >>> r = strong_wolfe(lambda a: (a ** 4 - a, 4 * a ** 3 - 1), alpha1=0.1)
        >>> r.success, abs(r.derphi) <= 0.9 * 1.0
        (True, True)
    """
    _check(c1, c2, "strong_wolfe")
    if not alpha1 > 0.0:
        raise ValueError(f"strong_wolfe: alpha1 must be > 0 (got {alpha1!r})")
    f0, g0, nfev = _start(phi, phi0, derphi0)
    if not g0 < 0.0:
        raise ValueError(f"strong_wolfe: phi'(0) = {g0!r} is not negative: d is not a "
                         "descent direction")
    a_prev, f_prev, g_prev = 0.0, f0, g0
    a_cur = min(alpha1, amax)
    for i in range(maxiter):
        f_cur, g_cur = _safe(phi, a_cur)
        nfev += 1
        if f_cur > f0 + c1 * a_cur * g0 or (i > 0 and f_cur >= f_prev):
            return _zoom(phi, a_prev, a_cur, f_prev, f_cur, g_prev, f0, g0, c1, c2, nfev)
        if abs(g_cur) <= -c2 * g0:
            return LineSearchResult(a_cur, f_cur, g_cur, nfev, True,
                                    "the strong Wolfe conditions hold")
        if g_cur >= 0.0:
            return _zoom(phi, a_cur, a_prev, f_cur, f_prev, g_cur, f0, g0, c1, c2, nfev)
        if a_cur >= amax:
            break
        a_next = min(_extrapolate(a_prev, g_prev, a_cur, g_cur), amax)
        a_prev, f_prev, g_prev = a_cur, f_cur, g_cur
        a_cur = a_next
    return LineSearchResult(None, f_prev, g_prev, nfev, False,
                            "the strong Wolfe search found no bracket (f may be unbounded "
                            "below along d)")


def _zoom(phi: Phi, a_lo: float, a_hi: float, f_lo: float, f_hi: float, g_lo: float,
          f0: float, g0: float, c1: float, c2: float, nfev: int) -> LineSearchResult:
    """Algorithm 3.6: ``a_lo`` satisfies sufficient decrease; the bracket holds a step."""
    a_rec, f_rec = 0.0, f0
    for i in range(20):
        width = abs(a_hi - a_lo)
        lo, hi = min(a_lo, a_hi), max(a_lo, a_hi)
        a_j: float | None = None
        if i > 0 and math.isfinite(f_hi) and math.isfinite(f_rec):
            a_j = _cubicmin(a_lo, f_lo, g_lo, a_hi, f_hi, a_rec, f_rec)
            if a_j is not None and not lo + 0.2 * width <= a_j <= hi - 0.2 * width:
                a_j = None
        if a_j is None and math.isfinite(f_hi):
            # NOTE: a quadratic minimizer too near an end is moved to 10% inside the
            # bracket rather than replaced by the midpoint (scipy's choice): after a far
            # too long first trial, the bracket then shrinks 10x per step, not 2x.
            a_j = _quadmin(a_lo, f_lo, g_lo, a_hi, f_hi)
            if a_j is not None:
                a_j = min(max(a_j, lo + 0.1 * width), hi - 0.1 * width)
        if a_j is None:
            a_j = a_lo + 0.5 * (a_hi - a_lo)
        f_j, g_j = _safe(phi, a_j)
        nfev += 1
        if f_j > f0 + c1 * a_j * g0 or f_j >= f_lo:
            a_rec, f_rec = a_hi, f_hi
            a_hi, f_hi = a_j, f_j
        else:
            if abs(g_j) <= -c2 * g0:
                return LineSearchResult(a_j, f_j, g_j, nfev, True,
                                        "the strong Wolfe conditions hold")
            if g_j * (a_hi - a_lo) >= 0.0:
                a_rec, f_rec = a_hi, f_hi
                a_hi, f_hi = a_lo, f_lo
            else:
                a_rec, f_rec = a_lo, f_lo
            a_lo, f_lo, g_lo = a_j, f_j, g_j
    return LineSearchResult(None, f_lo, g_lo, nfev, False,
                            "the strong Wolfe zoom did not converge in 20 steps (precision "
                            "loss: the gradient may be inaccurate, or x is already optimal)")


def line_search(
    f: Callable[[list[float]], float],
    fprime: Callable[[list[float]], Sequence[float]],
    xk: Sequence[float],
    pk: Sequence[float],
    gfk: Sequence[float] | None = None,
    old_fval: float | None = None,
    *,
    method: str = "strong_wolfe",
    alpha0: float = 1.0,
    c1: float = 1e-4,
    c2: float = 0.9,
    amax: float = 1e100,
) -> tuple[float | None, int, int, float, float, float | None]:
    """Search along ``pk`` from ``xk``, as ``scipy.optimize.line_search`` does.

    Args:
        f: the cost, a function of a list of floats.
        fprime: its gradient, a list of floats.
        xk: the current point.
        pk: a descent direction at ``xk``.
        gfk: ``fprime(xk)``, if known.
        old_fval: ``f(xk)``, if known.
        method: ``"strong_wolfe"`` or ``"armijo"``.
        alpha0: the first step tried.
        c1: the sufficient-decrease constant.
        c2: the curvature constant (strong Wolfe only).
        amax: the longest step (strong Wolfe only).

    Returns:
        scipy's tuple ``(alpha, fc, gc, new_fval, old_fval, new_slope)``: the step (None
        on failure), the numbers of evaluations of ``f`` and of ``fprime``, ``f`` at the
        new point, ``f(xk)``, and the directional derivative at the new point.

    Raises:
        ValueError: an unknown ``method``, mismatched lengths, or ``pk`` not a descent
            direction.

    Example:
        >>> f = lambda x: (x[0] - 1.0) ** 2 + 10.0 * x[1] ** 2
        >>> g = lambda x: [2.0 * (x[0] - 1.0), 20.0 * x[1]]
        >>> line_search(f, g, [0.0, 0.0], [1.0, 0.0])[0]
        1.0
    """
    if method not in ("strong_wolfe", "armijo"):
        raise ValueError(f"line_search: method must be 'strong_wolfe' or 'armijo' "
                         f"(got {method!r})")
    x = [float(v) for v in xk]
    d = [float(v) for v in pk]
    if len(x) != len(d):
        raise ValueError(f"line_search: xk and pk must have the same length (got {len(x)} "
                         f"and {len(d)})")
    counts = [0, 0]

    def phi(alpha: float) -> tuple[float, float]:
        point = [xi + alpha * di for xi, di in zip(x, d)]
        counts[0] += 1
        counts[1] += 1
        return float(f(point)), math.fsum(gi * di for gi, di in zip(fprime(point), d))

    if old_fval is None:
        counts[0] += 1
        old_fval = float(f(x))
    if gfk is None:
        counts[1] += 1
        gfk = fprime(x)
    g0 = math.fsum(float(gi) * di for gi, di in zip(gfk, d))
    if method == "armijo":
        r = armijo(phi, old_fval, g0, alpha0=alpha0, c1=c1)
    else:
        r = strong_wolfe(phi, old_fval, g0, alpha1=alpha0, c1=c1, c2=c2, amax=amax)
    slope = r.derphi if r.success else None
    return r.alpha, counts[0], counts[1], r.phi, old_fval, slope
