"""Optimizers and learning-rate schedules, with PyTorch's update rules to the letter.

An optimizer holds a list of parameters (anything with a float ``.data`` and a ``.grad``,
such as :class:`~autograd_mini.Value`) and moves them with ``step()``. Each optimizer's
docstring gives its exact update rule and how its buffers start; the rules are those of
``torch.optim`` (SGD, Adam, AdamW), checked against PyTorch 2.13 in the tests.

What differs from PyTorch, on purpose:

* one group of parameters (no ``param_groups``), no ``closure``, no foreach/fused paths;
* ``step()`` is all or nothing: a gradient that is NaN or infinite, or an update that
  overflows, raises ``FloatingPointError`` and leaves every parameter and buffer as it
  was, so a diverging run keeps its last good parameters (PyTorch writes the NaN in);
* ``state_dict()`` is a plain JSON-serialisable dict, and ``load_state_dict`` checks it
  and raises ``ValueError`` naming what is wrong, without changing the optimizer.

Schedules (:class:`StepLR`, :class:`ExponentialLR`, :class:`LambdaLR`,
:class:`CosineAnnealingLR`) follow ``torch.optim.lr_scheduler``: build one after the
optimizer, call its ``step()`` once per epoch after the optimizer's, read
``get_last_lr()``.

Example:
    >>> from autograd_mini import Value
    >>> from autograd_mini.optim import SGD
    >>> w = Value(1.0)
    >>> opt = SGD([w], lr=0.1)
    >>> for _ in range(3):
    ...     opt.zero_grad()
    ...     (w * w).backward()
    ...     opt.step()
    >>> round(w.data, 12)
    0.512
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Protocol, SupportsFloat

from .value import _describe

__all__ = [
    "Optimizer",
    "SGD",
    "GD",
    "Momentum",
    "Adam",
    "AdamW",
    "LRScheduler",
    "StepLR",
    "ExponentialLR",
    "LambdaLR",
    "CosineAnnealingLR",
]


class _Param(Protocol):
    """What an optimizer needs of a parameter: a float ``.data`` and a ``.grad``."""

    data: float
    grad: Any  # a float; a Value after backward(create_graph=True)


_State = dict[str, float]


# --- checking user input ----------------------------------------------------------------

def _real(x: object, what: str) -> float:
    """``x`` as a float, or ``TypeError`` if it is not a real number (bools are refused)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a real number (got {_describe(x)})")
    try:
        return float(x)
    except OverflowError:  # an int too large for a float
        return -math.inf if x < 0 else math.inf


def _flag(x: object, what: str) -> bool:
    if not isinstance(x, bool):
        raise TypeError(f"{what} must be True or False (got {_describe(x)})")
    return x


def _int(x: object, what: str) -> int:
    if isinstance(x, bool) or not isinstance(x, int):
        raise TypeError(f"{what} must be an int (got {_describe(x)})")
    return x


def _check_lr(lr: object) -> float:
    value = _real(lr, "lr")
    if not 0.0 <= value < math.inf:
        raise ValueError(f"Invalid learning rate: {lr}")
    return value


def _nonnegative(x: object, what: str, message: str) -> float:
    """A finite float >= 0, else ``ValueError(f"{message}: {x}")``."""
    value = _real(x, what)
    if not 0.0 <= value < math.inf:
        raise ValueError(f"{message}: {x}")
    return value


def _check_keys(d: Mapping[str, Any], expected: Iterable[str], where: str) -> None:
    expected = set(expected)
    missing = sorted(expected - set(d))
    unexpected = sorted(repr(k) for k in set(d) - expected)
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing key(s) {', '.join(map(repr, missing))}")
        if unexpected:
            parts.append(f"unexpected key(s) {', '.join(unexpected)}")
        raise ValueError(f"{where}: {'; '.join(parts)}")


def _collect(params: Iterable[_Param], where: str) -> list[_Param]:
    if isinstance(params, (str, bytes)) or not isinstance(params, Iterable):
        raise TypeError(
            f"{where}: params must be an iterable of parameters (got {_describe(params)}); "
            "wrap a single parameter in a list: [p]"
        )
    plist = list(params)
    if not plist:
        raise ValueError(f"{where}: got an empty parameter list")
    seen: dict[int, int] = {}
    for i, p in enumerate(plist):
        if not (hasattr(p, "data") and hasattr(p, "grad")):
            raise TypeError(f"{where}: parameter {i} has no .data and .grad (got {_describe(p)})")
        j = seen.setdefault(id(p), i)
        if j != i:
            raise ValueError(
                f"{where}: parameter {i} is the same object as parameter {j}; "
                "pass each parameter once"
            )
    return plist


def _name(p: _Param, i: int) -> str:
    label = getattr(p, "label", "")
    return f"parameter {i} ({label!r})" if isinstance(label, str) and label else f"parameter {i}"


def _finite_floats(xs: list[Any]) -> bool:
    """Whether every item is a finite float: the fast check before the detailed one."""
    if not xs:
        return True
    if set(map(type, xs)) != {float}:
        return False
    total = sum(xs)  # finite unless an item is not (or the sum itself overflows)
    return total - total == 0.0 or all(math.isfinite(x) for x in xs)


# --- optimizers ----------------------------------------------------------------------------
class Optimizer:
    """Base class: holds the parameters, steps them all or none, saves and loads state.

    A subclass lists its hyper-parameters, checks them in ``_validate`` and implements
    the update of one parameter in ``_update(t, p, g, state)``: given the step number
    ``t`` (1 for the first step), the parameter's value ``p``, its gradient ``g`` and its
    buffers, return the new value and the new buffers, without side effects. ``step()``
    does the rest: reading and checking gradients, and committing every update at once.

    Args:
        params: the parameters, any iterable of objects with a float ``.data`` and a
            ``.grad``; it is read once into a list, in order (the order indexes the
            per-parameter state in ``state_dict()``).
        hyper: every hyper-parameter the update rule reads, by name, ``lr`` among them;
            checked by ``_validate`` (subclasses take them as keyword arguments).

    Attributes:
        lr: the learning rate; set it freely (schedules do), it is checked on assignment.
            The other hyper-parameters are attributes too; one set by hand to an invalid
            value makes the next ``step()`` raise.

    Raises:
        TypeError: ``params`` is not an iterable of parameters, or a hyper-parameter is
            not a number.
        ValueError: ``params`` is empty or holds a parameter twice, or a hyper-parameter
            is out of range (``Invalid learning rate: -0.1``).

    Example:
        >>> class P:  # anything with a float .data and a .grad will do
        ...     def __init__(self, data, grad):
        ...         self.data, self.grad = data, grad
        >>> p = P(1.0, 0.5)
        >>> opt = GD([p], lr=0.1)
        >>> opt.step()
        >>> p.data
        0.95
        >>> opt.zero_grad()
        >>> p.grad
        0.0
    """

    #: Hyper-parameters shown by ``repr`` and saved by ``state_dict`` (``lr`` first).
    _hyper_names: ClassVar[tuple[str, ...]] = ("lr",)
    #: Every buffer a parameter's state may hold, and those that must be ``>= 0``.
    _buffer_names: ClassVar[tuple[str, ...]] = ()
    _nonnegative_buffers: ClassVar[frozenset[str]] = frozenset()

    _lr: float

    def __init__(self, params: Iterable[_Param], hyper: Mapping[str, object]) -> None:
        checked = self._validate(hyper)
        self._params = _collect(params, type(self).__name__)
        self._assign(checked)
        self._state: list[_State] = [{} for _ in self._params]
        self._steps = 0

    # --- the learning rate -------------------------------------------------------------
    @property
    def lr(self) -> float:
        """The learning rate used by the next ``step()``."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _check_lr(value)

    @property
    def params(self) -> tuple[_Param, ...]:
        """The parameters, in the order the state is indexed by."""
        return tuple(self._params)

    # --- what subclasses provide -------------------------------------------------------
    def _hyper(self) -> dict[str, Any]:
        """Every hyper-parameter the update rule reads, by name."""
        return {"lr": self.lr}

    def _validate(self, hyper: Mapping[str, object]) -> dict[str, Any]:
        """Check a full set of hyper-parameters; return them normalised (floats, bools)."""
        return {"lr": _check_lr(hyper["lr"])}

    def _update(self, t: int, p: float, g: float, state: _State) -> tuple[float, _State]:
        raise NotImplementedError(f"{type(self).__name__} does not implement _update")

    def _assign(self, hyper: Mapping[str, Any]) -> None:
        for key, value in hyper.items():
            setattr(self, key, value)

    # --- the public interface ------------------------------------------------------------
    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to ``0.0`` (gradients accumulate otherwise)."""
        for p in self._params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its ``.grad``, all of them or none.

        Raises:
            TypeError: a ``.grad`` or ``.data`` is not a number.
            FloatingPointError: a gradient is NaN or infinite, or an update overflows; no
                parameter and no buffer is changed, so the last good values are kept.
            ValueError: a hyper-parameter was set by hand to an invalid value.
        """
        name = type(self).__name__
        self._assign(self._validate(self._hyper()))
        params = self._params
        grads = [p.grad for p in params]
        datas = [p.data for p in params]
        if not (_finite_floats(grads) and _finite_floats(datas)):
            # the slow path: convert, and name the first parameter that is not a number
            grads = [self._read(p.grad, name, f"{_name(p, i)} has .grad", "gradient")
                     for i, p in enumerate(params)]
            datas = [self._read(p.data, name, f"{_name(p, i)} has .data", "value")
                     for i, p in enumerate(params)]
        t = self._steps + 1
        update = self._update
        updates = [update(t, x, g, s) for x, g, s in zip(datas, grads, self._state)]
        news = [new for new, _ in updates]
        buffers = [v for _, state in updates for v in state.values()]
        if not (_finite_floats(news) and _finite_floats(buffers)):
            for i, (x, (new, state)) in enumerate(zip(datas, updates)):
                if not math.isfinite(new):
                    raise FloatingPointError(
                        f"{name}.step: the update of {_name(params[i], i)} is not finite "
                        f"({x!r} -> {new!r}); no parameter was changed (try a smaller lr)"
                    )
                for key, value in state.items():
                    if not math.isfinite(value):
                        raise FloatingPointError(
                            f"{name}.step: buffer {key!r} of {_name(params[i], i)} became "
                            f"{value!r}; no parameter was changed"
                        )
        for p, new in zip(params, news):
            p.data = new
        self._state = [state for _, state in updates]
        self._steps = t

    @staticmethod
    def _read(x: object, name: str, what: str, kind: str) -> float:
        if isinstance(x, (str, bytes)) or not isinstance(x, SupportsFloat):
            raise TypeError(f"{name}.step: {what} {_describe(x)}, not a number")
        value = float(x)
        if not math.isfinite(value):
            raise FloatingPointError(
                f"{name}.step: {what} {value!r}, a non-finite {kind}; no parameter was "
                "changed (the last good values are kept)"
            )
        return value

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as a plain, JSON-serialisable dict.

        Returns:
            ``{"optimizer": class name, "hyperparams": {name: value}, "step": steps taken,
            "state": [one dict of buffers per parameter, in parameter order]}``. A buffer
            missing from a parameter's dict has not started yet (see the class docstring).
        """
        hyper = self._hyper()
        return {
            "optimizer": type(self).__name__,
            "hyperparams": {
                k: list(v) if isinstance(v, tuple) else v
                for k, v in ((k, hyper[k]) for k in self._hyper_names)
            },
            "step": self._steps,
            "state": [dict(s) for s in self._state],
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a state saved by ``state_dict()`` (hyper-parameters included).

        Everything is checked before anything is changed: on error the optimizer is left
        as it was.

        Args:
            state_dict: a dict from ``state_dict()`` of an optimizer of the same class over
                the same number of parameters, possibly through ``json.dumps``/``loads``.

        Raises:
            TypeError: ``state_dict`` is not a mapping.
            ValueError: a key is missing or unexpected, the class or the number of
                parameters differs, or a value is invalid; the message names which.
        """
        name = type(self).__name__
        where = f"{name}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{where}: expected a dict (got {_describe(state_dict)})")
        _check_keys(state_dict, ("optimizer", "hyperparams", "step", "state"), where)
        if state_dict["optimizer"] != name:
            raise ValueError(f"{where}: the state is for {state_dict['optimizer']!r}, not {name!r}")
        hyper = state_dict["hyperparams"]
        if not isinstance(hyper, Mapping):
            raise ValueError(f"{where}: 'hyperparams' must be a dict (got {_describe(hyper)})")
        _check_keys(hyper, self._hyper_names, f"{where}: 'hyperparams'")
        try:
            checked = self._validate({**self._hyper(), **hyper})
        except (TypeError, ValueError) as e:
            raise ValueError(f"{where}: 'hyperparams': {e}") from e
        steps = state_dict["step"]
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
            raise ValueError(f"{where}: 'step' must be an int >= 0 (got {_describe(steps)})")
        entries = state_dict["state"]
        if not isinstance(entries, (list, tuple)):
            raise ValueError(f"{where}: 'state' must be a list (got {_describe(entries)})")
        if len(entries) != len(self._params):
            raise ValueError(
                f"{where}: 'state' has {len(entries)} entries but this optimizer has "
                f"{len(self._params)} parameters"
            )
        new_state: list[_State] = []
        for i, entry in enumerate(entries):
            at = f"{where}: state[{i}]"
            if not isinstance(entry, Mapping):
                raise ValueError(f"{at} must be a dict (got {_describe(entry)})")
            unknown = sorted(repr(k) for k in set(entry) - set(self._buffer_names))
            if unknown:
                raise ValueError(
                    f"{at}: unexpected buffer(s) {', '.join(unknown)} (a {name} has "
                    f"{', '.join(self._buffer_names) or 'no buffers'})"
                )
            buffers: _State = {}
            for key in self._buffer_names:
                if key not in entry:
                    continue
                value = entry[key]
                try:
                    number = _real(value, key)
                except TypeError:
                    number = math.nan
                if not math.isfinite(number):
                    raise ValueError(f"{at}[{key!r}] must be a finite number (got {value!r})")
                if key in self._nonnegative_buffers and number < 0:
                    raise ValueError(f"{at}[{key!r}] must be >= 0 (got {value!r})")
                buffers[key] = number
            new_state.append(buffers)
        self._assign(checked)
        self._steps = steps
        self._state = new_state

    def __repr__(self) -> str:
        n = len(self._params)
        hyper = self._hyper()
        shown = ", ".join(f"{k}={hyper[k]!r}" for k in self._hyper_names)
        return f"{type(self).__name__}({n} param{'' if n == 1 else 's'}, {shown})"


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

    def _update(self, t: int, p: float, g: float, state: _State) -> tuple[float, _State]:
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

    Buffers (``state_dict()["state"][i]``): ``exp_avg`` (m), ``exp_avg_sq`` (v), and
    ``max_exp_avg_sq`` (v_max) with ``amsgrad``; ``t`` is ``state_dict()["step"] + 1``.

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
    _buffer_names: ClassVar[tuple[str, ...]] = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    _nonnegative_buffers: ClassVar[frozenset[str]] = frozenset({"exp_avg_sq", "max_exp_avg_sq"})
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

    def _update(self, t: int, p: float, g: float, state: _State) -> tuple[float, _State]:
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
        new_state = {"exp_avg": m, "exp_avg_sq": v}
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


# --- learning-rate schedules -----------------------------------------------------------------
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
