"""RMSprop, as ``torch.optim.RMSprop``."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from .optimizer import Optimizer, _check_lr, _flag, _fma, _nonnegative, _Param, _real, _State

__all__ = ["RMSprop"]


def _lerp(start: float, end: float, weight: float) -> float:
    """PyTorch's ``torch.lerp``: ``start + weight * (end - start)``, in its rounding."""
    if abs(weight) < 0.5:
        return _fma(weight, end - start, start)
    return _fma(-(end - start), 1 - weight, end)


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop`` (Hinton's, with PyTorch's centred and momentum forms).

    The update of each parameter ``p`` with gradient ``g``; the buffers ``v``
    (``square_avg``), ``m`` (``grad_avg``) and ``b`` (``momentum_buffer``) start at 0::

        if maximize:           g = -g
        if weight_decay != 0:  g = g + weight_decay * p          # L2, folded into g
        v = alpha * v + (1 - alpha) * g * g
        if centered:
            m = lerp(m, g, 1 - alpha)                             # alpha * m + (1 - alpha) * g
            avg = sqrt(v - m * m) + eps
        else:
            avg = sqrt(v) + eps
        if momentum > 0:
            b = momentum * b + g / avg
            p = p - lr * b
        else:
            p = p - lr * g / avg

    ``eps`` is added *after* the square root (as in PyTorch; TensorFlow adds it inside),
    and there is no bias correction: ``v`` starts at 0, so the first steps are large
    (``|g| / sqrt(1 - alpha)`` times ``lr`` at the first). ``lerp`` rounds as
    ``torch.lerp`` does. Where rounding makes ``v - m * m`` negative, or ``avg`` is 0
    (``eps == 0`` and a zero gradient), PyTorch writes NaN and ``step()`` raises
    ``FloatingPointError`` instead, changing nothing.

    Buffers (``state_dict()["state"][i]``): ``step`` (the number of updates of this
    parameter, kept as PyTorch does though the rule does not read it), ``square_avg``,
    ``grad_avg`` with ``centered``, ``momentum_buffer`` with ``momentum > 0``.

    Args:
        params: the parameters (see :class:`Optimizer`).
        lr: learning rate, ``>= 0``.
        alpha: smoothing constant of ``v``, ``>= 0`` (PyTorch checks no upper bound).
        eps: added to the denominator, ``>= 0``.
        weight_decay: L2 penalty, ``>= 0``.
        momentum: momentum factor, ``>= 0``.
        centered: divide by an estimate of the gradient's standard deviation instead of
            its root mean square.
        maximize: ascend the objective instead of descending it.

    Raises:
        TypeError: a hyper-parameter is not a number (or not a bool for the flags).
        ValueError: a hyper-parameter is out of range, with PyTorch's message (for
            instance ``Invalid alpha value: -0.5``).

    Example:
        >>> from autograd_mini import Value
        >>> w = Value(1.0)
        >>> opt = RMSprop([w], lr=0.01, alpha=0.99)
        >>> (w * w).backward()
        >>> opt.step()  # v = 0.01 * 4, so the step is 0.01 * 2 / (0.2 + 1e-8)
        >>> round(w.data, 6)
        0.9
    """

    _hyper_names: ClassVar[tuple[str, ...]] = (
        "lr",
        "alpha",
        "eps",
        "weight_decay",
        "momentum",
        "centered",
        "maximize",
    )
    _buffer_names: ClassVar[tuple[str, ...]] = (
        "step",
        "square_avg",
        "grad_avg",
        "momentum_buffer",
    )
    _nonnegative_buffers: ClassVar[frozenset[str]] = frozenset({"step", "square_avg"})

    alpha: float
    eps: float
    weight_decay: float
    momentum: float
    centered: bool
    maximize: bool

    def __init__(
        self,
        params: Iterable[_Param],
        lr: float = 1e-2,
        *,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            {
                "lr": lr,
                "alpha": alpha,
                "eps": eps,
                "weight_decay": weight_decay,
                "momentum": momentum,
                "centered": centered,
                "maximize": maximize,
            },
        )

    def _hyper(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._hyper_names}

    def _validate(self, hyper: Mapping[str, object]) -> dict[str, Any]:
        alpha = _real(hyper["alpha"], "alpha")
        if not 0.0 <= alpha < math.inf:
            raise ValueError(f"Invalid alpha value: {hyper['alpha']}")
        return {
            "lr": _check_lr(hyper["lr"]),
            "alpha": alpha,
            "eps": _nonnegative(hyper["eps"], "eps", "Invalid epsilon value"),
            "weight_decay": _nonnegative(
                hyper["weight_decay"], "weight_decay", "Invalid weight_decay value"
            ),
            "momentum": _nonnegative(hyper["momentum"], "momentum", "Invalid momentum value"),
            "centered": _flag(hyper["centered"], "centered"),
            "maximize": _flag(hyper["maximize"], "maximize"),
        }

    def _update(self, t: float, p: float, g: float, state: _State) -> tuple[float, _State]:
        # NOTE: written with PyTorch's CPU roundings (_fma for add(alpha=) and addcmul,
        # lerp as torch.lerp): centred RMSprop divides by the square root of a
        # difference, which turns an ulp into any amount where the variance is small.
        alpha = self.alpha
        if self.maximize:
            g = -g
        if self.weight_decay != 0:
            g = _fma(self.weight_decay, p, g)
        v = _fma((1 - alpha) * g, g, state.get("square_avg", 0.0) * alpha)
        new_state: _State = {"step": t, "square_avg": v}
        if self.centered:
            m = _lerp(state.get("grad_avg", 0.0), g, 1 - alpha)
            new_state["grad_avg"] = m
            # where the variance estimate is 0 (alpha == 0) the rounding error of v can
            # make this negative: PyTorch's step is then NaN, and step() raises
            var = _fma(-m, m, v)
            avg = (math.sqrt(var) if var >= 0 else math.nan) + self.eps
        else:
            avg = math.sqrt(v) + self.eps
        # avg is 0 only if eps == 0 and every gradient so far was 0: PyTorch then
        # writes NaN, and step() raises
        if self.momentum > 0:
            b = state.get("momentum_buffer", 0.0) * self.momentum + (g / avg if avg else math.nan)
            new_state["momentum_buffer"] = b
            return _fma(-self.lr, b, p), new_state
        return p + (-self.lr * g / avg if avg else math.nan), new_state
