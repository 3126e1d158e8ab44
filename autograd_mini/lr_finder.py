"""The learning-rate range test (Smith 2017; fastai's ``lr_find``, ``torch-lr-finder``).

Train for ``num_iter`` steps while the learning rate grows exponentially from
``start_lr`` to ``end_lr``, record the loss of every step (smoothed by an exponential
moving average), stop early once the smoothed loss exceeds ``diverge_th`` times the best
one, and suggest the rate where the smoothed loss falls fastest. The model's parameters
and the optimizer's state (its learning rate and buffers) are restored afterwards, also
when the run is interrupted (Ctrl-C) or fails, so the test leaves nothing behind.

Example:
    >>> from autograd_mini import nn, optim
    >>> model = nn.Linear(1, 1, seed=0)
    >>> X, y = [[0.0], [1.0], [2.0], [3.0]], [1.0, 3.0, 5.0, 7.0]
    >>> before = [p.data for p in model.parameters()]
    >>> r = lr_find(model, X, y, loss="mse", optimizer=optim.SGD(model.parameters(), lr=0.1),
    ...             num_iter=60)
    >>> 1e-3 < r.suggested_lr < 1.0, "diverged" in r.stop_reason
    (True, True)
    >>> [p.data for p in model.parameters()] == before
    True
"""

from __future__ import annotations

import io
import math
import os
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from . import losses as _losses
from ._io import write_atomic
from .optim import Optimizer
from .value import Value, _to_float

__all__ = ["lr_find", "LRFinderResult"]


class _Model(Protocol):
    def __call__(self, x: Any) -> Any: ...

    def parameters(self) -> list[Value]: ...


@dataclass
class LRFinderResult:
    """The losses of a learning-rate range test, and the rate it suggests.

    Attributes:
        lrs: the learning rate of each step taken.
        losses: the smoothed loss of each step (the exponential moving average, bias
            corrected as fastai's).
        raw_losses: the loss of each step's batch, before its update.
        suggested_lr: the rate where the smoothed loss falls fastest per decade of rate
            (the steepest negative slope, skipping ``skip_start`` and ``skip_end``
            points as torch-lr-finder does), or None with too few points.
        best_loss: the lowest smoothed loss.
        stop_reason: why the test stopped.

    Example:
        >>> r = LRFinderResult([1e-3, 1e-2, 1e-1], [1.0, 0.5, 2.0], [1.0, 0.4, 3.0], 1e-2,
        ...                    0.5, "done")
        >>> r.suggested_lr
        0.01
    """

    lrs: list[float]
    losses: list[float]
    raw_losses: list[float]
    suggested_lr: float | None
    best_loss: float
    stop_reason: str
    skip: tuple[int, int] = field(default=(10, 5), repr=False)

    def plot(self, path: str | os.PathLike[str] | None = None, *,
             title: str | None = None) -> Any:
        """Draw the smoothed loss against the learning rate (log axis), the suggestion marked.

        Needs matplotlib (``pip install "autograd-mini[plot]"``), imported here.

        Args:
            path: a ``.png``, ``.svg`` or ``.pdf`` file to write (atomically); None to
                return the ``matplotlib.figure.Figure`` (it displays in Jupyter).
            title: the title; None for "learning-rate range test".

        Returns:
            The path written, as a ``pathlib.Path``, or the figure.

        Raises:
            ValueError: no step was recorded, or the path's suffix is not a format.
            ImportError: matplotlib is missing.
        """
        if not self.lrs:
            raise ValueError("LRFinderResult.plot: no step was recorded")
        kind = ""
        if path is not None:
            kind = Path(path).suffix.lower().lstrip(".")
            if kind not in ("png", "svg", "pdf"):
                raise ValueError(f"LRFinderResult.plot: cannot tell the format of {str(path)!r} "
                                 "from its suffix; use .png, .svg or .pdf")
        try:
            from matplotlib.figure import Figure
        except ImportError as e:
            raise ImportError('plotting needs matplotlib: pip install "autograd-mini[plot]"'
                              ) from e
        fig = Figure(figsize=(6.0, 4.0), dpi=100, layout="constrained")
        ax = fig.add_subplot()
        ax.plot(self.lrs, self.raw_losses, color="#bbbbbb", linewidth=1, label="loss per step")
        ax.plot(self.lrs, self.losses, color="#1f77b4", linewidth=2, label="smoothed")
        if self.suggested_lr is not None:
            i = self.lrs.index(self.suggested_lr)
            ax.plot([self.suggested_lr], [self.losses[i]], "o", color="#d62728",
                    label=f"suggested lr {self.suggested_lr:.3g}")
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("loss")
        finite = [v for v in self.losses + self.raw_losses if math.isfinite(v)]
        if finite:  # the late blow-up would flatten everything else: cut it off
            low = min(finite)
            top = min(max(finite), 4.0 * self.best_loss + abs(self.best_loss) + 1e-12)
            ax.set_ylim(low - 0.05 * (top - low) - 1e-12, top)
        ax.set_title(title if title is not None else "learning-rate range test")
        ax.legend()
        if path is None:
            return fig
        buffer = io.BytesIO()
        fig.savefig(buffer, format=kind, metadata={"png": {"Software": None},
                                                   "svg": {"Date": None},
                                                   "pdf": {"CreationDate": None}}[kind])
        target = Path(path)
        write_atomic(target, buffer.getvalue())
        return target


def _suggest(lrs: list[float], losses: list[float], skip_start: int,
             skip_end: int) -> float | None:
    """The rate of the steepest descent of ``losses`` against ``log(lr)``."""
    n = len(lrs)
    lo, hi = skip_start, n - skip_end
    if hi - lo < 3:  # too short to skip: use everything
        lo, hi = 0, n
    if hi - lo < 3:
        return None
    logs = [math.log(v) for v in lrs[lo:hi]]
    ys = losses[lo:hi]
    slopes = []
    for i in range(len(ys)):  # numpy.gradient's central / one-sided differences
        a, b = max(i - 1, 0), min(i + 1, len(ys) - 1)
        slopes.append((ys[b] - ys[a]) / (logs[b] - logs[a]))
    best = min(range(len(slopes)), key=lambda i: slopes[i])
    return lrs[lo + best]


def lr_find(
    model: _Model,
    X: Sequence[Any],
    y: Sequence[Any],
    *,
    loss: str | Callable[[list[Any], list[Any]], Value],
    optimizer: Optimizer,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_iter: int = 100,
    batch_size: int | None = None,
    smooth_f: float = 0.05,
    diverge_th: float = 4.0,
    skip_start: int = 10,
    skip_end: int = 5,
    seed: int | None = 0,
) -> LRFinderResult:
    """Run the learning-rate range test on ``model`` and suggest a learning rate.

    Step ``i = 0 .. num_iter-1`` sets ``optimizer.lr = start_lr * (end_lr/start_lr) **
    (i / (num_iter - 1))``, computes the loss of the next batch (full batch by default;
    mini-batches cycle through a shuffled order), backpropagates and steps. The smoothed
    loss is ``avg = smooth_f * loss + (1 - smooth_f) * avg`` divided by
    ``1 - (1 - smooth_f) ** (i + 1)`` (fastai's bias-corrected moving average). The test
    stops early when the smoothed loss exceeds ``diverge_th`` times the best, or the loss
    or a parameter stops being finite.

    Args:
        model: a callable with ``parameters()`` (any ``autograd_mini.nn`` module).
        X: the inputs, one per sample.
        y: the targets.
        loss: a loss name (``"mse"``, ``"cross_entropy"``, ...) or
            ``loss(predictions, targets) -> Value``.
        optimizer: an optimizer over ``model.parameters()``; its ``lr`` is driven by the
            test and restored afterwards, with all its state.
        start_lr: the first rate, ``> 0``.
        end_lr: the last rate, ``> start_lr``.
        num_iter: the number of steps, ``>= 2``.
        batch_size: samples per step; None for full batch.
        smooth_f: the weight of the newest loss in the moving average, in (0, 1].
        diverge_th: stop when the smoothed loss exceeds this many times the best.
        skip_start: points left out at the start when choosing the suggestion.
        skip_end: points left out at the end.
        seed: seeds the mini-batch order.

    Returns:
        An :class:`LRFinderResult`: ``lrs``, ``losses``, ``suggested_lr``, ``plot()``.

    Raises:
        ValueError: empty or mismatched data, or settings out of range.

    Example:
        >>> from autograd_mini import nn, optim
        >>> model = nn.Linear(1, 1, seed=0)
        >>> r = lr_find(model, [[0.0], [1.0]], [1.0, 3.0], loss="mse", num_iter=20,
        ...             optimizer=optim.SGD(model.parameters(), lr=0.1))
        >>> len(r.lrs) <= 20 and r.lrs[0] == 1e-7 and r.suggested_lr in r.lrs
        True
    """
    n = len(X)
    if n == 0:
        raise ValueError("lr_find: X is empty")
    if len(y) != n:
        raise ValueError(f"lr_find: X and y must have the same length (got {n} and {len(y)})")
    start_lr = _to_float(start_lr, "lr_find: start_lr")
    end_lr = _to_float(end_lr, "lr_find: end_lr")
    if not 0.0 < start_lr < end_lr:
        raise ValueError(f"lr_find: need 0 < start_lr < end_lr (got start_lr={start_lr!r}, "
                         f"end_lr={end_lr!r})")
    if not isinstance(num_iter, int) or isinstance(num_iter, bool) or num_iter < 2:
        raise ValueError(f"lr_find: num_iter must be an int >= 2 (got {num_iter!r})")
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"lr_find: batch_size must be a positive int or None "
                         f"(got {batch_size!r})")
    if not 0.0 < _to_float(smooth_f, "lr_find: smooth_f") <= 1.0:
        raise ValueError(f"lr_find: smooth_f must be in (0, 1] (got {smooth_f!r})")
    if not _to_float(diverge_th, "lr_find: diverge_th") > 1.0:
        raise ValueError(f"lr_find: diverge_th must be > 1 (got {diverge_th!r})")
    for name, v in (("skip_start", skip_start), ("skip_end", skip_end)):
        if not isinstance(v, int) or v < 0:
            raise ValueError(f"lr_find: {name} must be an int >= 0 (got {v!r})")
    loss_fn = _losses.get(loss)
    params = model.parameters()
    saved_params = [(p.data, p.grad) for p in params]
    saved_state = optimizer.state_dict()
    order = list(range(n))
    rng = random.Random(seed)
    size = n if batch_size is None else min(batch_size, n)
    lrs: list[float] = []
    raw: list[float] = []
    smooth: list[float] = []
    best, avg, reason = math.inf, 0.0, f"ran all {num_iter} steps"
    cursor = n  # forces a shuffle before the first mini-batch
    try:
        for i in range(num_iter):
            lr = start_lr * (end_lr / start_lr) ** (i / (num_iter - 1))
            if size < n and cursor + size > n:
                rng.shuffle(order)
                cursor = 0
            batch = order[cursor:cursor + size] if size < n else order
            cursor += size
            optimizer.lr = lr
            optimizer.zero_grad()
            try:
                batch_loss = loss_fn([model(X[j]) for j in batch], [y[j] for j in batch])
                batch_loss.backward()
                value = batch_loss.data
                if not math.isfinite(value):
                    raise FloatingPointError(f"the loss is {value!r}")
                optimizer.step()
            except (OverflowError, FloatingPointError) as e:
                reason = f"diverged at lr {lr:.3g} (step {i}): {e}"
                break
            avg = smooth_f * value + (1.0 - smooth_f) * avg
            smoothed = avg / (1.0 - (1.0 - smooth_f) ** (i + 1))
            lrs.append(lr)
            raw.append(value)
            smooth.append(smoothed)
            best = min(best, smoothed)
            if smoothed > diverge_th * best:
                reason = (f"diverged at lr {lr:.3g} (step {i}): the smoothed loss "
                          f"{smoothed:.4g} exceeds {diverge_th:g} x the best {best:.4g}")
                break
    finally:  # restore on every exit, a KeyboardInterrupt included
        for p, (data, grad) in zip(params, saved_params):
            p.data, p.grad = data, grad
        optimizer.load_state_dict(saved_state)
    suggested = _suggest(lrs, smooth, skip_start, skip_end)
    return LRFinderResult(lrs, smooth, raw, suggested, best, reason, (skip_start, skip_end))
