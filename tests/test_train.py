"""fit: each stopping rule triggers, divergence keeps the last good parameters."""

from __future__ import annotations

import io
import math
import warnings
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# --- issue 8: fit at the edges ---------------------------------------------------------------
def _constant_loss(preds: list[Any], targets: list[Any]) -> Value:
    """A loss whose value is the batch's first target and whose gradient is 0."""
    return am.sum(preds) * 0.0 + float(targets[0])


def test_fit_minibatch_epoch_loss_does_not_overflow() -> None:
    """Batch losses of 1.5e308 (finite) give an epoch loss of 1.5e308, not a silent inf."""
    model = nn.Linear(1, 1, seed=0)
    model.parameters()[0].data = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = fit(model, [[0.0]] * 4, [1.5e308] * 4, loss=_constant_loss, batch_size=2,
                optimizer=optim.GD(model.parameters(), lr=0.1), epochs=2, progress=False)
    assert h.losses == [1.5e308, 1.5e308] and not h.diverged


@given(st.lists(st.floats(-1.7e308, 1.7e308), min_size=1, max_size=12),
       st.integers(1, 12))
@settings(max_examples=60)
def test_fit_epoch_loss_is_a_finite_mean_of_finite_batch_losses(
    ys: list[float], batch_size: int
) -> None:
    """Any finite batch losses, any batch size: the epoch loss is finite and between them."""
    model = nn.Linear(1, 1, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = fit(model, [[0.0]] * len(ys), ys, loss=_constant_loss, batch_size=batch_size,
                shuffle=False, optimizer=optim.GD(model.parameters(), lr=0.1), epochs=1,
                progress=False)
    lo, hi = min(ys[::batch_size]), max(ys[::batch_size])
    assert not h.diverged and math.isfinite(h.losses[0])
    assert lo - 1e-15 * abs(lo) <= h.losses[0] <= hi + 1e-15 * abs(hi)  # a mean, up to rounding


def _regression(n: int = 12) -> tuple[list[list[float]], list[Any]]:
    return [[float(i), 1.0] for i in range(n)], [float(i % 2) for i in range(n)]


_BAD_DATA = [
    # (loss, which sample, how it is spoiled, the message)
    ("mse", "X", math.nan, r"X\[{i}\]\[1\] is nan"),
    ("mse", "X", math.inf, r"X\[{i}\]\[1\] is inf"),
    ("mse", "X", "ragged", r"sample {i} of X has 1 inputs"),
    ("mse", "y", -math.inf, r"y\[{i}\] is -inf"),
    ("mae", "y", math.nan, r"y\[{i}\] is nan"),
    ("hinge", "y", 2.0, r"label {i} is 2.0"),
    ("bce", "y", 1.5, r"label {i} is 1.5"),
    ("cross_entropy", "y", 3, r"label {i} is 3, outside range\(2\)"),
    ("my_loss", "y", math.nan, r"y\[{i}\] is nan"),
]


@pytest.mark.parametrize("loss, where, bad, message", _BAD_DATA)
@pytest.mark.parametrize("index", [0, 5, 11])
@pytest.mark.parametrize("batch_size", [None, 1, 4])
def test_fit_bad_data_raises_at_any_step_naming_the_sample(
    loss: str, where: str, bad: Any, message: str, index: int, batch_size: int | None
) -> None:
    """Bad data anywhere in the set raises ValueError naming its index, before any step."""
    X, y = _regression()
    if loss == "cross_entropy":
        y = [i % 2 for i in range(len(X))]
    if where == "X":
        X[index] = [X[index][0]] if bad == "ragged" else [X[index][0], bad]
    else:
        y[index] = bad
    model: Any = nn.Linear(2, 2 if loss == "cross_entropy" else 1, seed=0)
    start = model.state_dict()
    chosen: Any = (lambda p, t: am.losses.mse(p, t)) if loss == "my_loss" else loss
    with pytest.raises(ValueError, match=message.format(i=index)):
        fit(model, X, y, loss=chosen, optimizer=optim.SGD(model.parameters(), lr=1e-3),
            epochs=2, batch_size=batch_size, progress=False)
    assert model.state_dict() == start  # nothing trained on bad data


def test_fit_treats_overflowing_dot_products_the_same_at_every_step() -> None:
    """+inf and -inf meeting in a dot node is divergence at step 0 and at a later step alike."""
    X, y = [[1e160, 1e160]], [0.0]

    def run(poison_after: int) -> Any:
        model = nn.Linear(2, 1, seed=0)
        w = model.parameters()

        def poison(epoch: int, logs: dict[str, float]) -> None:
            if epoch == poison_after:
                w[0].data, w[1].data = 1e160, -1e160

        if poison_after == 0:
            poison(0, {})
        with pytest.warns(RuntimeWarning, match="diverged in epoch"):
            h = fit(model, X, y, loss="mae", optimizer=optim.GD(w, lr=1e-300), epochs=5,
                    callbacks=[poison], progress=False)
        return h, [p.data for p in w]

    h0, p0 = run(0)
    h3, p3 = run(3)
    assert h0.diverged and h3.diverged and len(h0.losses) == 0 and len(h3.losses) == 3
    assert h0.stop_reason.split(":", 1)[1] == h3.stop_reason.split(":", 1)[1]
    assert p0[:2] == [1e160, -1e160]  # the start: nothing better to go back to
    assert abs(p3[0]) < 2.0  # the last parameters before the poison, where the loss was finite


def _good_call() -> dict[str, Any]:
    model = nn.Linear(1, 1, seed=0)
    return dict(model=model, X=[[0.0], [1.0]], y=[0.0, 1.0], loss="mse",
                optimizer=optim.GD(model.parameters(), lr=0.1), epochs=2, progress=False)


_BAD_ARGUMENTS = [
    ("model", object(), TypeError),
    ("X", 3.0, TypeError),
    ("X", "ab", TypeError),
    ("y", None, TypeError),
    ("loss", 3, TypeError),
    ("loss", "nope", ValueError),
    ("optimizer", object(), TypeError),
    ("epochs", True, TypeError),
    ("epochs", 2.0, TypeError),
    ("epochs", 0, ValueError),
    ("batch_size", False, TypeError),
    ("batch_size", 1.5, TypeError),
    ("batch_size", -1, ValueError),
    ("shuffle", "yes", TypeError),
    ("seed", -7, ValueError),
    ("seed", 1.5, TypeError),
    ("l2", -1e-4, ValueError),
    ("l2", math.nan, ValueError),
    ("l2", "0.1", TypeError),
    ("tol", -1.0, ValueError),
    ("tol", "1e-3", TypeError),
    ("patience", True, TypeError),
    ("patience", 0, ValueError),
    ("gtol", -1.0, ValueError),
    ("gtol", math.inf, ValueError),
    ("callbacks", print, TypeError),
    ("callbacks", [3], TypeError),
    ("progress", None, TypeError),
    ("compile", 1, TypeError),
    ("scheduler", 3, TypeError),
]


@pytest.mark.parametrize("name, bad, error", _BAD_ARGUMENTS,
                         ids=[f"{n}={b!r}" for n, b, _ in _BAD_ARGUMENTS])
def test_fit_rejects_every_bad_argument_by_name(name: str, bad: Any, error: type) -> None:
    """Each of fit's arguments, given a wrong type or value, raises a typed error naming it."""
    call = _good_call()
    call[name] = bad
    expected = "loss" if name == "loss" else name
    with pytest.raises(error, match=expected):
        fit(**call)


def test_fit_bad_argument_sweep_covers_every_argument() -> None:
    """The sweep above names every parameter of fit, so a new one cannot go unchecked."""
    import inspect

    assert set(inspect.signature(fit).parameters) == {n for n, _, _ in _BAD_ARGUMENTS}


def test_fit_callable_loss_returning_a_float_is_a_type_error() -> None:
    """A loss that returns a plain number cannot be backpropagated: TypeError saying so."""
    call = _good_call()
    call["loss"] = lambda p, t: 0.5
    with pytest.raises(TypeError, match="the loss must return a Value"):
        fit(**call)


def test_fit_pauses_the_cycle_collector_while_training() -> None:
    """Inside fit's loop gc is paused; afterwards it is on again."""
    import gc

    seen: list[bool] = []
    call = _good_call()
    call["callbacks"] = [lambda e, logs: seen.append(gc.isenabled())]
    assert gc.isenabled()
    fit(**call)
    assert seen == [False, False] and gc.isenabled()


class _ClosureGD:
    """A toy closure-based optimizer: calls closure() (twice, as a line search may), steps."""

    requires_closure = True

    def __init__(self, params: list[Value], lr: float, calls: int = 1) -> None:
        self.params, self.lr, self.calls = params, lr, calls

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self, closure: Any) -> float:
        loss = closure()
        grads = [float(p.grad) for p in self.params]
        for _ in range(self.calls - 1):
            closure()  # a line search's extra evaluation must not change what fit records
        for p, g in zip(self.params, grads):
            p.data -= self.lr * g
        return float(loss)


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("calls", [1, 3])
def test_fit_trains_with_a_closure_based_optimizer(calls: int, compiled: bool) -> None:
    """A closure-based GD gives exactly plain GD's losses and parameters, one loss per epoch."""
    X, y, _ = datasets.make_regression(10, 2, coef=[1.0, -2.0], seed=0)

    def run(closure: bool) -> tuple[list[float], list[float]]:
        model = nn.Linear(2, 1, seed=0)
        opt: Any = (_ClosureGD(model.parameters(), 0.1, calls) if closure
                    else optim.GD(model.parameters(), lr=0.1))
        h = fit(model, X, y, loss="mse", optimizer=opt, epochs=20, l2=1e-3, progress=False,
                compile=compiled)
        assert len(h.losses) == h.epochs == 20 and len(h.metrics["grad_norm"]) == 20
        return h.losses, [p.data for p in model.parameters()]

    assert run(True) == run(False)


def test_fit_closure_optimizer_needs_full_batch() -> None:
    """batch_size with a closure-based optimizer is a ValueError naming both."""
    call = _good_call()
    call["optimizer"] = _ClosureGD(call["model"].parameters(), 0.1)
    call["batch_size"] = 1
    with pytest.raises(ValueError, match="_ClosureGD.*batch_size"):
        fit(**call)


def test_fit_closure_optimizer_divergence_keeps_the_last_good_parameters() -> None:
    """A closure-based run that diverges stops with a warning and finite parameters."""
    X, y, _ = datasets.make_regression(20, 1, coef=[3.0], seed=0)
    model = nn.Linear(1, 1, seed=0)
    with pytest.warns(RuntimeWarning, match="diverged in epoch"):
        h = fit(model, X, y, loss="mse", optimizer=_ClosureGD(model.parameters(), 50.0),
                epochs=1000, progress=False)
    assert h.diverged and all(math.isfinite(p.data) for p in model.parameters())


def test_history_repr_is_a_short_readable_summary() -> None:
    """History's repr shows epochs, the final loss and metrics, the stop reason and flags."""
    X, y = datasets.make_xor()
    model = nn.MLP(2, [4, 1], seed=0)
    h = fit(model, X, y, loss="hinge", optimizer=optim.SGD(model.parameters(), lr=0.05),
            epochs=3, progress=False)
    lines = repr(h).splitlines()
    assert len(lines) == 7
    assert lines[0].split(":")[0].strip() == "epochs" and lines[0].split()[1] == "3"
    assert f"{h.losses[-1]:.6g}" in lines[1] and "accuracy" in lines[2]
    assert "stop_reason: reached the maximum of 3 epochs" in repr(h)
    assert lines[-1].strip() == "diverged: False"


@pytest.mark.parametrize("bad, error", [(True, TypeError), ("1", TypeError), (10**400, ValueError),
                                        (math.nan, ValueError)])
def test_fit_data_check_finds_the_culprit_past_the_fast_path(bad: Any, error: type) -> None:
    """A bool, a string, a huge int or a NaN in a row is named, though the row's sum is cheap."""
    X, y = _regression()
    X[7] = [1.0, bad]
    model = nn.Linear(2, 1, seed=0)
    with pytest.raises(error, match=r"X\[7\]\[1\]"):
        fit(model, X, y, loss="mse", optimizer=optim.SGD(model.parameters(), lr=1e-3),
            epochs=1, progress=False)


def test_fit_steps_reduce_lr_on_plateau_with_the_epoch_loss() -> None:
    """A ReduceLROnPlateau given to fit is stepped with each epoch's loss: a flat loss cuts lr."""
    from autograd_mini import nn, optim

    model = nn.Linear(1, 1, seed=0)
    opt = optim.SGD(model.parameters(), lr=1e-12)  # so small that the loss stays flat
    sched = optim.ReduceLROnPlateau(opt, factor=0.5, patience=1, eps=1e-20)
    seen: list[float] = []
    history = fit(model, [[1.0], [2.0]], [1.0, 2.0], loss="mse", optimizer=opt, epochs=5,
                  scheduler=sched, progress=False, callbacks=[lambda e, logs: seen.append(opt.lr)])
    assert sched.best == history.losses[0]  # no later epoch improved by the threshold
    assert seen == [1e-12, 1e-12, 5e-13, 5e-13, 2.5e-13]


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_fit_trains_with_lbfgs_as_a_hand_written_closure_loop_does(line_search_fn: Any) -> None:
    """fit with optim.LBFGS (with or without its strong-Wolfe line search) takes exactly the
    steps of the loop a PyTorch user writes, ``opt.step(closure)`` per epoch."""
    from autograd_mini import losses, nn, optim

    X, y, _ = datasets.make_regression(40, n_features=2, noise=0.1, coef=[1.0, -2.0], seed=3)

    def model_and_opt() -> tuple[Any, Any]:
        model = nn.MLP(2, [4, 1], seed=1)
        return model, optim.LBFGS(model.parameters(), lr=1, max_iter=5,
                                  line_search_fn=line_search_fn)

    model, opt = model_and_opt()
    history = fit(model, X, y, loss="mse", optimizer=opt, epochs=6, progress=False)

    by_hand, hand_opt = model_and_opt()
    losses_by_hand = []

    def closure() -> float:
        hand_opt.zero_grad()
        loss = losses.mse([by_hand(x) for x in X], y)
        loss.backward()
        return loss.data

    for _ in range(6):
        losses_by_hand.append(closure())  # the loss at the start of the epoch, as fit records
        hand_opt.step(closure)
    assert history.losses == losses_by_hand
    assert [p.data for p in model.parameters()] == [p.data for p in by_hand.parameters()]
    assert history.losses[-1] < 0.05 * history.losses[0]
