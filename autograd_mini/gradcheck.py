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

from .functional import grad, jvp, vjp
from .value import _NARY, Value, _grad_mode, _gradients, _leaf, _to_float, _Trace, _tracing, _walk

__all__ = ["numerical_grad", "gradcheck", "GradcheckError", "check_grads", "gradgradcheck"]

Method = Literal["central", "forward", "backward", "richardson"]

_EPS = sys.float_info.epsilon
# Step sizes that balance truncation against rounding error (Numerical Recipes 5.7):
# O(h**2) truncation for central differences wants h ~ eps**(1/3), O(h) wants eps**(1/2).
# Richardson extrapolation starts from a large step (2**-4) and halves it (see _ridders).
_STEP = {"central": _EPS ** (1 / 3), "forward": _EPS**0.5, "backward": _EPS**0.5,
         "richardson": 2.0**-4}
_RICHARDSON_STEPS = 10  # central differences at h, h/2, ..., h/2**9 at most
_RICHARDSON_MIN_STEPS = 4  # and at least at h, ..., h/2**4
_PROBE_ERRORS = (ArithmeticError, ValueError)


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


# --- fast probes: f's recorded graph re-evaluated on plain floats -------------------------
def _record(f: Callable[..., Any], xs: Sequence[float]) -> tuple[Any, list[Value], _Trace]:
    """f at ``xs`` on recording leaves, under a trace that notes data-driven control flow."""
    leaves = [_leaf(x) for x in xs]
    trace = _Trace()
    token = _tracing.set(trace)
    try:
        with _grad_mode(True):
            out = f(*leaves)
    finally:
        _tracing.reset(token)
    return out, leaves, trace


class _Replay:
    """``f``'s recorded graph as a flat program on floats, from the op table's forwards.

    Each node becomes one instruction ``(index, forward, parent indexes, const)``; the
    node values at the recorded point are kept. Moving one argument re-runs only that
    argument's *cone*, the nodes downstream of it, in topological order: the same float
    operations in the same order as the engine's forward, so each result is the
    engine's to the last bit, at a fraction of a full evaluation (in a network, a
    weight of the last layer reaches a few nodes per sample, not the whole graph).
    """

    def __init__(self, out: Value, leaves: list[Value]) -> None:
        topo = _walk(out)[0]
        index = {id(node): k for k, node in enumerate(topo)}
        self.values = [node.data for node in topo]
        self.out = index[id(out)]
        self.leaves = [index.get(id(leaf)) for leaf in leaves]
        self.code: list[Any] = [None] * len(topo)
        self.children: list[list[int]] = [[] for _ in topo]
        for k, node in enumerate(topo):
            op = node._op
            if op is None:
                continue
            nary = node._b is _NARY
            parents = node._a if nary else (
                (node._a,) if node._b is None else (node._a, node._b))
            ps = tuple(index[id(p)] for p in parents)
            for j in set(ps):
                self.children[j].append(k)
            const = node._const if op.has_const else None
            if nary:
                self.code[k] = (k, op.forward, ps, -2, None)
            elif len(ps) == 2:
                self.code[k] = (k, op.forward, ps[0], ps[1], None)
            else:
                self.code[k] = (k, op.forward, ps[0], -1, const)
        self.cones: dict[int, list[Any]] = {}

    def _cone(self, starts: list[int]) -> list[Any]:
        seen = set(starts)
        stack = list(starts)
        while stack:
            for child in self.children[stack.pop()]:
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return [self.code[k] for k in sorted(seen) if self.code[k] is not None]

    def run(self, moved: dict[int, float]) -> float | None:
        """f with the given arguments moved, or None where a value is not finite."""
        starts = [k for i in moved if (k := self.leaves[i]) is not None]
        if not starts:
            return self.values[self.out]
        if len(starts) == 1:
            cone = self.cones.get(starts[0])
            if cone is None:
                cone = self.cones[starts[0]] = self._cone(starts)
        else:
            cone = self._cone(starts)
        v = self.values.copy()
        for i, x in moved.items():
            k = self.leaves[i]
            if k is not None:
                v[k] = x
        total = 0.0
        for k, forward, a, b, c in cone:
            if b >= 0:
                r = forward(v[a], v[b])
            elif b == -1:
                r = forward(v[a]) if c is None else forward(v[a], c)
            else:
                r = forward(*[v[j] for j in a])
            v[k] = r
            total += r
        # NOTE: the engine raises where a node is inf or nan; here one sum tells.
        return v[self.out] if total - total == 0.0 else None


class _Probes:
    """f at probe points: a replay of f's recorded graph where that is exact, else f itself.

    The replay is used only when it provably follows f: the recording saw no data reach
    Python control flow (``float()``, ``bool()``, comparisons), and at two checkpoints
    (every argument moved up by its step, then down) the replay equals a real call of
    ``f`` bit for bit, which catches constants f derived from ``.data`` (``x * x.data``).
    A probe whose replay meets a non-finite value or a domain error calls ``f``, so the
    errors are the engine's own.
    """

    def __init__(self, f: Callable[..., Any], xs: list[float], steps: list[float],
                 recorded: tuple[Any, list[Value], _Trace] | None = None) -> None:
        self.f = f
        self.xs = xs
        self.replay: _Replay | None = None
        try:
            out, leaves, trace = recorded if recorded is not None else _record(f, xs)
        except _PROBE_ERRORS:
            return  # undefined at xs itself: probe f directly
        if not isinstance(out, Value) or trace.concrete:
            return
        replay = _Replay(out, leaves)
        for sign in (1.0, -1.0):
            point = [x + sign * h for x, h in zip(xs, steps)]
            try:
                real = _evaluate(f, point, "numerical_grad")
                fast = replay.run(dict(enumerate(point)))
            except _PROBE_ERRORS:
                return
            if fast is None or fast != real:
                return
        self.replay = replay

    def __call__(self, i: int, x: float) -> float:
        """f with argument i moved to x (i = -1: at the point itself)."""
        if self.replay is not None:
            try:
                value = self.replay.run({} if i < 0 else {i: x})
                if value is not None:
                    return value
            except _PROBE_ERRORS:
                pass
        point = list(self.xs)
        if i >= 0:
            point[i] = x
        return _evaluate(self.f, point, "numerical_grad")


def _default_steps(xs: list[float], eps: float | None, method: str) -> list[float]:
    return [eps if eps is not None else _STEP[method] * max(1.0, abs(x)) for x in xs]


def numerical_grad(
    f: Callable[..., Any],
    args: Sequence[float | Value],
    *,
    eps: float | None = None,
    method: Method = "central",
) -> list[float]:
    """Estimate df/dargs by finite differences.

    ``f`` is called with ``Value`` arguments and may return a ``Value`` or a number.
    With the default step, argument i moves by ``h = c * max(1, |x_i|)`` where c is
    about ``cbrt(machine eps)`` (6e-6) for central differences and ``sqrt(machine eps)``
    (1.5e-8) for one-sided ones; the step is then rounded so that ``x + h`` is exact,
    which removes one source of error. ``"richardson"`` starts at ``c = 2**-4`` and
    halves the step until the extrapolated estimates stop improving (Ridders' method).

    ``f`` is recorded once; the probes then re-evaluate its graph on plain floats,
    which is what makes a gradient check of a network affordable. When ``f``'s Python
    control flow reads its arguments' values the probes call ``f`` itself instead.

    Args:
        f: a function of positional scalars.
        args: the point, a sequence of numbers (or ``Value``s, whose data is used).
        eps: a fixed step instead of the scaled default (the first step for
            ``"richardson"``).
        method: ``"central"`` ((f(x+h) - f(x-h)) / 2h, error O(h**2)), ``"forward"``
            ((f(x+h) - f(x)) / h), ``"backward"`` ((f(x) - f(x-h)) / h), both O(h), or
            ``"richardson"`` (central differences extrapolated to h = 0; about 1e-12
            relative for smooth f, at 8 to 20 evaluations per argument).

    Returns:
        One estimated partial derivative per argument, as floats.

    Raises:
        ValueError: a bad ``method`` or ``eps``, a step below the float spacing at an
            argument, ``f`` is undefined at a probe point (the message names the
            argument and the point; try a smaller ``eps`` or a one-sided method near a
            domain edge), or a non-finite estimate.
        OverflowError: an estimate overflows a float.

    Example:
        >>> [round(d, 6) for d in numerical_grad(lambda x, y: x * x * y, [3.0, 2.0])]
        [12.0, 9.0]
        >>> [round(d, 12) for d in numerical_grad(lambda x: x.exp(), [0.0], method="richardson")]
        [1.0]
    """
    if method not in _STEP:
        raise ValueError(
            "numerical_grad: method must be 'central', 'forward', 'backward' or 'richardson' "
            f"(got {method!r})"
        )
    if eps is not None and (not isinstance(eps, (int, float)) or not 0.0 < eps < math.inf):
        raise ValueError(f"numerical_grad: eps must be a positive finite number (got {eps!r})")
    xs = _numbers(args, "numerical_grad")
    return _numerical(f, xs, eps, method, None)


def _numerical(f: Callable[..., Any], xs: list[float], eps: float | None, method: str,
               recorded: tuple[Any, list[Value], _Trace] | None) -> list[float]:
    steps = []
    for i, (x, h) in enumerate(zip(xs, _default_steps(xs, eps, method))):
        exact = (x + h) - x  # NOTE: a step that is exactly representable around x
        if exact == 0.0:
            raise ValueError(
                f"numerical_grad: the step {h!r} is below the float spacing at argument {i} "
                f"= {x!r} (math.ulp(x) = {math.ulp(x)!r}); pass eps >= {2 * math.ulp(x)!r}"
            )
        steps.append(exact)
    probes = _Probes(f, xs, steps, recorded)
    f0 = probes(-1, 0.0) if method in ("forward", "backward") else 0.0
    grads = []
    for i, (x, h) in enumerate(zip(xs, steps)):
        if method == "richardson":
            d = _ridders(probes, xs, i, h)
        else:
            lo = x - h if method != "forward" else x
            hi = x + h if method != "backward" else x
            f_hi = _probe(probes, xs, i, hi, method, h) if method != "backward" else f0
            f_lo = _probe(probes, xs, i, lo, method, h) if method != "forward" else f0
            d = (f_hi - f_lo) / (hi - lo)
        if d - d != 0.0:
            kind = OverflowError if d in (math.inf, -math.inf) else ValueError
            raise kind(
                f"numerical_grad: the estimate for argument {i} = {x!r} is not finite ({d!r}); "
                "f or its derivative is too large there"
            )
        grads.append(d)
    return grads


def _ridders(probes: _Probes, xs: list[float], i: int, h: float) -> float:
    """Ridders' method: central differences at h, h/2, ... in a Richardson tableau.

    Each column removes the next even power of h from the error; the estimate kept is
    the entry whose change from its neighbours is smallest, and the halving stops once
    the diagonal's error grows past twice the best (rounding has taken over), but not
    before five steps: a large first step may not yet be in the range where the error
    falls as h**2, and there the error estimate misleads (with four, tanh(3x) at
    x = 0.5243 stopped with an error of 1e-10, its next diagonal entry 3.6e-15 off).
    (Numerical Recipes, 3rd ed., section 5.7, with a step ratio of 2.)
    """
    x = xs[i]

    def central(step: float) -> float:
        step = (x + step) - x
        hi = _probe(probes, xs, i, x + step, "richardson", step)
        lo = _probe(probes, xs, i, x - step, "richardson", step)
        return (hi - lo) / (2.0 * step)

    prev = [central(h)]
    best, error = prev[0], math.inf
    for step in range(1, _RICHARDSON_STEPS):
        h /= 2.0
        if (x + h) - x == 0.0:
            break  # below the float spacing at x: no smaller step exists
        row = [central(h)]
        factor = 4.0
        for j in range(1, len(prev) + 1):
            row.append((row[j - 1] * factor - prev[j - 1]) / (factor - 1.0))
            factor *= 4.0
            err = max(abs(row[j] - row[j - 1]), abs(row[j] - prev[j - 1]))
            if err <= error:
                best, error = row[j], err
        # NOTE: the first steps can be outside the asymptotic range (D(h) - f' not yet
        # ~ h**2), where the error estimate means little: always take a few.
        if step >= _RICHARDSON_MIN_STEPS and abs(row[-1] - prev[-1]) >= 2.0 * error:
            break
        prev = row
    return best


def _probe(probes: _Probes, xs: list[float], i: int, point: float, method: str,
           h: float) -> float:
    """f at ``xs`` with argument i moved to ``point``, or a clear error if undefined there."""
    try:
        return probes(i, point)
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
    recorded = _record(f, xs)
    out, leaves, _ = recorded
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value (got {type(out).__name__})")
    analytic = [float(g) for g in _gradients(out, leaves, create_graph=False)]
    numeric = _numerical(f, xs, eps, "central", recorded)
    bad = _failures(analytic, numeric, atol, rtol)
    if not bad:
        return True
    if not raise_exception:
        return False
    raise GradcheckError(_report(xs, analytic, numeric, bad, atol, rtol))


def _failures(analytic: list[float], numeric: list[float], atol: float, rtol: float) -> list[int]:
    return [
        i
        for i, (a, n) in enumerate(zip(analytic, numeric))
        if not abs(a - n) <= atol + rtol * abs(n)
    ]


Mode = Literal["fwd", "rev"]


def _mode_derivatives(f: Callable[..., Any], xs: Sequence[Any], mode: str) -> list[Any]:
    """Every partial derivative of f at xs, by forward mode (one jvp per argument) or reverse."""
    if mode == "rev":
        return list(vjp(f, *xs)[1](1.0))
    n = len(xs)
    return [jvp(f, xs, [1.0 if j == i else 0.0 for j in range(n)])[1] for i in range(n)]


def _partial(f: Callable[..., Any], i: int, mode: str) -> Callable[..., Any]:
    """The function d f / d arg i, computed in ``mode`` (differentiable for Value arguments)."""

    def df(*a: Any) -> Any:
        if mode == "rev":
            return vjp(f, *a)[1](1.0)[i]
        return jvp(f, a, [1.0 if j == i else 0.0 for j in range(len(a))])[1]

    df.__name__ = f"d{getattr(f, '__name__', 'f')}/darg{i}"
    return df


def check_grads(
    f: Callable[..., Any],
    args: Sequence[float | Value],
    *,
    order: int = 2,
    modes: Sequence[Mode] = ("fwd", "rev"),
    eps: float | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> None:
    """Check f's derivatives of every order up to ``order``, in each mode, numerically.

    The contract of HIPS autograd's and JAX's ``check_grads``: order 1 compares
    forward mode (``jvp``, one per argument) and reverse mode (``vjp``) with central
    differences of ``f``; order k + 1 checks, the same way, each partial derivative
    function ``d f / d arg_i`` computed in each mode. That is ``(n * len(modes))**(k-1)``
    first-order checks for n arguments: meant for small functions (a new op, a loss).

    Args:
        f: a function of positional scalars returning a scalar ``Value``.
        args: the point.
        order: the highest order to check (>= 1).
        modes: ``"fwd"``, ``"rev"`` or both.
        eps: finite-difference step (see :func:`numerical_grad`).
        atol: absolute tolerance.
        rtol: relative tolerance (each derivative passes when
            ``|analytic - numeric| <= atol + rtol * |numeric|``).

    Raises:
        GradcheckError: with ``gradcheck``'s per-input table, naming the order, the mode
            and the function checked.
        ValueError: a bad ``order`` or mode.

    Example:
        >>> check_grads(lambda x, y: (x * y).sin() + y.exp(), [0.5, -1.0], order=3)
    """
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"check_grads: order must be an int >= 1 (got {order!r})")
    modes = tuple(modes)
    if not modes or any(m not in ("fwd", "rev") for m in modes):
        raise ValueError(f"check_grads: modes must be 'fwd' and/or 'rev' (got {modes!r})")
    xs = _numbers(args, "check_grads")
    _check(f, xs, order, modes, eps, atol, rtol, 1, getattr(f, "__name__", "f"))


def _check(f: Callable[..., Any], xs: list[float], order: int, modes: tuple[str, ...],
           eps: float | None, atol: float, rtol: float, level: int, name: str) -> None:
    numeric = numerical_grad(f, xs, eps=eps)
    for mode in modes:
        analytic = [float(d) for d in _mode_derivatives(f, xs, mode)]
        bad = _failures(analytic, numeric, atol, rtol)
        if bad:
            raise GradcheckError(
                f"check_grads: order {level}, {mode} mode, the derivative of {name}: "
                + _report(xs, analytic, numeric, bad, atol, rtol, what=f"{mode} mode")
            )
    if order > 1:
        for mode in modes:
            for i in range(len(xs)):
                _check(_partial(f, i, mode), xs, order - 1, modes, eps, atol, rtol, level + 1,
                       f"d({name})/d(arg {i}) [{mode}]")


def gradgradcheck(
    f: Callable[..., Any],
    args: Sequence[float | Value],
    *,
    eps: float | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: double backprop against finite differences of the gradient.

    As PyTorch's ``gradgradcheck``: the gradient of ``f`` is computed by backprop with
    ``create_graph``, and each of its components is then checked with
    :func:`gradcheck` (backprop through the backward pass against central differences
    of the backprop gradient): row i of the Hessian, two ways.

    Args:
        f: a function of positional scalars returning a scalar ``Value``.
        args: the point.
        eps: finite-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance.
        raise_exception: raise ``GradcheckError`` on failure (else return False).

    Returns:
        True when every second derivative passes.

    Raises:
        GradcheckError: with the table of the first failing gradient component.

    Example:
        >>> gradgradcheck(lambda x, y: (x * y).tanh(), [0.5, -1.5])
        True
    """
    xs = _numbers(args, "gradgradcheck")
    for i in range(len(xs)):
        try:
            ok = gradcheck(grad(f, argnums=i), xs, eps=eps, atol=atol, rtol=rtol,
                           raise_exception=raise_exception)
        except GradcheckError as e:
            raise GradcheckError(
                f"gradgradcheck: the derivative of d f / d arg {i} (row {i} of the Hessian): "
                f"{e}"
            ) from None
        if not ok:
            return False
    return True


def _report(
    xs: list[float],
    analytic: list[float],
    numeric: list[float],
    bad: list[int],
    atol: float,
    rtol: float,
    what: str = "backprop",
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
        f"{'gradcheck: ' if what == 'backprop' else ''}{what} disagrees with central "
        f"differences for argument(s) "
        f"{', '.join(map(str, bad))} (tolerance: |analytic - numeric| <= {atol:g} + "
        f"{rtol:g} * |numeric|)\n" + "\n".join(lines)
    )
