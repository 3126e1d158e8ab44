"""Learning-rate schedules, as ``torch.optim.lr_scheduler``."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from ..value import _describe
from .optimizer import Optimizer, _check_keys, _check_lr, _int, _nonnegative, _real

__all__ = ["LRScheduler", "StepLR", "ExponentialLR", "LambdaLR", "CosineAnnealingLR"]


class LRScheduler:
    """Base class of the schedules: sets ``optimizer.lr`` once per epoch, as PyTorch's.

    Building a schedule records ``base_lr = optimizer.lr`` and takes the step to epoch 0
    (``last_epoch`` goes from -1 to 0); each ``step()`` then moves to the next epoch and
    writes that epoch's learning rate into ``optimizer.lr``. Call it once per epoch,
    after ``optimizer.step()``. As in PyTorch, StepLR, ExponentialLR and
    CosineAnnealingLR update the optimizer's *current* lr (so schedules chain), while
    LambdaLR sets ``base_lr * lr_lambda(epoch)``.

    A subclass implements ``_next_lr(epoch, lr)``: the learning rate at ``epoch`` given
    the optimizer's current one.

    Attributes:
        optimizer: the optimizer whose ``lr`` is scheduled.
        base_lr: ``optimizer.lr`` when the schedule was built.
        last_epoch: the epoch of the current learning rate (0 after construction).

    Raises:
        TypeError: ``optimizer`` is not an :class:`Optimizer`.

    Example:
        >>> from autograd_mini import Value
        >>> from autograd_mini.optim import GD
        >>> class Halving(LRScheduler):  # a schedule of one's own
        ...     def _next_lr(self, epoch, lr):
        ...         return lr if epoch == 0 else lr / 2
        >>> opt = GD([Value(0.0)], lr=1.0)
        >>> sched = Halving(opt)
        >>> sched.step(); sched.step()
        >>> sched.last_epoch, opt.lr
        (2, 0.25)
    """

    _hyper_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: optimizer must be an Optimizer "
                f"(got {_describe(optimizer)})"
            )
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = -1
        self._last_lr = optimizer.lr
        self.step()

    def _next_lr(self, epoch: int, lr: float) -> float:
        raise NotImplementedError(f"{type(self).__name__} does not implement _next_lr")

    def _hyper(self) -> dict[str, Any]:
        return {}

    def _validate(self, hyper: Mapping[str, object]) -> dict[str, Any]:
        return {}

    def step(self) -> None:
        """Move to the next epoch and set the optimizer's ``lr`` for it.

        Raises:
            ValueError: the schedule produced an invalid learning rate (nothing changes).
        """
        epoch = self.last_epoch + 1
        lr = self._next_lr(epoch, self.optimizer.lr)
        if not 0.0 <= lr < math.inf:
            raise ValueError(
                f"{type(self).__name__}: the learning rate for epoch {epoch} would be "
                f"{lr!r}; it must be finite and >= 0"
            )
        self.optimizer.lr = lr
        self.last_epoch = epoch
        self._last_lr = self.optimizer.lr

    def get_last_lr(self) -> list[float]:
        """The learning rate this schedule set last, as a one-element list.

        PyTorch returns one per parameter group; here there is one group.
        """
        return [self._last_lr]

    def state_dict(self) -> dict[str, Any]:
        """The schedule's state as a plain, JSON-serialisable dict.

        It does not hold the optimizer's state: save ``optimizer.state_dict()`` too.
        """
        return {
            "scheduler": type(self).__name__,
            "base_lr": self.base_lr,
            "last_epoch": self.last_epoch,
            "last_lr": self._last_lr,
            **self._hyper(),
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a state saved by ``state_dict()``; on error nothing changes.

        It does not change ``optimizer.lr``: load the optimizer's state too.

        Raises:
            TypeError: ``state_dict`` is not a mapping.
            ValueError: a key is missing or unexpected, the class differs, or a value is
                invalid; the message names which.
        """
        name = type(self).__name__
        where = f"{name}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{where}: expected a dict (got {_describe(state_dict)})")
        keys = ("scheduler", "base_lr", "last_epoch", "last_lr", *self._hyper_names)
        _check_keys(state_dict, keys, where)
        if state_dict["scheduler"] != name:
            raise ValueError(f"{where}: the state is for {state_dict['scheduler']!r}, not {name!r}")
        try:
            base_lr = _check_lr(state_dict["base_lr"])
            last_lr = _check_lr(state_dict["last_lr"])
            hyper = self._validate({k: state_dict[k] for k in self._hyper_names})
        except (TypeError, ValueError) as e:
            raise ValueError(f"{where}: {e}") from e
        last_epoch = state_dict["last_epoch"]
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, int) or last_epoch < 0:
            raise ValueError(
                f"{where}: 'last_epoch' must be an int >= 0 (got {_describe(last_epoch)})"
            )
        for key, value in hyper.items():
            setattr(self, key, value)
        self.base_lr = base_lr
        self.last_epoch = last_epoch
        self._last_lr = last_lr

    def __repr__(self) -> str:
        shown = "".join(f"{k}={v!r}, " for k, v in self._hyper().items())
        return (
            f"{type(self).__name__}({shown}last_epoch={self.last_epoch}, last_lr={self._last_lr!r})"
        )


def _check_gamma(gamma: object) -> float:
    value = _real(gamma, "gamma")
    if not 0.0 < value < math.inf:
        raise ValueError(f"Invalid gamma: {gamma} (expected a finite number > 0)")
    return value


def _check_positive_int(x: object, what: str) -> int:
    value = _int(x, what)
    if value < 1:
        raise ValueError(f"Invalid {what}: {x} (expected an int >= 1)")
    return value


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    As ``torch.optim.lr_scheduler.StepLR``: at each epoch that is a nonzero multiple of
    ``step_size``, ``lr = lr * gamma``; otherwise ``lr`` is left alone. Left to itself
    this gives ``lr = base_lr * gamma ** (epoch // step_size)``.

    Args:
        optimizer: the optimizer whose ``lr`` is scheduled.
        step_size: the period of the decay, in epochs, ``>= 1``.
        gamma: the decay factor, ``> 0``.

    Example:
        >>> from autograd_mini import Value
        >>> from autograd_mini.optim import GD
        >>> opt = GD([Value(0.0)], lr=1.0)
        >>> sched = StepLR(opt, step_size=2, gamma=0.5)
        >>> for epoch in range(5):
        ...     print(epoch, sched.get_last_lr())
        ...     opt.step()
        ...     sched.step()
        0 [1.0]
        1 [1.0]
        2 [0.5]
        3 [0.5]
        4 [0.25]
    """

    _hyper_names: ClassVar[tuple[str, ...]] = ("step_size", "gamma")

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        checked = self._validate({"step_size": step_size, "gamma": gamma})
        self.step_size: int = checked["step_size"]
        self.gamma: float = checked["gamma"]
        super().__init__(optimizer)

    def _hyper(self) -> dict[str, Any]:
        return {"step_size": self.step_size, "gamma": self.gamma}

    def _validate(self, hyper: Mapping[str, object]) -> dict[str, Any]:
        return {
            "step_size": _check_positive_int(hyper["step_size"], "step_size"),
            "gamma": _check_gamma(hyper["gamma"]),
        }

    def _next_lr(self, epoch: int, lr: float) -> float:
        if epoch == 0 or epoch % self.step_size != 0:
            return lr
        return lr * self.gamma


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch.

    As ``torch.optim.lr_scheduler.ExponentialLR``: ``lr = lr * gamma`` at every epoch
    after 0, so left to itself ``lr = base_lr * gamma ** epoch``.

    Args:
        optimizer: the optimizer whose ``lr`` is scheduled.
        gamma: the decay factor, ``> 0``.

    Example:
        >>> from autograd_mini import Value
        >>> from autograd_mini.optim import GD
        >>> opt = GD([Value(0.0)], lr=1.0)
        >>> sched = ExponentialLR(opt, gamma=0.5)
        >>> sched.step(); sched.step()
        >>> sched.get_last_lr(), opt.lr
        ([0.25], 0.25)
    """

    _hyper_names: ClassVar[tuple[str, ...]] = ("gamma",)

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma: float = _check_gamma(gamma)
        super().__init__(optimizer)

    def _hyper(self) -> dict[str, Any]:
        return {"gamma": self.gamma}

    def _validate(self, hyper: Mapping[str, object]) -> dict[str, Any]:
        return {"gamma": _check_gamma(hyper["gamma"])}

    def _next_lr(self, epoch: int, lr: float) -> float:
        return lr if epoch == 0 else lr * self.gamma


class LambdaLR(LRScheduler):
    """Set the learning rate to ``base_lr * lr_lambda(epoch)``.

    As ``torch.optim.lr_scheduler.LambdaLR`` (including at epoch 0, when the schedule
    is built). The function is not saved by ``state_dict()``: build the schedule with
    the same function before loading.

    Args:
        optimizer: the optimizer whose ``lr`` is scheduled.
        lr_lambda: maps the epoch (an int ``>= 0``) to a factor; the result must be a
            learning rate, finite and ``>= 0``.

    Raises:
        TypeError: ``lr_lambda`` is not callable, or returns something not a number.
        ValueError: ``base_lr * lr_lambda(epoch)`` is negative or not finite.

    Example:
        >>> from autograd_mini import Value
        >>> from autograd_mini.optim import GD
        >>> opt = GD([Value(0.0)], lr=0.5)
        >>> sched = LambdaLR(opt, lambda epoch: 1 / (epoch + 1))
        >>> sched.step()
        >>> sched.get_last_lr()
        [0.25]
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float]) -> None:
        if not callable(lr_lambda):
            raise TypeError(f"LambdaLR: lr_lambda must be callable (got {_describe(lr_lambda)})")
        self.lr_lambda = lr_lambda
        super().__init__(optimizer)

    def _next_lr(self, epoch: int, lr: float) -> float:
        factor = self.lr_lambda(epoch)
        return self.base_lr * _real(factor, f"LambdaLR: lr_lambda({epoch})")


class CosineAnnealingLR(LRScheduler):
    """Anneal the learning rate from ``base_lr`` to ``eta_min`` along a cosine.

    As ``torch.optim.lr_scheduler.CosineAnnealingLR``, which follows
    ``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2``
    by the recursion (applied to the optimizer's current lr, so schedules chain)::

        lr = eta_min + (lr - eta_min) * (1 + cos(pi * epoch / T_max))
                                      / (1 + cos(pi * (epoch - 1) / T_max))

    except when ``(epoch - 1 - T_max) % (2 * T_max) == 0``, where the denominator is 0
    and ``lr = lr + (base_lr - eta_min) * (1 - cos(pi / T_max)) / 2``. Past ``T_max``
    the learning rate rises again (a period of ``2 * T_max``, no restart).

    Args:
        optimizer: the optimizer whose ``lr`` is scheduled.
        T_max: the number of epochs from ``base_lr`` down to ``eta_min``, ``>= 1``.
        eta_min: the smallest learning rate, ``>= 0``.

    Example:
        >>> from autograd_mini import Value
        >>> from autograd_mini.optim import GD
        >>> opt = GD([Value(0.0)], lr=1.0)
        >>> sched = CosineAnnealingLR(opt, T_max=2)
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(4):
        ...     sched.step()
        ...     lrs.append(round(sched.get_last_lr()[0], 12))
        >>> lrs
        [1.0, 0.5, 0.0, 0.5, 1.0]
    """

    _hyper_names: ClassVar[tuple[str, ...]] = ("T_max", "eta_min")

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        checked = self._validate({"T_max": T_max, "eta_min": eta_min})
        self.T_max: int = checked["T_max"]
        self.eta_min: float = checked["eta_min"]
        super().__init__(optimizer)

    def _hyper(self) -> dict[str, Any]:
        return {"T_max": self.T_max, "eta_min": self.eta_min}

    def _validate(self, hyper: Mapping[str, object]) -> dict[str, Any]:
        return {
            "T_max": _check_positive_int(hyper["T_max"], "T_max"),
            "eta_min": _nonnegative(hyper["eta_min"], "eta_min", "Invalid eta_min"),
        }

    def _next_lr(self, epoch: int, lr: float) -> float:
        if epoch == 0:
            return lr
        t_max, eta_min = self.T_max, self.eta_min
        if (epoch - 1 - t_max) % (2 * t_max) == 0:
            return lr + (self.base_lr - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
        return (1 + math.cos(math.pi * epoch / t_max)) / (
            1 + math.cos(math.pi * (epoch - 1) / t_max)
        ) * (lr - eta_min) + eta_min
