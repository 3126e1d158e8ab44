"""lr_find: the exponential schedule, the smoothing, the early stop, the suggestion, the
picture, and that the model and optimizer come back exactly as they were."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from autograd_mini import datasets, nn, optim
from autograd_mini.lr_finder import LRFinderResult, _suggest, lr_find

X = [[0.0], [1.0], [2.0], [3.0]]
Y = [1.0, 3.0, 5.0, 7.0]


def test_rates_grow_exponentially_and_losses_are_smoothed() -> None:
    """lrs run geometrically from start_lr to end_lr; losses are fastai's debiased average."""
    model = nn.Linear(1, 1, seed=0)
    r = lr_find(model, X, Y, loss="mse", optimizer=optim.SGD(model.parameters(), lr=0.1),
                start_lr=1e-6, end_lr=1e-3, num_iter=10, smooth_f=0.3)
    assert len(r.lrs) == 10 and r.lrs[0] == 1e-6 and r.lrs[-1] == pytest.approx(1e-3)
    ratios = {round(b / a, 9) for a, b in zip(r.lrs, r.lrs[1:])}
    assert len(ratios) == 1
    avg = 0.0
    for i, raw in enumerate(r.raw_losses):
        avg = 0.3 * raw + 0.7 * avg
        assert r.losses[i] == pytest.approx(avg / (1 - 0.7 ** (i + 1)), rel=1e-12)
    assert r.stop_reason == "ran all 10 steps"


def test_stops_when_the_loss_explodes_and_restores_everything() -> None:
    """The test stops past 4x the best loss; parameters, grads, lr and buffers are restored."""
    model = nn.MLP(2, [4, 1], seed=1)
    X2, y2 = datasets.make_moons(40, noise=0.1, seed=0)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for p in model.parameters():
        p.grad = 0.25
    opt.zero_grad()
    before = ([p.data for p in model.parameters()], opt.state_dict())
    r = lr_find(model, X2, y2, loss="mse", optimizer=opt, end_lr=100.0, num_iter=100,
                batch_size=8)
    assert "diverged" in r.stop_reason and len(r.lrs) < 100
    assert ([p.data for p in model.parameters()], opt.state_dict()) == before
    assert opt.lr == 0.05 and all(p.grad == 0.0 for p in model.parameters())
    assert r.suggested_lr is not None and r.suggested_lr in r.lrs


def test_restores_on_keyboard_interrupt() -> None:
    """A Ctrl-C in the middle of the test still restores the parameters and the optimizer."""
    model = nn.Linear(1, 1, seed=0)
    opt = optim.Adam(model.parameters(), lr=0.01)
    before = ([p.data for p in model.parameters()], opt.state_dict())
    calls = []

    def loss(preds: list[object], targets: list[object]) -> object:
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt
        from autograd_mini.losses import mse
        return mse(preds, targets)  # type: ignore[arg-type]

    with pytest.raises(KeyboardInterrupt):
        lr_find(model, X, Y, loss=loss, optimizer=opt)  # type: ignore[arg-type]
    assert ([p.data for p in model.parameters()], opt.state_dict()) == before


def test_suggestion_is_the_steepest_descent() -> None:
    """The suggestion is where the loss falls fastest per log-rate, skipping the ends."""
    lrs = [10.0 ** (k / 4) for k in range(-20, 1)]
    losses = [1.0 / (1.0 + math.exp(4 * (math.log10(lr) + 2.5))) for lr in lrs]
    assert _suggest(lrs, losses, 0, 0) == pytest.approx(10 ** -2.5)
    assert _suggest(lrs[:2], losses[:2], 0, 0) is None
    model = nn.Linear(1, 1, seed=0)
    r = lr_find(model, X, Y, loss="mse", optimizer=optim.SGD(model.parameters(), lr=0.1),
                num_iter=60)
    # gradient descent on this problem is stable below 2/lambda_max ~ 0.18
    assert r.suggested_lr is not None and 1e-3 < r.suggested_lr < 0.18


def test_plot_writes_a_picture(tmp_path: Path) -> None:
    """plot(path) writes a PNG, plot() returns a figure; an empty result cannot be drawn."""
    pytest.importorskip("matplotlib")
    model = nn.Linear(1, 1, seed=0)
    r = lr_find(model, X, Y, loss="mse", optimizer=optim.SGD(model.parameters(), lr=0.1),
                num_iter=30)
    out = r.plot(tmp_path / "lr.png")
    assert out == tmp_path / "lr.png" and out.read_bytes()[:4] == b"\x89PNG"
    fig = r.plot()
    assert len(fig.axes) == 1 and fig.axes[0].get_xscale() == "log"
    with pytest.raises(ValueError, match="format"):
        r.plot(tmp_path / "lr.gif")
    with pytest.raises(ValueError, match="no step"):
        LRFinderResult([], [], [], None, math.inf, "").plot()


def test_rejects_bad_settings() -> None:
    """Bad rates, iteration counts, smoothing and data raise ValueError naming the setting."""
    model = nn.Linear(1, 1, seed=0)
    opt = optim.SGD(model.parameters(), lr=0.1)
    for kw, match in [({"start_lr": 1.0, "end_lr": 0.1}, "start_lr < end_lr"),
                      ({"num_iter": 1}, "num_iter"), ({"smooth_f": 0.0}, "smooth_f"),
                      ({"diverge_th": 1.0}, "diverge_th"), ({"batch_size": 0}, "batch_size")]:
        with pytest.raises(ValueError, match=match):
            lr_find(model, X, Y, loss="mse", optimizer=opt, **kw)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="same length"):
        lr_find(model, X, Y[:2], loss="mse", optimizer=opt)
