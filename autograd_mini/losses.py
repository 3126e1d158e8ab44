"""Loss functions: ``mse``, ``mae``, ``hinge``, ``binary_cross_entropy``, ``cross_entropy``, ``l2``.

Each takes predictions (``Value``s or plain numbers) and targets, and returns one
``Value``: the mean over samples (``reduction="mean"``, the default) or the sum
(``reduction="sum"``). Where it shrinks the graph, a loss is built from the fused n-ary
:func:`~autograd_mini.value.dot` and :func:`~autograd_mini.value.sum` nodes (``mse`` is
``dot(d, d) / n``), and the log-losses are written in forms that stay exact and finite
for logits of any size. :func:`get` maps a loss name to its function.

Example:
    >>> from autograd_mini import Value
    >>> p = [Value(2.0), Value(0.0)]
    >>> loss = mse(p, [1.0, 1.0])
    >>> loss.backward()
    >>> loss.data, [pi.grad for pi in p]
    (1.0, [1.0, -1.0])
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence

from .value import Value, _describe, dot
from .value import sum as _vsum

__all__ = [
    "bce",
    "binary_cross_entropy",
    "cross_entropy",
    "get",
    "hinge",
    "l2",
    "mae",
    "mse",
]

Scalar = Value | float
Batch = Sequence[Value | float] | Value | float
Loss = Callable[..., Value]



def _check_reduction(reduction: object, where: str) -> None:
    if reduction != "mean" and reduction != "sum":
        raise ValueError(f"{where}: reduction must be 'mean' or 'sum' (got {reduction!r})")


def _batch(x: Batch, what: str, where: str) -> list[Scalar]:
    """``x`` as a list of samples; a single number or ``Value`` is one sample."""
    if isinstance(x, (Value, int, float)):
        return [x]
    try:
        return list(x)
    except TypeError:
        raise TypeError(
            f"{where}: {what} must be a list of numbers or Values (got {_describe(x)})"
        ) from None


def _pair(
    predictions: Batch, targets: Batch, names: tuple[str, str], where: str
) -> tuple[list[Scalar], list[Scalar]]:
    ps = _batch(predictions, names[0], where)
    ts = _batch(targets, names[1], where)
    if len(ps) != len(ts):
        raise ValueError(
            f"{where}: {names[0]} and {names[1]} must have the same length "
            f"(got {len(ps)} and {len(ts)})"
        )
    if not ps:
        raise ValueError(f"{where}: need at least one sample (got empty {names[0]})")
    return ps, ts


def _as_value(x: Scalar) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _label(y: object) -> float:
    """A label as a plain float (a ``Value`` label gives its data: labels get no gradient)."""
    if isinstance(y, Value):
        return y.data
    if isinstance(y, numbers.Real):
        return float(y)
    return math.nan  # fails every range check below, which then names it


def _reduce(total: Value, n: int, reduction: str) -> Value:
    return total / n if reduction == "mean" else total


def mse(predictions: Batch, targets: Batch, *, reduction: str = "mean") -> Value:
    """Mean squared error: ``mean((p_i - t_i) ** 2)``, built as ``dot(d, d) / n``.

    Args:
        predictions: the model's outputs (``Value``s or numbers; one number is one sample).
        targets: the wanted outputs, as many as ``predictions``.
        reduction: ``"mean"`` over samples or ``"sum"``.

    Returns:
        The loss, a ``Value``.

    Raises:
        ValueError: the lengths differ, there are no samples, or ``reduction`` is unknown.

    Example:
        >>> mse([1.0, 2.0, 4.0], [1.0, 0.0, 1.0]).data  # (0 + 4 + 9) / 3
        4.333333333333333
        >>> mse([1.0, 2.0, 4.0], [1.0, 0.0, 1.0], reduction="sum").data
        13.0
    """
    _check_reduction(reduction, "mse")
    ps, ts = _pair(predictions, targets, ("predictions", "targets"), "mse")
    d = [p - t for p, t in zip(ps, ts, strict=True)]
    return _reduce(dot(d, d), len(d), reduction)


def mae(predictions: Batch, targets: Batch, *, reduction: str = "mean") -> Value:
    """Mean absolute error: ``mean(|p_i - t_i|)``.

    Args:
        predictions: the model's outputs (``Value``s or numbers; one number is one sample).
        targets: the wanted outputs, as many as ``predictions``.
        reduction: ``"mean"`` over samples or ``"sum"``.

    Returns:
        The loss, a ``Value``.

    Raises:
        ValueError: the lengths differ, there are no samples, or ``reduction`` is unknown.

    Note:
        The derivative of ``|d|`` at ``d = 0`` is taken as 0, as in PyTorch.

    Example:
        >>> mae([1.0, 2.0, -4.0], [1.0, 0.0, 1.0]).data  # (0 + 2 + 5) / 3
        2.3333333333333335
    """
    _check_reduction(reduction, "mae")
    ps, ts = _pair(predictions, targets, ("predictions", "targets"), "mae")
    return _reduce(
        _vsum([abs(_as_value(p) - t) for p, t in zip(ps, ts, strict=True)]), len(ps), reduction
    )


def _sign_labels(labels: list[Scalar], where: str) -> list[float]:
    """Labels in {-1, +1}, or in {0, 1} mapped to {-1, +1}; anything else is an error."""
    out = []
    seen_zero = seen_minus = False
    for i, raw in enumerate(labels):
        y = _label(raw)
        if y == 1.0:
            out.append(1.0)
        elif y == -1.0:
            seen_minus = True
            out.append(-1.0)
        elif y == 0.0:
            seen_zero = True
            out.append(-1.0)
        else:
            raise ValueError(
                f"{where}: labels must be -1 or +1 (or 0 or 1); label {i} is {_describe(raw)}"
            )
    if seen_zero and seen_minus:
        raise ValueError(
            f"{where}: labels mix 0 and -1; use either {{-1, +1}} or {{0, 1}}, not both"
        )
    return out


def hinge(scores: Batch, labels: Batch, *, reduction: str = "mean") -> Value:
    """SVM max-margin loss: ``mean(relu(1 - y_i * s_i))`` with labels ``y_i`` in {-1, +1}.

    Labels in {0, 1} are mapped to {-1, +1}, so the same labels serve ``hinge`` and
    ``binary_cross_entropy``.

    Args:
        scores: the model's raw scores (``Value``s or numbers; one number is one sample).
        labels: -1 or +1 (or 0 or 1) per sample.
        reduction: ``"mean"`` over samples or ``"sum"``.

    Returns:
        The loss, a ``Value``.

    Raises:
        ValueError: the lengths differ, there are no samples, a label is not in
            {-1, +1} or {0, 1}, or ``reduction`` is unknown.

    Note:
        At the margin (``y * s == 1``) the derivative is taken as 0 (relu'(0) = 0).

    Example:
        >>> hinge([2.0, 0.5, -0.5], [1, 1, 1]).data  # (0 + 0.5 + 1.5) / 3
        0.6666666666666666
        >>> hinge([2.0, 0.5], [0, 1]).data  # label 0 means -1: (3 + 0.5) / 2
        1.75
    """
    _check_reduction(reduction, "hinge")
    ss, ys = _pair(scores, labels, ("scores", "labels"), "hinge")
    signs = _sign_labels(ys, "hinge")
    terms = [
        (1.0 - s).relu() if y > 0.0 else (1.0 + s).relu()
        for s, y in zip(map(_as_value, ss), signs, strict=True)
    ]
    return _reduce(_vsum(terms), len(terms), reduction)


def binary_cross_entropy(logits: Batch, labels: Batch, *, reduction: str = "mean") -> Value:
    """Binary cross-entropy from logits: ``mean(softplus(z_i) - y_i * z_i)``.

    This is ``-(y log sigmoid(z) + (1 - y) log(1 - sigmoid(z)))`` without ever forming
    the sigmoid. Its gradient with respect to ``z_i`` is ``sigmoid(z_i) - y_i`` (over n).

    Args:
        logits: the model's raw outputs ``z`` (``Value``s or numbers), not probabilities.
        labels: targets in [0, 1] (usually 0 or 1), one per logit.
        reduction: ``"mean"`` over samples or ``"sum"``.

    Returns:
        The loss, a ``Value``.

    Raises:
        ValueError: the lengths differ, there are no samples, a label is outside
            [0, 1], or ``reduction`` is unknown.

    Note:
        Computed as ``(1 - y) * softplus(z) + y * softplus(-z)``, equal to
        ``softplus(z) - y * z`` since ``softplus(z) - z = softplus(-z)``, but a sum of
        non-negative terms: nothing cancels, so a tiny loss keeps full relative precision
        (``softplus(30) - 30`` would lose most of its digits), and logits of any size,
        such as 1000, give finite, exact results. A label of 0 or 1 costs one softplus.

    Example:
        >>> round(binary_cross_entropy([0.0, 2.0], [1, 0]).data, 6)  # (log 2 + log(1 + e^2)) / 2
        1.410038
        >>> binary_cross_entropy([1000.0, -1000.0], [1, 0]).data
        0.0
    """
    _check_reduction(reduction, "binary_cross_entropy")
    zs, ys = _pair(logits, labels, ("logits", "labels"), "binary_cross_entropy")
    coefficients: list[float] = []
    terms: list[Value] = []
    for i, (raw_z, raw_y) in enumerate(zip(zs, ys, strict=True)):
        z, y = _as_value(raw_z), _label(raw_y)
        # NOTE: softplus(-z), not softplus(z) - z, which cancels to nothing for large z.
        if y == 0.0:
            terms.append(z.softplus())
            coefficients.append(1.0)
        elif y == 1.0:
            terms.append((-z).softplus())
            coefficients.append(1.0)
        elif 0.0 < y < 1.0:
            terms += [z.softplus(), (-z).softplus()]
            coefficients += [1.0 - y, y]
        else:
            raise ValueError(
                f"binary_cross_entropy: labels must be in [0, 1]; label {i} is {_describe(raw_y)}"
            )
    total = _vsum(terms) if len(terms) == len(zs) else dot(coefficients, terms)
    return _reduce(total, len(zs), reduction)


bce = binary_cross_entropy


def cross_entropy(
    logits: Sequence[Sequence[Value | float]],
    labels: Sequence[int],
    *,
    reduction: str = "mean",
) -> Value:
    """Softmax cross-entropy: ``mean(logsumexp(z_i) - z_i[y_i])`` over samples.

    ``logsumexp`` is computed stably as ``m + log(sum_j exp(z_j - m))`` with ``m`` the
    sample's largest logit taken as a constant: every ``exp`` is at most 1, so logits of
    any size work, and since the result does not depend on ``m`` its gradient is exactly
    ``softmax(z) - onehot(y)`` (over n). Each sample's ``z[y] - m`` is one node (exact
    when the two are within a factor of 2), and one ``dot`` node adds the per-sample
    terms ``log(...) - (z[y] - m)`` in order.

    Args:
        logits: one list of class logits (``Value``s or numbers) per sample, e.g.
            ``[model(x) for x in xs]``.
        labels: the class index (an int in ``range(len(logits[i]))``) of each sample.
        reduction: ``"mean"`` over samples or ``"sum"``.

    Returns:
        The loss, a ``Value``.

    Raises:
        ValueError: the lengths differ, there are no samples, a sample has no logits,
            a class index is out of range, or ``reduction`` is unknown.
        TypeError: a sample is not a list, or a class index is not an int.

    Example:
        >>> round(cross_entropy([[1.0, 2.0, 3.0]], [2]).data, 6)  # log(e + e^2 + e^3) - 3
        0.407606
        >>> cross_entropy([[1000.0, -1000.0], [0.0, 0.0]], [0, 1]).data == math.log(2) / 2
        True
    """
    _check_reduction(reduction, "cross_entropy")
    rows, ys = list(logits), list(labels)
    if len(rows) != len(ys):
        raise ValueError(
            f"cross_entropy: logits and labels must have the same length "
            f"(got {len(rows)} and {len(ys)})"
        )
    if not rows:
        raise ValueError("cross_entropy: need at least one sample (got empty logits)")
    terms: list[Value] = []  # log(sum_j exp(z_j - m)), z[y] - m, for each sample in turn
    for i, (row, y) in enumerate(zip(rows, ys, strict=True)):
        if isinstance(row, (Value, int, float)) or not isinstance(row, Iterable):
            raise TypeError(
                f"cross_entropy: logits must hold one list of logits per sample; sample {i} "
                f"is {_describe(row)} (for a single sample, pass [logits])"
            )
        zs = [_as_value(z) for z in row]
        if not zs:
            raise ValueError(f"cross_entropy: sample {i} has no logits")
        if not isinstance(y, numbers.Integral) or isinstance(y, bool):
            raise TypeError(
                f"cross_entropy: labels must be int class indices; label {i} is {_describe(y)}"
            )
        if not 0 <= y < len(zs):
            raise ValueError(
                f"cross_entropy: label {i} is {y}, outside range({len(zs)}) of the "
                f"{len(zs)} classes"
            )
        # NOTE: m is a constant, not a node: logsumexp does not depend on it, so it needs
        # no gradient, and shifting by it keeps every exp in (0, 1].
        m = max(z.data for z in zs)
        terms.append(_vsum([(z - m).exp() for z in zs]).log())
        terms.append(zs[int(y)] - m)
    n = len(rows)
    total = dot([1.0, -1.0] * n, terms)
    return _reduce(total, n, reduction)


def l2(parameters: Iterable[Value | float]) -> Value:
    """The sum of squares of ``parameters``, one ``dot(ps, ps)`` node.

    Multiply by the strength yourself: ``loss + 1e-4 * l2(model.parameters())``.

    Args:
        parameters: the values to penalise (usually ``model.parameters()``).

    Returns:
        ``sum(p ** 2)``, a ``Value`` (0.0 for no parameters).

    Example:
        >>> ps = [Value(3.0), Value(-4.0)]
        >>> penalty = l2(ps)
        >>> penalty.backward()
        >>> penalty.data, [p.grad for p in ps]
        (25.0, [6.0, -8.0])
    """
    ps = list(parameters)
    return dot(ps, ps)


_LOSSES: dict[str, Loss] = {
    "mse": mse,
    "mae": mae,
    "hinge": hinge,
    "bce": binary_cross_entropy,
    "binary_cross_entropy": binary_cross_entropy,
    "cross_entropy": cross_entropy,
}


def get(name: str | Loss) -> Loss:
    """The loss function of a name; a callable is returned as it is.

    Args:
        name: ``"mse"``, ``"mae"``, ``"hinge"``, ``"bce"`` (or
            ``"binary_cross_entropy"``), ``"cross_entropy"``; or a loss function.

    Raises:
        ValueError: the name is unknown (the message lists the valid ones).

    Example:
        >>> get("bce") is binary_cross_entropy
        True
    """
    if callable(name):
        return name
    try:
        return _LOSSES[name]
    except (KeyError, TypeError):
        valid = ", ".join(repr(k) for k in _LOSSES)
        raise ValueError(f"unknown loss {name!r}; valid names are {valid}") from None
