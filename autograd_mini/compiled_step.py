"""fit's training step as generated code: one sample's graph, compiled once, run in a loop.

``fit(compile=True)`` builds a :class:`_CompiledStep`. On the first step it traces one
sample's graph (the model, and that sample's term of the built-in loss, with the
sample's inputs and encoded target as leaves) and compiles it with
:func:`autograd_mini.compiler.trace_rolled` as the body of a loop over a batch. The
reduction over the batch, the mean and the L2 penalty are finished here exactly as the
eager graph computes them, in the same order and by the engine's summation rule (plain
left-to-right addition), so the loss and the gradients are the eager ones to the bit
for mse, mae, hinge and bce. Cross-entropy is shifted by each sample's largest logit
exactly as :func:`autograd_mini.losses.cross_entropy` does, so its loss is the eager
one to the bit and no logit is too large; its gradients agree to about 1e-15 (the
eager graph adds the batch's terms in an order a loop over samples cannot follow:
every sample's log-sum-exp before any sample's picked logit).

Targets are encoded once, per sample, as numbers the loss uses arithmetically (hinge
labels as +-1, cross-entropy labels as one-hot rows as wide as the model's output), so
the code does not depend on which labels a batch holds. A sample the encoding cannot
take (a label eager would refuse, a row that is not numbers) makes its batch run
eagerly, and the eager engine raises its own error. ``History.eager_steps`` counts the
steps that ran eagerly.

Example:
    >>> from autograd_mini import fit, nn, optim
    >>> model = nn.MLP(2, [3], seed=0)  # three classes; the labels use two of them
    >>> h = fit(model, [[0.0, 1.0], [1.0, 0.0]], [0, 1], loss="cross_entropy",
    ...         optimizer=optim.SGD(model.parameters(), lr=0.1), epochs=3,
    ...         progress=False, compile=True)
    >>> len(h.losses), h.eager_steps
    (3, 0)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any, Protocol

from . import losses as _losses
from .compiler import _Program, trace_rolled
from .value import Value, _leaf, dot
from .value import sum as _vsum

__all__: list[str] = []


class _Model(Protocol):
    def __call__(self, x: Any) -> Any: ...

    def parameters(self) -> list[Value]: ...


def _left_sum(xs: Sequence[float]) -> float:
    """``((x1 + x2) + x3) + ...``: the engine's summation rule (one term is itself)."""
    if not xs:
        return 0.0
    total = xs[0]
    for x in xs[1:]:
        total += x
    return total


class _CompiledStep:
    """One training step of ``fit`` as generated straight-line code (see the module)."""

    def __init__(self, model: _Model, params: list[Value], loss: str, l2: float,
                 y: Sequence[Any]) -> None:
        self.model, self.params, self.loss, self.l2 = model, params, loss, l2
        self.names = _parameter_names(model, params)
        self.y = y
        self.program: _Program | None = None
        self.rows: list[tuple[float, ...] | None] = []  # per sample: inputs + target
        self.n_inputs = 0
        self.mixed_signs = False  # hinge: labels mix 0 and -1 (eager refuses such a batch)
        self.eager_only = False  # the trace itself failed: every step runs eagerly

    # --- targets -----------------------------------------------------------------------------
    def _target(self, t: Any, outputs: int) -> tuple[float, ...] | None:
        """Sample target ``t`` encoded for the generated code, or None if eager must judge."""
        try:
            if self.loss == "hinge":
                return (_losses._sign_labels([t], "fit")[0],)
            if self.loss == "cross_entropy":
                if isinstance(t, bool) or not isinstance(t, numbers.Integral):
                    return None
                k = int(t)
                if not 0 <= k < outputs:
                    return None
                return tuple(1.0 if j == k else 0.0 for j in range(outputs))
            if self.loss in ("bce", "binary_cross_entropy"):
                v = t.data if isinstance(t, Value) else t
                if isinstance(v, bool) or not isinstance(v, numbers.Real):
                    return None
                f = float(v)
                return (f,) if 0.0 <= f <= 1.0 else None
            v = t.data if isinstance(t, Value) else t
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                return None
            f = float(v)
            return (f,) if math.isfinite(f) else None
        except (TypeError, ValueError, OverflowError):
            return None

    def _encode(self, X: Sequence[Any], outputs: int) -> None:
        rows: list[tuple[float, ...] | None] = []
        for x, t in zip(X, self.y):
            target = self._target(t, outputs)
            try:
                inputs = tuple(map(float, x))
            except (TypeError, ValueError, OverflowError):
                inputs = None
            ok = target is not None and inputs is not None and len(inputs) == self.n_inputs
            rows.append((*inputs, *target) if ok else None)  # type: ignore[misc]
        self.rows = rows
        if self.loss == "hinge":
            labels = [getattr(t, "data", t) for t in self.y]
            self.mixed_signs = any(v == 0 for v in labels) and any(v == -1 for v in labels)

    # --- the step ----------------------------------------------------------------------------
    def step(self, batch: list[int], X: Sequence[Any]) -> tuple[float, list[Any]] | None:
        """Run one step: fill every parameter's .grad; return (loss, predictions).

        Returns None when the generated code cannot finish the step (the caller then
        runs it eagerly, which raises the engine's own error if there is one).
        """
        if self.eager_only:
            return None
        if self.program is None:
            try:
                self.n_inputs = len(X[batch[0]])
                self.program, outputs = self._trace()
            except (TypeError, ValueError, ArithmeticError):
                # a model or loss the trace cannot take (or data eager will refuse):
                # eager steps, which raise the engine's own error if there is one
                self.eager_only = True
                return None
            self._encode(X, outputs)
        rows = self.rows
        data = [rows[i] for i in batch]
        if None in data:
            return None
        if self.mixed_signs:
            labels = {getattr(self.y[i], "data", self.y[i]) for i in batch}
            if 0 in labels and -1 in labels:
                return None
        n = float(len(batch))
        values = [p.data for p in self.params]
        try:
            # the eager graph: loss = sum(parts) / n (+ l2 * dot(p, p)); d loss/d part
            # is 1.0 * (1.0 / n), the seed of every sample's part
            parts, preds, grads = self.program.fn(*values, data, 1.0 * (1.0 / n))
            if self.loss == "cross_entropy":
                # eager: dot([1, -1] * n, [log_1, z_1 - m_1, log_2, ...]) from left to
                # right; a part is (log, -z, m), so z - m is -(-z) - m, exactly
                terms: list[float] = []
                for log, neg_z, m in zip(parts[0::3], parts[1::3], parts[2::3]):
                    terms += (log, -(-neg_z - m))
                total = _left_sum(terms)
            else:
                total = _left_sum(parts)
            value = total / n
            if self.l2:
                value = value + _left_sum([v * v for v in values]) * self.l2
                g2 = 1.0 * self.l2  # the l2 dot node's gradient; it adds g2 * p twice
                grads = [g + g2 * v for g, v in zip(grads, values)]
                grads = [g + g2 * v for g, v in zip(grads, values)]
        except (ArithmeticError, ValueError, TypeError):
            return None
        if not (math.isfinite(value) and math.isfinite(math.fsum(grads))):
            return None
        for param, g in zip(self.params, grads):
            param.grad = g
        return value, preds

    def _trace(self) -> tuple[_Program, int]:
        """Compile one sample's graph; return the program and the model's output count."""
        n_inputs = self.n_inputs
        xs = [_leaf(0.0) for _ in range(n_inputs)]
        probe = self.model(xs)  # how many outputs (one-hot width), before the trace
        if self.loss == "cross_entropy" and not isinstance(probe, list):
            raise TypeError("cross_entropy needs a list of logits per sample")
        outputs = len(probe) if isinstance(probe, list) else 1
        n_targets = outputs if self.loss == "cross_entropy" else 1
        ts = [_leaf(0.0) for _ in range(n_targets)]
        shift = _leaf(0.0)  # cross-entropy's shift: the max of the logits, computed
        maxima: dict[Value, list[Value]] = {}

        def run_one() -> tuple[Value, list[Any]]:
            pred = self.model(xs)
            preds = pred if isinstance(pred, list) else [pred]
            if self.loss == "cross_entropy":
                maxima[shift] = list(preds)
            return _sample_part(self.loss, pred, ts, shift), preds

        program = trace_rolled(
            run_one, self.params, [*xs, *ts], param_names=self.names,
            sample_names=[*(f"x{j}" for j in range(n_inputs)),
                          *(f"y{k}" for k in range(n_targets))],
            maxima=maxima)
        return program, outputs


def _parameter_names(model: _Model, params: list[Value]) -> list[str]:
    named = getattr(model, "named_parameters", None)
    if callable(named):
        pairs = named()
        if [p for _, p in pairs] == params:
            return ["p_" + "".join(c if c.isalnum() else "_" for c in n) for n, _ in pairs]
    return [f"p{i}" for i in range(len(params))]


def _sample_part(name: str, pred: Any, t: list[Value], shift: Value) -> Value:
    """One sample's node of the built-in loss ``name``'s reduction, targets as inputs.

    The eager loss adds up (a sum or dot node over the batch) exactly these terms, with
    the label-dependent choice made by arithmetic (a +-1 factor, a 0/1 weight, a
    one-hot dot) instead of by Python, so the code does not depend on the labels.
    """
    if name == "mse":
        d = pred - t[0]
        return dot([d], [d])
    if name == "mae":
        return _vsum([abs(pred - t[0])])
    if name == "hinge":  # relu(1 - y*s) with y = +-1: the eager (1 -+ s).relu() exactly
        return _vsum([(1.0 - t[0] * pred).relu()])
    if name in ("bce", "binary_cross_entropy"):
        return dot([1.0 - t[0], t[0]], [pred.softplus(), (-pred).softplus()])
    # cross-entropy, as losses.cross_entropy: log(sum(exp(z - m))) with m the largest
    # logit (a constant: no gradient flows through it), the picked logit as a one-hot
    # dot, and m itself as the bias, so the batch's terms are (log, -picked, m)
    zs = pred if isinstance(pred, list) else [pred]
    logsumexp = _vsum([(z - shift).exp() for z in zs]).log()
    return dot([1.0, -1.0], [logsumexp, dot(t, zs)], shift)
