"""The Moré–Garbow–Hillstrom unconstrained test problems, as functions of ``Value``s.

J. J. Moré, B. S. Garbow and K. E. Hillstrom, "Testing unconstrained optimization
software", ACM TOMS 7 (1981) 17-41. Each problem is a sum of squares
``f(x) = sum_i f_i(x)**2`` of the residuals given in the paper, with the paper's standard
starting point, its known minimum value and (where the paper gives one) the minimizer.
The functions take positional ``Value``s (or floats) and return a ``Value``, so
``autograd_mini.minimize``, ``grad`` and ``hessian`` apply to them directly.

Example:
    >>> p = PROBLEMS["rosenbrock"]
    >>> p.f(*p.x0).data, p.f(*p.xstar).data
    (24.199999999999996, 0.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd_mini import Value, dot

__all__ = ["Problem", "PROBLEMS"]


@dataclass(frozen=True)
class Problem:
    """One test problem: its number in the paper, f, x0, f*, x* (if known), a local f."""

    number: int
    name: str
    f: Callable[..., Any]
    x0: list[float]
    fstar: float
    xstar: list[float] | None
    flocal: float | None = None  # a local minimum the paper names, where runs may stop

    @property
    def n(self) -> int:
        return len(self.x0)


def _sum_of_squares(residuals: Callable[..., Sequence[Any]]) -> Callable[..., Any]:
    def f(*x: Any) -> Any:
        r = list(residuals(*[v if isinstance(v, Value) else Value(float(v)) for v in x]))
        return dot(r, r)

    f.__name__ = residuals.__name__
    return f


def rosenbrock(x1: Any, x2: Any) -> list[Any]:
    return [10 * (x2 - x1 * x1), 1 - x1]


def freudenstein_roth(x1: Any, x2: Any) -> list[Any]:
    return [-13 + x1 + ((5 - x2) * x2 - 2) * x2, -29 + x1 + ((x2 + 1) * x2 - 14) * x2]


def powell_badly_scaled(x1: Any, x2: Any) -> list[Any]:
    return [1e4 * x1 * x2 - 1, (-x1).exp() + (-x2).exp() - 1.0001]


def brown_badly_scaled(x1: Any, x2: Any) -> list[Any]:
    return [x1 - 1e6, x2 - 2e-6, x1 * x2 - 2]


def beale(x1: Any, x2: Any) -> list[Any]:
    return [y - x1 * (1 - x2**i) for i, y in ((1, 1.5), (2, 2.25), (3, 2.625))]


def jennrich_sampson(x1: Any, x2: Any) -> list[Any]:
    return [2 + 2 * i - ((i * x1).exp() + (i * x2).exp()) for i in range(1, 11)]


def _atan(t: Any) -> Any:
    """atan(t) exact in value, first and second derivative (there is no atan op).

    NOTE: the second-order Taylor polynomial of atan around the current value t0 of t
    (a constant), evaluated at t: equal to atan(t0) with the exact first and second
    derivatives at t0, which is all that minimize's gradient and Hessian use.
    """
    t0 = t.data if isinstance(t, Value) else float(t)
    d = t - t0
    return math.atan(t0) + d / (1 + t0 * t0) - d * d * t0 / (1 + t0 * t0) ** 2


def helical_valley(x1: Any, x2: Any, x3: Any) -> list[Any]:
    x1f = x1.data if isinstance(x1, Value) else float(x1)
    theta = _atan(x2 / x1) / (2 * math.pi) + (0.5 if x1f < 0 else 0.0)
    return [10 * (x3 - 10 * theta), 10 * ((x1 * x1 + x2 * x2).sqrt() - 1), x3]


_BARD_Y = [0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96, 1.34,
           2.10, 4.39]


def bard(x1: Any, x2: Any, x3: Any) -> list[Any]:
    out = []
    for i, y in enumerate(_BARD_Y, start=1):
        u, v = i, 16 - i
        w = min(u, v)
        out.append(y - (x1 + u / (v * x2 + w * x3)))
    return out


def wood(x1: Any, x2: Any, x3: Any, x4: Any) -> list[Any]:
    return [10 * (x2 - x1 * x1), 1 - x1, math.sqrt(90) * (x4 - x3 * x3), 1 - x3,
            math.sqrt(10) * (x2 + x4 - 2), (x2 - x4) / math.sqrt(10)]


def extended_rosenbrock(*x: Any) -> list[Any]:
    out = []
    for i in range(0, len(x), 2):
        out += [10 * (x[i + 1] - x[i] * x[i]), 1 - x[i]]
    return out


def trigonometric(*x: Any) -> list[Any]:
    n = len(x)
    cos = [xj.cos() for xj in x]
    total = cos[0]
    for c in cos[1:]:
        total = total + c
    return [n - total + (i + 1) * (1 - cos[i]) - x[i].sin() for i in range(n)]


PROBLEMS: dict[str, Problem] = {p.name: p for p in [
    Problem(1, "rosenbrock", _sum_of_squares(rosenbrock), [-1.2, 1.0], 0.0, [1.0, 1.0]),
    Problem(2, "freudenstein_roth", _sum_of_squares(freudenstein_roth), [0.5, -2.0], 0.0,
            [5.0, 4.0], flocal=48.98425367924),
    Problem(3, "powell_badly_scaled", _sum_of_squares(powell_badly_scaled), [0.0, 1.0], 0.0,
            [1.098159329699759e-05, 9.106146739867318]),
    Problem(4, "brown_badly_scaled", _sum_of_squares(brown_badly_scaled), [1.0, 1.0], 0.0,
            [1e6, 2e-6]),
    Problem(5, "beale", _sum_of_squares(beale), [1.0, 1.0], 0.0, [3.0, 0.5]),
    Problem(6, "jennrich_sampson", _sum_of_squares(jennrich_sampson), [0.3, 0.4],
            124.36218235561479, [0.2578252135686162, 0.2578252135686162]),
    Problem(7, "helical_valley", _sum_of_squares(helical_valley), [-1.0, 0.0, 0.0], 0.0,
            [1.0, 0.0, 0.0]),
    Problem(8, "bard", _sum_of_squares(bard), [1.0, 1.0, 1.0], 8.214877306578981e-3,
            [0.08241055975623742, 1.133036092840056, 2.343695178884954]),
    Problem(14, "wood", _sum_of_squares(wood), [-3.0, -1.0, -3.0, -1.0], 0.0,
            [1.0, 1.0, 1.0, 1.0]),
    Problem(21, "extended_rosenbrock_10", _sum_of_squares(extended_rosenbrock),
            [-1.2, 1.0] * 5, 0.0, [1.0] * 10),
    # MGH give f = 0 for the trigonometric function but no minimizer; from x0 methods
    # commonly stop at the local minimum f = 2.79506e-5 (for n = 10).
    Problem(26, "trigonometric_10", _sum_of_squares(trigonometric), [0.1] * 10, 0.0, None,
            flocal=2.79506e-5),
]}
