"""Gradient descent: ``SGD`` (with momentum and Nesterov, as ``torch.optim.SGD``) and
its named special cases ``GD`` and ``Momentum``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from .optimizer import Optimizer, _check_lr, _flag, _nonnegative, _Param, _real, _State

__all__ = ["SGD", "GD", "Momentum"]


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum, as ``torch.optim.SGD``.

    The update of each parameter ``p`` with gradient ``g`` at step ``t = 1, 2, ...``,
    line for line PyTorch's::

        if maximize:           g = -g
        if weight_decay != 0:  g = g + weight_decay * p          # L2 penalty
        if momentum != 0:
            if t == 1:         b = g                             # the buffer starts as g
            else:              b = momentum * b + (1 - dampening) * g
            if nesterov:       g = g + momentum * b
            else:              g = b
        p = p - lr * g

    As in PyTorch, and unlike Sutskever et al. (``v = momentum * v + lr * g;
    p = p - v``), ``lr`` multiplies the buffer rather than entering it, and the buffer
    starts as the first gradient rather than as 0, so dampening is not applied on the
    first step. (``t == 1`` means: the parameter's first step with a buffer; a buffer
    missing from a loaded state starts the same way.)

    Buffers (``state_dict()["state"][i]``): ``momentum_buffer``, the ``b`` above, only
    when ``momentum != 0``.

    Args:
        params: the parameters (see :class:`Optimizer`).
        lr: learning rate, ``>= 0``.
        momentum: momentum factor, ``>= 0`` (0 turns momentum off).
        dampening: dampening of the gradient added to the buffer, in ``[0, 1]``
            (PyTorch does not check its range).
        weight_decay: L2 penalty, ``>= 0``.
        nesterov: Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
        maximize: ascend the objective instead of descending it.

    Raises:
        TypeError: a hyper-parameter is not a number (or not a bool for the flags).
        ValueError: a hyper-parameter is out of range, with PyTorch's message (for
            instance ``Invalid learning rate: -0.1``).

    Example:
        >>> from autograd_mini import Value
        >>> w = Value(1.0)
        >>> opt = SGD([w], lr=0.1, momentum=0.9)
        >>> for _ in range(3):
        ...     opt.zero_grad()
        ...     (w * w).backward()  # d(w*w)/dw = 2w
        ...     opt.step()
        ...     print(round(w.data, 12))
        0.8
        0.46
        0.062
    """

    _hyper_names: ClassVar[tuple[str, ...]] = (
        "lr",
        "momentum",
        "dampening",
        "weight_decay",
        "nesterov",
        "maximize",
    )
    _buffer_names: ClassVar[tuple[str, ...]] = ("momentum_buffer",)

    momentum: float
    dampening: float
    weight_decay: float
    nesterov: bool
    maximize: bool

    def __init__(
        self,
        params: Iterable[_Param],
        lr: float,
        *,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            {
                "lr": lr,
                "momentum": momentum,
                "dampening": dampening,
                "weight_decay": weight_decay,
                "nesterov": nesterov,
                "maximize": maximize,
            },
        )

    def _hyper(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "momentum": self.momentum,
            "dampening": self.dampening,
            "weight_decay": self.weight_decay,
            "nesterov": self.nesterov,
            "maximize": self.maximize,
        }

    def _validate(self, hyper: Mapping[str, object]) -> dict[str, Any]:
        lr = _check_lr(hyper["lr"])
        momentum = _nonnegative(hyper["momentum"], "momentum", "Invalid momentum value")
        dampening = _real(hyper["dampening"], "dampening")
        if not 0.0 <= dampening <= 1.0:
            raise ValueError(f"Invalid dampening value: {hyper['dampening']}")
        weight_decay = _nonnegative(
            hyper["weight_decay"], "weight_decay", "Invalid weight_decay value"
        )
        nesterov = _flag(hyper["nesterov"], "nesterov")
        maximize = _flag(hyper["maximize"], "maximize")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        return {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }

    def _update(self, t: float, p: float, g: float, state: _State) -> tuple[float, _State]:
        if self.maximize:
            g = -g
        if self.weight_decay != 0:
            g = g + self.weight_decay * p
        new_state: _State = {}
        if self.momentum != 0:
            b = state.get("momentum_buffer")
            b = g if b is None else self.momentum * b + (1 - self.dampening) * g
            new_state["momentum_buffer"] = b
            g = g + self.momentum * b if self.nesterov else b
        return p - self.lr * g, new_state

    def _update_all(
        self, steps: int, datas: list[float], grads: list[float], states: Sequence[_State]
    ) -> tuple[list[float], Sequence[_State]]:
        """Without momentum: ``_update``'s arithmetic in one pass, with no buffers to keep."""
        if self.momentum != 0:
            return super()._update_all(steps, datas, grads, states)
        lr, wd = self.lr, self.weight_decay
        if self.maximize:
            grads = [-g for g in grads]
        if wd != 0:
            grads = [g + wd * p for g, p in zip(grads, datas)]
        news = [p - lr * g for p, g in zip(datas, grads)]
        # _update drops a momentum buffer a loaded state may hold: keep empty ones as they are
        return news, states if not any(states) else [{} for _ in states]


class GD(SGD):
    """Plain gradient descent: ``p = p - lr * g``, with no buffers.

    The same as ``SGD(params, lr)`` (and as ``torch.optim.SGD(params, lr)``); its
    ``state_dict()`` holds only ``lr``.

    Args:
        params: the parameters (see :class:`Optimizer`).
        lr: learning rate, ``>= 0``.

    Example:
        >>> from autograd_mini import Value
        >>> w = Value(1.0)
        >>> opt = GD([w], lr=0.25)
        >>> (w * w).backward()
        >>> opt.step()
        >>> w.data
        0.5
    """

    _hyper_names: ClassVar[tuple[str, ...]] = ("lr",)

    def __init__(self, params: Iterable[_Param], lr: float) -> None:
        super().__init__(params, lr)


class Momentum(SGD):
    """Gradient descent with (optionally Nesterov) momentum, no dampening.

    The same as ``SGD(params, lr, momentum=momentum, nesterov=nesterov)``: with
    ``b`` starting as the first gradient, each step does ``b = momentum * b + g`` then
    ``p = p - lr * b``, or ``p = p - lr * (g + momentum * b)`` with ``nesterov``.

    Args:
        params: the parameters (see :class:`Optimizer`).
        lr: learning rate, ``>= 0``.
        momentum: momentum factor, ``>= 0``.
        nesterov: Nesterov momentum (needs ``momentum > 0``).

    Example:
        >>> from autograd_mini import Value
        >>> w = Value(1.0)
        >>> opt = Momentum([w], lr=0.1, momentum=0.9, nesterov=True)
        >>> for _ in range(2):
        ...     opt.zero_grad()
        ...     (w * w).backward()
        ...     opt.step()
        >>> round(w.data, 12)
        0.2224
    """

    _hyper_names: ClassVar[tuple[str, ...]] = ("lr", "momentum", "nesterov")

    def __init__(
        self,
        params: Iterable[_Param],
        lr: float,
        momentum: float = 0.9,
        *,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr, momentum=momentum, nesterov=nesterov)
