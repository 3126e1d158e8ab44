"""autograd_mini.optim against PyTorch 2.13 in float64, the independent oracle.

Every optimizer and schedule is run side by side with its ``torch.optim`` namesake on the
same gradients (or the same closure) and the trajectories compared to 1e-10, over
Hypothesis-chosen hyper-parameters. Gradients that are absent (``None`` in PyTorch,
``NONE_GRAD`` here) are part of the sweep, so the claim covers a parameter the last
backward never reached. torch is imported inside the tests only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import Value
from autograd_mini.optim import (
    LBFGS,
    SGD,
    Adagrad,
    Adam,
    AdamW,
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LRScheduler,
    Optimizer,
    ReduceLROnPlateau,
    RMSprop,
    StepLR,
    clip_grad_norm_,
)
from tests.requires import needs_torch

pytestmark = needs_torch

TOL = 1e-10


def torch_module() -> Any:
    import torch

    return torch


def tensors(xs: Sequence[float]) -> list[Any]:
    torch = torch_module()
    return [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]


class P:
    """A bare parameter: a float ``.data`` and a ``.grad``."""

    def __init__(self, data: float) -> None:
        self.data = data
        self.grad: Any = 0.0


def assert_close(ours: Sequence[float], theirs: Sequence[float], where: str) -> None:
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert math.isclose(a, b, rel_tol=TOL, abs_tol=TOL), f"{where}: {ours} != {theirs}"


# --- first-order optimizers ----------------------------------------------------------------
unit = st.floats(0.0, 1.0)
rate = st.floats(1e-3, 0.5)
decay = st.sampled_from([0.0, 0.0]) | st.floats(0.0, 0.5)
flag = st.booleans()

SGD_KW = st.fixed_dictionaries(
    {
        "lr": rate,
        "momentum": st.sampled_from([0.0, 0.9]) | unit,
        "dampening": st.sampled_from([0.0]) | unit,
        "weight_decay": decay,
        "maximize": flag,
    }
)
ADAM_KW = st.fixed_dictionaries(
    {
        "lr": rate,
        "betas": st.tuples(st.floats(0.0, 0.99), st.floats(0.0, 0.999)),
        "eps": st.sampled_from([1e-8, 1e-3]),
        "weight_decay": decay,
        "amsgrad": flag,
        "maximize": flag,
    }
)
RMSPROP_KW = st.fixed_dictionaries(
    {
        "lr": rate,
        # NOTE: centred RMSprop takes sqrt(v - m*m), which is about alpha * (change of g)**2
        # out of two numbers of size g**2: its relative error is about 1e-16 / alpha, so a
        # tiny alpha turns torch's and our last-bit differences (its 0-d sqrt) into 1e-4.
        "alpha": st.sampled_from([0.0]) | st.floats(0.01, 0.999),
        "eps": st.sampled_from([1e-8, 1e-3]),
        "weight_decay": decay,
        "momentum": st.sampled_from([0.0]) | unit,
        "centered": flag,
        "maximize": flag,
    }
)
ADAGRAD_KW = st.fixed_dictionaries(
    {
        "lr": rate,
        "lr_decay": decay,
        "weight_decay": decay,
        "initial_accumulator_value": st.sampled_from([0.0]) | st.floats(0.0, 2.0),
        "eps": st.sampled_from([1e-10, 1e-3]),
        "maximize": flag,
    }
)

OPTIMIZERS: dict[str, tuple[type[Optimizer], str, st.SearchStrategy[dict[str, Any]]]] = {
    "SGD": (SGD, "SGD", SGD_KW),
    "Adam": (Adam, "Adam", ADAM_KW),
    "AdamW": (AdamW, "AdamW", ADAM_KW),
    "RMSprop": (RMSprop, "RMSprop", RMSPROP_KW),
    "Adagrad": (Adagrad, "Adagrad", ADAGRAD_KW),
}

#: a gradient, or None for a parameter the backward pass did not reach. NOTE: gradients
#: below 1e-6 in size are left out: where ``v - m * m`` of centred RMSprop is 0 (|g| of
#: 1e-117 with alpha = 0), PyTorch's fused multiply-add makes it -1e-250 and the step NaN.
gradient = st.just(0.0) | st.floats(-10.0, 10.0).filter(lambda g: abs(g) > 1e-6)
grad_or_none = st.none() | gradient


def run_side_by_side(
    name: str, kw: dict[str, Any], x0: Sequence[float], rows: Sequence[Sequence[float | None]]
) -> None:
    """Step ours and torch's on the same gradient rows (None = not reached); compare each step."""
    torch = torch_module()
    ours_cls, torch_name, _ = OPTIMIZERS[name]
    ps = [P(x) for x in x0]
    ts = tensors(x0)
    ours = ours_cls(ps, **kw)
    theirs = getattr(torch.optim, torch_name)(ts, **kw)
    for k, row in enumerate(rows):
        ours.zero_grad()  # set_to_none=True, as torch's default
        for p, g in zip(ps, row):
            if g is not None:
                p.grad = g
        for t, g in zip(ts, row):
            t.grad = None if g is None else torch.tensor(g, dtype=torch.float64)
        try:
            ours.step()
        except FloatingPointError:
            # all or nothing: ours refuses exactly where torch writes a NaN in
            theirs.step()
            assert not all(math.isfinite(t.item()) for t in ts)
            return
        theirs.step()
        assert_close([p.data for p in ps], [t.item() for t in ts], f"{name} {kw} step {k}")


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@settings(max_examples=25, deadline=None)
@given(
    data=st.data(),
    x0=st.lists(st.floats(-3.0, 3.0), min_size=3, max_size=3),
    rows=st.lists(st.lists(grad_or_none, min_size=3, max_size=3), min_size=1, max_size=12),
)
def test_first_order_trajectories_equal_torch(
    name: str, data: st.DataObject, x0: list[float], rows: list[list[float | None]]
) -> None:
    """For any hyper-parameters and gradients (some absent), each step equals torch's to 1e-10."""
    kw = data.draw(OPTIMIZERS[name][2], label="hyper-parameters")
    if name == "SGD" and kw["momentum"] > 0 and kw["dampening"] == 0:
        kw["nesterov"] = data.draw(flag, label="nesterov")
    run_side_by_side(name, kw, x0, rows)


UNREACHED_CASES = [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.3}),
    ("Adam", {"lr": 0.1, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.1, "weight_decay": 0.2, "amsgrad": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1}),
]


@pytest.mark.parametrize(("name", "kw"), UNREACHED_CASES, ids=[c[0] for c in UNREACHED_CASES])
def test_a_parameter_the_backward_never_reached_moves_as_in_torch(
    name: str, kw: dict[str, Any]
) -> None:
    """With Values and torch's autograd, a parameter missing from some losses follows torch's path.

    The loss uses ``b`` only on every third step, so torch's ``zero_grad()`` leaves
    ``b.grad = None`` on the others and ``step()`` skips it: no weight decay, no
    momentum, no step count. Without the skip ``b`` would decay on every step.
    """
    torch = torch_module()
    ours_cls, torch_name, _ = OPTIMIZERS[name]
    a, b = Value(1.5), Value(-2.0)
    ta, tb = tensors([1.5, -2.0])
    ours = ours_cls([a, b], **kw)
    theirs = getattr(torch.optim, torch_name)([ta, tb], **kw)
    for k in range(12):
        ours.zero_grad()
        theirs.zero_grad()
        if k % 3 == 0:
            ((a * b - 1) ** 2).backward()
            ((ta * tb - 1) ** 2).backward()
        else:
            (a * a).backward()
            (ta * ta).backward()
        assert (tb.grad is None) == (k % 3 != 0)
        ours.step()
        theirs.step()
        assert_close([a.data, b.data], [ta.item(), tb.item()], f"{name} step {k}")
    # and the skip is what makes the difference: zeros instead of None move b
    c = Value(-2.0)
    plain = ours_cls([Value(1.5), c], **kw)
    plain.zero_grad(set_to_none=False)
    plain.step()
    assert c.data != -2.0


# --- L-BFGS ----------------------------------------------------------------------------------
def rosenbrock(x: Sequence[float]) -> tuple[float, list[float]]:
    a, b = 1 - x[0], x[1] - x[0] * x[0]
    return a * a + 100 * (b * b), [-2 * a - 400 * x[0] * b, 200 * b]


LSQ_A = [[1.0, 2.0, 0.5], [0.3, -1.0, 2.0], [2.0, 0.1, -0.7], [-1.2, 0.4, 1.1]]
LSQ_B = [1.0, -2.0, 0.5, 3.0]


def least_squares(x: Sequence[float]) -> tuple[float, list[float]]:
    r = [sum(a * xi for a, xi in zip(row, x)) - bi for row, bi in zip(LSQ_A, LSQ_B)]
    f = 0.5 * sum(ri * ri for ri in r)
    return f, [sum(LSQ_A[i][j] * r[i] for i in range(len(r))) for j in range(len(x))]


PROBLEMS: dict[str, tuple[Callable[[Sequence[float]], tuple[float, list[float]]], list[float]]] = {
    "rosenbrock": (rosenbrock, [-1.2, 1.0]),
    "least_squares": (least_squares, [0.0, 0.0, 0.0]),
}


def run_lbfgs_side_by_side(
    problem: str, kw: dict[str, Any], steps: int, *, bits: bool = False
) -> tuple[LBFGS, Any]:
    """Both L-BFGS on one float closure (the same numbers reach both); compare after each step."""
    torch = torch_module()
    fg, x0 = PROBLEMS[problem]
    ps = [P(x) for x in x0]
    ts = tensors(x0)
    ours = LBFGS(ps, **kw)
    theirs = torch.optim.LBFGS(ts, **kw)

    def ours_closure() -> float:
        f, g = fg([p.data for p in ps])
        for p, gi in zip(ps, g):
            p.grad = gi
        return f

    def torch_closure() -> Any:
        f, g = fg([t.item() for t in ts])
        for t, gi in zip(ts, g):
            t.grad = torch.tensor(gi, dtype=torch.float64)
        return torch.tensor(f, dtype=torch.float64)

    for k in range(steps):
        assert_close([ours.step(ours_closure)], [float(theirs.step(torch_closure))], "loss")
        assert_close([p.data for p in ps], [t.item() for t in ts], f"{problem} {kw} step {k}")
        if bits:
            assert [p.data for p in ps] == [t.item() for t in ts], "not equal to the bit"
        state = theirs.state[ts[0]]
        memory = ours.state_dict()["state"]
        assert (memory["n_iter"], memory["func_evals"]) == (state["n_iter"], state["func_evals"])
    return ours, theirs


LBFGS_CASES = [
    {},
    {"history_size": 3, "max_iter": 7},
    {"lr": 0.5, "max_iter": 50},
    {"history_size": 2, "max_iter": 3, "max_eval": 4},
    {"tolerance_change": 1e-4, "tolerance_grad": 1e-3},
]


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize("kw", LBFGS_CASES, ids=str)
def test_lbfgs_trajectory_equals_torch(
    kw: dict[str, Any], problem: str, line_search_fn: str | None
) -> None:
    """L-BFGS on Rosenbrock and least squares follows torch's iterates and counters to 1e-10.

    On Rosenbrock (two parameters, where torch's dot products add in our order) the
    iterates are equal to the bit: without the fused multiply-adds they drift apart,
    by up to 1e-4 after 40 iterations of these cases.
    """
    run_lbfgs_side_by_side(
        problem, {**kw, "line_search_fn": line_search_fn}, steps=8, bits=problem == "rosenbrock"
    )


@settings(max_examples=15, deadline=None)
@given(
    case=st.sampled_from(
        [("rosenbrock", None), ("least_squares", None), ("least_squares", "strong_wolfe")]
    ),
    lr=st.floats(0.05, 1.5),
    max_iter=st.integers(1, 12),
    extra_evals=st.integers(-1, 10),
    history_size=st.integers(1, 6),
)
def test_lbfgs_equals_torch_for_any_settings(
    case: tuple[str, str | None],
    lr: float,
    max_iter: int,
    extra_evals: int,
    history_size: int,
) -> None:
    """For Hypothesis-chosen settings, L-BFGS's steps equal torch's to 1e-10.

    NOTE: Rosenbrock with the strong-Wolfe search is left to the fixed cases above:
    torch computes the cubic interpolation's square root on a 0-d tensor, which is not
    correctly rounded (1 in 100 differs from math.sqrt by an ulp), and on this chaotic
    problem one ulp can grow past 1e-10 within 40 iterations (5 of 400 random settings;
    with that one helper evaluated in floats all 400 agree to the bit). On the convex
    least-squares problem an ulp stays an ulp.
    """
    problem, line_search_fn = case
    kw = {
        "lr": lr,
        "max_iter": max_iter,
        "max_eval": max(1, max_iter + extra_evals),
        "history_size": history_size,
        "line_search_fn": line_search_fn,
    }
    run_lbfgs_side_by_side(problem, kw, steps=4)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_with_value_closures_equals_torch_autograd(line_search_fn: str | None) -> None:
    """On least squares built from Values, L-BFGS lands where torch's does on its own autograd."""
    torch = torch_module()
    xs = [Value(0.0) for _ in range(3)]
    ts = tensors([0.0, 0.0, 0.0])
    ours = LBFGS(xs, line_search_fn=line_search_fn, history_size=5)
    theirs = torch.optim.LBFGS(ts, line_search_fn=line_search_fn, history_size=5)

    def residual_loss(vs: Sequence[Any]) -> Any:
        total: Any = 0.0
        for row, bi in zip(LSQ_A, LSQ_B):
            r = sum((a * v for a, v in zip(row, vs)), 0.0 * vs[0]) - bi
            total = total + 0.5 * r * r
        return total

    def ours_closure() -> Value:
        ours.zero_grad()
        loss = residual_loss(xs)
        loss.backward()
        return loss

    def torch_closure() -> Any:
        theirs.zero_grad()
        loss = residual_loss(ts)
        loss.backward()
        return loss

    for k in range(3):
        ours.step(ours_closure)
        theirs.step(torch_closure)
        assert_close([x.data for x in xs], [t.item() for t in ts], f"step {k}")


# --- schedules -------------------------------------------------------------------------------
SCHEDULES: dict[str, type[LRScheduler]] = {
    "step": StepLR, "exp": ExponentialLR, "lambda": LambdaLR, "cos": CosineAnnealingLR,
}


def schedule_pair(kind: str, args: tuple[Any, ...], ours_opt: Optimizer, torch_opt: Any) -> Any:
    torch = torch_module()
    ours_cls = SCHEDULES[kind]
    torch_cls = getattr(torch.optim.lr_scheduler, ours_cls.__name__)
    if kind == "lambda":
        scale, rate_ = args
        args = (lambda epoch: scale * rate_**epoch,)
    return ours_cls(ours_opt, *args), torch_cls(torch_opt, *args)


schedule_specs = st.one_of(
    st.tuples(st.just("step"), st.tuples(st.integers(1, 4), st.floats(0.1, 1.5))),
    st.tuples(st.just("exp"), st.tuples(st.floats(0.5, 1.2))),
    st.tuples(st.just("lambda"), st.tuples(st.floats(0.1, 2.0), st.floats(0.5, 1.1))),
    st.tuples(st.just("cos"), st.tuples(st.integers(1, 6), st.floats(0.0, 0.3))),
)


def run_schedules(specs: Sequence[tuple[str, tuple[Any, ...]]], epochs: int, lr: float) -> None:
    """Chain the schedules on one optimizer each side; compare the lr at every epoch."""
    torch = torch_module()
    ours_opt = SGD([P(0.0)], lr=lr)
    torch_opt = torch.optim.SGD(tensors([0.0]), lr=lr)
    pairs = [schedule_pair(kind, args, ours_opt, torch_opt) for kind, args in specs]
    assert math.isclose(ours_opt.lr, torch_opt.param_groups[0]["lr"], rel_tol=1e-12)
    for epoch in range(1, epochs + 1):
        ours_opt.step()
        torch_opt.step()
        for ours, theirs in pairs:
            try:
                ours.step()
            except ValueError:
                # ours refuses a negative lr (eta_min above a chained lr); torch sets it
                theirs.step()
                assert not torch_opt.param_groups[0]["lr"] >= 0
                return
            theirs.step()
        expected = torch_opt.param_groups[0]["lr"]
        assert math.isclose(ours_opt.lr, expected, rel_tol=1e-12, abs_tol=1e-15), (
            f"{specs} epoch {epoch}: {ours_opt.lr} != {expected}"
        )
        assert pairs[-1][0].get_last_lr() == [ours_opt.lr]


@settings(max_examples=40, deadline=None)
@given(
    specs=st.lists(schedule_specs, min_size=1, max_size=3),
    lr=st.floats(0.01, 2.0),
)
def test_chained_schedules_equal_torch(specs: list[tuple[str, tuple[Any, ...]]], lr: float) -> None:
    """Any chain of one to three schedules on one optimizer sets torch's lr at every epoch."""
    run_schedules(specs, epochs=14, lr=lr)


# The chains step schedules without optimizer steps, as the issue states them; torch warns.
@pytest.mark.filterwarnings("ignore:Detected call of:UserWarning")
def test_issue_8_item_13_chains() -> None:
    """The three chains of issue 8 item 13 (base_lr from initial_lr) give torch's lrs."""
    torch = torch_module()
    # two LambdaLRs: torch's lr is 0.729 after three steps (was 0.3645 here)
    opt = SGD([P(0.0)], lr=1.0)
    LambdaLR(opt, lambda e: 0.5 * 0.9**e)
    second = LambdaLR(opt, lambda e: 0.9**e)
    for _ in range(3):
        second.step()
    assert math.isclose(opt.lr, 0.729, rel_tol=1e-12)
    assert second.base_lr == 1.0 and opt.initial_lr == 1.0
    run_schedules([("lambda", (0.5, 0.9)), ("lambda", (1.0, 0.9))], epochs=6, lr=1.0)
    # LambdaLR then CosineAnnealingLR, across the restarts at epochs 4k + 1
    run_schedules([("lambda", (1.5, 1.0)), ("cos", (2, 0.0))], epochs=12, lr=1.0)
    # CosineAnnealingLR after an ExponentialLR has moved the lr: anneals from 1.0
    ours_opt = SGD([P(0.0)], lr=1.0)
    torch_opt = torch.optim.SGD(tensors([0.0]), lr=1.0)
    exp, texp = ExponentialLR(ours_opt, 0.5), torch.optim.lr_scheduler.ExponentialLR(torch_opt, 0.5)
    exp.step()
    texp.step()
    cos = CosineAnnealingLR(ours_opt, T_max=3)
    tcos = torch.optim.lr_scheduler.CosineAnnealingLR(torch_opt, T_max=3)
    assert cos.base_lr == 1.0 == tcos.base_lrs[0]
    for _ in range(9):
        cos.step()
        tcos.step()
        assert math.isclose(ours_opt.lr, torch_opt.param_groups[0]["lr"], rel_tol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    mode=st.sampled_from(["min", "max"]),
    threshold_mode=st.sampled_from(["rel", "abs"]),
    factor=st.floats(0.0, 0.9),
    patience=st.integers(0, 3),
    threshold=st.sampled_from([1e-4, 0.0, 0.1]),
    cooldown=st.integers(0, 2),
    min_lr=st.sampled_from([0.0, 0.01]),
    eps=st.sampled_from([1e-8, 0.05]),
    metrics=st.lists(
        st.floats(-5.0, 5.0) | st.sampled_from([1.0, math.inf, -math.inf]), max_size=25
    ),
)
def test_reduce_lr_on_plateau_equals_torch(
    mode: str,
    threshold_mode: str,
    factor: float,
    patience: int,
    threshold: float,
    cooldown: int,
    min_lr: float,
    eps: float,
    metrics: list[float],
) -> None:
    """For any settings and metric sequence, ReduceLROnPlateau's lr and counters equal torch's."""
    torch = torch_module()
    kw = {"mode": mode, "threshold_mode": threshold_mode, "factor": factor,
          "patience": patience, "threshold": threshold, "cooldown": cooldown,
          "min_lr": min_lr, "eps": eps}
    ours_opt = SGD([P(0.0)], lr=1.0)
    torch_opt = torch.optim.SGD(tensors([0.0]), lr=1.0)
    ours = ReduceLROnPlateau(ours_opt, **kw)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(torch_opt, **kw)  # type: ignore[arg-type]
    for metric in metrics:
        ours.step(metric)
        theirs.step(metric)
        assert ours.get_last_lr() == theirs.get_last_lr()
        assert (ours.best, ours.num_bad_epochs, ours.cooldown_counter, ours.last_epoch) == (
            theirs.best, theirs.num_bad_epochs, theirs.cooldown_counter, theirs.last_epoch
        )


# --- clipping --------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(
    # NOTE: no gradients below 1e-100: torch's norm squares them to 0 (5.6e-167 has norm
    # 0 there), where ours, scaled as math.hypot is, keeps them (test_optim.py checks it)
    grads=st.lists(
        st.none() | st.just(0.0) | st.floats(-1e3, 1e3).filter(lambda g: abs(g) > 1e-100),
        min_size=1,
        max_size=6,
    ),
    max_norm=st.floats(0.0, 50.0),
    norm_type=st.sampled_from([1.0, 2.0, 3.0, 0.5, math.inf, "inf"]),
)
def test_clip_grad_norm_equals_torch(
    grads: list[float | None], max_norm: float, norm_type: float | str
) -> None:
    """clip_grad_norm_ returns torch's total norm and leaves torch's clipped gradients."""
    torch = torch_module()
    ps = [P(0.0) for _ in grads]
    ts = tensors([0.0] * len(grads))
    opt = SGD(ps, lr=0.1)
    opt.zero_grad()
    for p, t, g in zip(ps, ts, grads):
        if g is not None:
            p.grad = g
            t.grad = torch.tensor(g, dtype=torch.float64)
    total = clip_grad_norm_(ps, max_norm, norm_type=norm_type)
    expected = float(torch.nn.utils.clip_grad_norm_(ts, max_norm, norm_type=norm_type))
    assert math.isclose(total, expected, rel_tol=1e-12, abs_tol=1e-300)
    for p, t in zip(ps, ts):
        if t.grad is None:
            assert p.grad == 0.0 and type(p.grad) is not float  # still NONE_GRAD
        else:
            assert math.isclose(p.grad, t.grad.item(), rel_tol=1e-12, abs_tol=1e-300)


def test_every_optimizer_and_schedule_has_a_torch_oracle_here() -> None:
    """Each optimizer and schedule optim exports is swept against its torch namesake in this file.

    A new optimizer or schedule without an oracle test fails here.
    """
    import autograd_mini.optim as optim

    torch = torch_module()
    swept = {cls.__name__ for cls, _, _ in OPTIMIZERS.values()} | {"LBFGS"}
    shorthands = {"GD", "Momentum"}  # SGD with fewer arguments (test_optim.py)
    scheduled = {cls.__name__ for cls in SCHEDULES.values()} | {"ReduceLROnPlateau"}
    for name in optim.__all__:
        obj = getattr(optim, name)
        if not isinstance(obj, type) or obj in (Optimizer, LRScheduler, optim.LineSearchResult):
            continue  # the line searches are checked against scipy (test_line_search.py)
        if issubclass(obj, Optimizer):
            assert name in swept | shorthands, f"{name} has no torch oracle test"
            assert name in shorthands or hasattr(torch.optim, name)
        else:
            assert name in scheduled, f"{name} has no torch oracle test"
            assert hasattr(torch.optim.lr_scheduler, name)
