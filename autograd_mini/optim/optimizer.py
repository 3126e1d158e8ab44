"""The base class every optimizer shares, and the checks of user input they all use.

An :class:`Optimizer` holds one group of parameters, steps them all or none
(``FloatingPointError`` leaves every parameter and buffer as it was), and saves and
loads a JSON-serialisable state. Each subclass implements ``_update`` for one parameter.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any, ClassVar, Final, Protocol, SupportsFloat

from ..value import _describe, enable_grad

__all__ = ["Optimizer", "NONE_GRAD"]


class _NoneGrad(float):
    """The type of :data:`NONE_GRAD`: a float equal to 0.0 that means "no gradient".

    Example:
        >>> from autograd_mini import Value
        >>> from autograd_mini.optim import SGD
        >>> w, unused = Value(2.0), Value(5.0)
        >>> opt = SGD([w, unused], lr=0.1, weight_decay=0.5)
        >>> opt.zero_grad()  # set_to_none=True: .grad = NONE_GRAD
        >>> (w * w).backward()  # reaches w only
        >>> opt.step()  # skips `unused`: no weight decay for it, as in PyTorch
        >>> w.data, unused.data, unused.grad is NONE_GRAD
        (1.5, 5.0, True)
    """

    __slots__ = ()

    def __new__(cls) -> _NoneGrad:
        return super().__new__(cls, 0.0)

    def __reduce__(self) -> str:
        # copy, deepcopy and pickle give back the one NONE_GRAD (by its global name)
        return "NONE_GRAD"


#: What ``zero_grad(set_to_none=True)`` stores in ``.grad``: this library's stand-in for
#: PyTorch's ``grad = None``. It is the float 0.0 for every computation, so a ``Value``
#: holding it works as before; ``backward()`` replaces it (by a plain float) on every
#: node of the graph it walks, and ``step()`` skips a parameter that still holds it.
#: (``None`` itself would break ``backward()``, which adds each node's earlier
#: ``.grad`` back to the new one: ``None + 1.0`` raises ``TypeError``.)
NONE_GRAD: Final[float] = _NoneGrad()


class _Param(Protocol):
    """What an optimizer needs of a parameter: a float ``.data`` and a ``.grad``."""

    data: float
    grad: Any  # a float; a Value after backward(create_graph=True)


_State = dict[str, float]


# --- arithmetic ---------------------------------------------------------------------------
_SPLIT = 134217729.0  # 2**27 + 1: Veltkamp's constant, splits a float into two halves


def _fma(a: float, b: float, c: float) -> float:
    """``a * b + c`` rounded once (a fused multiply-add), as PyTorch's CPU kernels compute
    ``add(x, alpha=)`` and ``addcmul``. (``math.fma`` needs Python 3.13.)

    The product is split exactly (Dekker's TwoProduct: ``p + e == a * b``) and
    ``math.fsum`` rounds ``c + p + e`` correctly, which is the FMA; zeros, huge and tiny
    values, where the split would overflow or lose bits, take an exact slower path.
    """
    p = a * b
    if 1e-270 < abs(p) < 1e295 and abs(a) < 1e295 and abs(b) < 1e295:
        t = _SPLIT * a
        ah = t - (t - a)
        al = a - ah
        t = _SPLIT * b
        bh = t - (t - b)
        bl = b - bh
        return math.fsum((c, p, ((ah * bh - p) + ah * bl + al * bh) + al * bl))
    if p == 0.0 or not (math.isfinite(a) and math.isfinite(b) and math.isfinite(c)):
        return c + p  # a product too small to matter, or IEEE's rules for inf and nan
    # NOTE: a finite a * b may overflow on its own while a * b + c does not: exactly, then.
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    try:
        return float(exact)
    except OverflowError:
        return math.inf if exact > 0 else -math.inf


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
    the update of one parameter in ``_update(t, p, g, state)``: given the parameter's
    update number ``t`` (1.0 for its first; a float, as PyTorch keeps it, and one more
    than its ``step`` buffer where it keeps one), its value ``p``, its gradient ``g`` and its
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
        initial_lr: ``None`` until a schedule is built on this optimizer; then the lr at
            that moment, the ``base_lr`` of every schedule on it (PyTorch's
            ``param_groups[0]["initial_lr"]``).
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
        >>> from autograd_mini.optim import GD
        >>> p = P(1.0, 0.5)
        >>> opt = GD([p], lr=0.1)
        >>> opt.step()
        >>> p.data
        0.95
        >>> opt.zero_grad(set_to_none=False)
        >>> p.grad
        0.0
    """

    #: Whether ``step`` must be given a closure (L-BFGS evaluates the loss many times).
    requires_closure: ClassVar[bool] = False
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
        self.initial_lr: float | None = None

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

    def _update(self, t: float, p: float, g: float, state: _State) -> tuple[float, _State]:
        raise NotImplementedError(f"{type(self).__name__} does not implement _update")

    def _update_all(
        self, steps: int, datas: list[float], grads: list[float], states: Sequence[_State]
    ) -> tuple[list[float], Sequence[_State]]:
        """Every live parameter's new value and state: ``_update`` for each in turn.

        A subclass may compute the same numbers in bulk (``SGD`` without momentum does).
        """
        update = self._update
        # each parameter's own count (its "step" buffer: skipped steps do not count), or,
        # for a state saved before those counts existed, the optimizer's
        fallback = float(steps + 1)
        updates = [
            update(s["step"] + 1.0 if "step" in s else fallback if s else 1.0, x, g, s)
            for x, g, s in zip(datas, grads, states)
        ]
        return [new for new, _ in updates], [state for _, state in updates]

    def _assign(self, hyper: Mapping[str, Any]) -> None:
        for key, value in hyper.items():
            setattr(self, key, value)

    # --- the public interface ------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient (gradients accumulate otherwise).

        Args:
            set_to_none: as PyTorch's (and its default): mark each gradient as absent,
                by storing :data:`NONE_GRAD` (a float equal to 0.0) in ``.grad``; a
                parameter that the next ``backward()`` does not reach keeps it, and
                ``step()`` then leaves that parameter and its buffers alone (no weight
                decay, no momentum, no step counted), exactly as PyTorch skips a
                parameter whose ``.grad`` is ``None``. With ``False``, store the float
                0.0: every parameter is updated, with a zero gradient where the
                backward pass did not reach it.

        Raises:
            TypeError: ``set_to_none`` is not a bool.
        """
        fill = NONE_GRAD if _flag(set_to_none, "set_to_none") else 0.0
        for p in self._params:
            p.grad = fill

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter from its ``.grad``, all of them or none.

        A parameter whose ``.grad`` is :data:`NONE_GRAD` (see :meth:`zero_grad`) is
        skipped, with its buffers, as PyTorch skips one whose ``.grad`` is ``None``.

        Args:
            closure: as PyTorch's: called first (with recording on), to recompute the
                loss and the gradients; its result is returned.

        Returns:
            What ``closure`` returned, or ``None`` without one.

        Raises:
            TypeError: a ``.grad`` or ``.data`` is not a number, or ``closure`` is not
                callable.
            FloatingPointError: a gradient is NaN or infinite, or an update overflows; no
                parameter and no buffer is changed, so the last good values are kept.
            ValueError: a hyper-parameter was set by hand to an invalid value.
        """
        name = type(self).__name__
        loss = None
        if closure is not None:
            if not callable(closure):
                raise TypeError(f"{name}.step: closure must be callable (got {_describe(closure)})")
            with enable_grad():
                loss = closure()
        self._assign(self._validate(self._hyper()))
        params = self._params
        grads = [p.grad for p in params]
        states = self._state
        live: Sequence[int] = range(len(params))
        if _NoneGrad in set(map(type, grads)):  # skip what the last backward did not reach
            live = [i for i, g in enumerate(grads) if type(g) is not _NoneGrad]
            params = [params[i] for i in live]
            grads = [grads[i] for i in live]
            states = [states[i] for i in live]
        datas = [p.data for p in params]
        if not (_finite_floats(grads) and _finite_floats(datas)):
            # the slow path: convert, and name the first parameter that is not a number
            grads = [self._read(p.grad, name, f"{_name(p, i)} has .grad", "gradient")
                     for i, p in zip(live, params)]
            datas = [self._read(p.data, name, f"{_name(p, i)} has .data", "value")
                     for i, p in zip(live, params)]
        steps = self._steps
        news, new_states = self._update_all(steps, datas, grads, states)
        buffers = [v for state in new_states for v in state.values()] if any(new_states) else []
        if not (_finite_floats(news) and _finite_floats(buffers)):
            for i, x, new, state in zip(live, datas, news, new_states):
                if not math.isfinite(new):
                    raise FloatingPointError(
                        f"{name}.step: the update of {_name(self._params[i], i)} is not "
                        f"finite ({x!r} -> {new!r}); no parameter was changed (try a smaller lr)"
                    )
                for key, value in state.items():
                    if not math.isfinite(value):
                        raise FloatingPointError(
                            f"{name}.step: buffer {key!r} of {_name(self._params[i], i)} "
                            f"became {value!r}; no parameter was changed"
                        )
        for p, new in zip(params, news):
            p.data = new
        if len(live) == len(self._params):
            self._state = list(new_states)
        else:
            for i, state in zip(live, new_states):
                self._state[i] = state  # the skipped keep theirs
        self._steps = steps + 1
        return loss

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

    def _state_header(self, state_dict: object) -> tuple[str, Mapping[str, Any]]:
        """Check a saved state's outer keys and class; return the error prefix and hypers."""
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
        return where, hyper

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
        where, hyper = self._state_header(state_dict)
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
                    f"{at}: unexpected buffer(s) {', '.join(unknown)} (a {type(self).__name__} has "
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
                if key == "step" and (number < 0 or not number.is_integer()):
                    raise ValueError(f"{at}['step'] must be a whole number >= 0 (got {value!r})")
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
