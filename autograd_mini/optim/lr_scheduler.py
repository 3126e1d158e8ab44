"""Learning-rate schedules, as ``torch.optim.lr_scheduler``."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, SupportsFloat

from ..value import _describe
from .optimizer import Optimizer, _check_keys, _check_lr, _int, _nonnegative, _real

__all__ = [
    "LRScheduler",
    "StepLR",
    "ExponentialLR",
    "LambdaLR",
    "CosineAnnealingLR",
    "ReduceLROnPlateau",
]


class LRScheduler:
    """Base class of the schedules: sets ``optimizer.lr`` once per epoch, as PyTorch's.

    Building a schedule takes the step to epoch 0 (``last_epoch`` goes from -1 to 0);
    each ``step()`` then moves to the next epoch and writes that epoch's learning rate
    into ``optimizer.lr``. Call it once per epoch, after ``optimizer.step()``. As in
    PyTorch, StepLR, ExponentialLR and CosineAnnealingLR update the optimizer's
    *current* lr (so schedules chain), while LambdaLR sets ``base_lr * lr_lambda(epoch)``.

    ``base_lr`` is the optimizer's ``initial_lr``, which the *first* schedule built on
    an optimizer sets to its lr at that moment (PyTorch's
    ``param_groups[0].setdefault("initial_lr", lr)``): every schedule on one optimizer
    shares it, so two chained LambdaLRs, or a CosineAnnealingLR built after an
    ExponentialLR has already moved the lr, anneal from the lr the optimizer started
    with, exactly as in PyTorch.

    A subclass implements ``_next_lr(epoch, lr)``: the learning rate at ``epoch`` given
    the optimizer's current one.

    Attributes:
        optimizer: the optimizer whose ``lr`` is scheduled.
        base_lr: ``optimizer.initial_lr``: its lr when its first schedule was built.
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
        if optimizer.initial_lr is None:
            optimizer.initial_lr = optimizer.lr
        self.base_lr = optimizer.initial_lr
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


class ReduceLROnPlateau:
    """Multiply the learning rate by ``factor`` when a metric stops improving.

    As ``torch.optim.lr_scheduler.ReduceLROnPlateau``. Call ``step(metric)`` once per
    epoch with the value to watch (a validation loss, say). With ``best`` the best
    metric so far (starting at +inf for ``mode="min"``, -inf for ``"max"``), a metric
    ``a`` is an improvement when, for ``mode="min"``::

        threshold_mode == "rel":  a < best * (1 - threshold)
        threshold_mode == "abs":  a < best - threshold

    (for ``"max"``: ``a > best * (1 + threshold)``, ``a > best + threshold``). Each
    ``step``: an improvement sets ``best = a`` and clears the count of bad epochs, else
    the count goes up by one; during a cooldown the count is kept at 0 (and the
    cooldown counts down); when the count exceeds ``patience``,
    ``new = max(lr * factor, min_lr)`` replaces ``lr`` if ``lr - new > eps``, the
    cooldown starts (``cooldown`` epochs) and the count is cleared.

    Where it differs from PyTorch: a NaN metric raises ``ValueError`` and changes
    nothing (PyTorch counts it as a bad epoch); there is one ``min_lr`` (one group).

    Args:
        optimizer: the optimizer whose ``lr`` is scheduled.
        mode: ``"min"`` (lower is better) or ``"max"``.
        factor: the factor applied to the lr, in ``[0, 1)``.
        patience: how many bad epochs in a row are tolerated, an int ``>= 0``.
        threshold: how much better counts as better, ``>= 0``.
        threshold_mode: ``"rel"`` (relative to ``best``) or ``"abs"``.
        cooldown: epochs to wait after a reduction before counting again, ``>= 0``.
        min_lr: the lr is never reduced below this, ``>= 0``.
        eps: a reduction smaller than this is skipped, ``>= 0``.

    Raises:
        TypeError: ``optimizer`` is not an :class:`Optimizer`, or a setting has the
            wrong type.
        ValueError: a setting is out of range (``Factor should be < 1.0.``) or unknown.

    Example:
        >>> from autograd_mini import Value
        >>> from autograd_mini.optim import GD
        >>> opt = GD([Value(0.0)], lr=1.0)
        >>> sched = ReduceLROnPlateau(opt, factor=0.5, patience=1)
        >>> for loss in [3.0, 2.0, 2.0, 2.0, 2.0, 1.0]:
        ...     sched.step(loss)
        ...     print(sched.get_last_lr())
        [1.0]
        [1.0]
        [1.0]
        [0.5]
        [0.5]
        [0.5]
    """

    _setting_names: ClassVar[tuple[str, ...]] = (
        "mode",
        "factor",
        "patience",
        "threshold",
        "threshold_mode",
        "cooldown",
        "min_lr",
        "eps",
    )

    mode: str
    factor: float
    patience: int
    threshold: float
    threshold_mode: str
    cooldown: int
    min_lr: float
    eps: float

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float = 0.0,
        eps: float = 1e-8,
    ) -> None:
        settings = self._validate(
            {
                "mode": mode,
                "factor": factor,
                "patience": patience,
                "threshold": threshold,
                "threshold_mode": threshold_mode,
                "cooldown": cooldown,
                "min_lr": min_lr,
                "eps": eps,
            }
        )
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"ReduceLROnPlateau: optimizer must be an Optimizer (got {_describe(optimizer)})"
            )
        self.optimizer = optimizer
        for key, value in settings.items():
            setattr(self, key, value)
        self.last_epoch = 0
        self._last_lr = optimizer.lr
        self.best = math.inf if self.mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    @staticmethod
    def _validate(settings: Mapping[str, object]) -> dict[str, Any]:
        mode, threshold_mode = settings["mode"], settings["threshold_mode"]
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode {mode!r} is unknown (use 'min' or 'max')")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"ReduceLROnPlateau: threshold mode {threshold_mode!r} is unknown "
                "(use 'rel' or 'abs')"
            )
        factor = _real(settings["factor"], "factor")
        if not 0.0 <= factor < 1.0:
            raise ValueError(f"Factor should be < 1.0. (and >= 0; got {settings['factor']})")
        checked: dict[str, Any] = {"mode": mode, "threshold_mode": threshold_mode, "factor": factor}
        for key in ("patience", "cooldown"):
            value = _int(settings[key], key)
            if value < 0:
                raise ValueError(f"Invalid {key}: {value} (expected an int >= 0)")
            checked[key] = value
        for key in ("threshold", "min_lr", "eps"):
            checked[key] = _nonnegative(settings[key], key, f"Invalid {key}")
        return checked

    def _is_better(self, a: float) -> bool:
        best = self.best
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, metrics: SupportsFloat) -> None:
        """Record this epoch's metric and reduce the lr if it has stopped improving.

        Args:
            metrics: the value watched (a float, or a ``Value``), not NaN.

        Raises:
            TypeError: ``metrics`` is not a number.
            ValueError: ``metrics`` is NaN (nothing changes).
        """
        if isinstance(metrics, (str, bytes)) or not isinstance(metrics, SupportsFloat):
            raise TypeError(
                f"ReduceLROnPlateau.step: metrics must be a number (got {_describe(metrics)})"
            )
        current = float(metrics)
        if math.isnan(current):
            raise ValueError(
                "ReduceLROnPlateau.step: the metric is NaN; nothing was changed "
                "(check the loss for divergence)"
            )
        self.last_epoch += 1
        if self._is_better(current):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in a cooldown do not count
        if self.num_bad_epochs > self.patience:
            old_lr = self.optimizer.lr
            new_lr = max(old_lr * self.factor, self.min_lr)
            if old_lr - new_lr > self.eps:
                self.optimizer.lr = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self.optimizer.lr

    @property
    def in_cooldown(self) -> bool:
        """Whether the schedule is waiting out a cooldown after a reduction."""
        return self.cooldown_counter > 0

    def get_last_lr(self) -> list[float]:
        """The optimizer's lr after the last ``step``, as a one-element list."""
        return [self._last_lr]

    def state_dict(self) -> dict[str, Any]:
        """The schedule's state as a plain, JSON-serialisable dict.

        ``best`` is ``None`` while no metric has been seen (it is then +-inf, which
        strict JSON cannot hold).
        """
        return {
            "scheduler": type(self).__name__,
            **{k: getattr(self, k) for k in self._setting_names},
            "best": self.best if math.isfinite(self.best) else None,
            "num_bad_epochs": self.num_bad_epochs,
            "cooldown_counter": self.cooldown_counter,
            "last_epoch": self.last_epoch,
            "last_lr": self._last_lr,
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a state saved by ``state_dict()``; on error nothing changes.

        Raises:
            TypeError: ``state_dict`` is not a mapping.
            ValueError: a key is missing or unexpected, the class differs, or a value is
                invalid; the message names which.
        """
        name = type(self).__name__
        where = f"{name}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{where}: expected a dict (got {_describe(state_dict)})")
        counters = ("num_bad_epochs", "cooldown_counter", "last_epoch")
        _check_keys(
            state_dict, ("scheduler", *self._setting_names, "best", *counters, "last_lr"), where
        )
        if state_dict["scheduler"] != name:
            raise ValueError(f"{where}: the state is for {state_dict['scheduler']!r}, not {name!r}")
        try:
            settings = self._validate({k: state_dict[k] for k in self._setting_names})
            last_lr = _check_lr(state_dict["last_lr"])
            best = state_dict["best"]
            if best is None:
                best = math.inf if settings["mode"] == "min" else -math.inf
            elif not math.isfinite(_real(best, "best")):
                raise ValueError(f"'best' must be finite or None (got {best!r})")
            for key in counters:
                value = _int(state_dict[key], key)
                if value < 0:
                    raise ValueError(f"{key!r} must be an int >= 0 (got {value})")
        except (TypeError, ValueError) as e:
            raise ValueError(f"{where}: {e}") from e
        for key, value in settings.items():
            setattr(self, key, value)
        self.best = float(best)
        for key in counters:
            setattr(self, key, state_dict[key])
        self._last_lr = last_lr

    def __repr__(self) -> str:
        shown = "".join(f"{k}={getattr(self, k)!r}, " for k in self._setting_names)
        return f"ReduceLROnPlateau({shown}best={self.best!r}, last_lr={self._last_lr!r})"
