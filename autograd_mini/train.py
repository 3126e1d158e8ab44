"""Training loops with real stopping rules: ``fit`` for models, ``minimize`` for functions.

Both stop for a stated reason — the iteration budget, a negligible change of the cost,
a small gradient, a callback — and both handle divergence the same way: the run stops
with a clear message and the parameters are the last ones at which the cost and its
gradient were finite. Nothing is lost.
"""

from __future__ import annotations

import math
import random
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TextIO

from . import losses as _losses
from .compiled_step import _CompiledStep
from .gradcheck import numerical_grad
from .optim import GD, Adam, Momentum, Optimizer
from .value import Value, _leaf, _to_float

__all__ = ["fit", "minimize", "History", "OptimizeResult", "Progress"]


class _Model(Protocol):
    def __call__(self, x: Any) -> Any: ...

    def parameters(self) -> list[Value]: ...


Loss = Callable[[list[Any], list[Any]], Value]

_CLASSIFICATION = {"hinge", "bce", "binary_cross_entropy", "cross_entropy"}


# --- results -----------------------------------------------------------------------------
@dataclass
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

    Example:
        >>> History(losses=[1.0, 0.5], stop_reason="done").losses[-1]
        0.5
    """

    losses: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    stop_reason: str = ""
    converged: bool = False
    diverged: bool = False
    epochs: int = 0
    seconds: float = 0.0
    eager_steps: int = 0


@dataclass
class OptimizeResult:
    """The result of ``minimize``, with scipy.optimize's field names.

    Attributes:
        x: the best-known point: the last point where f and its gradient were finite.
        fun: f at ``x``.
        jac: the gradient at ``x``.
        nit: the number of steps taken.
        nfev: the number of evaluations of f (finite differences use 2 per argument).
        success: whether a tolerance rule stopped the run.
        message: one sentence saying why it stopped.
        history: f at every point visited, starting with ``x0``.

    Example:
        >>> r = minimize(lambda x: (x - 3) ** 2, [0.0], lr=0.5, max_iter=100)
        >>> r.success, round(r.x[0], 6), r.nit
        (True, 3.0, 1)
    """

    x: list[float]
    fun: float
    jac: list[float]
    nit: int
    nfev: int
    success: bool
    message: str
    history: list[float]


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
        """End the line and say why training stopped."""
        if self.live and self.shown:
            self.stream.write("\n")
        elif not self.shown and self.last:
            self.stream.write(self.last + "\n")
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


def _restore(params: list[Value], values: list[float]) -> None:
    for p, v in zip(params, values):
        p.data = v


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
      run at once; the parameters are restored to the last finite ones and a
      ``RuntimeWarning`` says so;
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
        optimizer: an optimizer over ``model.parameters()`` (``autograd_mini.optim``).
        epochs: the maximum number of epochs.
        batch_size: samples per step; None for full batch.
        shuffle: reshuffle the samples every epoch (mini-batch only).
        seed: seeds the shuffling.
        l2: weight of the L2 penalty added to the loss.
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
            ``StepLR``, ``LambdaLR``, ...); its ``step()`` is called after every epoch.

    Returns:
        A :class:`History` with per-epoch losses, metrics and the stop reason.

    Raises:
        ValueError: empty or mismatched data, or bad settings (``epochs < 1``, ...).

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
    n = len(X)
    if n == 0:
        raise ValueError("fit: X is empty")
    if len(y) != n:
        raise ValueError(f"fit: X and y must have the same length (got {n} and {len(y)})")
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive int (got {epochs!r})")
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"fit: batch_size must be a positive int or None (got {batch_size!r})")
    if not isinstance(patience, int) or patience < 1:
        raise ValueError(f"fit: patience must be a positive int (got {patience!r})")
    for name, v in (("tol", tol), ("gtol", gtol)):
        if v is not None and not _to_float(v, f"fit: {name}") >= 0.0:
            raise ValueError(f"fit: {name} must be >= 0 (got {v!r})")
    l2 = _to_float(l2, "fit: l2")
    params = model.parameters()
    callbacks = list(callbacks)
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
    start = time.perf_counter()
    calm = steps = 0
    good = _snapshot(params)  # the last parameters where the loss and gradient were finite
    reason = ""
    for epoch in range(1, epochs + 1):
        if shuffle and size < n:
            rng.shuffle(order)
        total, right, grad_norm = 0.0, 0.0, 0.0
        failure = ""
        for lo in range(0, n, size):
            batch = order[lo : lo + size]
            xb = [X[i] for i in batch]
            yb = [y[i] for i in batch]
            before = _snapshot(params)
            optimizer.zero_grad()
            try:
                done = compiled.step(batch, X) if compiled is not None else None
                if done is None:  # eager, or a step the compiled code could not finish
                    history.eager_steps += compiled is not None
                    preds: list[Any] = [model(x) for x in xb]
                    batch_loss = loss_fn(preds, yb)
                    if l2:
                        batch_loss = batch_loss + l2 * _losses.l2(params)
                    batch_loss.backward()
                    value = batch_loss.data
                else:
                    value, preds = done
                grad_norm = math.sqrt(math.fsum(g * g for g in map(float, _grads(params))))
                if not math.isfinite(value) or not math.isfinite(grad_norm):
                    raise FloatingPointError(f"the loss is {value!r}, its gradient norm "
                                             f"{grad_norm!r}")
                good = before  # the loss and its gradient are finite here
                optimizer.step()
                if not all(math.isfinite(p.data) for p in params):
                    raise FloatingPointError("a parameter became infinite")
            except (OverflowError, FloatingPointError) as e:
                _restore(params, good)
                failure = str(e)
                break
            except (ValueError, ZeroDivisionError) as e:
                if not steps:
                    raise  # the starting point itself is outside the loss's domain
                _restore(params, good)
                failure = f"the parameters left the loss's domain ({e})"
                break
            steps += 1
            total += value * len(batch)
            if classify:
                right += _accuracy(loss_name, preds, yb) * len(batch)
        if failure:
            history.diverged = True
            reason = (
                f"diverged in epoch {epoch}: {failure}; the parameters are the last ones "
                "where the loss and its gradient were finite (try a smaller learning rate)"
            )
            warnings.warn(f"fit: {reason}", RuntimeWarning, stacklevel=2)
            break
        epoch_loss = total / n
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
            reason = f"the gradient norm {grad_norm:.3g} fell below gtol={gtol:g} (epoch {epoch})"
            break
        if tol is not None and len(history.losses) > 1:
            change = abs(history.losses[-1] - history.losses[-2])
            calm = calm + 1 if change <= tol * max(1.0, abs(epoch_loss)) else 0
            if calm >= patience:
                history.converged = True
                reason = (
                    f"the loss changed by less than tol={tol:g} for {patience} epochs in a row "
                    f"(epoch {epoch})"
                )
                break
        if scheduler is not None:
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


# --- minimize ----------------------------------------------------------------------------
Method = Literal["gd", "momentum", "nesterov", "adam"]


def _optimizer(method: str, params: list[Value], lr: float, momentum: float) -> Optimizer:
    if method == "gd":
        return GD(params, lr=lr)
    if method == "momentum":
        return Momentum(params, lr=lr, momentum=momentum)
    if method == "nesterov":
        return Momentum(params, lr=lr, momentum=momentum, nesterov=True)
    if method == "adam":
        return Adam(params, lr=lr)
    raise ValueError(
        f"minimize: method must be 'gd', 'momentum', 'nesterov' or 'adam' (got {method!r})"
    )


def minimize(
    f: Callable[..., Any],
    x0: Sequence[float],
    *,
    method: Method = "gd",
    lr: float = 0.01,
    momentum: float = 0.9,
    max_iter: int = 1000,
    tol: float | None = 1e-12,
    gtol: float | None = 1e-8,
    gradient: Literal["exact", "numerical"] = "exact",
    callback: Callable[[list[float], float], Any] | None = None,
) -> OptimizeResult:
    """Minimize a scalar function of positional scalars by gradient descent.

    At each point ``x_k``: evaluate ``f`` and its gradient (backprop, or central finite
    differences with ``gradient="numerical"``), then stop — or take one optimizer step.

    Stopping rules, first match wins:

    * divergence: f or the gradient is not finite (or overflows): ``success=False`` and
      ``x`` is the last point where both were finite;
    * ``gtol``: the Euclidean norm of the gradient is at most ``gtol``;
    * ``tol``: ``|f_k - f_(k-1)| <= tol * max(1, |f_k|, |f_(k-1)|)`` (scipy's ftol test);
    * ``callback(x, f)`` returned True;
    * ``max_iter`` steps were taken: ``success=False``.

    Args:
        f: the cost, ``f(*xs) -> Value`` (plain Python arithmetic on ``Value``s).
        x0: the starting point.
        method: ``"gd"``, ``"momentum"``, ``"nesterov"`` or ``"adam"`` (the update rules
            of :mod:`autograd_mini.optim`).
        lr: the learning rate.
        momentum: the momentum for ``"momentum"`` and ``"nesterov"`` (unused by the
            others).
        max_iter: the maximum number of steps.
        tol: see the stopping rules; None to disable.
        gtol: see the stopping rules; None to disable.
        gradient: ``"exact"`` (backprop) or ``"numerical"`` (finite differences).
        callback: called as ``callback(x, fx)`` at every point; True stops the run.

    Returns:
        An :class:`OptimizeResult` (``x, fun, jac, nit, nfev, success, message,
        history``).

    Example:
        >>> rosen = lambda x, y: (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
        >>> r = minimize(rosen, [-1.2, 1.0], method="momentum", lr=1e-3, max_iter=20000)
        >>> r.success, [round(v, 4) for v in r.x]
        (True, [1.0, 1.0])
    """
    if gradient not in ("exact", "numerical"):
        raise ValueError(f"minimize: gradient must be 'exact' or 'numerical' (got {gradient!r})")
    if not isinstance(max_iter, int) or max_iter < 0:
        raise ValueError(f"minimize: max_iter must be an int >= 0 (got {max_iter!r})")
    xs = [_to_float(v, "minimize: x0") for v in x0]
    if not xs:
        raise ValueError("minimize: x0 is empty")
    params = [_leaf(v) for v in xs]
    opt = _optimizer(method, params, lr, momentum)
    history: list[float] = []
    best: tuple[list[float], float, list[float]] | None = None
    nfev = 0
    message, success, nit = "", False, 0
    while True:
        point = [p.data for p in params]
        try:
            fx, g, evals = _value_and_gradient(f, params, gradient)
        except (OverflowError, FloatingPointError) as e:
            fx, g, evals = math.inf, [], 1
            detail = str(e)
        except (ValueError, ZeroDivisionError) as e:
            if best is None:
                raise  # x0 itself is outside f's domain
            fx, g, evals = math.inf, [], 1
            detail = f"the step left f's domain ({e})"
        else:
            detail = f"f = {fx!r}" if not math.isfinite(fx) else "the gradient is not finite"
        nfev += evals
        if not (math.isfinite(fx) and g and all(math.isfinite(v) for v in g)):
            message = (
                f"diverged at step {nit}: {detail}; x is the last point where f and its "
                "gradient were finite (try a smaller lr)"
            )
            break
        history.append(fx)
        best = (point, fx, g)
        gnorm = math.sqrt(math.fsum(v * v for v in g))
        if gtol is not None and gnorm <= gtol:
            message, success = f"the gradient norm {gnorm:.3g} is at most gtol={gtol:g}", True
            break
        if tol is not None and len(history) > 1:
            prev = history[-2]
            if abs(fx - prev) <= tol * max(1.0, abs(fx), abs(prev)):
                message, success = f"f changed by at most tol={tol:g} (relative)", True
                break
        if callback is not None and callback(list(point), fx) is True:
            message = "the callback asked to stop"
            break
        if nit >= max_iter:
            message = f"reached max_iter={max_iter} steps"
            break
        for p, gi in zip(params, g):
            p.grad = gi
        try:
            opt.step()
        except FloatingPointError as e:
            message = f"diverged at step {nit + 1}: {e}"
            break
        nit += 1
    if best is None:
        return OptimizeResult(xs, math.inf, [], 0, nfev, False, message, [])
    x, fx, g = best
    return OptimizeResult(list(x), fx, list(g), nit, nfev, success, message, history)


def _value_and_gradient(
    f: Callable[..., Any], params: list[Value], gradient: str
) -> tuple[float, list[float], int]:
    point = [p.data for p in params]
    if gradient == "numerical":
        fx = _scalar(f(*[_leaf(v) for v in point]))
        return fx, numerical_grad(f, point), 1 + 2 * len(point)
    leaves = [_leaf(v) for v in point]
    out = f(*leaves)
    if not isinstance(out, Value):
        return _scalar(out), [0.0] * len(leaves), 1
    out.backward()
    return out.data, [float(v.grad) for v in leaves], 1


def _scalar(out: object) -> float:
    if isinstance(out, Value):
        return out.data
    if isinstance(out, bool) or not isinstance(out, (int, float)):
        raise TypeError(f"minimize: f must return a Value or a number (got {type(out).__name__})")
    return float(out)
