"""fit(compile=True): the same training as eager fit on every input eager accepts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from autograd_mini import datasets, fit, nn, optim
from autograd_mini.train import History


def _run(loss: str, X: Any, y: Any, *, outputs: int, compile_: bool, batch_size: int | None,
         epochs: int = 4, lr: float = 0.05, scale: float = 1.0) -> tuple[History, list[float]]:
    model = nn.MLP(len(X[0]), [5, outputs], seed=3)
    if scale != 1.0:
        for p in model.parameters():
            p.data *= scale
    h = fit(model, X, y, loss=loss, optimizer=optim.SGD(model.parameters(), lr=lr, momentum=0.9),
            epochs=epochs, batch_size=batch_size, seed=1, l2=1e-3, progress=False,
            compile=compile_)
    return h, [p.data for p in model.parameters()]


def _both(loss: str, X: Any, y: Any, **kw: Any) -> tuple[tuple[History, list[float]], ...]:
    return _run(loss, X, y, compile_=False, **kw), _run(loss, X, y, compile_=True, **kw)


X12, _ = datasets.make_blobs(12, centers=3, seed=0)
# labels eager accepts, per loss: edge sets and numpy scalars included
CASES: list[tuple[str, list[Any], int]] = [
    ("mse", [float(k % 3) - 0.5 for k in range(12)], 1),
    ("mse", list(np.linspace(-1.0, 1.0, 12)), 1),  # numpy floats
    ("mae", [float(k % 2) for k in range(12)], 1),
    ("hinge", [1 if k % 2 else -1 for k in range(12)], 1),
    ("hinge", [1 if k % 3 else 0 for k in range(12)], 1),  # {0, 1} labels
    ("hinge", [1] * 12, 1),  # one class only
    ("bce", [k % 2 for k in range(12)], 1),
    ("bce", [0.25 * (k % 5) for k in range(12)], 1),  # soft labels
    ("binary_cross_entropy", list(np.array([k % 2 for k in range(12)])), 1),  # numpy ints
    ("cross_entropy", [k % 3 for k in range(12)], 3),
    ("cross_entropy", [k % 2 for k in range(12)], 3),  # 3 outputs, labels {0, 1} only
    ("cross_entropy", list(np.array([k % 3 for k in range(12)], dtype=np.int64)), 3),
    ("cross_entropy", [0] * 12, 4),
]


@pytest.mark.parametrize("batch_size", [None, 5])
@pytest.mark.parametrize(("loss", "y", "outputs"), CASES)
def test_compiled_fit_equals_eager_fit_for_every_loss(loss: str, y: list[Any], outputs: int,
                                                      batch_size: int | None) -> None:
    """For every loss name and labels eager accepts, compiled fit trains as eager fit does,
    every step compiled (bit for bit; cross-entropy's gradients to rounding)."""
    (he, pe), (hc, pc) = _both(loss, X12, y, outputs=outputs, batch_size=batch_size)
    assert hc.eager_steps == 0 and he.eager_steps == 0
    assert hc.epochs == he.epochs and hc.diverged == he.diverged
    if loss == "cross_entropy":
        if batch_size is None:  # the first epoch's loss is the starting point's: exact
            assert hc.losses[0] == he.losses[0]
        assert hc.losses == pytest.approx(he.losses, rel=1e-12)
        assert pc == pytest.approx(pe, rel=1e-10, abs=1e-13)
    else:
        assert hc.losses == he.losses
        assert pc == pe


def test_cross_entropy_with_large_logits_stays_compiled() -> None:
    """Logits past exp's range (~709) are shifted as eager shifts them: no eager fallback."""
    X, y = datasets.make_blobs(32, centers=10, seed=0)
    (he, pe), (hc, pc) = _both("cross_entropy", X, y, outputs=10, batch_size=None, epochs=2,
                               scale=400.0, lr=1e-6)
    assert hc.eager_steps == 0
    assert hc.losses[0] == he.losses[0] and hc.losses[0] > 100.0
    assert hc.losses == pytest.approx(he.losses, rel=1e-12)


def test_fallbacks_to_eager_are_counted() -> None:
    """A step the compiled code cannot finish runs eagerly and is counted in eager_steps."""
    X = [[1e200], [1.0]]
    model = nn.Linear(1, 1, seed=0)
    for p in model.parameters():
        p.data = 1e150
    with pytest.warns(RuntimeWarning, match="diverged"):
        h = fit(model, X, [0.0, 0.0], loss="mse", optimizer=optim.SGD(model.parameters(), lr=0.1),
                epochs=1, batch_size=1, shuffle=False, progress=False, compile=True)
    assert h.eager_steps == 1 and h.diverged


@pytest.mark.parametrize(("loss", "y", "match"), [
    ("cross_entropy", [0, 3, 1], "outside range"),
    ("cross_entropy", [0, 1.0, 1], "int class ind(ex|ices)"),
    ("hinge", [0, 2, 1], "labels must be -1 or \\+1"),
    ("hinge", [0, -1, 1], "labels mix 0 and -1"),
    ("bce", [0, 1.5, 1], "labels must be in \\[0, 1\\]"),
])
def test_labels_eager_refuses_raise_the_eager_error(loss: str, y: list[Any], match: str) -> None:
    """Labels the eager loss refuses raise the eager loss's own error when compiled."""
    X = [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]
    for compile_ in (False, True):
        model = nn.MLP(2, [3, 3 if loss == "cross_entropy" else 1], seed=0)
        with pytest.raises((ValueError, TypeError), match=match):
            fit(model, X, y, loss=loss, optimizer=optim.SGD(model.parameters(), lr=0.1),
                epochs=1, progress=False, compile=compile_)
