"""Adagrad, as ``torch.optim.Adagrad``."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from .optimizer import Optimizer, _check_lr, _flag, _nonnegative, _Param, _State

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad, as ``torch.optim.Adagrad`` (Duchi et al., with PyTorch's ``lr_decay``).

    The update of each parameter ``p`` with gradient ``g`` at its ``t``-th update
    (``t = 1, 2, ...``, counted per parameter); the sum ``s`` starts at
    ``initial_accumulator_value``::

        if maximize:           g = -g
        if weight_decay != 0:  g = g + weight_decay * p          # L2, folded into g
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        p = p - clr * g / (sqrt(s) + eps)

    As in PyTorch, ``eps`` is added after the square root, and ``s`` holds the plain
    sum of squared gradients (no decay), so steps shrink as ``1 / sqrt(t)`` for a
    steady gradient. With ``eps == 0`` and a zero first gradient (and a zero
    ``initial_accumulator_value``) the step is 0 / 0: where PyTorch writes NaN,
    ``step()`` raises ``FloatingPointError``.

    Buffers (``state_dict()["state"][i]``): ``step`` (``t`` of the last update) and
    ``sum`` (``s``), both set when the optimizer is built, as PyTorch does.

    Args:
        params: the parameters (see :class:`Optimizer`).
        lr: learning rate, ``>= 0``.
        lr_decay: decay of the learning rate per update, ``>= 0``.
        weight_decay: L2 penalty, ``>= 0``.
        initial_accumulator_value: where ``s`` starts, ``>= 0``.
        eps: added to the denominator, ``>= 0``.
        maximize: ascend the objective instead of descending it.

    Raises:
        TypeError: a hyper-parameter is not a number (or not a bool for the flag).
        ValueError: a hyper-parameter is out of range, with PyTorch's message (for
            instance ``Invalid lr_decay value: -1``).

    Example:
        >>> from autograd_mini import Value
        >>> w = Value(1.0)
        >>> opt = Adagrad([w], lr=0.1)
        >>> (w * w).backward()
        >>> opt.step()  # s = 4, so the step is 0.1 * 2 / (2 + 1e-10)
        >>> round(w.data, 9)
        0.9
    """

    _hyper_names: ClassVar[tuple[str, ...]] = (
        "lr",
        "lr_decay",
        "weight_decay",
        "initial_accumulator_value",
        "eps",
        "maximize",
    )
    _buffer_names: ClassVar[tuple[str, ...]] = ("step", "sum")
    _nonnegative_buffers: ClassVar[frozenset[str]] = frozenset({"step", "sum"})

    lr_decay: float
    weight_decay: float
    initial_accumulator_value: float
    eps: float
    maximize: bool

    def __init__(
        self,
        params: Iterable[_Param],
        lr: float = 1e-2,
        *,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            {
                "lr": lr,
                "lr_decay": lr_decay,
                "weight_decay": weight_decay,
                "initial_accumulator_value": initial_accumulator_value,
                "eps": eps,
                "maximize": maximize,
            },
        )
        # as PyTorch, every parameter's sum starts now (a later change of
        # initial_accumulator_value does not move it)
        self._state = [
            {"step": 0.0, "sum": self.initial_accumulator_value} for _ in self._params
        ]

    def _hyper(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._hyper_names}

    def _validate(self, hyper: Mapping[str, object]) -> dict[str, Any]:
        return {
            "lr": _check_lr(hyper["lr"]),
            "lr_decay": _nonnegative(hyper["lr_decay"], "lr_decay", "Invalid lr_decay value"),
            "weight_decay": _nonnegative(
                hyper["weight_decay"], "weight_decay", "Invalid weight_decay value"
            ),
            "initial_accumulator_value": _nonnegative(
                hyper["initial_accumulator_value"],
                "initial_accumulator_value",
                "Invalid initial_accumulator_value value",
            ),
            "eps": _nonnegative(hyper["eps"], "eps", "Invalid epsilon value"),
            "maximize": _flag(hyper["maximize"], "maximize"),
        }

    def _update(self, t: float, p: float, g: float, state: _State) -> tuple[float, _State]:
        if self.maximize:
            g = -g
        if self.weight_decay != 0:
            g = g + self.weight_decay * p
        clr = self.lr / (1 + (t - 1) * self.lr_decay)
        s = state.get("sum", self.initial_accumulator_value) + 1 * g * g
        std = math.sqrt(s) + self.eps
        # NOTE: std is 0 only if eps == 0 and s == 0; PyTorch then writes NaN.
        return p + -clr * (g / std if std else math.nan), {"step": t, "sum": s}
