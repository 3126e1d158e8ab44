"""``minimize``: a scalar function of positional scalars, by first- or second-order methods.

The name and the result follow ``scipy.optimize``: :func:`minimize` returns an
:class:`OptimizeResult` with ``x, fun, jac, nit, nfev, njev, nhev, status, success,
message`` (plus ``hess_inv`` for BFGS and the ``path`` of points visited), and a
``callback(intermediate_result)`` may raise ``StopIteration`` to stop the run.

Methods:

* first order, the update rules of :mod:`autograd_mini.optim`: ``"gd"``,
  ``"momentum"``, ``"nesterov"``, ``"adam"``; with ``line_search="armijo"`` or
  ``"strong_wolfe"`` the step length along each update is chosen by a line search
  instead of ``lr`` (see :mod:`autograd_mini.optim.line_search`);
* ``"newton"``: the exact Hessian (:func:`autograd_mini.hessian`), made positive definite
  by adding a multiple of the identity when it is not (Nocedal & Wright, Algorithm 3.3),
  and a backtracking line search from the full Newton step;
* ``"bfgs"``: a dense inverse-Hessian approximation, updated by the BFGS formula after
  every strong Wolfe step (Nocedal & Wright, Algorithm 6.1), its first scale set by
  N&W's (6.20);
* ``"lbfgs"``: limited-memory BFGS, the two-loop recursion (N&W, Algorithm 7.4) over the
  last ``history_size`` pairs, strong Wolfe steps.

Every norm is computed as ``math.hypot`` does, scaled, so it overflows only when the
result does.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from .functional import hessian
from .gradcheck import numerical_grad
from .optim import GD, Adam, Momentum, Optimizer
from .optim.line_search import LineSearchResult, armijo, strong_wolfe
from .value import Value, _leaf, _to_float, gc_paused

__all__ = ["minimize", "OptimizeResult"]

Method = Literal["gd", "momentum", "nesterov", "adam", "newton", "bfgs", "lbfgs"]
LineSearch = Literal["armijo", "strong_wolfe"]

_FIRST_ORDER = ("gd", "momentum", "nesterov", "adam")
_SECOND_ORDER = ("newton", "bfgs", "lbfgs")

#: scipy's status codes
SUCCESS, MAXITER, PRECISION_LOSS, NOT_FINITE, CALLBACK = 0, 1, 2, 3, 99


# --- the result ----------------------------------------------------------------------------
@dataclass
class OptimizeResult:
    """The result of ``minimize``, with scipy.optimize's field names.

    Attributes:
        x: the best-known point: the last point where f and its gradient were finite.
        fun: f at ``x``.
        jac: the gradient at ``x``.
        nit: the number of steps taken.
        nfev: the number of evaluations of f (finite differences use 2 per argument).
        success: whether a tolerance rule stopped the run.
        message: one sentence saying why it stopped.
        history: f at every point visited, starting with ``x0``.
        status: scipy's code: 0 converged, 1 the iteration budget ran out, 2 a line
            search failed (precision loss), 3 f or its gradient stopped being finite,
            99 the callback raised ``StopIteration`` (or, old style, returned True).
        njev: the number of gradient evaluations.
        nhev: the number of Hessian evaluations (``"newton"``).
        hess_inv: BFGS's approximation of the inverse Hessian at ``x`` (rows), else None.
        path: every point visited (``x0`` first, then one per step), as lists of floats.

    Example:
        >>> r = minimize(lambda x: (x - 3) ** 2, [0.0], lr=0.5, max_iter=100)
        >>> r.success, round(r.x[0], 6), r.nit, r.status, r.path
        (True, 3.0, 1, 0, [[0.0], [3.0]])
    """

    x: list[float]
    fun: float
    jac: list[float]
    nit: int
    nfev: int
    success: bool
    message: str
    history: list[float]
    status: int = SUCCESS
    njev: int = 0
    nhev: int = 0
    hess_inv: list[list[float]] | None = None
    path: list[list[float]] = field(default_factory=list)

    def __repr__(self) -> str:
        """scipy's layout: one ``name: value`` line per field, names right-aligned."""
        names = ["message", "success", "status", "fun", "x", "nit", "jac", "hess_inv",
                 "nfev", "njev", "nhev"]
        if self.hess_inv is None:
            names.remove("hess_inv")
        width = max(len(n) for n in names)
        lines = []
        for name in names:
            value = getattr(self, name)
            text = _short(value) if isinstance(value, list) else str(value)
            lines.append(f"{name.rjust(width + 1)}: {text}")
        lines.append(f"{'path'.rjust(width + 1)}: [{len(self.path)} points]")
        return "\n".join(lines)

    def keys(self) -> list[str]:
        """The field names, as scipy's result (a dict) has."""
        return [f.name for f in fields(self)]

    def __getitem__(self, key: str) -> Any:
        """``result["x"]``, as with scipy's result."""
        if key not in self.keys():
            raise KeyError(key)
        return getattr(self, key)


def _short(values: list[Any]) -> str:
    if values and isinstance(values[0], list):
        rows = [_short(row) for row in values[:6]]
        more = "" if len(values) <= 6 else f" ... ({len(values)} rows)"
        return "[" + "\n            ".join(rows) + more + "]"
    shown = " ".join(format(v, " .3e") for v in values[:6])
    more = "" if len(values) <= 6 else f" ... ({len(values)} values)"
    return f"[{shown}{more}]"


# --- small dense linear algebra ------------------------------------------------------------
def _norm(v: Sequence[float]) -> float:
    """The Euclidean norm, scaled like ``math.hypot``: no overflow unless the result does."""
    return math.hypot(*v)


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    """``a . b``, rescaled when the products overflow but the sum need not."""
    try:
        s = math.fsum(x * y for x, y in zip(a, b))
    except (OverflowError, ValueError):  # fsum raises on inf - inf
        s = math.nan
    if math.isfinite(s):
        return s
    na, nb = _norm(a), _norm(b)
    if not (math.isfinite(na) and math.isfinite(nb)) or na == 0.0 or nb == 0.0:
        return s
    return math.fsum((x / na) * (y / nb) for x, y in zip(a, b)) * na * nb


def _matvec(m: list[list[float]], v: list[float]) -> list[float]:
    return [math.fsum(r * x for r, x in zip(row, v)) for row in m]


def _cholesky(a: list[list[float]]) -> list[list[float]] | None:
    """The lower Cholesky factor of ``a``, or None when ``a`` is not positive definite."""
    n = len(a)
    low = [[0.0] * n for _ in range(n)]
    for j in range(n):
        d = a[j][j] - math.fsum(low[j][k] ** 2 for k in range(j))
        if not d > 0.0 or not math.isfinite(d):
            return None
        low[j][j] = math.sqrt(d)
        for i in range(j + 1, n):
            low[i][j] = (a[i][j] - math.fsum(low[i][k] * low[j][k] for k in range(j))) / low[j][j]
    return low


def _cholesky_solve(low: list[list[float]], b: list[float]) -> list[float]:
    n = len(b)
    y = [0.0] * n
    for i in range(n):
        y[i] = (b[i] - math.fsum(low[i][k] * y[k] for k in range(i))) / low[i][i]
    x = [0.0] * n
    for i in reversed(range(n)):
        x[i] = (y[i] - math.fsum(low[k][i] * x[k] for k in range(i + 1, n))) / low[i][i]
    return x


def _modified_cholesky(h: list[list[float]], beta: float = 1e-3) -> list[list[float]] | None:
    """Nocedal & Wright's Algorithm 3.3: the factor of ``h + tau*I`` for the least tau tried.

    ``tau`` starts at 0 when the diagonal is positive, else at ``beta - min(diag)``
    (scaled by the Hessian's size), and doubles until the factorization succeeds.
    """
    n = len(h)
    scale = max(1.0, max(abs(v) for row in h for v in row))
    least = min(h[i][i] for i in range(n))
    tau = 0.0 if least > 0.0 else beta * scale - least
    for _ in range(80):
        shifted = [[h[i][j] + (tau if i == j else 0.0) for j in range(n)] for i in range(n)]
        low = _cholesky(shifted)
        if low is not None:
            return low
        tau = max(2.0 * tau, beta * scale)
    return None


# --- first-order methods -------------------------------------------------------------------
def _optimizer(method: str, params: list[Value], lr: float, momentum: float) -> Optimizer:
    if method == "gd":
        return GD(params, lr=lr)
    if method == "momentum":
        return Momentum(params, lr=lr, momentum=momentum)
    if method == "nesterov":
        return Momentum(params, lr=lr, momentum=momentum, nesterov=True)
    if method == "adam":
        return Adam(params, lr=lr)
    raise ValueError(
        "minimize: method must be 'gd', 'momentum', 'nesterov', 'adam', 'newton', 'bfgs' or "
        f"'lbfgs' (got {method!r})"
    )


def _value_and_gradient(
    f: Callable[..., Any], params: list[Value], gradient: str
) -> tuple[float, list[float], int]:
    point = [p.data for p in params]
    if gradient == "numerical":
        fx = _scalar(f(*[_leaf(v) for v in point]))
        return fx, numerical_grad(f, point), 1 + 2 * len(point)
    leaves = [_leaf(v) for v in point]
    out = f(*leaves)
    if not isinstance(out, Value):
        return _scalar(out), [0.0] * len(leaves), 1
    out.backward()
    return out.data, [float(v.grad) for v in leaves], 1


def _scalar(out: object) -> float:
    if isinstance(out, Value):
        return out.data
    if isinstance(out, bool) or not isinstance(out, (int, float)):
        raise TypeError(f"minimize: f must return a Value or a number (got {type(out).__name__})")
    return float(out)


def _new_style(callback: Callable[..., Any]) -> bool:
    """scipy's rule: a callback whose only parameter is ``intermediate_result`` gets one."""
    try:
        params = list(inspect.signature(callback).parameters)
    except (TypeError, ValueError):
        return False
    return params == ["intermediate_result"]


class _Stop(Exception):
    """Internal: the run ends with ``status`` and ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


# --- minimize ------------------------------------------------------------------------------
def minimize(
    f: Callable[..., Any],
    x0: Sequence[float],
    *,
    method: Method = "gd",
    lr: float = 0.01,
    momentum: float = 0.9,
    max_iter: int = 1000,
    tol: float | None = 1e-12,
    gtol: float | None = 1e-8,
    gradient: Literal["exact", "numerical"] = "exact",
    callback: Callable[..., Any] | None = None,
    line_search: LineSearch | None = None,
    c1: float = 1e-4,
    c2: float = 0.9,
    history_size: int = 10,
) -> OptimizeResult:
    """Minimize a scalar function of positional scalars.

    At each point ``x_k``: evaluate ``f`` and its gradient (backprop, or central finite
    differences with ``gradient="numerical"``), then stop — or take one step of
    ``method`` (see the module docstring for the methods).

    Stopping rules, first match wins:

    * divergence: f or the gradient is not finite (or overflows): ``status=3`` and
      ``x`` is the last point where both were finite;
    * the callback raised ``StopIteration`` (or an old-style callback returned True):
      ``status=99``;
    * ``gtol``: the Euclidean norm of the gradient is at most ``gtol``;
    * ``tol``: ``|f_k - f_(k-1)| <= tol * max(1, |f_k|, |f_(k-1)|)`` (scipy's ftol test);
    * ``max_iter`` steps were taken: ``status=1``;
    * a line search found no acceptable step: ``status=2`` (precision loss, as scipy).

    Args:
        f: the cost, ``f(*xs) -> Value`` (plain Python arithmetic on ``Value``s).
        x0: the starting point.
        method: ``"gd"``, ``"momentum"``, ``"nesterov"``, ``"adam"``, ``"newton"``,
            ``"bfgs"`` or ``"lbfgs"``.
        lr: the learning rate of the first-order methods; with a line search, the first
            step length tried.
        momentum: the momentum for ``"momentum"`` and ``"nesterov"``.
        max_iter: the maximum number of steps.
        tol: see the stopping rules; None to disable.
        gtol: see the stopping rules; None to disable.
        gradient: ``"exact"`` (backprop) or ``"numerical"`` (finite differences; not for
            ``"newton"``).
        callback: scipy's new style, ``callback(intermediate_result)`` (the parameter must
            have that name), called after every step with an :class:`OptimizeResult` of
            the current point (``x``, ``fun``, ``jac``, ``nit`` and the counters; empty
            ``history`` and ``path``); raising ``StopIteration`` stops the run (status 99). The
            old style ``callback(x, fx)``, called at every point including ``x0``, still
            works: returning True stops the run.
        line_search: for the first-order methods, ``"armijo"`` (backtracking) or
            ``"strong_wolfe"``: the optimizer's update (taken with ``lr=1``) is the
            direction, the search chooses its length (a direction that does not descend
            is replaced by ``-grad f``). Second-order methods always search: Newton
            backtracks from the full step, BFGS and L-BFGS use strong Wolfe.
        c1: the sufficient-decrease constant of the line searches.
        c2: the curvature constant of the strong Wolfe search.
        history_size: the number of pairs L-BFGS keeps.

    Returns:
        An :class:`OptimizeResult`.

    Raises:
        ValueError: bad settings, an empty ``x0``, or ``x0`` outside ``f``'s domain.
        TypeError: ``f`` returns something other than a number or a ``Value``.

    Example:
        >>> rosen = lambda x, y: (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
        >>> r = minimize(rosen, [-1.2, 1.0], method="bfgs")
        >>> r.success, [round(v, 6) for v in r.x], r.nit < 50
        (True, [1.0, 1.0], True)
        >>> r = minimize(rosen, [-1.2, 1.0], method="newton")
        >>> r.status, [round(v, 6) for v in r.x], r.nhev == r.nit
        (0, [1.0, 1.0], True)
    """
    if gradient not in ("exact", "numerical"):
        raise ValueError(f"minimize: gradient must be 'exact' or 'numerical' (got {gradient!r})")
    if not isinstance(max_iter, int) or isinstance(max_iter, bool) or max_iter < 0:
        raise ValueError(f"minimize: max_iter must be an int >= 0 (got {max_iter!r})")
    if line_search not in (None, "armijo", "strong_wolfe"):
        raise ValueError("minimize: line_search must be None, 'armijo' or 'strong_wolfe' "
                         f"(got {line_search!r})")
    if method == "newton" and gradient == "numerical":
        raise ValueError("minimize: method='newton' needs gradient='exact' (the Hessian is "
                         "exact)")
    if not isinstance(history_size, int) or history_size < 1:
        raise ValueError(f"minimize: history_size must be a positive int (got {history_size!r})")
    if not 0.0 < c1 < c2 < 1.0:
        raise ValueError(f"minimize: need 0 < c1 < c2 < 1 (got c1={c1!r}, c2={c2!r})")
    xs = [_to_float(v, "minimize: x0") for v in x0]
    if not xs:
        raise ValueError("minimize: x0 is empty")
    params = [_leaf(v) for v in xs]
    opt = _optimizer(method, params, lr, momentum) if method not in _SECOND_ORDER else None
    if method in _SECOND_ORDER:
        lr = _to_float(lr, "minimize: lr")
    run = _Run(f, params, gradient, callback)
    with gc_paused():
        run.go(method, opt, max_iter, tol, gtol, line_search, lr, c1, c2, history_size)
    return run.result()


class _Run:
    """One run of ``minimize``: the evaluations, the counters, the path and the stop."""

    def __init__(self, f: Callable[..., Any], params: list[Value], gradient: str,
                 callback: Callable[..., Any] | None) -> None:
        self.f, self.params, self.gradient, self.callback = f, params, gradient, callback
        self.new_style = callback is not None and _new_style(callback)
        self.nfev = self.njev = self.nhev = self.nit = 0
        self.history: list[float] = []
        self.path: list[list[float]] = []
        self.x: list[float] = [p.data for p in params]
        self.fx, self.g = math.inf, [0.0] * len(params)
        self.good = False
        self.status, self.message = NOT_FINITE, ""
        self.hess_inv: list[list[float]] | None = None
        self.trials: dict[float, tuple[list[float], float, list[float]]] = {}

    # evaluation --------------------------------------------------------------------------
    def evaluate(self, point: list[float]) -> tuple[float, list[float]]:
        """f and its gradient at ``point``; raise _Stop(3) past the domain or on overflow."""
        for p, v in zip(self.params, point):
            p.data = v
        try:
            fx, g, evals = _value_and_gradient(self.f, self.params, self.gradient)
        except (OverflowError, FloatingPointError) as e:
            self.nfev += 1
            raise _Stop(NOT_FINITE, str(e)) from None
        except (ValueError, ZeroDivisionError) as e:
            if not self.good:
                raise  # x0 itself is outside f's domain
            self.nfev += 1
            raise _Stop(NOT_FINITE, f"the step left f's domain ({e})") from None
        self.nfev += evals
        self.njev += 1
        if not math.isfinite(fx):
            raise _Stop(NOT_FINITE, f"f = {fx!r}")
        if not all(math.isfinite(v) for v in g):
            raise _Stop(NOT_FINITE, "the gradient is not finite")
        return fx, g

    def phi(self, d: list[float]) -> Callable[[float], tuple[float, float]]:
        """``alpha -> (f(x + alpha d), grad . d)``, remembering each point's gradient."""
        x = self.x
        self.trials = {}

        def phi(alpha: float) -> tuple[float, float]:
            point = [xi + alpha * di for xi, di in zip(x, d)]
            try:
                fx, g = self.evaluate(point)
            except _Stop:
                return math.inf, math.nan
            self.trials[alpha] = (point, fx, g)
            return fx, _dot(g, d)

        return phi

    def accept(self, point: list[float], fx: float, g: list[float]) -> None:
        self.x, self.fx, self.g, self.good = point, fx, g, True
        self.history.append(fx)
        self.path.append(list(point))

    # the loop ----------------------------------------------------------------------------
    def go(self, method: str, opt: Optimizer | None, max_iter: int, tol: float | None,
           gtol: float | None, line_search: str | None, lr: float, c1: float, c2: float,
           m: int) -> None:
        try:
            fx, g = self.evaluate(self.x)
        except _Stop as stop:
            self.status, self.message = stop.status, f"diverged at step 0: {stop.message}"
            return
        self.accept(self.x, fx, g)
        step = _Stepper(self, method, opt, line_search, lr, c1, c2, m)
        try:
            while True:
                self.check(tol, gtol, max_iter)
                step()
                self.nit += 1
        except _Stop as stop:
            self.status, self.message = stop.status, stop.message
            if stop.status == NOT_FINITE:
                self.message = (f"diverged at step {self.nit + 1}: {stop.message}; x is the "
                                "last point where f and its gradient were finite (try a "
                                "smaller lr)")
        self.hess_inv = step.hess_inv()

    def check(self, tol: float | None, gtol: float | None, max_iter: int) -> None:
        """Raise _Stop when a stopping rule holds at the current point."""
        if self.callback is not None:
            if self.new_style:
                if self.nit > 0:
                    try:
                        self.callback(self.result(partial=True))
                    except StopIteration:
                        raise _Stop(CALLBACK, "`callback` raised `StopIteration`.") from None
            elif self.callback(list(self.x), self.fx) is True:
                raise _Stop(CALLBACK, "the callback asked to stop")
        gnorm = _norm(self.g)
        if gtol is not None and gnorm <= gtol:
            raise _Stop(SUCCESS, f"the gradient norm {gnorm:.3g} is at most gtol={gtol:g}")
        if tol is not None and len(self.history) > 1:
            fx, prev = self.history[-1], self.history[-2]
            if abs(fx - prev) <= tol * max(1.0, abs(fx), abs(prev)):
                raise _Stop(SUCCESS, f"f changed by at most tol={tol:g} (relative)")
        if self.nit >= max_iter:
            raise _Stop(MAXITER, f"reached max_iter={max_iter} steps")

    def search(self, d: list[float], slope: float, kind: str, alpha0: float, c1: float,
               c2: float) -> float:
        """Take the line search's step along ``d``; return it (raise _Stop(2) on failure)."""
        phi = self.phi(d)
        r: LineSearchResult
        if kind == "armijo":
            r = armijo(phi, self.fx, slope, alpha0=alpha0, c1=c1)
        else:
            r = strong_wolfe(phi, self.fx, slope, alpha1=alpha0, c1=c1, c2=c2)
        if r.alpha is None or r.alpha not in self.trials:
            raise _Stop(PRECISION_LOSS, f"{r.message}; x is the best point found "
                        "(status 2, as scipy's precision loss)")
        point, fx, g = self.trials[r.alpha]
        self.accept(point, fx, g)
        return r.alpha

    def result(self, partial: bool = False) -> OptimizeResult:
        if not self.good:
            return OptimizeResult(list(self.x), math.inf, [], 0, self.nfev, False,
                                  self.message, [], status=self.status, njev=self.njev)
        if partial:  # the callback's view: no copies of history and path (O(1) per step)
            return OptimizeResult(list(self.x), self.fx, list(self.g), self.nit, self.nfev,
                                  False, "", [], status=SUCCESS, njev=self.njev,
                                  nhev=self.nhev)
        return OptimizeResult(
            list(self.x), self.fx, list(self.g), self.nit, self.nfev,
            self.status == SUCCESS, self.message, list(self.history), status=self.status,
            njev=self.njev, nhev=self.nhev, hess_inv=self.hess_inv,
            path=[list(p) for p in self.path],
        )


class _Stepper:
    """The step of one method: called once per iteration, it moves ``run`` to a new point."""

    def __init__(self, run: _Run, method: str, opt: Optimizer | None, line_search: str | None,
                 lr: float, c1: float, c2: float, m: int) -> None:
        self.run, self.method, self.opt, self.ls = run, method, opt, line_search
        self.lr, self.c1, self.c2, self.m = lr, c1, c2, m
        n = len(run.x)
        self.h: list[list[float]] | None = None  # BFGS's inverse Hessian, set after step 1
        self.n = n
        self.pairs: list[tuple[list[float], list[float], float]] = []  # L-BFGS (s, y, 1/y.s)
        self.prev_slope = self.prev_alpha = 0.0

    def hess_inv(self) -> list[list[float]] | None:
        if self.method != "bfgs":
            return None
        if self.h is None:
            return [[float(i == j) for j in range(self.n)] for i in range(self.n)]
        return [list(row) for row in self.h]

    def __call__(self) -> None:
        getattr(self, "_" + self.method if self.method in _SECOND_ORDER else "_first")()

    def _first(self) -> None:
        run, opt = self.run, self.opt
        if opt is None:  # pragma: no cover - minimize builds one for every first-order method
            raise RuntimeError("minimize: a first-order method without its optimizer")
        for p, v, gi in zip(run.params, run.x, run.g):
            p.data, p.grad = v, gi
        if self.ls is None:
            try:
                opt.step()
            except FloatingPointError as e:
                raise _Stop(NOT_FINITE, str(e)) from None
            point = [p.data for p in run.params]
            fx, g = run.evaluate(point)
            run.accept(point, fx, g)
            return
        saved = opt.lr
        opt.lr = 1.0
        try:
            opt.step()  # the direction: the update at lr = 1 (the buffers never see lr)
        except FloatingPointError as e:
            raise _Stop(NOT_FINITE, str(e)) from None
        finally:
            opt.lr = saved
        d = [p.data - v for p, v in zip(run.params, run.x)]
        slope = _dot(run.g, d)
        if not slope < 0.0:  # momentum can point uphill: fall back to steepest descent
            d = [-v for v in run.g]
            slope = _dot(run.g, d)
        if self.prev_slope < 0.0 and len(run.history) > 1:
            # Nocedal & Wright (3.60): the first-order change of f of the last step
            guess = 1.01 * 2.0 * (run.history[-1] - run.history[-2]) / slope
            alpha0 = guess if math.isfinite(guess) and guess > 0.0 else self.prev_alpha
            alpha0 = min(alpha0, 10.0 * self.prev_alpha)  # a tiny slope can ask for a leap
        else:
            alpha0 = saved
        self.prev_alpha = run.search(d, slope, self.ls, alpha0, self.c1, self.c2)
        self.prev_slope = slope

    def _newton(self) -> None:
        run = self.run
        h = hessian(run.f)(*run.x)
        run.nhev += 1
        try:
            rows = [[float(v) for v in row] for row in h]
        except (TypeError, ValueError):  # pragma: no cover - hessian returns floats here
            raise _Stop(NOT_FINITE, "the Hessian is not a matrix of numbers") from None
        if not all(math.isfinite(v) for row in rows for v in row):
            raise _Stop(NOT_FINITE, "the Hessian is not finite")
        low = _modified_cholesky(rows)
        if low is None:
            d = [-v for v in run.g]
        else:
            d = [-v for v in _cholesky_solve(low, run.g)]
        slope = _dot(run.g, d)
        if not slope < 0.0:
            d = [-v for v in run.g]
            slope = _dot(run.g, d)
        kind = self.ls or "armijo"
        run.search(d, slope, kind, 1.0, self.c1, self.c2)

    def _quasi_newton_step(self, d: list[float]) -> tuple[list[float], list[float]]:
        """Strong Wolfe along ``d`` (alpha 1, or 1.01/|g| for the first step); s and y."""
        run = self.run
        slope = _dot(run.g, d)
        if not slope < 0.0:  # rounding made the model direction useless: restart
            self.h, self.pairs = None, []
            d = [-v for v in run.g]
            slope = _dot(run.g, d)
        first = self.h is None and not self.pairs
        # scipy's first step: the length that would decrease f by |g|/2 on a linear model
        alpha0 = min(1.0, 1.01 / _norm(d)) if first else 1.0
        x, g = run.x, run.g
        run.search(d, slope, self.ls or "strong_wolfe", alpha0, self.c1, self.c2)
        s = [a - b for a, b in zip(run.x, x)]
        y = [a - b for a, b in zip(run.g, g)]
        return s, y

    def _bfgs(self) -> None:
        run, n = self.run, self.n
        if self.h is None:
            d = [-v for v in run.g]
        else:
            d = [-v for v in _matvec(self.h, run.g)]
        s, y = self._quasi_newton_step(d)
        ys = _dot(y, s)
        if not ys > 0.0 or not math.isfinite(ys):
            return  # the curvature condition fails (rounding): keep H
        rho = 1.0 / ys
        if self.h is None:  # Nocedal & Wright (6.20): scale H0 before the first update
            gamma = ys / _dot(y, y)
            self.h = [[gamma if i == j else 0.0 for j in range(n)] for i in range(n)]
        h = self.h
        # H+ = (I - rho s y^T) H (I - rho y s^T) + rho s s^T, expanded:
        hy = _matvec(h, y)
        yhy = _dot(y, hy)
        coef = rho * rho * yhy + rho
        self.h = [[h[i][j] - rho * (hy[i] * s[j] + s[i] * hy[j]) + coef * s[i] * s[j]
                   for j in range(n)] for i in range(n)]

    def _lbfgs(self) -> None:
        run = self.run
        q = list(run.g)
        alphas = []
        for s, y, rho in reversed(self.pairs):
            a = rho * _dot(s, q)
            alphas.append(a)
            q = [qi - a * yi for qi, yi in zip(q, y)]
        if self.pairs:
            s, y, rho = self.pairs[-1]
            gamma = 1.0 / (rho * _dot(y, y))
            q = [gamma * qi for qi in q]
        for (s, y, rho), a in zip(self.pairs, reversed(alphas)):
            b = rho * _dot(y, q)
            q = [qi + (a - b) * si for qi, si in zip(q, s)]
        d = [-v for v in q]
        s, y = self._quasi_newton_step(d)
        ys = _dot(y, s)
        if ys > 0.0 and math.isfinite(ys):
            self.pairs.append((s, y, 1.0 / ys))
            if len(self.pairs) > self.m:
                self.pairs.pop(0)
