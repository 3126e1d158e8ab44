"""Adam and AdamW, as ``torch.optim.Adam`` and ``torch.optim.AdamW``."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from ..value import _describe
from .optimizer import Optimizer, _check_lr, _flag, _nonnegative, _Param, _real, _State

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam`` (bias-corrected moments, L2 weight decay).

    The update of each parameter ``p`` with gradient ``g`` at step ``t = 1, 2, ...``;
    the buffers ``m``, ``v`` and ``v_max`` start at 0::

        if maximize:           g = -g
        if weight_decay != 0:  g = g + weight_decay * p          # L2, folded into g
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        if amsgrad:            v_max = max(v_max, v);  s = v_max
        else:                  s = v
        p = p - (lr / (1 - beta1**t)) * m / (sqrt(s) / sqrt(1 - beta2**t) + eps)

    that is ``p - lr * m_hat / (sqrt(v_hat) + eps)`` with ``m_hat = m / (1 - beta1**t)``
    and ``v_hat = s / (1 - beta2**t)``: ``eps`` is added after the square root of the
    corrected second moment, and AMSGrad keeps the maximum of the *uncorrected* ``v``,
    exactly as PyTorch does. (PyTorch updates ``m`` as ``m + (1 - beta1) * (g - m)``,
    the same up to rounding.) With ``eps == 0`` a zero gradient at the first step gives
    0 / 0: where PyTorch writes NaN, ``step()`` raises ``FloatingPointError``.

    Buffers (``state_dict()["state"][i]``): ``step`` (the parameter's own ``t``: as in
    PyTorch, a step that skips a parameter whose ``.grad`` is :data:`NONE_GRAD` does not
    count for it), ``exp_avg`` (m), ``exp_avg_sq`` (v), and ``max_exp_avg_sq`` (v_max)
    with ``amsgrad``.

    Args:
        params: the parameters (see :class:`Optimizer`).
        lr: learning rate, ``>= 0``.
        betas: ``(beta1, beta2)``, the decay rates of ``m`` and ``v``, each in ``[0, 1)``.
        eps: added to the denominator, ``>= 0``.
        weight_decay: L2 penalty, ``>= 0`` (see :class:`AdamW` for decoupled decay).
        amsgrad: use the maximum of past ``v`` (AMSGrad).
        maximize: ascend the objective instead of descending it.

    Raises:
        TypeError: a hyper-parameter is not a number (or not a bool for the flags), or
            ``betas`` is not a pair.
        ValueError: a hyper-parameter is out of range, with PyTorch's message (for
            instance ``Invalid beta parameter at index 1: 1.0``).

    Example:
        >>> from autograd_mini import Value
        >>> w = Value(1.0)
        >>> opt = Adam([w], lr=0.1)
        >>> (w * w).backward()
        >>> opt.step()  # the first step moves by lr * g / (|g| + eps)
        >>> round(w.data, 9)
        0.9
    """

    _hyper_names: ClassVar[tuple[str, ...]] = (
        "lr",
        "betas",
        "eps",
        "weight_decay",
        "amsgrad",
        "maximize",
    )
    _buffer_names: ClassVar[tuple[str, ...]] = (
        "step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"
    )
    _nonnegative_buffers: ClassVar[frozenset[str]] = frozenset(
        {"step", "exp_avg_sq", "max_exp_avg_sq"}
    )
    #: AdamW: shrink ``p`` by ``lr * weight_decay`` instead of adding an L2 term to ``g``.
    _decoupled: ClassVar[bool] = False

    betas: tuple[float, float]
    eps: float
    weight_decay: float
    amsgrad: bool
    maximize: bool

    def __init__(
        self,
        params: Iterable[_Param],
        lr: float = 1e-3,
        *,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            {
                "lr": lr,
                "betas": betas,
                "eps": eps,
                "weight_decay": weight_decay,
                "amsgrad": amsgrad,
                "maximize": maximize,
            },
        )

    def _hyper(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "betas": self.betas,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "amsgrad": self.amsgrad,
            "maximize": self.maximize,
        }

    def _validate(self, hyper: Mapping[str, object]) -> dict[str, Any]:
        lr = _check_lr(hyper["lr"])
        eps = _nonnegative(hyper["eps"], "eps", "Invalid epsilon value")
        betas = hyper["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair of numbers (got {_describe(betas)})")
        checked_betas = []
        for i, beta in enumerate(betas):
            b = _real(beta, f"betas[{i}]")
            if not 0.0 <= b < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
            checked_betas.append(b)
        weight_decay = _nonnegative(
            hyper["weight_decay"], "weight_decay", "Invalid weight_decay value"
        )
        return {
            "lr": lr,
            "betas": (checked_betas[0], checked_betas[1]),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": _flag(hyper["amsgrad"], "amsgrad"),
            "maximize": _flag(hyper["maximize"], "maximize"),
        }

    def _update(self, t: float, p: float, g: float, state: _State) -> tuple[float, _State]:
        beta1, beta2 = self.betas
        if self.maximize:
            g = -g
        if self.weight_decay != 0:
            if self._decoupled:
                p = p * (1 - self.lr * self.weight_decay)
            else:
                g = g + self.weight_decay * p
        m = beta1 * state.get("exp_avg", 0.0) + (1 - beta1) * g
        v = beta2 * state.get("exp_avg_sq", 0.0) + (1 - beta2) * (g * g)
        new_state = {"step": t, "exp_avg": m, "exp_avg_sq": v}
        s = v
        if self.amsgrad:
            s = max(state.get("max_exp_avg_sq", 0.0), v)
            new_state["max_exp_avg_sq"] = s
        step_size = self.lr / (1 - beta1**t)
        denom = math.sqrt(s) / math.sqrt(1 - beta2**t) + self.eps
        # NOTE: denom is 0 only if eps == 0 and every gradient so far was 0 (or g * g
        # underflowed); PyTorch then writes NaN, step() raises instead.
        update = step_size * m / denom if denom != 0 else math.nan
        return p - update, new_state


class AdamW(Adam):
    """Adam with decoupled weight decay, as ``torch.optim.AdamW``.

    The rule of :class:`Adam` with no L2 term in ``g``; instead, before the moments are
    updated, ``p = p * (1 - lr * weight_decay)``. Buffers as :class:`Adam`. Note that
    the default ``weight_decay`` is ``1e-2``, as in PyTorch.

    Args:
        params: the parameters (see :class:`Optimizer`).
        lr: learning rate, ``>= 0``.
        betas: ``(beta1, beta2)``, each in ``[0, 1)``.
        eps: added to the denominator, ``>= 0``.
        weight_decay: decoupled decay rate, ``>= 0``.
        amsgrad: use the maximum of past ``v`` (AMSGrad).
        maximize: ascend the objective instead of descending it.

    Example:
        >>> from autograd_mini import Value
        >>> w = Value(1.0)
        >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
        >>> (w * w).backward()
        >>> opt.step()  # 1 * (1 - 0.1 * 0.5) - 0.1 * 2 / (2 + 1e-8)
        >>> round(w.data, 9)
        0.85
    """

    _decoupled: ClassVar[bool] = True

    def __init__(
        self,
        params: Iterable[_Param],
        lr: float = 1e-3,
        *,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
        )
