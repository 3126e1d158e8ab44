"""L-BFGS, as ``torch.optim.LBFGS``: the same iterations, line search and stopping rules.

The algorithm is PyTorch's (itself a port of minFunc and of Torch7's ``lswolfe.lua``),
written again on lists of floats with the same order of arithmetic, so that on the same
closure the iterates agree with PyTorch's in float64 to rounding.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, cast

from ..value import _describe, enable_grad
from .optimizer import (
    Optimizer,
    _check_keys,
    _check_lr,
    _fma,
    _int,
    _name,
    _nonnegative,
    _Param,
)

__all__ = ["LBFGS"]

_Vector = list[float]


def _dot(a: _Vector, b: _Vector) -> float:
    return float(sum(map(operator.mul, a, b)))


def _axpy(alpha: float, x: _Vector, y: _Vector) -> _Vector:
    """``y + alpha * x``, elementwise, each rounded once, as PyTorch's ``y.add_(x, alpha=alpha)``.

    NOTE: PyTorch's CPU kernel fuses the multiply and the add (an FMA), so the product
    is not rounded on its own; rounding it would put the iterates an ulp off at every
    step, which L-BFGS amplifies (1e-4 apart on Rosenbrock after 40 iterations).
    """
    return [_fma(alpha, xi, yi) for xi, yi in zip(x, y)]


def _abs_max(a: _Vector) -> float:
    return max(map(abs, a))


def _cubic_interpolate(
    x1: float,
    f1: float,
    g1: float,
    x2: float,
    f2: float,
    g2: float,
    bounds: tuple[float, float] | None = None,
) -> float:
    """The minimiser of the cubic through ``(x1, f1, g1)`` and ``(x2, f2, g2)``, clipped.

    Clipped to ``bounds`` (by default the interval between ``x1`` and ``x2``); the middle
    of the bounds where the cubic has no minimiser. PyTorch's ``_cubic_interpolate``.
    """
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - _div(3 * (f1 - f2), x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * _div(g2 + d2 - d1, g2 - g1 + 2 * d2)
        else:
            min_pos = x1 - (x1 - x2) * _div(g1 + d2 - d1, g1 - g2 + 2 * d2)
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _div(a: float, b: float) -> float:
    """``a / b`` with IEEE's answers where ``b == 0`` (PyTorch's tensors give them).

    NOTE: a NaN step then reaches the closure, whose NaN loss makes ``step()`` raise,
    where a bare ``ZeroDivisionError`` would say nothing of what happened.
    """
    if b != 0.0:
        return a / b
    if a == 0.0 or math.isnan(a):
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


_ObjFunc = Callable[[float], tuple[float, _Vector]]


def _strong_wolfe(
    obj_func: _ObjFunc,
    t: float,
    d: _Vector,
    f: float,
    g: _Vector,
    gtd: float,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, _Vector, float, int]:
    """A step ``t`` along ``d`` meeting the strong Wolfe conditions: PyTorch's ``_strong_wolfe``.

    Brackets a step, then zooms with cubic interpolation. ``obj_func(t)`` gives the loss
    and the gradient at ``x + t * d``. Returns ``(f_new, g_new, t, evaluations)``.
    """
    d_norm = _abs_max(d)
    f_new, g_new = obj_func(t)
    ls_func_evals = 1
    gtd_new = _dot(g_new, d)

    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    bracket: list[float] = []
    bracket_f: list[float] = []
    bracket_g: list[_Vector] = []
    bracket_gtd: list[float] = []
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        # extrapolate, between 1.01 and 10 times the last step
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(
            t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step)
        )
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new, gtd_new
        f_new, g_new = obj_func(t)
        ls_func_evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1

    if ls_iter == max_ls:  # out of evaluations: the better of the start and the last point
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]

    # zoom: shrink the bracket until a point meets the conditions
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        # NOTE: a trial point within 10% of the bracket's ends twice running (or outside
        # it) is moved to 10% inside, so the bracket keeps shrinking.
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False

        f_new, g_new = obj_func(t)
        ls_func_evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1

        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            # no sufficient decrease, or not below the low end: the new high end
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new, gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                # the old high end becomes the low end
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new, gtd_new

    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


#: The memory L-BFGS carries from one ``step()`` to the next (PyTorch's ``state``).
_MEMORY_KEYS = (
    "func_evals",
    "n_iter",
    "d",
    "t",
    "old_dirs",
    "old_stps",
    "ro",
    "H_diag",
    "prev_flat_grad",
    "prev_loss",
)


def _fresh_memory() -> dict[str, Any]:
    return {
        "func_evals": 0,
        "n_iter": 0,
        "d": None,
        "t": None,
        "old_dirs": [],
        "old_stps": [],
        "ro": [],
        "H_diag": None,
        "prev_flat_grad": None,
        "prev_loss": None,
    }


class LBFGS(Optimizer):
    """Limited-memory BFGS, as ``torch.optim.LBFGS``: each ``step(closure)`` minimises.

    Each ``step(closure)`` does what PyTorch's does, operation for operation: with
    ``g`` the gradient at the current point and ``k`` counting iterations over all
    calls,

    1. stop if ``max|g| <= tolerance_grad``;
    2. the direction: ``d = -g`` at ``k == 1``; after that, with ``s = t * d`` (the last
       step) and ``y = g - g_prev``, store the pair ``(s, y)`` if ``y.s > 1e-10``
       (dropping the oldest beyond ``history_size``) and set ``H_diag = y.s / y.y``;
       then ``d = -H g`` by the two-loop recursion, ``H_diag`` scaling the start;
    3. the step: ``t = min(1, 1 / sum|g|) * lr`` at ``k == 1``, else ``t = lr``; stop if
       ``g.d > -tolerance_change`` (not a descent direction);
    4. move to ``x + t * d``: at that fixed ``t`` (re-evaluating the closure, except
       after the last iteration), or, with ``line_search_fn="strong_wolfe"``, at a
       ``t`` meeting the strong Wolfe conditions (``c1 = 1e-4``, ``c2 = 0.9``, at most
       ``max_eval`` evaluations left in this call, bracket tolerance ``1e-9``);
    5. stop after ``max_iter`` iterations or ``max_eval`` evaluations in this call, if
       ``max|g| <= tolerance_grad``, if ``max|t * d| <= tolerance_change``, or if the
       loss changed by less than ``tolerance_change``.

    The memory (``d``, ``t``, the pairs, ``H_diag``, the last gradient and loss) and the
    counters carry over to the next ``step()``, as in PyTorch.

    Where it differs from PyTorch: one step is all or nothing. If the closure returns a
    loss, or leaves a gradient, that is NaN or infinite, or the closure raises
    (including ``KeyboardInterrupt``), the parameters and the memory go back to what
    they were when ``step()`` began and the error propagates (``FloatingPointError``
    for a non-finite number); only the ``.grad`` fields keep what the last closure call
    left. PyTorch writes the NaN in and goes on.

    Args:
        params: the parameters (see :class:`Optimizer`).
        lr: learning rate, ``>= 0`` (the step ``t`` above).
        max_iter: most iterations per ``step()``, ``>= 1``.
        max_eval: most closure evaluations per ``step()``, ``>= 1``; by default
            ``max_iter * 5 // 4``.
        tolerance_grad: stop when ``max|g|`` is at most this, ``>= 0``.
        tolerance_change: stop when the step or the loss change is below this, ``>= 0``.
        history_size: how many ``(s, y)`` pairs to keep, ``>= 1``.
        line_search_fn: ``None`` (a fixed step) or ``"strong_wolfe"``.

    Raises:
        TypeError: a hyper-parameter has the wrong type.
        ValueError: a hyper-parameter is out of range, or ``line_search_fn`` is unknown.

    Example:
        >>> from autograd_mini import Value
        >>> x, y = Value(-1.0), Value(2.0)
        >>> opt = LBFGS([x, y], line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = (1 - x) ** 2 + 100 * (y - x * x) ** 2  # Rosenbrock
        ...     loss.backward()
        ...     return loss
        >>> for _ in range(5):
        ...     _ = opt.step(closure)
        >>> round(x.data, 4), round(y.data, 4), closure().data < 1e-10
        (1.0, 1.0, True)
    """

    requires_closure: ClassVar[bool] = True
    _hyper_names: ClassVar[tuple[str, ...]] = (
        "lr",
        "max_iter",
        "max_eval",
        "tolerance_grad",
        "tolerance_change",
        "history_size",
        "line_search_fn",
    )

    max_iter: int
    max_eval: int
    tolerance_grad: float
    tolerance_change: float
    history_size: int
    line_search_fn: str | None

    def __init__(
        self,
        params: Iterable[_Param],
        lr: float = 1,
        *,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if max_eval is None:
            max_eval = _int(max_iter, "max_iter") * 5 // 4
        super().__init__(
            params,
            {
                "lr": lr,
                "max_iter": max_iter,
                "max_eval": max_eval,
                "tolerance_grad": tolerance_grad,
                "tolerance_change": tolerance_change,
                "history_size": history_size,
                "line_search_fn": line_search_fn,
            },
        )
        self._memory = _fresh_memory()

    def _hyper(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._hyper_names}

    def _validate(self, hyper: Mapping[str, object]) -> dict[str, Any]:
        checked: dict[str, Any] = {"lr": _check_lr(hyper["lr"])}
        for key in ("max_iter", "max_eval", "history_size"):
            value = _int(hyper[key], key)
            if value < 1:
                raise ValueError(f"Invalid {key} value: {value} (expected an int >= 1)")
            checked[key] = value
        for key in ("tolerance_grad", "tolerance_change"):
            checked[key] = _nonnegative(hyper[key], key, f"Invalid {key} value")
        search = hyper["line_search_fn"]
        if search is not None and search != "strong_wolfe":
            raise ValueError(
                f"Invalid line_search_fn: {search!r} (expected None or 'strong_wolfe')"
            )
        checked["line_search_fn"] = search
        return checked

    # --- one step -----------------------------------------------------------------------
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Run up to ``max_iter`` L-BFGS iterations; return the closure's first result.

        Args:
            closure: called with no arguments, it must zero the gradients, compute the
                loss, call ``backward()`` and return the loss (a ``Value`` or a float);
                it is called several times per step.

        Returns:
            What the first call of ``closure`` returned (the loss before the step).

        Raises:
            TypeError: no closure, or the closure returned something not a number.
            FloatingPointError: a loss or a gradient was NaN or infinite; the
                parameters and the memory are as they were before the call.
        """
        name = type(self).__name__
        if closure is None or not callable(closure):
            raise TypeError(
                f"{name}.step needs a closure (got {_describe(closure)}): a function "
                "that zeroes the gradients, computes the loss, calls loss.backward() "
                "and returns the loss, since L-BFGS evaluates it several times per step"
            )
        self._assign(self._validate(self._hyper()))
        start = [p.data for p in self._params]
        try:
            result = self._run(closure, start)
        except BaseException:
            for p, x in zip(self._params, start):
                p.data = x
            raise
        self._steps += 1
        return result

    def _evaluate(self, closure: Callable[[], Any], when: str) -> tuple[Any, float, _Vector]:
        """Call the closure (recording on): its result, the loss as a float, the gradient."""
        name = type(self).__name__
        with enable_grad():
            result = closure()
        loss = self._read(result, name, f"the closure ({when}) returned", "loss")
        grad = [
            self._read(p.grad, name, f"the closure ({when}) left {_name(p, i)} with .grad",
                       "gradient")
            for i, p in enumerate(self._params)
        ]
        return result, loss, grad

    def _directional_evaluate(
        self, closure: Callable[[], Any], x: _Vector, d: _Vector, t: float
    ) -> tuple[float, _Vector]:
        """The loss and the gradient at ``x + t * d``, leaving the parameters at ``x``."""
        self._move(x, t, d)
        try:
            _, loss, grad = self._evaluate(closure, "in the line search")
        finally:
            for p, xi in zip(self._params, x):
                p.data = xi
        return loss, grad

    def _move(self, x: _Vector, t: float, d: _Vector) -> None:
        for p, xi in zip(self._params, _axpy(t, d, x)):
            p.data = xi

    def _run(self, closure: Callable[[], Any], x0: _Vector) -> Any:
        lr, max_iter, max_eval = self.lr, self.max_iter, self.max_eval
        tolerance_grad, tolerance_change = self.tolerance_grad, self.tolerance_change
        history_size = self.history_size
        memory = self._memory
        func_evals: int = memory["func_evals"]
        total_iter: int = memory["n_iter"]

        orig_loss, loss, flat_grad = self._evaluate(closure, "at the start")
        current_evals = 1
        func_evals += 1

        def commit(**changes: Any) -> None:
            self._memory = {**memory, "func_evals": func_evals, "n_iter": total_iter, **changes}

        if _abs_max(flat_grad) <= tolerance_grad:
            commit()
            return orig_loss

        d: _Vector = memory["d"]
        t: float = memory["t"]
        old_dirs: list[_Vector] = list(memory["old_dirs"])
        old_stps: list[_Vector] = list(memory["old_stps"])
        ro: list[float] = list(memory["ro"])
        h_diag: float = memory["H_diag"]
        prev_flat_grad: _Vector | None = memory["prev_flat_grad"]
        prev_loss: float | None = memory["prev_loss"]
        x = x0

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            total_iter += 1

            # the direction
            if total_iter == 1:
                d = [-g for g in flat_grad]
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1.0
            else:
                last_grad = cast(_Vector, prev_flat_grad)  # set by every earlier iteration
                y = [g - gp for g, gp in zip(flat_grad, last_grad)]
                s = [di * t for di in d]
                ys = _dot(y, s)
                if ys > 1e-10:
                    # drop the oldest pair (PyTorch tests ==, so a history_size lowered by
                    # hand would never shrink the memory there)
                    excess = len(old_dirs) - history_size + 1
                    if excess > 0:
                        del old_dirs[:excess], old_stps[:excess], ro[:excess]
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / _dot(y, y)
                # two-loop recursion: d = -H g
                num_old = len(old_dirs)
                al = [0.0] * num_old
                q = [-g for g in flat_grad]
                for i in range(num_old - 1, -1, -1):
                    al[i] = _dot(old_stps[i], q) * ro[i]
                    q = _axpy(-al[i], old_dirs[i], q)
                r = [qi * h_diag for qi in q]
                for i in range(num_old):
                    be_i = _dot(old_dirs[i], r) * ro[i]
                    r = _axpy(al[i] - be_i, old_stps[i], r)
                d = r

            prev_flat_grad = list(flat_grad)
            prev_loss = loss

            # the step length
            if total_iter == 1:
                t = min(1.0, 1.0 / sum(map(abs, flat_grad))) * lr
            else:
                t = lr
            gtd = _dot(flat_grad, d)
            if gtd > -tolerance_change:
                break

            ls_func_evals = 0
            if self.line_search_fn is not None:
                obj_func = functools.partial(self._directional_evaluate, closure, x, d)
                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    obj_func, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                )
                self._move(x, t, d)
                opt_cond = _abs_max(flat_grad) <= tolerance_grad
            else:
                self._move(x, t, d)
                opt_cond = False
                if n_iter != max_iter:
                    # (after the last iteration PyTorch does not re-evaluate)
                    _, loss, flat_grad = self._evaluate(closure, f"iteration {n_iter}")
                    opt_cond = _abs_max(flat_grad) <= tolerance_grad
                    ls_func_evals = 1
            x = [p.data for p in self._params]
            if not all(map(math.isfinite, x)):
                raise FloatingPointError(
                    f"{type(self).__name__}.step: iteration {n_iter} moved a parameter to "
                    f"{next(v for v in x if not math.isfinite(v))!r}; no parameter was "
                    "changed (try a smaller lr or line_search_fn='strong_wolfe')"
                )

            current_evals += ls_func_evals
            func_evals += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if _abs_max([di * t for di in d]) <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        commit(
            d=d,
            t=t,
            old_dirs=old_dirs,
            old_stps=old_stps,
            ro=ro,
            H_diag=h_diag,
            prev_flat_grad=prev_flat_grad,
            prev_loss=prev_loss,
        )
        return orig_loss

    # --- state ----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as a plain, JSON-serialisable dict.

        Returns:
            ``{"optimizer": "LBFGS", "hyperparams": {name: value}, "step": step() calls,
            "state": memory}``, the memory holding PyTorch's entries: ``func_evals`` and
            ``n_iter`` (counted over all calls), the last direction ``d`` and step ``t``,
            the pairs ``old_dirs`` (the ``y``) and ``old_stps`` (the ``s``), ``ro``
            (``1 / y.s``), ``H_diag``, ``prev_flat_grad`` and ``prev_loss`` (``None``
            or empty before the first iteration).
        """
        memory = self._memory
        return {
            "optimizer": type(self).__name__,
            "hyperparams": self._hyper(),
            "step": self._steps,
            "state": {
                **memory,
                "d": None if memory["d"] is None else list(memory["d"]),
                "old_dirs": [list(v) for v in memory["old_dirs"]],
                "old_stps": [list(v) for v in memory["old_stps"]],
                "ro": list(memory["ro"]),
                "prev_flat_grad": (
                    None if memory["prev_flat_grad"] is None else list(memory["prev_flat_grad"])
                ),
            },
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a state saved by ``state_dict()``; on error nothing changes.

        Raises:
            TypeError: ``state_dict`` is not a mapping.
            ValueError: a key is missing or unexpected, the class or the number of
                parameters differs, or a value is invalid; the message names which.
        """
        where, hyper = self._state_header(state_dict)
        try:
            checked = self._validate(hyper)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{where}: 'hyperparams': {e}") from e
        steps = state_dict["step"]
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
            raise ValueError(f"{where}: 'step' must be an int >= 0 (got {_describe(steps)})")
        memory = state_dict["state"]
        if not isinstance(memory, Mapping):
            raise ValueError(f"{where}: 'state' must be a dict (got {_describe(memory)})")
        _check_keys(memory, _MEMORY_KEYS, f"{where}: 'state'")
        n = len(self._params)
        new: dict[str, Any] = {}
        for key in ("func_evals", "n_iter"):
            value = memory[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{where}: state[{key!r}] must be an int >= 0 (got {value!r})")
            new[key] = value

        def number(key: str, value: object, optional: bool) -> float | None:
            if value is None and optional:
                return None
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
            ):
                raise ValueError(f"{where}: {key} must be a finite number (got {value!r})")
            return float(value)

        def vector(key: str, value: object, optional: bool) -> _Vector | None:
            if value is None and optional:
                return None
            if not isinstance(value, (list, tuple)) or len(value) != n:
                raise ValueError(
                    f"{where}: {key} must be a list of {n} numbers, one per parameter "
                    f"(got {_describe(value)})"
                )
            return [number(f"{key}[{i}]", v, False) or 0.0 for i, v in enumerate(value)]

        new["d"] = vector("state['d']", memory["d"], True)
        new["prev_flat_grad"] = vector("state['prev_flat_grad']", memory["prev_flat_grad"], True)
        for key in ("t", "H_diag", "prev_loss"):
            new[key] = number(f"state[{key!r}]", memory[key], True)
        pairs = [memory["old_dirs"], memory["old_stps"], memory["ro"]]
        if not all(isinstance(v, (list, tuple)) for v in pairs) or len(
            {len(v) for v in pairs}
        ) != 1:
            raise ValueError(
                f"{where}: state['old_dirs'], ['old_stps'] and ['ro'] must be lists of the "
                "same length"
            )
        if len(pairs[0]) > checked["history_size"]:
            raise ValueError(
                f"{where}: the state holds {len(pairs[0])} pairs, more than history_size="
                f"{checked['history_size']}"
            )
        new["old_dirs"] = [vector(f"state['old_dirs'][{i}]", v, False) for i, v in
                           enumerate(pairs[0])]
        new["old_stps"] = [vector(f"state['old_stps'][{i}]", v, False) for i, v in
                           enumerate(pairs[1])]
        new["ro"] = [number(f"state['ro'][{i}]", v, False) for i, v in enumerate(pairs[2])]
        if new["n_iter"] > 0 and any(new[k] is None for k in ("d", "t", "H_diag",
                                                              "prev_flat_grad", "prev_loss")):
            raise ValueError(
                f"{where}: after {new['n_iter']} iterations the state must hold d, t, "
                "H_diag, prev_flat_grad and prev_loss"
            )
        self._assign(checked)
        self._steps = steps
        self._memory = new
