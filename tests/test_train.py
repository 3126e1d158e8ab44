"""fit: each stopping rule triggers, divergence keeps the last good parameters."""

from __future__ import annotations

import io
import math
import warnings
from typing import Any

import pytest

import autograd_mini as am
from autograd_mini import Value, datasets, nn, optim
from autograd_mini.train import Progress, fit


# --- fit -----------------------------------------------------------------------------------
def test_fit_linear_regression_recovers_coefficients() -> None:
    """Full-batch GD on exact linear data recovers the coefficients and stops on gtol."""
    X, y, coef = datasets.make_regression(40, 2, coef=[1.5, -2.0], bias=0.5, seed=1)
    model = nn.Linear(2, 1, seed=0)
    h = fit(model, X, y, loss="mse", optimizer=optim.SGD(model.parameters(), lr=0.1),
            epochs=5000, gtol=1e-9, progress=False)
    assert h.converged and not h.diverged and "gtol" in h.stop_reason
    assert [p.data for p in model.parameters()] == pytest.approx([1.5, -2.0, 0.5], abs=1e-7)
    assert h.losses[-1] < h.losses[0] and len(h.losses) == h.epochs


def test_fit_stops_on_max_epochs() -> None:
    """Without tolerance rules fit runs every epoch and says so."""
    model = nn.Linear(1, 1, seed=0)
    h = fit(model, [[0.0], [1.0]], [0.0, 1.0], loss="mse",
            optimizer=optim.GD(model.parameters(), lr=0.01), epochs=7, progress=False)
    assert h.epochs == 7 and len(h.losses) == 7
    assert h.stop_reason == "reached the maximum of 7 epochs" and not h.converged


def test_fit_stops_on_negligible_loss_change_with_patience() -> None:
    """tol stops after `patience` calm epochs in a row."""
    model = nn.Linear(1, 1, seed=0)
    h = fit(model, [[0.0], [1.0]], [0.0, 1.0], loss="mse",
            optimizer=optim.GD(model.parameters(), lr=0.5), epochs=10000, tol=1e-10,
            patience=3, progress=False)
    assert h.converged and "for 3 epochs in a row" in h.stop_reason
    tail = h.losses[-4:]
    assert all(abs(a - b) <= 1e-10 * max(1.0, abs(b)) for a, b in zip(tail, tail[1:]))


def test_fit_callback_stops_and_sees_logs() -> None:
    """A callback gets (epoch, logs) and stops training by returning True."""
    calls: list[tuple[int, dict[str, float]]] = []
    model = nn.MLP(2, [4, 1], seed=0)
    X, y = datasets.make_xor()
    h = fit(model, X, y, loss="hinge", optimizer=optim.SGD(model.parameters(), lr=0.05),
            epochs=100, callbacks=[lambda e, logs: calls.append((e, logs)) or e == 4],
            progress=False)
    assert h.epochs == 4 and [e for e, _ in calls] == [1, 2, 3, 4]
    assert set(calls[0][1]) == {"loss", "accuracy", "grad_norm"}
    assert "callback" in h.stop_reason


def test_fit_minibatch_and_stochastic_are_seeded() -> None:
    """Mini-batch and stochastic runs repeat exactly with the same seed."""
    X, y = datasets.make_moons(30, noise=0.1, seed=0)

    def run(batch_size: int) -> list[float]:
        model = nn.MLP(2, [8, 1], seed=3)
        return fit(model, X, y, loss="hinge", batch_size=batch_size, seed=11,
                   optimizer=optim.SGD(model.parameters(), lr=0.05, momentum=0.9),
                   epochs=5, progress=False).losses

    assert run(8) == run(8) and run(1) == run(1) and run(8) != run(1)


def test_fit_divergence_restores_the_last_good_parameters() -> None:
    """A huge learning rate stops the run with a warning and finite parameters."""
    X, y, _ = datasets.make_regression(20, 1, coef=[3.0], seed=0)
    model = nn.Linear(1, 1, seed=0)
    with pytest.warns(RuntimeWarning, match="diverged in epoch"):
        h = fit(model, X, y, loss="mse", optimizer=optim.SGD(model.parameters(), lr=50.0),
                epochs=1000, progress=False)
    assert h.diverged and not h.converged and "smaller learning rate" in h.stop_reason
    assert all(math.isfinite(p.data) for p in model.parameters())
    from autograd_mini import losses

    kept = losses.mse([model(x) for x in X], y)  # the loss is finite where it stopped
    kept.backward()
    assert math.isfinite(kept.data) and all(math.isfinite(p.grad) for p in model.parameters())
    assert len(h.losses) == h.epochs < 1000


def test_fit_classification_reports_accuracy() -> None:
    """XOR with a small MLP and hinge loss reaches 100% training accuracy."""
    X, y = datasets.make_xor()
    model = nn.MLP(2, [8, 1], activation="tanh", seed=1)
    h = fit(model, X, y, loss="hinge", optimizer=optim.Adam(model.parameters(), lr=0.05),
            epochs=300, progress=False)
    assert h.metrics["accuracy"][-1] == 1.0


def test_fit_rejects_bad_input() -> None:
    """Mismatched data, empty data and bad settings raise ValueError naming the problem."""
    model = nn.Linear(1, 1, seed=0)
    opt = optim.GD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="same length"):
        fit(model, [[0.0]], [0.0, 1.0], loss="mse", optimizer=opt, epochs=1, progress=False)
    with pytest.raises(ValueError, match="X is empty"):
        fit(model, [], [], loss="mse", optimizer=opt, epochs=1, progress=False)
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        fit(model, [[0.0]], [0.0], loss="mse", optimizer=opt, epochs=0, progress=False)
    with pytest.raises(ValueError, match="batch_size"):
        fit(model, [[0.0]], [0.0], loss="mse", optimizer=opt, epochs=1, batch_size=0,
            progress=False)
    with pytest.raises(ValueError):
        fit(model, [[0.0]], [0.0], loss="nope", optimizer=opt, epochs=1, progress=False)


def test_progress_line_on_a_log_stream() -> None:
    """Off a terminal the progress line prints about ten lines and the stop reason."""
    buf = io.StringIO()
    bar = Progress(100, stream=buf, delay=0.0)
    for e in range(1, 101):
        bar.update(e, 1.0 / e, {"accuracy": 0.5})
    bar.close("done")
    lines = buf.getvalue().splitlines()
    assert len(lines) == 11 and lines[-1] == "stopped: done"
    assert lines[0].startswith("epoch 10/100  loss 0.1  accuracy 0.5")


def test_fit_progress_prints_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    """progress=True writes the final line and the stop reason to standard error."""
    model = nn.Linear(1, 1, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit(model, [[0.0]], [1.0], loss="mse", optimizer=optim.GD(model.parameters(), lr=0.1),
            epochs=3)
    err = capsys.readouterr().err
    assert "epoch 3/3" in err and "stopped: reached the maximum of 3 epochs" in err


def test_fit_steps_a_learning_rate_schedule_every_epoch() -> None:
    """scheduler.step() runs once per epoch: StepLR halves lr every 2 epochs."""
    model = nn.Linear(1, 1, seed=0)
    opt = optim.SGD(model.parameters(), lr=0.1)
    seen: list[float] = []
    fit(model, [[0.0], [1.0]], [0.0, 1.0], loss="mse", optimizer=opt, epochs=5,
        scheduler=optim.StepLR(opt, step_size=2, gamma=0.5),
        callbacks=[lambda e, logs: seen.append(opt.lr)], progress=False)
    assert seen == [0.1, 0.05, 0.05, 0.025, 0.025]


def test_fit_stops_when_the_parameters_leave_the_loss_domain() -> None:
    """A loss that becomes undefined mid-run stops fit with a warning and the last parameters."""
    model = nn.Linear(1, 1, seed=0)
    model.parameters()[0].data, model.parameters()[1].data = 1.0, 0.5

    def log_loss(preds: list[Any], targets: list[Any]) -> Value:
        return am.sum([p.log() for p in preds])

    with pytest.warns(RuntimeWarning, match="left the loss's domain"):
        h = fit(model, [[1.0]], [0.0], loss=log_loss,
                optimizer=optim.GD(model.parameters(), lr=1.0), epochs=10, progress=False)
    assert h.diverged and "left the loss's domain" in h.stop_reason
    assert len(h.losses) == h.epochs >= 1
    assert model([1.0]).data > 0.0  # the kept parameters are inside the domain


def test_progress_shows_the_loss_once() -> None:
    """The progress line names the loss once even when the metrics carry it too."""
    buf = io.StringIO()
    bar = Progress(1, stream=buf, delay=0.0)
    bar.update(1, 0.5, {"loss": 0.5, "accuracy": 1.0, "grad_norm": 2.0})
    bar.close("done")
    assert buf.getvalue().count("loss") == 1
