"""Training loops with real stopping rules: ``fit`` for models, ``minimize`` for functions.

Both stop for a stated reason — the iteration budget, a negligible change of the cost,
a small gradient, a callback — and both handle divergence the same way: the run stops
with a clear message and the parameters are the last ones at which the cost and its
gradient were finite. Nothing is lost.
"""

from __future__ import annotations

import math
import numbers
import random
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from . import losses as _losses
from .compiled_step import _CompiledStep
from .optim import Optimizer, ReduceLROnPlateau
from .optimize import OptimizeResult, minimize
from .value import Value, _describe, _to_float, gc_paused, no_grad

__all__ = ["fit", "minimize", "History", "OptimizeResult", "Progress"]


class _Model(Protocol):
    def __call__(self, x: Any) -> Any: ...

    def parameters(self) -> list[Value]: ...


Loss = Callable[[list[Any], list[Any]], Value]

_CLASSIFICATION = {"hinge", "bce", "binary_cross_entropy", "cross_entropy"}


# --- results -----------------------------------------------------------------------------
@dataclass(repr=False)
class History:
    """What ``fit`` did, epoch by epoch, and why it stopped.

    Attributes:
        losses: the mean training loss of each epoch (penalty included), averaged over
            its batches as each was computed, before that batch's update (as Keras does);
            with full-batch training, the loss of the parameters the epoch started with.
        metrics: other per-epoch series by name (``"accuracy"`` for classification
            losses, ``"grad_norm"`` always).
        stop_reason: one sentence saying why training stopped.
        converged: True when a tolerance rule (``tol`` or ``gtol``) stopped it.
        diverged: True when a non-finite loss, gradient or parameter stopped it.
        epochs: how many epochs ran to the end.
        seconds: wall time of the run.
        eager_steps: with ``compile=True``, how many steps the compiled code could not
            finish and the eager engine ran instead (0 when every step was compiled).

    Its repr shows the run in a few lines (scipy's style): the final loss and metrics,
    why it stopped.

    Example:
        >>> History(losses=[1.0, 0.5], stop_reason="done").losses[-1]
        0.5
        >>> History(losses=[1.0, 0.5], metrics={"grad_norm": [2.0, 0.25]}, epochs=2,
        ...         stop_reason="reached the maximum of 2 epochs", seconds=0.01)
             epochs: 2 (0.01 s)
               loss: 0.5 (first 1)
          grad_norm: 0.25
        stop_reason: reached the maximum of 2 epochs
          converged: False
           diverged: False
    """

    losses: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    stop_reason: str = ""
    converged: bool = False
    diverged: bool = False
    epochs: int = 0
    seconds: float = 0.0
    eager_steps: int = 0

    def __repr__(self) -> str:
        rows = [("epochs", f"{self.epochs} ({self.seconds:.3g} s)")]
        if self.losses:
            first = f" (first {self.losses[0]:.6g})" if len(self.losses) > 1 else ""
            rows.append(("loss", f"{self.losses[-1]:.6g}{first}"))
        rows += [(k, f"{v[-1]:.6g}") for k, v in self.metrics.items() if v]
        rows += [("stop_reason", self.stop_reason or "-"), ("converged", str(self.converged)),
                 ("diverged", str(self.diverged))]
        width = max(len(k) for k, _ in rows)
        return "\n".join(f"{k.rjust(width)}: {v}" for k, v in rows)


class Progress:
    """A live progress line: epoch, loss, accuracy and rate, on one terminal line.

    On a terminal the line is rewritten in place (``\\r``); elsewhere (a log, CI) about
    ten lines are printed over the run. Nothing is printed for runs shorter than
    ``delay`` seconds, except the final line.

    Args:
        total: the number of epochs planned.
        stream: where to write (standard error by default).
        delay: seconds to wait before the first line.

    Example:
        >>> import io
        >>> buf = io.StringIO()
        >>> p = Progress(2, stream=buf, delay=0.0)
        >>> p.update(1, 0.5, {})
        >>> p.close("done")
        >>> "epoch 1/2" in buf.getvalue() and "done" in buf.getvalue()
        True
    """

    def __init__(self, total: int, *, stream: TextIO | None = None, delay: float = 1.0) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
        self.start = time.perf_counter()
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every = max(1, total // 10)
        self.shown = False
        self.last = ""

    def update(self, epoch: int, loss: float, metrics: dict[str, float]) -> None:
        """Show epoch ``epoch`` (1-based) with its loss and metrics."""
        elapsed = time.perf_counter() - self.start
        rate = epoch / elapsed if elapsed > 0 else math.inf
        extra = "".join(
            f"  {k} {v:.4g}" for k, v in metrics.items() if k not in ("loss", "grad_norm")
        )
        self.last = f"epoch {epoch}/{self.total}  loss {loss:.6g}{extra}  {rate:.3g} epochs/s"
        if elapsed < self.delay:
            return
        if self.live:
            self.stream.write("\r" + self.last + "\033[K")
            self.stream.flush()
        elif epoch % self.every == 0 or epoch == self.total:
            self.stream.write(self.last + "\n")
        self.shown = True

    def close(self, reason: str) -> None:
        """End the line and say why training stopped (an empty reason: only end it)."""
        if self.live and self.shown:
            self.stream.write("\n")
        elif not self.shown and self.last:
            self.stream.write(self.last + "\n")
        if reason:
            self.stream.write(f"stopped: {reason}\n")
        self.stream.flush()


# --- fit ---------------------------------------------------------------------------------
def _loss_function(loss: str | Loss) -> tuple[Loss, str]:
    if isinstance(loss, str):
        return _losses.get(loss), loss
    if callable(loss):
        return loss, getattr(loss, "__name__", "")
    raise TypeError(f"fit: loss must be a loss name or a callable (got {loss!r})")


def _accuracy(name: str, preds: list[Any], targets: Sequence[Any]) -> float:
    """Fraction right: sign of the score for hinge, logit > 0 for bce, argmax otherwise."""
    right = 0
    for p, t in zip(preds, targets):
        if name == "cross_entropy":
            scores = [float(v) for v in p]
            right += scores.index(max(scores)) == int(t)
        else:
            positive = float(p) > 0.0
            right += positive == (float(t) > 0.0)
    return right / len(preds) if preds else 0.0


def _grads(params: list[Value]) -> list[Any]:
    return [p.grad for p in params]


def _snapshot(params: list[Value]) -> list[float]:
    return [p.data for p in params]


def _all_finite(xs: list[float]) -> bool:
    """Whether every float is finite: one C-level sum, item by item only if it is not."""
    total = sum(xs)  # finite unless an item is not (or the sum itself overflows)
    return total - total == 0.0 or all(map(math.isfinite, xs))


def _restore(params: list[Value], values: list[float]) -> None:
    for p, v in zip(params, values):
        p.data = v


def _grad_norm(params: list[Value]) -> float:
    # NOTE: hypot scales, so gradients of 1e160 give a norm of 1e160, not inf
    return math.hypot(*map(float, _grads(params)))


def _check_finite(value: float, params: list[Value]) -> float:
    """The gradient norm, after checking that it and the loss ``value`` are finite."""
    grad_norm = _grad_norm(params)
    if not math.isfinite(value) or not math.isfinite(grad_norm):
        raise FloatingPointError(f"the loss is {value!r}, its gradient norm {grad_norm!r}")
    return grad_norm


def _inf_clash(e: BaseException) -> bool:
    """Whether ``e`` is fsum's ``-inf + inf``: products that overflowed, not a domain error."""
    # NOTE: math.fsum raises a bare ValueError when its terms hold both infinities (a dot
    # node whose products overflowed both ways); that is an overflow like any other.
    text = str(e)
    return isinstance(e, ValueError) and "fsum" in text and "inf" in text


def _mean(parts: list[float]) -> float:
    try:
        return math.fsum(parts)
    except OverflowError:
        return math.inf


def _closure(
    evaluate: Callable[[list[int]], tuple[float, list[Any]]],
    batch: list[int],
    params: list[Value],
    first: list[tuple[float, list[Any], float]],
) -> Callable[[], float]:
    """The closure a closure-based optimizer (LBFGS) calls: zero, loss, backward, loss.

    Its first call, at the parameters the step starts from, is recorded in ``first``
    (the epoch's loss, predictions and gradient norm) and must be finite; later calls
    (a line search) return whatever the loss is and leave the verdict to the optimizer.
    """

    def closure() -> float:
        value, preds = evaluate(batch)
        if not first:
            first.append((value, preds, _check_finite(value, params)))
        return float(value)

    return closure


def _is_flag(value: object) -> bool:
    return isinstance(value, bool)


def _check_count(name: str, value: object, *, allow_none: bool = False) -> None:
    """A positive int (or None if allowed), else a TypeError or ValueError naming it."""
    if value is None and allow_none:
        return
    what = "a positive int" + (" or None" if allow_none else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"fit: {name} must be {what} (got {_describe(value)})")
    if value < 1:
        raise ValueError(f"fit: {name} must be {what} (got {value!r})")


def _check_fit_settings(
    model: object,
    optimizer: object,
    scheduler: object,
    *,
    epochs: object,
    batch_size: object,
    shuffle: object,
    seed: object,
    patience: object,
    progress: object,
    compile: object,  # noqa: A002
) -> list[Value]:
    """Check fit's settings (a typed error naming the argument); the model's parameters."""
    parameters = getattr(model, "parameters", None)
    if not callable(model) or not callable(parameters):
        raise TypeError(
            f"fit: model must be callable and have parameters() (got {_describe(model)})"
        )
    for method in ("step", "zero_grad"):
        if not callable(getattr(optimizer, method, None)):
            raise TypeError(
                f"fit: optimizer must have step() and zero_grad(), as autograd_mini.optim's "
                f"do (got {_describe(optimizer)})"
            )
    if scheduler is not None and not callable(getattr(scheduler, "step", None)):
        raise TypeError(f"fit: scheduler must have step() or be None (got {_describe(scheduler)})")
    _check_count("epochs", epochs)
    _check_count("batch_size", batch_size, allow_none=True)
    _check_count("patience", patience)
    for name, flag in (("shuffle", shuffle), ("progress", progress), ("compile", compile)):
        if not _is_flag(flag):
            raise TypeError(f"fit: {name} must be True or False (got {_describe(flag)})")
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise TypeError(f"fit: seed must be an int >= 0 or None (got {_describe(seed)})")
        # NOTE: Random(-s) and Random(s) give the same stream, so a negative seed would
        # silently alias a positive one (datasets refuses it for the same reason).
        if seed < 0:
            raise ValueError(f"fit: seed must be an int >= 0 or None (got {seed!r})")
    params = list(parameters())
    return params


def _number(v: object) -> float | None:
    """``v`` as a float if it is a number or a ``Value`` (its data), else None."""
    if type(v) is float:
        return v
    if isinstance(v, Value):
        return v.data
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        return None
    try:
        return float(v)
    except OverflowError:
        return math.inf


def _check_data(model: Any, X: object, y: object, loss_name: str) -> int:
    """Check every sample once, before training; the number of samples.

    A bad sample is a ValueError (or TypeError) naming it by its index in the data set,
    so that bad data is never mistaken for divergence, at whatever step it would be met.
    """
    for name, data in (("X", X), ("y", y)):
        if isinstance(data, (str, bytes)) or not hasattr(data, "__getitem__"):
            raise TypeError(f"fit: {name} must be a list of samples (got {_describe(data)})")
    n = len(X)  # type: ignore[arg-type]
    if n == 0:
        raise ValueError("fit: X is empty")
    if len(y) != n:  # type: ignore[arg-type]
        raise ValueError(f"fit: X and y must have the same length (got {n} and {len(y)})")  # type: ignore[arg-type]
    samples: Sequence[Any] = X  # type: ignore[assignment]
    targets: Sequence[Any] = y  # type: ignore[assignment]
    nin = getattr(model, "nin", None)  # an nn model says how many inputs it takes
    width = nin if type(nin) is int else -1
    against = "the model takes" if width >= 0 else "sample 0 has"
    for i in range(n):
        row = samples[i]
        if isinstance(row, (str, bytes)) or not isinstance(row, Iterable):
            raise TypeError(
                f"fit: sample {i} of X must be a list of numbers (got {_describe(row)})"
            )
        values = list(row)
        if width < 0:
            width = len(values)
        elif len(values) != width:
            raise ValueError(
                f"fit: sample {i} of X has {len(values)} inputs but {against} {width} "
                "(every sample needs the same number of inputs)"
            )
        try:  # the fast check, at C speed: finite numbers have a finite sum
            total = math.fsum(values)
        except (TypeError, ValueError, OverflowError):
            total = math.nan
        if total - total == 0.0 and not any(isinstance(v, bool) for v in values):
            continue
        for j, v in enumerate(values):  # find the culprit and say what is wrong with it
            f = _number(v)
            if f is None:
                raise TypeError(f"fit: X[{i}][{j}] must be a number (got {_describe(v)})")
            if not math.isfinite(f):
                raise ValueError(f"fit: X[{i}][{j}] is {f!r}: every input must be finite")
    if loss_name == "hinge":
        _losses._sign_labels(list(targets), "fit")  # names the label by its index
        return n
    classes = 0
    if loss_name == "cross_entropy":
        with no_grad():
            out = model(samples[0])
        classes = len(out) if isinstance(out, (list, tuple)) else 0
    for i in range(n):
        t = targets[i]
        if loss_name == "cross_entropy":
            if isinstance(t, bool) or not isinstance(t, numbers.Integral):
                raise TypeError(f"fit: label {i} must be an int class index (got {_describe(t)})")
            if classes and not 0 <= int(t) < classes:
                raise ValueError(
                    f"fit: label {i} is {t}, outside range({classes}) of the model's "
                    f"{classes} outputs"
                )
            continue
        items = (
            list(t) if isinstance(t, Iterable) and not isinstance(t, (str, bytes, Value)) else [t]
        )
        for v in items:
            f = _number(v)
            if f is None:
                if loss_name in _losses._LOSSES:
                    raise TypeError(f"fit: y[{i}] must be a number (got {_describe(t)})")
                continue  # a callable loss may take targets of its own kind
            if not math.isfinite(f):
                raise ValueError(f"fit: y[{i}] is {f!r}: every target must be finite")
            if loss_name in ("bce", "binary_cross_entropy") and not 0.0 <= f <= 1.0:
                raise ValueError(f"fit: binary_cross_entropy labels must be in [0, 1]; "
                                 f"label {i} is {f!r}")
    return n


def fit(
    model: _Model,
    X: Sequence[Any],
    y: Sequence[Any],
    *,
    loss: str | Loss,
    optimizer: Optimizer,
    epochs: int,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    l2: float = 0.0,
    tol: float | None = None,
    patience: int = 5,
    gtol: float | None = None,
    callbacks: Iterable[Callable[[int, dict[str, float]], Any]] = (),
    progress: bool = True,
    compile: bool = False,  # noqa: A002 - torch.compile's and jax.jit's word for it
    scheduler: Any = None,
) -> History:
    """Train ``model`` on ``(X, y)`` by gradient descent and say why it stopped.

    Full-batch (``batch_size=None``), mini-batch or stochastic (``batch_size=1``)
    gradient descent. Each step: zero the gradients, predict the batch, compute the loss
    (plus ``l2 * sum(p**2)`` over the parameters), backpropagate, ``optimizer.step()``.

    Stopping rules, checked after every epoch, first match wins:

    * divergence: a non-finite (or overflowing) loss, gradient or parameter stops the
      run at once, at whatever step, the first one included; the parameters are
      restored to the last finite ones and a ``RuntimeWarning`` says so (a loss that
      leaves its domain later in the run, such as ``log`` of a negative, too);
    * ``gtol``: the gradient norm (the Euclidean norm of the last batch's gradient,
      exact for full-batch training) fell below ``gtol``;
    * ``tol``: the epoch loss changed by at most ``tol * max(1, |loss|)`` for
      ``patience`` epochs in a row;
    * a callback returned True;
    * ``epochs`` epochs ran.

    Args:
        model: a callable with ``parameters()`` (any ``autograd_mini.nn`` module).
        X: the inputs, one per sample (a list of numbers each).
        y: the targets, one per sample.
        loss: ``"mse"``, ``"mae"``, ``"hinge"``, ``"bce"``, ``"cross_entropy"`` or a
            callable ``loss(predictions, targets) -> Value``.
        optimizer: an optimizer over ``model.parameters()`` (``autograd_mini.optim``). One
            with ``requires_closure = True`` (``LBFGS``, as in PyTorch) is stepped as
            ``optimizer.step(closure)``, full batch only; the closure zeroes the
            gradients, computes the loss (plus the penalty), backpropagates and returns
            the loss as a float. The epoch's loss is the closure's first value.
        epochs: the maximum number of epochs.
        batch_size: samples per step; None for full batch.
        shuffle: reshuffle the samples every epoch (mini-batch only).
        seed: seeds the shuffling (an int >= 0, or None).
        l2: weight (>= 0) of the L2 penalty added to the loss.
        tol: see the stopping rules; None to disable.
        patience: epochs in a row for ``tol``.
        gtol: see the stopping rules; None to disable.
        callbacks: functions ``callback(epoch, logs)`` called after each epoch with
            ``logs = {"loss": ..., **metrics}``; one returning True stops training.
        progress: show a live progress line on standard error.
        compile: run each step as generated straight-line code: one sample's graph is
            traced once and compiled as the body of a loop over the batch (see
            :func:`autograd_mini.compile`), so it compiles in milliseconds and serves
            every batch size. Needs a built-in loss name. The losses and gradients equal
            the eager ones to the last bit for mse, mae, hinge and bce; for
            cross_entropy the loss is bit-equal and the gradients agree to about 1e-15.
            A step the compiled code cannot finish (an overflow, a domain error, data
            the eager loss refuses) is rerun eagerly, so errors read the same; such
            steps are counted in ``History.eager_steps``.
        scheduler: a learning-rate schedule over ``optimizer`` (``autograd_mini.optim``:
            ``StepLR``, ``LambdaLR``, ...); its ``step()`` is called after every epoch;
            a ``ReduceLROnPlateau`` is stepped with the epoch's training loss.

    Returns:
        A :class:`History` with per-epoch losses, metrics and the stop reason.

    Every sample is checked once before training, so bad data is never mistaken for
    divergence: a NaN or inf in ``X`` or ``y``, a row of the wrong length or a label
    the loss cannot take raises ``ValueError`` naming the sample by its index.

    Raises:
        TypeError: an argument of the wrong type (``epochs=True``, a loss that returns a
            plain number, ...); the message names the argument.
        ValueError: empty, mismatched or bad data (naming the sample), or a bad setting
            (``epochs < 1``, ``l2 < 0``, ``seed < 0``, ``batch_size`` with a closure-based
            optimizer, ...).

    Example:
        >>> from autograd_mini import nn, optim
        >>> model = nn.Linear(1, 1, seed=0)
        >>> X, y = [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0]
        >>> h = fit(model, X, y, loss="mse", optimizer=optim.SGD(model.parameters(), lr=0.1),
        ...         epochs=2000, gtol=1e-10, progress=False)
        >>> h.converged, [round(p.data, 6) for p in model.parameters()]
        (True, [2.0, 1.0])
    """
    loss_fn, loss_name = _loss_function(loss)
    if compile and not isinstance(loss, str):
        raise ValueError(
            "fit: compile=True needs a built-in loss name ('mse', 'mae', 'hinge', 'bce', "
            "'cross_entropy'); a callable loss may branch on its labels, which a trace cannot "
            "follow (compile it yourself with autograd_mini.compile(..., verify=N))"
        )
    params = _check_fit_settings(
        model, optimizer, scheduler, epochs=epochs, batch_size=batch_size, shuffle=shuffle,
        seed=seed, patience=patience, progress=progress, compile=compile,
    )
    for name, v in (("tol", tol), ("gtol", gtol)):
        if v is not None and not _to_float(v, f"fit: {name}") >= 0.0:
            raise ValueError(f"fit: {name} must be >= 0 (got {v!r})")
    l2 = _to_float(l2, "fit: l2")
    if l2 < 0.0:
        raise ValueError(f"fit: l2 must be >= 0 (got {l2!r}): it weighs a penalty")
    if isinstance(callbacks, (str, bytes)) or not isinstance(callbacks, Iterable):
        raise TypeError(f"fit: callbacks must be a list of functions (got {_describe(callbacks)})")
    callbacks = list(callbacks)
    for i, cb in enumerate(callbacks):
        if not callable(cb):
            raise TypeError(f"fit: callbacks[{i}] is not callable (got {_describe(cb)})")
    n = _check_data(model, X, y, loss_name)
    closure_mode = bool(getattr(optimizer, "requires_closure", False))
    if closure_mode and batch_size is not None:
        raise ValueError(
            f"fit: {type(optimizer).__name__} re-evaluates the loss through a closure, which "
            f"needs full-batch training; leave batch_size unset (got batch_size={batch_size})"
        )
    order = list(range(n))
    rng = random.Random(seed)
    size = n if batch_size is None else min(batch_size, n)
    classify = loss_name in _CLASSIFICATION
    history = History()
    if classify:
        history.metrics["accuracy"] = []
    history.metrics["grad_norm"] = []
    bar = Progress(epochs) if progress else None
    compiled = _CompiledStep(model, params, loss_name, l2, y) if compile else None

    def evaluate(batch: list[int]) -> tuple[float, list[Any]]:
        """Zero the gradients, then the batch's loss and predictions, its gradient filled."""
        optimizer.zero_grad()
        done = compiled.step(batch, X) if compiled is not None else None
        if done is not None:
            return done
        # eager, or a step the compiled code could not finish
        history.eager_steps += compiled is not None
        preds: list[Any] = [model(X[i]) for i in batch]
        batch_loss = loss_fn(preds, [y[i] for i in batch])
        if not isinstance(batch_loss, Value):
            raise TypeError(
                f"fit: the loss must return a Value (got {_describe(batch_loss)}); build it "
                "from the predictions with Value arithmetic so it can be backpropagated"
            )
        if l2:
            batch_loss = batch_loss + l2 * _losses.l2(params)
        batch_loss.backward()
        return batch_loss.data, preds

    start = time.perf_counter()
    calm = steps = 0
    good = _snapshot(params)  # the last parameters where the loss and gradient were finite
    reason = ""
    with gc_paused():  # a graph holds no cycles: the collector would only rescan it
        for epoch in range(1, epochs + 1):
            if shuffle and size < n:
                rng.shuffle(order)
            parts: list[float] = []  # each batch's share of the epoch's mean loss
            right, grad_norm = 0.0, 0.0
            failure = ""
            for lo in range(0, n, size):
                batch = order[lo : lo + size]
                before = _snapshot(params)
                first: list[tuple[float, list[Any], float]] = []  # the loss at `before`
                try:
                    if closure_mode:
                        stepper: Any = optimizer.step  # step(closure), as torch's LBFGS
                        stepper(_closure(evaluate, batch, params, first))
                        if not first:
                            raise RuntimeError(
                                f"fit: {type(optimizer).__name__}.step(closure) never called "
                                "the closure"
                            )
                    else:
                        value, preds = evaluate(batch)
                        first.append((value, preds, _check_finite(value, params)))
                        optimizer.step()
                    if not _all_finite(_snapshot(params)):
                        raise FloatingPointError("a parameter became infinite")
                except (ArithmeticError, ValueError) as e:
                    if first:
                        good = before  # the loss and its gradient were finite there
                    if isinstance(e, (OverflowError, FloatingPointError)) or _inf_clash(e):
                        failure = str(e)  # an overflow, the same at every step
                    elif not steps and not first:
                        raise  # the starting point itself is outside the loss's domain
                    else:
                        failure = f"the parameters left the loss's domain ({e})"
                    _restore(params, good)
                    break
                good = before
                value, preds, grad_norm = first[0]
                steps += 1
                parts.append(value * (len(batch) / n))  # never overflows: the weights sum to 1
                if classify:
                    right += _accuracy(loss_name, preds, [y[i] for i in batch]) * len(batch)
            epoch_loss = _mean(parts) if not failure else math.nan
            if not failure and not math.isfinite(epoch_loss):
                _restore(params, good)
                failure = f"the epoch's mean loss is {epoch_loss!r}"
            if failure:
                history.diverged = True
                reason = (
                    f"diverged in epoch {epoch}: {failure}; the parameters are the last ones "
                    "where the loss and its gradient were finite (try a smaller learning rate)"
                )
                warnings.warn(f"fit: {reason}", RuntimeWarning, stacklevel=2)
                break
            history.losses.append(epoch_loss)
            logs = {"loss": epoch_loss}
            if classify:
                history.metrics["accuracy"].append(right / n)
                logs["accuracy"] = right / n
            history.metrics["grad_norm"].append(grad_norm)
            logs["grad_norm"] = grad_norm
            history.epochs = epoch
            if bar is not None:
                bar.update(epoch, epoch_loss, logs)
            if gtol is not None and grad_norm <= gtol:
                history.converged = True
                reason = (
                    f"the gradient norm {grad_norm:.3g} fell below gtol={gtol:g} (epoch {epoch})"
                )
                break
            if tol is not None and len(history.losses) > 1:
                change = abs(history.losses[-1] - history.losses[-2])
                calm = calm + 1 if change <= tol * max(1.0, abs(epoch_loss)) else 0
                if calm >= patience:
                    history.converged = True
                    reason = (
                        f"the loss changed by less than tol={tol:g} for {patience} epochs in "
                        f"a row (epoch {epoch})"
                    )
                    break
            if isinstance(scheduler, ReduceLROnPlateau):
                scheduler.step(epoch_loss)  # the training loss is the metric fit has
            elif scheduler is not None:
                scheduler.step()
            if any(cb(epoch, dict(logs)) is True for cb in callbacks):
                reason = f"a callback asked to stop (epoch {epoch})"
                break
        else:
            reason = f"reached the maximum of {epochs} epochs"
    history.stop_reason = reason
    history.seconds = time.perf_counter() - start
    if bar is not None:
        bar.close(reason)
    return history


