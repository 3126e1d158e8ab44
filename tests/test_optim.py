"""Tests for autograd_mini.optim: update rules, state, errors and schedules.

Each update rule is checked three ways: against a small reference implementation in this
file written straight from PyTorch's formulas, against literal iterates worked out by
hand for f(p) = p**2 from p = 1 (SGD) or taken once from torch 2.13 in float64 (Adam,
schedules; the tests do not import torch), and by Hypothesis properties.
"""

from __future__ import annotations

import copy
import doctest
import importlib
import json
import math
import pkgutil
import re
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini.optim
from autograd_mini import Value
from autograd_mini.optim import (
    GD,
    NONE_GRAD,
    SGD,
    Adagrad,
    Adam,
    AdamW,
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LRScheduler,
    Momentum,
    Optimizer,
    ReduceLROnPlateau,
    RMSprop,
    StepLR,
    clip_grad_norm_,
)

TOL = 1e-12

GradFn = Callable[[list[float], int], list[float]]


class P:
    """A bare parameter: a float ``.data`` and a ``.grad``, nothing else."""

    def __init__(self, data: float, grad: Any = 0.0) -> None:
        self.data = data
        self.grad = grad


def close(a: Sequence[float], b: Sequence[float]) -> bool:
    return len(a) == len(b) and all(
        math.isclose(x, y, rel_tol=TOL, abs_tol=TOL) for x, y in zip(a, b)
    )


# --- independent reference implementations of PyTorch's rules ---------------------------
def reference_sgd(
    x0: Sequence[float],
    grad: GradFn,
    steps: int,
    *,
    lr: float,
    momentum: float = 0.0,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    nesterov: bool = False,
    maximize: bool = False,
) -> list[list[float]]:
    """torch.optim.SGD's documented algorithm, one step per iteration, on plain floats."""
    x = list(x0)
    bufs: list[float | None] = [None] * len(x)
    trajectory = []
    for k in range(steps):
        gs = grad(x, k)
        for i in range(len(x)):
            g = -gs[i] if maximize else gs[i]
            if weight_decay != 0:
                g += weight_decay * x[i]
            if momentum != 0:
                old = bufs[i]
                b = g if old is None else momentum * old + (1 - dampening) * g
                bufs[i] = b
                g = g + momentum * b if nesterov else b
            x[i] -= lr * g
        trajectory.append(list(x))
    return trajectory


def reference_adam(
    x0: Sequence[float],
    grad: GradFn,
    steps: int,
    *,
    lr: float,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
    maximize: bool = False,
    decoupled: bool = False,
) -> list[list[float]]:
    """torch.optim.Adam's (and AdamW's) documented algorithm, on plain floats."""
    beta1, beta2 = betas
    x = list(x0)
    n = len(x)
    m, v, v_max = [0.0] * n, [0.0] * n, [0.0] * n
    trajectory = []
    for t in range(1, steps + 1):
        gs = grad(x, t - 1)
        for i in range(n):
            g = -gs[i] if maximize else gs[i]
            if weight_decay != 0:
                if decoupled:
                    x[i] *= 1 - lr * weight_decay
                else:
                    g += weight_decay * x[i]
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g**2
            v_max[i] = max(v_max[i], v[i])
            m_hat = m[i] / (1 - beta1**t)
            v_hat = (v_max[i] if amsgrad else v[i]) / (1 - beta2**t)
            x[i] -= lr * m_hat / (math.sqrt(v_hat) + eps)
        trajectory.append(list(x))
    return trajectory


def run(
    make: Callable[[list[P]], Optimizer], x0: Sequence[float], grad: GradFn, steps: int
) -> list[list[float]]:
    """Run an optimizer on bare parameters whose gradients come from ``grad``."""
    ps = [P(x) for x in x0]
    opt = make(ps)
    trajectory = []
    for k in range(steps):
        for p, g in zip(ps, grad([p.data for p in ps], k)):
            p.grad = g
        opt.step()
        trajectory.append([p.data for p in ps])
    return trajectory


def bowl(x: list[float], k: int) -> list[float]:
    """Gradient of (x - 1)**2 + 3 * (y + 2)**2 + x * y."""
    return [2 * (x[0] - 1) + x[1], 6 * (x[1] + 2) + x[0]]


def sequence(grads: Sequence[Sequence[float]]) -> GradFn:
    """Gradients given in advance, one row per step."""
    return lambda x, k: list(grads[k])


def square_trajectory(make: Callable[[list[Value]], Optimizer], steps: int) -> list[float]:
    """Iterates of minimising f(p) = p**2 from p = 1 through Value.backward()."""
    p = Value(1.0)
    opt = make([p])
    out = []
    for _ in range(steps):
        opt.zero_grad()
        (p * p).backward()
        opt.step()
        out.append(p.data)
    return out


# --- literal reference iterates -------------------------------------------------------------
# f(p) = p**2, p0 = 1, lr = 0.1, so g = 2p. Worked by hand, for example with momentum 0.9:
# b = 2, p = 0.8; b = 0.9*2 + 1.6 = 3.4, p = 0.46; b = 0.9*3.4 + 0.92 = 3.98, p = 0.062; ...
# torch.optim.SGD (2.13, float64) gives the same numbers to the last bit or two.
SQUARE_LITERALS: list[tuple[str, Callable[[list[Value]], Optimizer], list[float]]] = [
    ("GD", lambda ps: GD(ps, lr=0.1), [0.8, 0.64, 0.512, 0.4096, 0.32768]),
    ("SGD plain", lambda ps: SGD(ps, lr=0.1), [0.8, 0.64, 0.512, 0.4096, 0.32768]),
    (
        "SGD momentum",
        lambda ps: SGD(ps, lr=0.1, momentum=0.9),
        [0.8, 0.46, 0.062, -0.3086, -0.58042],
    ),
    (
        "Momentum",
        lambda ps: Momentum(ps, lr=0.1, momentum=0.9),
        [0.8, 0.46, 0.062, -0.3086, -0.58042],
    ),
    (
        "SGD nesterov",
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
        [0.62, 0.2224, -0.108352, -0.32482304, -0.4157175808],
    ),
    (
        "Momentum nesterov",
        lambda ps: Momentum(ps, lr=0.1, momentum=0.9, nesterov=True),
        [0.62, 0.2224, -0.108352, -0.32482304, -0.4157175808],
    ),
    (
        "SGD dampening",
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.5),
        [0.8, 0.54, 0.252, -0.0324, -0.28512],
    ),
    (
        "SGD weight_decay",
        lambda ps: SGD(ps, lr=0.1, weight_decay=0.1),
        [0.79, 0.6241, 0.493039, 0.38950081, 0.3077056399],
    ),
    # From torch.optim.Adam / AdamW (2.13, float64); the first step by hand:
    # 1 - 0.1 * 2 / (2 + 1e-8) = 0.9000000005, and for AdamW 0.99 - 0.0999999995.
    (
        "Adam",
        lambda ps: Adam(ps, lr=0.1),
        [0.9000000005, 0.8004122286917927, 0.7015862729460302, 0.6039390605737459],
    ),
    (
        "Adam weight_decay",
        lambda ps: Adam(ps, lr=0.1, weight_decay=0.1),
        [0.9000000004761904, 0.8004122286431954, 0.7015862728718214, 0.6039390604733478],
    ),
    (
        "AdamW",
        lambda ps: AdamW(ps, lr=0.1, weight_decay=0.1),
        [0.8900000004999999, 0.7815718559365048, 0.6751012216400697, 0.5710475971182237],
    ),
]


@pytest.mark.parametrize(
    ("make", "expected"),
    [(make, expected) for _, make, expected in SQUARE_LITERALS],
    ids=[name for name, _, _ in SQUARE_LITERALS],
)
def test_square_iterates_match_literals(
    make: Callable[[list[Value]], Optimizer], expected: list[float]
) -> None:
    """Each optimizer's first iterates on p**2 equal the hand-worked / PyTorch numbers."""
    assert close(square_trajectory(make, len(expected)), expected)


def test_maximize_ascends_with_weight_decay_on_the_ascent_gradient() -> None:
    """maximize negates the gradient before weight decay is added, as PyTorch 2.x does."""
    # Maximising -p**2 (grad -2p) with weight_decay 0.1: g = 2p + 0.1p, as in minimising.
    p = P(1.0)
    opt = SGD([p], lr=0.1, weight_decay=0.1, maximize=True)
    out = []
    for _ in range(4):
        p.grad = -2 * p.data
        opt.step()
        out.append(p.data)
    assert close(out, [0.79, 0.6241, 0.493039, 0.38950081])  # torch: same numbers


def test_adam_maximize_matches_literals() -> None:
    """Adam with maximize on -p**2 takes the same steps as Adam on p**2 (torch's numbers)."""
    p = P(1.0)
    opt = Adam([p], lr=0.1, maximize=True)
    out = []
    for _ in range(3):
        p.grad = -2 * p.data
        opt.step()
        out.append(p.data)
    assert close(out, [0.9000000005, 0.8004122286917927, 0.7015862729460302])


AMSGRAD_GRADS = [[1.0], [0.1], [0.1], [0.1]]  # v falls after step 1 when beta2 = 0.5


@pytest.mark.parametrize(
    ("make", "x0", "expected"),
    [
        (
            lambda ps: Adam(ps, lr=0.1, betas=(0.9, 0.5)),
            0.0,
            [-0.09999999900000002, -0.19026241068491184, -0.28508826964109263, -0.3905660573401655],
        ),
        (
            lambda ps: Adam(ps, lr=0.1, betas=(0.9, 0.5), amsgrad=True),
            0.0,
            [-0.09999999900000002, -0.16446025459955735, -0.21327485378894095, -0.2530918463743703],
        ),
        (
            lambda ps: AdamW(ps, lr=0.1, betas=(0.9, 0.5), amsgrad=True),
            1.0,
            [0.899000001, 0.8336407453994427, 0.7839925054646596, 0.7433915203737655],
        ),
    ],
    ids=["adam", "amsgrad", "adamw-amsgrad"],
)
def test_amsgrad_matches_literals(
    make: Callable[[list[P]], Optimizer], x0: float, expected: list[float]
) -> None:
    """AMSGrad keeps the largest uncorrected v, giving torch.optim.Adam's exact iterates."""
    out = run(make, [x0], sequence(AMSGRAD_GRADS), len(expected))
    assert close([row[0] for row in out], expected)


# --- against the reference implementations -------------------------------------------------
SGD_CONFIGS = [
    {"lr": 0.05},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "dampening": 0.3},
    {"lr": 0.05, "momentum": 0.8, "nesterov": True},
    {"lr": 0.05, "weight_decay": 0.2},
    {"lr": 0.01, "momentum": 0.5, "weight_decay": 0.1, "maximize": True},
    {"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.05},
]


@pytest.mark.parametrize("config", SGD_CONFIGS, ids=str)
def test_sgd_follows_reference_on_a_bowl_through_value(config: dict[str, Any]) -> None:
    """SGD driven by Value.backward() on a 2-D bowl follows the reference rule for 30 steps."""
    x, y = Value(0.5), Value(0.5)
    opt = SGD([x, y], **config)
    ours = []
    for _ in range(30):
        opt.zero_grad()
        loss = (x - 1) * (x - 1) + 3 * (y + 2) * (y + 2) + x * y
        loss.backward()
        opt.step()
        ours.append([x.data, y.data])
    expected = reference_sgd([0.5, 0.5], bowl, 30, **config)
    assert all(close(a, b) for a, b in zip(ours, expected))


ADAM_CONFIGS = [
    {"lr": 0.1},
    {"lr": 0.1, "amsgrad": True},
    {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-3},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True, "maximize": False},
]


@pytest.mark.parametrize("decoupled", [False, True], ids=["Adam", "AdamW"])
@pytest.mark.parametrize("config", ADAM_CONFIGS, ids=str)
def test_adam_follows_reference_on_a_bowl(config: dict[str, Any], decoupled: bool) -> None:
    """Adam and AdamW on a 2-D bowl follow the reference rule for 30 steps."""
    cls = AdamW if decoupled else Adam
    config = {"weight_decay": 0.0, **config}
    ours = run(lambda ps: cls(ps, **config), [0.5, 0.5], bowl, 30)
    expected = reference_adam([0.5, 0.5], bowl, 30, decoupled=decoupled, **config)
    assert all(close(a, b) for a, b in zip(ours, expected))


finite = st.floats(-100, 100, allow_nan=False, allow_infinity=False, allow_subnormal=False)
grad_rows = st.lists(st.tuples(finite, finite), min_size=1, max_size=8)
unit = st.floats(0, 1, allow_subnormal=False)


@st.composite
def sgd_configs(draw: st.DrawFn) -> dict[str, Any]:
    nesterov = draw(st.booleans())
    momentum = draw(st.floats(0.01, 1) if nesterov else st.sampled_from([0.0, 0.5]) | unit)
    return {
        "lr": draw(unit),
        "momentum": momentum,
        "dampening": 0.0 if nesterov else draw(unit),
        "weight_decay": draw(st.floats(0, 0.5, allow_subnormal=False)),
        "nesterov": nesterov,
        "maximize": draw(st.booleans()),
    }


@given(config=sgd_configs(), x0=st.tuples(finite, finite), grads=grad_rows)
def test_sgd_matches_reference_for_any_settings(
    config: dict[str, Any], x0: tuple[float, float], grads: list[tuple[float, float]]
) -> None:
    """For any valid settings and gradients, SGD's iterates equal the reference rule's."""
    ours = run(lambda ps: SGD(ps, **config), x0, sequence(grads), len(grads))
    expected = reference_sgd(x0, sequence(grads), len(grads), **config)
    assert all(close(a, b) for a, b in zip(ours, expected))


@given(
    lr=unit,
    beta1=st.floats(0, 0.99),
    beta2=st.floats(0, 0.999),
    eps=st.sampled_from([1e-8, 1e-3, 0.1]),
    weight_decay=st.sampled_from([0.0, 0.01, 0.3]),
    amsgrad=st.booleans(),
    maximize=st.booleans(),
    decoupled=st.booleans(),
    x0=st.tuples(finite, finite),
    grads=grad_rows,
)
def test_adam_matches_reference_for_any_settings(
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    amsgrad: bool,
    maximize: bool,
    decoupled: bool,
    x0: tuple[float, float],
    grads: list[tuple[float, float]],
) -> None:
    """For any valid settings and gradients, Adam's and AdamW's iterates equal the reference."""
    config: dict[str, Any] = {
        "lr": lr,
        "betas": (beta1, beta2),
        "eps": eps,
        "weight_decay": weight_decay,
        "amsgrad": amsgrad,
        "maximize": maximize,
    }
    cls = AdamW if decoupled else Adam
    ours = run(lambda ps: cls(ps, **config), x0, sequence(grads), len(grads))
    expected = reference_adam(x0, sequence(grads), len(grads), decoupled=decoupled, **config)
    assert all(close(a, b) for a, b in zip(ours, expected))


@given(lr=unit, x0=st.tuples(finite, finite), grads=grad_rows)
def test_sgd_without_momentum_is_gd(
    lr: float, x0: tuple[float, float], grads: list[tuple[float, float]]
) -> None:
    """SGD with momentum 0 and GD both do exactly p - lr * g, for any lr and gradients."""
    by_sgd = run(lambda ps: SGD(ps, lr=lr), x0, sequence(grads), len(grads))
    by_gd = run(lambda ps: GD(ps, lr=lr), x0, sequence(grads), len(grads))
    x = list(x0)
    by_hand = []
    for row in grads:
        x = [xi - lr * gi for xi, gi in zip(x, row)]
        by_hand.append(x)
    assert by_sgd == by_gd == by_hand


@given(momentum=st.floats(0.01, 1), nesterov=st.booleans(), grads=grad_rows)
def test_momentum_is_sgd_with_momentum(
    momentum: float, nesterov: bool, grads: list[tuple[float, float]]
) -> None:
    """Momentum(lr, m, nesterov=n) takes bit-for-bit the steps of SGD(lr, momentum=m, ...)."""
    a = run(lambda ps: Momentum(ps, 0.1, momentum, nesterov=nesterov), [1.0, -1.0],
            sequence(grads), len(grads))  # fmt: skip
    b = run(lambda ps: SGD(ps, 0.1, momentum=momentum, nesterov=nesterov), [1.0, -1.0],
            sequence(grads), len(grads))  # fmt: skip
    assert a == b


@given(g=st.floats(-1e6, 1e6).filter(lambda g: abs(g) > 1e-6), lr=unit)
def test_adam_first_step_moves_by_about_lr(g: float, lr: float) -> None:
    """Adam's first step is lr * g / (|g| + eps): at most lr, against the gradient."""
    p = P(0.0, g)
    Adam([p], lr=lr).step()
    assert abs(p.data) <= lr
    assert math.isclose(p.data, -lr * g / (abs(g) + 1e-8), rel_tol=TOL, abs_tol=TOL)


def test_first_momentum_step_ignores_dampening() -> None:
    """The momentum buffer starts as the first gradient, undampened, as in PyTorch."""
    p = P(0.0, 1.0)
    opt = SGD([p], lr=1.0, momentum=0.9, dampening=0.5)
    opt.step()
    assert p.data == -1.0
    assert opt.state_dict()["state"] == [{"momentum_buffer": 1.0}]
    opt.step()  # b = 0.9 * 1 + 0.5 * 1
    assert opt.state_dict()["state"] == [{"momentum_buffer": 1.4}]
    assert p.data == -2.4


def test_lr_is_settable_and_used_by_the_next_step() -> None:
    """Changing opt.lr between steps changes the next step only (schedules rely on it)."""
    p = P(0.0, 1.0)
    opt = SGD([p], lr=0.5)
    opt.step()
    opt.lr = 0.25
    opt.step()
    assert p.data == -0.75
    assert opt.lr == 0.25 and isinstance(opt.lr, float)


def test_step_reads_value_gradients_from_create_graph() -> None:
    """A .grad that is a Value (after backward(create_graph=True)) is read as its float."""
    x = Value(3.0)
    (x * x).backward(create_graph=True)
    assert isinstance(x.grad, Value)
    SGD([x], lr=0.1).step()
    assert x.data == pytest.approx(2.4, abs=TOL)


def test_zero_grad_sets_every_grad_to_zero() -> None:
    """zero_grad(set_to_none=False) sets each .grad to the float 0.0, Value gradients included."""
    x, y = Value(1.0), Value(2.0)
    (x * y).backward(create_graph=True)
    p = P(1.0, 5.0)
    opt = SGD([x, y, p], lr=0.1)
    opt.zero_grad(set_to_none=False)
    for param in (x, y, p):
        assert param.grad == 0.0 and type(param.grad) is float


def test_zero_grad_by_default_marks_every_grad_absent() -> None:
    """zero_grad() (set_to_none=True, PyTorch's default) stores NONE_GRAD, a float equal to 0."""
    x, y = Value(1.0), Value(2.0)
    (x * y).backward(create_graph=True)
    opt = SGD([x, y], lr=0.1)
    opt.zero_grad()
    assert all(param.grad is NONE_GRAD and param.grad == 0.0 for param in (x, y))
    with pytest.raises(TypeError, match="set_to_none must be True or False"):
        opt.zero_grad(set_to_none=1)  # type: ignore[arg-type]


def test_gradients_accumulate_without_zero_grad() -> None:
    """Without zero_grad() the next backward adds to .grad, so the step is doubled."""
    p = Value(1.0)
    opt = GD([p], lr=0.1)
    (p * p).backward()
    (p * p).backward()
    opt.step()
    assert p.data == pytest.approx(0.6, abs=TOL)


def test_params_are_consumed_once_from_a_generator() -> None:
    """A generator of parameters is read into a list, in order."""
    ps = [P(1.0, 1.0), P(2.0, 1.0)]
    opt = GD((p for p in ps), lr=1.0)
    assert opt.params == tuple(ps)
    opt.step()
    assert [p.data for p in ps] == [0.0, 1.0]


# --- state_dict --------------------------------------------------------------------------------
OPTIMIZERS: list[Callable[[list[P]], Optimizer]] = [
    lambda ps: GD(ps, lr=0.1),
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.01),
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True, maximize=True),
    lambda ps: Momentum(ps, lr=0.1, momentum=0.5),
    lambda ps: Adam(ps, lr=0.1, weight_decay=0.01),
    lambda ps: Adam(ps, lr=0.1, betas=(0.8, 0.5), amsgrad=True),
    lambda ps: AdamW(ps, lr=0.1, amsgrad=True),
    lambda ps: RMSprop(ps, lr=0.01, momentum=0.5, centered=True, weight_decay=0.1),
    lambda ps: RMSprop(ps, lr=0.01),
    lambda ps: Adagrad(ps, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
]
OPT_IDS = [
    "GD", "SGD", "SGD-nesterov", "Momentum", "Adam", "Adam-amsgrad", "AdamW",
    "RMSprop-centered", "RMSprop", "Adagrad",
]


@given(
    which=st.sampled_from(range(len(OPTIMIZERS))),
    grads=st.lists(st.tuples(finite, finite), min_size=2, max_size=10),
    data=st.data(),
)
def test_state_dict_round_trip_continues_the_same_trajectory(
    which: int, grads: list[tuple[float, float]], data: st.DataObject
) -> None:
    """Saving after k steps (through JSON) and loading into a fresh optimizer changes nothing."""
    make = OPTIMIZERS[which]
    split = data.draw(st.integers(1, len(grads) - 1))
    straight = run(make, [0.3, -0.7], sequence(grads), len(grads))

    ps = [P(0.3), P(-0.7)]
    opt = make(ps)
    for row in grads[:split]:
        for p, g in zip(ps, row):
            p.grad = g
        opt.step()
    saved = json.loads(json.dumps(opt.state_dict()))
    assert saved == opt.state_dict()  # plain JSON: nothing lost on the way

    fresh = [P(p.data) for p in ps]
    resumed = make(fresh)
    resumed.load_state_dict(saved)
    assert resumed.state_dict() == saved
    rest = []
    for row in grads[split:]:
        for p, g in zip(fresh, row):
            p.grad = g
        resumed.step()
        rest.append([p.data for p in fresh])
    assert rest == straight[split:]


def test_state_dict_layout() -> None:
    """state_dict() holds the class, the hyper-parameters, the step count and buffers by index."""
    ps = [P(1.0, 2.0), P(0.0, -1.0)]
    opt = SGD(ps, lr=0.5, momentum=0.9)
    assert opt.state_dict() == {
        "optimizer": "SGD",
        "hyperparams": {
            "lr": 0.5,
            "momentum": 0.9,
            "dampening": 0.0,
            "weight_decay": 0.0,
            "nesterov": False,
            "maximize": False,
        },
        "step": 0,
        "state": [{}, {}],
    }
    opt.step()
    assert opt.state_dict()["step"] == 1
    assert opt.state_dict()["state"] == [{"momentum_buffer": 2.0}, {"momentum_buffer": -1.0}]
    adam = Adam(ps, lr=0.1, amsgrad=True)
    adam.step()
    assert adam.state_dict()["hyperparams"]["betas"] == [0.9, 0.999]
    assert set(adam.state_dict()["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert GD(ps, 0.1).state_dict()["hyperparams"] == {"lr": 0.1}
    assert set(Momentum(ps, 0.1).state_dict()["hyperparams"]) == {"lr", "momentum", "nesterov"}


def test_load_state_dict_restores_hyperparameters() -> None:
    """Loading a state sets the saved lr and other hyper-parameters, as PyTorch's does."""
    ps = [P(1.0, 1.0)]
    source = Adam(ps, lr=0.01, betas=(0.5, 0.6), amsgrad=True)
    target = Adam([P(1.0)], lr=0.3)
    target.load_state_dict(source.state_dict())
    assert (target.lr, target.betas, target.amsgrad) == (0.01, (0.5, 0.6), True)


def _sgd_state() -> dict[str, Any]:
    opt = SGD([P(1.0, 1.0), P(2.0, 1.0)], lr=0.1, momentum=0.9)
    opt.step()
    return opt.state_dict()


def _adam_state() -> dict[str, Any]:
    opt = Adam([P(1.0, 1.0), P(2.0, 1.0)], lr=0.1)
    opt.step()
    return opt.state_dict()


def _edit(
    base: Callable[[], dict[str, Any]], change: Callable[[dict[str, Any]], Any]
) -> Callable[[], dict[str, Any]]:
    def make() -> dict[str, Any]:
        d = copy.deepcopy(base())
        change(d)
        return d

    return make


BAD_STATES = [
    ("sgd", _edit(_sgd_state, lambda d: d.pop("step")), "missing key(s) 'step'"),
    ("sgd", _edit(_sgd_state, lambda d: d.update(extra=1)), "unexpected key(s) 'extra'"),
    ("sgd", _edit(_sgd_state, lambda d: d.update(optimizer="Adam")), "is for 'Adam', not 'SGD'"),
    ("sgd", _edit(_sgd_state, lambda d: d["state"].pop()), "'state' has 1 entries but"),
    ("sgd", _edit(_sgd_state, lambda d: d.update(state={})), "'state' must be a list"),
    ("sgd", _edit(_sgd_state, lambda d: d.update(step=-1)), "'step' must be an int >= 0"),
    ("sgd", _edit(_sgd_state, lambda d: d.update(step=1.5)), "'step' must be an int >= 0"),
    (
        "sgd",
        _edit(_sgd_state, lambda d: d["hyperparams"].update(lr=-1.0)),
        "Invalid learning rate: -1.0",
    ),
    (
        "sgd",
        _edit(_sgd_state, lambda d: d["hyperparams"].update(lr="fast")),
        "lr must be a real number",
    ),
    (
        "sgd",
        _edit(_sgd_state, lambda d: d["hyperparams"].pop("nesterov")),
        "missing key(s) 'nesterov'",
    ),
    (
        "sgd",
        _edit(_sgd_state, lambda d: d["hyperparams"].update(nesterov=True, dampening=0.5)),
        "Nesterov momentum requires a momentum and zero dampening",
    ),
    (
        "sgd",
        _edit(_sgd_state, lambda d: d["state"][1].update(velocity=0.0)),
        "state[1]: unexpected buffer(s) 'velocity'",
    ),
    (
        "sgd",
        _edit(_sgd_state, lambda d: d["state"][0].update(momentum_buffer=math.inf)),
        "state[0]['momentum_buffer'] must be a finite number",
    ),
    (
        "sgd",
        _edit(_sgd_state, lambda d: d["state"][0].update(momentum_buffer="1")),
        "state[0]['momentum_buffer'] must be a finite number",
    ),
    ("sgd", _edit(_sgd_state, lambda d: d["state"].__setitem__(0, 1.0)), "state[0] must be a dict"),
    (
        "adam",
        _edit(_adam_state, lambda d: d["state"][1].update(exp_avg_sq=-1.0)),
        "state[1]['exp_avg_sq'] must be >= 0",
    ),
    (
        "adam",
        _edit(_adam_state, lambda d: d["hyperparams"].update(betas=[0.9, 1.0])),
        "Invalid beta parameter at index 1: 1.0",
    ),
    (
        "adam",
        _edit(_adam_state, lambda d: d["hyperparams"].update(betas=0.9)),
        "betas must be a pair of numbers",
    ),
]


@pytest.mark.parametrize(("kind", "make_state", "message"), BAD_STATES)
def test_load_state_dict_rejects_bad_states_and_changes_nothing(
    kind: str, make_state: Callable[[], dict[str, Any]], message: str
) -> None:
    """A malformed state raises ValueError naming the problem and leaves the optimizer as it was."""
    ps = [P(0.0, 0.5), P(0.0, -0.5)]
    opt: Optimizer = SGD(ps, lr=0.3, momentum=0.5) if kind == "sgd" else Adam(ps, lr=0.3)
    opt.step()
    before = opt.state_dict()
    with pytest.raises(ValueError, match=re.escape(message)):
        opt.load_state_dict(make_state())
    assert opt.state_dict() == before


def test_load_state_dict_rejects_other_optimizer_classes() -> None:
    """An SGD state does not load into GD, nor an Adam state into AdamW."""
    ps = [P(1.0)]
    with pytest.raises(ValueError, match="is for 'SGD', not 'GD'"):
        GD(ps, 0.1).load_state_dict(SGD(ps, 0.1).state_dict())
    with pytest.raises(ValueError, match="is for 'Adam', not 'AdamW'"):
        AdamW(ps).load_state_dict(Adam(ps).state_dict())
    with pytest.raises(TypeError, match="expected a dict"):
        GD(ps, 0.1).load_state_dict([])  # type: ignore[arg-type]


# --- errors ---------------------------------------------------------------------------------------
INVALID = [
    (lambda ps: SGD(ps, lr=-0.1), "Invalid learning rate: -0.1"),
    (lambda ps: SGD(ps, lr=math.nan), "Invalid learning rate: nan"),
    (lambda ps: SGD(ps, lr=math.inf), "Invalid learning rate: inf"),
    (lambda ps: SGD(ps, lr=0.1, momentum=-1), "Invalid momentum value: -1"),
    (lambda ps: SGD(ps, lr=0.1, weight_decay=-0.5), "Invalid weight_decay value: -0.5"),
    (lambda ps: SGD(ps, lr=0.1, dampening=1.5), "Invalid dampening value: 1.5"),
    (
        lambda ps: SGD(ps, lr=0.1, nesterov=True),
        "Nesterov momentum requires a momentum and zero dampening",
    ),
    (
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
        "Nesterov momentum requires a momentum and zero dampening",
    ),
    (lambda ps: GD(ps, lr=-1), "Invalid learning rate: -1"),
    (lambda ps: Momentum(ps, 0.1, -0.9), "Invalid momentum value: -0.9"),
    (
        lambda ps: Momentum(ps, 0.1, 0.0, nesterov=True),
        "Nesterov momentum requires a momentum and zero dampening",
    ),
    (lambda ps: Adam(ps, lr=-1e-3), "Invalid learning rate: -0.001"),
    (lambda ps: Adam(ps, eps=-1e-8), "Invalid epsilon value: -1e-08"),
    (lambda ps: Adam(ps, betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (lambda ps: Adam(ps, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda ps: Adam(ps, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda ps: AdamW(ps, weight_decay=-0.01), "Invalid weight_decay value: -0.01"),
    (lambda ps: RMSprop(ps, lr=-0.01), "Invalid learning rate: -0.01"),
    (lambda ps: RMSprop(ps, alpha=-0.5), "Invalid alpha value: -0.5"),
    (lambda ps: RMSprop(ps, eps=-1.0), "Invalid epsilon value: -1.0"),
    (lambda ps: RMSprop(ps, momentum=-0.9), "Invalid momentum value: -0.9"),
    (lambda ps: RMSprop(ps, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda ps: Adagrad(ps, lr_decay=-1), "Invalid lr_decay value: -1"),
    (lambda ps: Adagrad(ps, weight_decay=-1), "Invalid weight_decay value: -1"),
    (
        lambda ps: Adagrad(ps, initial_accumulator_value=-0.1),
        "Invalid initial_accumulator_value value: -0.1",
    ),
    (lambda ps: Adagrad(ps, eps=math.inf), "Invalid epsilon value: inf"),
]


@pytest.mark.parametrize(("make", "message"), INVALID, ids=[m for _, m in INVALID])
def test_invalid_hyperparameters_raise_at_construction(
    make: Callable[[list[P]], Optimizer], message: str
) -> None:
    """Out-of-range hyper-parameters raise ValueError with PyTorch's message when built."""
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        make([P(1.0)])


NOT_NUMBERS = [
    (lambda ps: SGD(ps, lr="0.1"), "lr must be a real number (got '0.1', a str)"),  # type: ignore[arg-type]
    (lambda ps: SGD(ps, lr=0.1, momentum=None), "momentum must be a real number"),  # type: ignore[arg-type]
    (lambda ps: SGD(ps, lr=0.1, momentum=True), "momentum must be a real number"),
    (lambda ps: SGD(ps, lr=0.1, nesterov=1), "nesterov must be True or False"),  # type: ignore[arg-type]
    (lambda ps: Adam(ps, betas=0.9), "betas must be a pair of numbers"),  # type: ignore[arg-type]
    (lambda ps: Adam(ps, betas=(0.9, "x")), "betas[1] must be a real number"),  # type: ignore[arg-type]
    (lambda ps: Adam(ps, amsgrad="yes"), "amsgrad must be True or False"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("make", "message"), NOT_NUMBERS, ids=[m for _, m in NOT_NUMBERS])
def test_non_numbers_raise_type_error(make: Callable[[list[P]], Optimizer], message: str) -> None:
    """A hyper-parameter of the wrong type raises TypeError saying what arrived."""
    with pytest.raises(TypeError, match=re.escape(message)):
        make([P(1.0)])


def test_bad_parameter_lists_are_rejected() -> None:
    """Empty, duplicated, non-iterable or attribute-less parameter lists raise clearly."""
    p = Value(1.0)
    with pytest.raises(ValueError, match="SGD: got an empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match="parameter 2 is the same object as parameter 0"):
        SGD([p, Value(2.0), p], lr=0.1)
    with pytest.raises(TypeError, match=r"wrap a single parameter in a list: \[p\]"):
        SGD(p, lr=0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="parameter 1 has no .data and .grad"):
        SGD([p, 3.0], lr=0.1)  # type: ignore[list-item]


def test_setting_an_invalid_lr_raises() -> None:
    """Assigning a negative or non-numeric lr raises at once and keeps the old lr."""
    opt = GD([P(1.0)], lr=0.1)
    with pytest.raises(ValueError, match="Invalid learning rate: -0.5"):
        opt.lr = -0.5
    with pytest.raises(TypeError, match="lr must be a real number"):
        opt.lr = "big"  # type: ignore[assignment]
    assert opt.lr == 0.1


def test_hand_set_invalid_hyperparameter_fails_the_next_step() -> None:
    """A hyper-parameter set by hand out of range makes step() raise before any update."""
    p = P(1.0, 1.0)
    opt = SGD([p], lr=0.1)
    opt.momentum = -1.0
    with pytest.raises(ValueError, match="Invalid momentum value: -1.0"):
        opt.step()
    assert p.data == 1.0


@given(
    which=st.sampled_from(range(len(OPTIMIZERS))),
    bad=st.sampled_from([math.nan, math.inf, -math.inf]),
    index=st.integers(0, 2),
)
def test_non_finite_gradient_raises_and_changes_nothing(which: int, bad: float, index: int) -> None:
    """A NaN or infinite gradient raises FloatingPointError; no parameter or buffer moves."""
    ps = [P(1.0, 0.5), P(-1.0, 0.25), P(2.0, -1.0)]
    opt = OPTIMIZERS[which](ps)
    opt.step()  # so that buffers exist
    before_data = [p.data for p in ps]
    before_state = opt.state_dict()
    ps[index].grad = bad
    name = type(opt).__name__
    with pytest.raises(FloatingPointError, match=rf"^{name}\.step: parameter {index} .*{bad!r}"):
        opt.step()
    assert [p.data for p in ps] == before_data
    assert opt.state_dict() == before_state


def test_non_finite_gradient_message_names_the_label() -> None:
    """The error names the parameter's index, its label if it has one, and the value."""
    w, b = Value(1.0, label="w"), Value(0.0, label="b")
    b.grad = math.nan
    with pytest.raises(FloatingPointError, match=r"SGD\.step: parameter 1 \('b'\) has \.grad nan"):
        SGD([w, b], lr=0.1).step()


def test_overflowing_update_raises_and_changes_nothing() -> None:
    """An update that overflows to inf raises FloatingPointError and keeps the old values."""
    ps = [P(1.0, 1.0), P(1e308, -1e308)]
    opt = SGD(ps, lr=10.0, momentum=0.9)
    with pytest.raises(FloatingPointError, match=r"update of parameter 1 is not finite"):
        opt.step()
    assert [p.data for p in ps] == [1.0, 1e308]
    assert opt.state_dict()["step"] == 0 and opt.state_dict()["state"] == [{}, {}]


def test_overflowing_buffer_raises_and_changes_nothing() -> None:
    """A finite gradient whose square overflows Adam's v raises instead of poisoning the state."""
    p = P(1.0, 1e200)
    opt = Adam([p], lr=0.1)
    with pytest.raises(FloatingPointError, match="buffer 'exp_avg_sq' of parameter 0 became inf"):
        opt.step()
    assert p.data == 1.0 and opt.state_dict()["step"] == 0


def test_adam_with_zero_eps_and_zero_gradient_raises() -> None:
    """With eps = 0 a zero first gradient is 0 / 0: step() raises where PyTorch writes NaN."""
    p = P(1.0, 0.0)
    with pytest.raises(FloatingPointError, match="not finite"):
        Adam([p], lr=0.1, eps=0.0).step()
    assert p.data == 1.0


def test_non_numeric_gradient_raises_type_error() -> None:
    """A .grad that is not a number (None, a str) raises TypeError naming the parameter."""
    with pytest.raises(TypeError, match=r"GD\.step: parameter 0 has \.grad None, a NoneType"):
        GD([P(1.0, None)], lr=0.1).step()
    with pytest.raises(TypeError, match="not a number"):
        GD([P(1.0, "1.0")], lr=0.1).step()


def test_repr_shows_class_size_and_hyperparameters() -> None:
    """repr() names the class, the number of parameters and each hyper-parameter."""
    ps = [P(1.0), P(2.0)]
    assert repr(GD(ps[:1], 0.1)) == "GD(1 param, lr=0.1)"
    assert repr(Momentum(ps, 0.1)) == "Momentum(2 params, lr=0.1, momentum=0.9, nesterov=False)"
    assert repr(SGD(ps, 0.1, momentum=0.9)) == (
        "SGD(2 params, lr=0.1, momentum=0.9, dampening=0.0, weight_decay=0.0, "
        "nesterov=False, maximize=False)"
    )
    assert repr(Adam(ps)) == (
        "Adam(2 params, lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0, "
        "amsgrad=False, maximize=False)"
    )


def test_named_forms_are_sgd() -> None:
    """GD and Momentum are SGD subclasses, and AdamW is an Adam subclass with weight_decay 0.01."""
    ps = [P(1.0)]
    assert isinstance(GD(ps, 0.1), SGD) and isinstance(Momentum(ps, 0.1), SGD)
    assert isinstance(AdamW(ps), Adam) and AdamW(ps).weight_decay == 0.01


# --- schedules ------------------------------------------------------------------------------------
def lr_sequence(
    make: Callable[[Optimizer], LRScheduler], epochs: int, lr: float = 1.0
) -> list[float]:
    """get_last_lr() at epochs 0..epochs, checking that the optimizer's lr agrees."""
    p = P(0.0, 0.0)
    opt = SGD([p], lr=lr)
    sched = make(opt)
    lrs = [sched.get_last_lr()[0]]
    for _ in range(epochs):
        opt.step()
        sched.step()
        (last,) = sched.get_last_lr()
        assert opt.lr == last
        lrs.append(last)
    return lrs


# From torch.optim.lr_scheduler (2.13) with lr = 1.0, epochs 0..12.
SCHEDULE_LITERALS: list[tuple[str, Callable[[Optimizer], LRScheduler], list[float]]] = [
    (
        "StepLR",
        lambda o: StepLR(o, step_size=3, gamma=0.1),
        [1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002,
         0.010000000000000002, 0.0010000000000000002, 0.0010000000000000002,
         0.0010000000000000002, 0.00010000000000000003],
    ),
    (
        "ExponentialLR",
        lambda o: ExponentialLR(o, gamma=0.9),
        [1.0, 0.9, 0.81, 0.7290000000000001, 0.6561000000000001, 0.5904900000000002,
         0.5314410000000002, 0.47829690000000014, 0.43046721000000016, 0.38742048900000015,
         0.34867844010000015, 0.31381059609000017, 0.28242953648100017],
    ),
    (
        "LambdaLR",
        lambda o: LambdaLR(o, lambda epoch: 1 / (epoch + 1)),
        [1 / (e + 1) for e in range(13)],
    ),
    (
        "CosineAnnealingLR",
        lambda o: CosineAnnealingLR(o, T_max=4, eta_min=0.1),
        [1.0, 0.8681980515339464, 0.55, 0.23180194846605368, 0.1, 0.2318019484660536, 0.55,
         0.8681980515339467, 1.0000000000000004, 0.8681980515339468, 0.5500000000000004,
         0.2318019484660541, 0.1],
    ),
    (
        "CosineAnnealingLR T_max=1",
        lambda o: CosineAnnealingLR(o, T_max=1),
        [1.0, 0.0] * 6 + [1.0],
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("make", "expected"),
    [(make, expected) for _, make, expected in SCHEDULE_LITERALS],
    ids=[name for name, _, _ in SCHEDULE_LITERALS],
)
def test_schedule_lr_sequences_match_pytorch(
    make: Callable[[Optimizer], LRScheduler], expected: list[float]
) -> None:
    """Each schedule's learning rates for epochs 0..12 equal torch.optim.lr_scheduler's."""
    assert close(lr_sequence(make, len(expected) - 1), expected)


@given(
    t_max=st.integers(1, 20),
    eta_min=st.floats(0, 0.5),
    base=st.floats(0.01, 10),
    step_size=st.integers(1, 5),
    gamma=st.floats(0.1, 1.5),
)
def test_schedules_follow_their_closed_forms(
    t_max: int, eta_min: float, base: float, step_size: int, gamma: float
) -> None:
    """Left alone, the recursive schedules stay on their closed forms to 1e-12."""
    n = 3 * t_max
    cos = lr_sequence(lambda o: CosineAnnealingLR(o, t_max, eta_min), n, lr=base)
    cos_closed = [
        eta_min + (base - eta_min) * (1 + math.cos(math.pi * e / t_max)) / 2 for e in range(n + 1)
    ]
    assert all(math.isclose(a, b, rel_tol=TOL, abs_tol=TOL * base) for a, b in zip(cos, cos_closed))
    steps = lr_sequence(lambda o: StepLR(o, step_size, gamma), 12, lr=base)
    assert close(steps, [base * gamma ** (e // step_size) for e in range(13)])
    exp = lr_sequence(lambda o: ExponentialLR(o, gamma), 12, lr=base)
    assert close(exp, [base * gamma**e for e in range(13)])


def test_schedule_drives_the_optimizer_steps() -> None:
    """The optimizer uses the scheduled lr: with g = 1, each epoch moves p by that epoch's lr."""
    p = P(0.0, 1.0)
    opt = GD([p], lr=1.0)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    positions = []
    for _ in range(5):
        opt.step()
        sched.step()
        positions.append(p.data)
    assert positions == [-1.0, -2.0, -2.5, -3.0, -3.25]


def test_schedules_chain_like_pytorch() -> None:
    """Two multiplicative schedules on one optimizer compound, as PyTorch's chainable ones do."""
    opt = GD([P(0.0)], lr=1.0)
    a = ExponentialLR(opt, gamma=0.5)
    b = StepLR(opt, step_size=1, gamma=0.5)
    for epoch in range(1, 4):
        a.step()
        b.step()
        assert opt.lr == 0.25**epoch


@pytest.mark.parametrize(
    "make",
    [
        lambda o: StepLR(o, 2, 0.5),
        lambda o: ExponentialLR(o, 0.8),
        lambda o: LambdaLR(o, lambda e: 0.9**e),
        lambda o: CosineAnnealingLR(o, 5, 0.01),
    ],
    ids=["StepLR", "ExponentialLR", "LambdaLR", "CosineAnnealingLR"],
)
def test_schedule_state_dict_round_trip(make: Callable[[Optimizer], LRScheduler]) -> None:
    """Saving a schedule with its optimizer (through JSON) and loading both resumes the same lrs."""
    opt = SGD([P(0.0)], lr=0.5, momentum=0.9)
    sched = make(opt)
    for _ in range(4):
        sched.step()
    saved_opt = json.loads(json.dumps(opt.state_dict()))
    saved = json.loads(json.dumps(sched.state_dict()))
    expected = []
    for _ in range(8):
        sched.step()
        expected.append(sched.get_last_lr()[0])

    opt2 = SGD([P(0.0)], lr=0.5, momentum=0.9)
    sched2 = make(opt2)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved)
    assert sched2.state_dict() == saved
    got = []
    for _ in range(8):
        sched2.step()
        got.append(sched2.get_last_lr()[0])
    assert got == expected


def test_schedule_load_state_dict_rejects_bad_states() -> None:
    """A schedule's malformed state raises ValueError naming the problem and changes nothing."""
    opt = GD([P(0.0)], lr=1.0)
    sched = StepLR(opt, step_size=2)
    good = sched.state_dict()
    cases = [
        ({**good, "scheduler": "ExponentialLR"}, "is for 'ExponentialLR', not 'StepLR'"),
        ({k: v for k, v in good.items() if k != "gamma"}, "missing key(s) 'gamma'"),
        ({**good, "step_size": 0}, "Invalid step_size: 0"),
        ({**good, "last_epoch": -3}, "'last_epoch' must be an int >= 0"),
        ({**good, "base_lr": -1.0}, "Invalid learning rate: -1.0"),
    ]
    for bad, message in cases:
        with pytest.raises(ValueError, match=re.escape(message)):
            sched.load_state_dict(bad)
        assert sched.state_dict() == good


SCHEDULE_ERRORS: list[tuple[Callable[[Optimizer], Any], type[Exception], str]] = [
    (lambda o: StepLR(o, step_size=0), ValueError, "Invalid step_size: 0"),
    (lambda o: StepLR(o, step_size=2.0), TypeError, "step_size must be an int"),  # type: ignore[arg-type]
    (lambda o: StepLR(o, step_size=2, gamma=-0.1), ValueError, "Invalid gamma: -0.1"),
    (lambda o: ExponentialLR(o, gamma=math.nan), ValueError, "Invalid gamma: nan"),
    (lambda o: CosineAnnealingLR(o, T_max=0), ValueError, "Invalid T_max: 0"),
    (lambda o: CosineAnnealingLR(o, T_max=3, eta_min=-1.0), ValueError, "Invalid eta_min: -1.0"),
    (lambda o: LambdaLR(o, 0.5), TypeError, "lr_lambda must be callable"),  # type: ignore[arg-type]
    (lambda o: LambdaLR(o, lambda e: -1.0), ValueError, "learning rate for epoch 0 would be -1.0"),
    (lambda o: LambdaLR(o, lambda e: "x"), TypeError, "lr_lambda(0) must be a real number"),  # type: ignore[arg-type, return-value]
    (lambda o: StepLR("opt", 2), TypeError, "optimizer must be an Optimizer"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(
    ("make", "error", "message"), SCHEDULE_ERRORS, ids=[m for _, _, m in SCHEDULE_ERRORS]
)
def test_invalid_schedules_raise(
    make: Callable[[Optimizer], Any], error: type[Exception], message: str
) -> None:
    """Bad schedule settings raise at construction with a message saying what is wrong."""
    with pytest.raises(error, match=re.escape(message)):
        make(GD([P(0.0)], lr=1.0))


def test_bad_lambda_value_later_changes_nothing() -> None:
    """A lambda that turns negative at epoch 2 raises there and leaves the epoch and lr alone."""
    opt = GD([P(0.0)], lr=1.0)
    sched = LambdaLR(opt, lambda e: 1.0 - e)
    sched.step()
    with pytest.raises(ValueError, match="epoch 2"):
        sched.step()
    assert (sched.last_epoch, opt.lr, sched.get_last_lr()) == (1, 0.0, [0.0])


def test_schedule_repr() -> None:
    """A schedule's repr shows its settings, its epoch and its last lr."""
    sched = StepLR(GD([P(0.0)], lr=1.0), step_size=2, gamma=0.5)
    assert repr(sched) == "StepLR(step_size=2, gamma=0.5, last_epoch=0, last_lr=1.0)"


# --- docs ---------------------------------------------------------------------------------------
OPTIM_MODULES = ["autograd_mini.optim"] + [
    f"autograd_mini.optim.{m.name}" for m in pkgutil.iter_modules(autograd_mini.optim.__path__)
]


@pytest.mark.parametrize("name", OPTIM_MODULES)
def test_module_doctests_pass(name: str) -> None:
    """Every example in each module of the optim package runs and prints what it shows.

    doctest.testmod on the package alone skips the classes its submodules define, so
    each module is run on its own.
    """
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_every_public_name_has_a_docstring_with_an_example() -> None:
    """Each name in __all__ has a docstring with a doctest example."""
    for name in autograd_mini.optim.__all__:
        doc = getattr(autograd_mini.optim, name).__doc__ or ""
        assert ">>>" in doc, name


# --- absent gradients (NONE_GRAD) --------------------------------------------------------------
def test_backward_replaces_none_grad_on_every_node_it_walks() -> None:
    """After zero_grad(), backward leaves a plain float on reached nodes and NONE_GRAD elsewhere."""
    a, b, unused = Value(2.0), Value(3.0), Value(4.0)
    dead = Value(-1.0)
    opt = SGD([a, b, unused, dead], lr=0.1)
    opt.zero_grad()
    (a * b + dead.relu()).backward()  # dead is reached, with a zero gradient
    assert (a.grad, b.grad, dead.grad) == (3.0, 2.0, 0.0)
    assert all(type(v.grad) is float for v in (a, b, dead))
    assert unused.grad is NONE_GRAD
    opt.zero_grad()
    (a * a).backward(create_graph=True)  # the Value path adds old gradients back too
    assert isinstance(a.grad, Value) and a.grad.data == 4.0
    assert b.grad is NONE_GRAD


def test_none_grad_survives_copy_and_pickle() -> None:
    """A model holding NONE_GRAD can be deep-copied and pickled; the copy still means 'absent'."""
    import pickle

    w = Value(1.0)
    SGD([w], lr=0.1).zero_grad()
    assert copy.deepcopy(w).grad is NONE_GRAD
    assert pickle.loads(pickle.dumps(w)).grad is NONE_GRAD
    assert json.dumps({"g": NONE_GRAD}) == '{"g": 0.0}'


def test_grad_function_keeps_none_grad() -> None:
    """grad() stays pure: a NONE_GRAD on an argument is still there afterwards."""
    from autograd_mini import grad

    x = Value(3.0)
    SGD([x], lr=0.1).zero_grad()
    assert grad(lambda v: v * v)(x).data == 6.0
    assert x.grad is NONE_GRAD


def test_step_skips_absent_gradients_and_their_buffers() -> None:
    """A NONE_GRAD parameter keeps its value, buffers and step count, as torch's None does."""
    a, b = P(1.0), P(2.0)
    opt = Adam([a, b], lr=0.1, weight_decay=0.1)
    a.grad, b.grad = 1.0, 1.0
    opt.step()
    b_after_first, before = b.data, opt.state_dict()["state"][1]
    opt.zero_grad()
    a.grad = 0.5
    opt.step()
    state = opt.state_dict()
    assert b.data == b_after_first  # no weight decay, no momentum
    assert state["state"][1] == before and before["step"] == 1.0
    assert state["state"][0]["step"] == 2.0 and state["step"] == 2


def test_per_parameter_steps_drive_bias_correction() -> None:
    """A parameter first reached at step 3 gets Adam's first-step update (t = 1), as in torch."""
    late, early = P(1.0), P(1.0)
    opt = Adam([early, late], lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        early.grad = 1.0
        opt.step()
    opt.zero_grad()
    early.grad, late.grad = 1.0, 2.0
    opt.step()
    assert late.data == pytest.approx(0.9, abs=1e-8)  # lr * g / |g|: a first step


def test_old_adam_state_without_step_counts_loads_and_continues() -> None:
    """An Adam state saved without per-parameter counts (no 'step') resumes at the global t."""
    ps = [P(1.0, 0.5)]
    opt = Adam(ps, lr=0.1)
    for _ in range(3):
        opt.step()
    saved = opt.state_dict()
    old = {**saved, "state": [{k: v for k, v in saved["state"][0].items() if k != "step"}]}
    straight = [P(ps[0].data, 0.5)]
    resumed = Adam(straight, lr=0.1)
    resumed.load_state_dict(old)
    opt.step()
    resumed.step()
    assert straight[0].data == ps[0].data


def test_load_state_dict_rejects_a_fractional_step_count() -> None:
    """A per-parameter 'step' buffer must be a whole number >= 0."""
    opt = Adam([P(1.0, 0.5)], lr=0.1)
    opt.step()
    bad = opt.state_dict()
    bad["state"][0]["step"] = 1.5
    with pytest.raises(ValueError, match=re.escape("['step'] must be a whole number >= 0")):
        opt.load_state_dict(bad)


def test_step_calls_and_returns_the_closure() -> None:
    """step(closure) evaluates the closure first (recording on) and returns its loss, as torch."""
    from autograd_mini import no_grad

    w = Value(1.0)
    opt = SGD([w], lr=0.1)

    def closure() -> Value:
        opt.zero_grad()
        loss = w * w
        loss.backward()
        return loss

    with no_grad():
        loss = opt.step(closure)
    assert loss.data == 1.0 and w.data == pytest.approx(0.8)
    assert not SGD.requires_closure and not Adam.requires_closure
    with pytest.raises(TypeError, match="closure must be callable"):
        opt.step(3.0)  # type: ignore[arg-type]


# --- RMSprop and Adagrad by hand -------------------------------------------------------------
def test_rmsprop_and_adagrad_match_hand_iterates() -> None:
    """Two steps on f = p**2 from p = 1 follow the documented rules, worked out by hand."""
    p = P(1.0)
    opt = RMSprop([p], lr=0.01, alpha=0.9, eps=0.0)
    p.grad = 2.0
    opt.step()  # v = 0.1 * 4 = 0.4; p = 1 - 0.01 * 2 / sqrt(0.4)
    first = 1 - 0.01 * 2 / math.sqrt(0.4)
    assert p.data == pytest.approx(first, abs=1e-15)
    p.grad = 2 * p.data
    opt.step()
    v = 0.9 * 0.4 + 0.1 * (2 * first) ** 2
    assert p.data == pytest.approx(first - 0.01 * 2 * first / math.sqrt(v), abs=1e-15)

    q = P(1.0)
    ada = Adagrad([q], lr=0.1, lr_decay=0.5, initial_accumulator_value=1.0, eps=0.0)
    assert ada.state_dict()["state"] == [{"step": 0.0, "sum": 1.0}]  # eager, as torch
    q.grad = 2.0
    ada.step()  # s = 1 + 4; clr = 0.1
    assert q.data == pytest.approx(1 - 0.1 * 2 / math.sqrt(5), abs=1e-15)
    x1 = q.data
    q.grad = 2 * x1
    ada.step()  # s = 5 + 4 x1^2; clr = 0.1 / 1.5
    expected = x1 - 0.1 / 1.5 * 2 * x1 / math.sqrt(5 + 4 * x1 * x1)
    assert q.data == pytest.approx(expected, abs=1e-15)


def test_zero_gradient_with_zero_eps_raises_for_rmsprop_and_adagrad() -> None:
    """0 / 0 at the first step (eps = 0): PyTorch writes NaN, step() raises and changes nothing."""
    for opt_cls in (RMSprop, Adagrad):
        p = P(1.0, 0.0)
        opt = opt_cls([p], lr=0.1, eps=0.0)
        with pytest.raises(FloatingPointError, match="is not finite"):
            opt.step()
        assert p.data == 1.0


# --- schedules share initial_lr ----------------------------------------------------------------
def test_first_schedule_sets_initial_lr_and_later_ones_share_it() -> None:
    """Issue 8 item 13: base_lr is the optimizer's initial_lr, set by its first schedule only."""
    opt = GD([P(0.0)], lr=1.0)
    assert opt.initial_lr is None
    first = LambdaLR(opt, lambda e: 0.5 * 0.9**e)
    second = LambdaLR(opt, lambda e: 0.9**e)
    assert (opt.initial_lr, first.base_lr, second.base_lr) == (1.0, 1.0, 1.0)
    for _ in range(3):
        second.step()
    assert opt.lr == pytest.approx(0.729, rel=1e-12)  # torch: 0.729 (it was 0.3645 here)

    opt = GD([P(0.0)], lr=1.0)
    exp = ExponentialLR(opt, gamma=0.5)
    exp.step()
    cos = CosineAnnealingLR(opt, T_max=2)  # anneals from initial_lr 1.0, not 0.5
    assert cos.base_lr == 1.0
    cos.step()
    cos.step()
    cos.step()  # 0.25, then 0, then the restart adds base_lr * (1 - cos(pi / 2)) / 2
    assert opt.lr == pytest.approx(0.5, rel=1e-12)  # with base_lr 0.5 it was 0.25


# --- ReduceLROnPlateau --------------------------------------------------------------------------
def test_reduce_lr_on_plateau_cooldown_and_min_lr() -> None:
    """Reductions wait out the cooldown and stop at min_lr (a reduction of 0 is skipped)."""
    opt = GD([P(0.0)], lr=1.0)
    sched = ReduceLROnPlateau(opt, factor=0.5, patience=0, cooldown=1, min_lr=0.3)
    lrs = []
    for _ in range(6):
        sched.step(1.0)
        lrs.append(opt.lr)
    assert lrs == [1.0, 0.5, 0.5, 0.3, 0.3, 0.3]


def test_reduce_lr_on_plateau_nan_raises_and_changes_nothing() -> None:
    """A NaN metric raises ValueError naming it; epoch, counters and lr stay as they were."""
    opt = GD([P(0.0)], lr=1.0)
    sched = ReduceLROnPlateau(opt, patience=0)
    sched.step(2.0)
    before = sched.state_dict()
    with pytest.raises(ValueError, match="metric is NaN"):
        sched.step(math.nan)
    assert sched.state_dict() == before
    with pytest.raises(TypeError, match="metrics must be a number"):
        sched.step("1.0")  # type: ignore[arg-type]


def test_reduce_lr_on_plateau_state_dict_round_trip() -> None:
    """Saved through strict JSON and loaded, the schedule resumes the same lrs."""
    opt = GD([P(0.0)], lr=1.0)
    sched = ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=1, threshold_mode="abs")
    assert sched.state_dict()["best"] is None  # -inf, which strict JSON cannot hold
    for m in [1.0, 0.5, 0.5]:
        sched.step(m)
    saved = json.loads(json.dumps(sched.state_dict(), allow_nan=False))
    opt2 = GD([P(0.0)], lr=opt.lr)
    sched2 = ReduceLROnPlateau(opt2, mode="max")
    sched2.load_state_dict(saved)
    assert sched2.state_dict() == saved
    for m in [0.2, 0.2, 0.2, 3.0]:
        sched.step(m)
        sched2.step(m)
        assert opt.lr == opt2.lr
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        sched2.load_state_dict({**saved, "factor": 1.0})
    assert sched2.state_dict() == sched.state_dict()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"factor": 1.0}, ValueError, "Factor should be < 1.0."),
        ({"mode": "least"}, ValueError, "mode 'least' is unknown"),
        ({"threshold_mode": "pct"}, ValueError, "threshold mode 'pct' is unknown"),
        ({"patience": -1}, ValueError, "Invalid patience: -1"),
        ({"patience": 1.5}, TypeError, "patience must be an int"),
        ({"min_lr": -0.1}, ValueError, "Invalid min_lr: -0.1"),
        ({"eps": math.nan}, ValueError, "Invalid eps: nan"),
    ],
)
def test_reduce_lr_on_plateau_rejects_bad_settings(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    """Bad ReduceLROnPlateau settings raise at construction with a message naming the value."""
    with pytest.raises(error, match=re.escape(message)):
        ReduceLROnPlateau(GD([P(0.0)], lr=1.0), **kwargs)


# --- clip_grad_norm_ -----------------------------------------------------------------------------
def test_clip_grad_norm_does_not_overflow() -> None:
    """Gradients of 1e200 have a finite norm (squaring first would give inf) and clip correctly."""
    ps = [P(0.0, 1e200), P(0.0, -1e200)]
    total = clip_grad_norm_(ps, max_norm=1.0)
    assert total == pytest.approx(math.sqrt(2) * 1e200, rel=1e-15)
    assert [p.grad for p in ps] == pytest.approx([2**-0.5, -(2**-0.5)], rel=1e-12)
    tiny = [P(0.0, 3e-200), P(0.0, 4e-200)]  # and no underflow either
    assert clip_grad_norm_(tiny, 1.0, norm_type=3.0) == pytest.approx(
        (27 + 64) ** (1 / 3) * 1e-200, rel=1e-12
    )


def test_clip_grad_norm_leaves_small_gradients_and_absent_ones() -> None:
    """Below max_norm the gradients are unchanged; NONE_GRAD ones are skipped; none gives 0.0."""
    a, b = P(0.0, 0.3), P(0.0, 0.4)
    assert clip_grad_norm_([a, b], max_norm=10.0) == pytest.approx(0.5)
    assert (a.grad, b.grad) == (0.3, 0.4)
    c = P(0.0)
    SGD([c], lr=0.1).zero_grad()
    assert clip_grad_norm_([a, b, c], max_norm=10.0, norm_type="inf") == 0.4
    assert c.grad is NONE_GRAD
    assert clip_grad_norm_(c, max_norm=1.0) == 0.0  # a single parameter is accepted


def test_clip_grad_norm_nonfinite() -> None:
    """error_if_nonfinite raises FloatingPointError, changing nothing; else it scales as torch."""
    ps = [P(0.0, math.inf), P(0.0, 1.0)]
    with pytest.raises(FloatingPointError, match="total norm of order 2.0 .* is inf"):
        clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    assert [p.grad for p in ps] == [math.inf, 1.0]
    assert clip_grad_norm_(ps, 1.0) == math.inf
    assert math.isnan(ps[0].grad) and ps[1].grad == 0.0  # torch: inf * 0 and 1 * 0


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda ps: clip_grad_norm_(ps, -1.0), ValueError, "max_norm must be >= 0"),
        (lambda ps: clip_grad_norm_(ps, 1.0, norm_type=0), ValueError, "norm_type must be > 0"),
        (lambda ps: clip_grad_norm_(ps, 1.0, norm_type="fro"), ValueError, "or 'inf'"),
        (lambda ps: clip_grad_norm_(ps, "1"), TypeError, "max_norm must be a real number"),
        (lambda ps: clip_grad_norm_(5.0, 1.0), TypeError, "params must be an iterable"),
    ],
)
def test_clip_grad_norm_rejects_bad_arguments(
    call: Callable[[list[P]], Any], error: type[Exception], message: str
) -> None:
    """Bad clip_grad_norm_ arguments raise a typed error naming the value."""
    with pytest.raises(error, match=re.escape(message)):
        call([P(0.0, 1.0)])


def test_backward_over_none_grad_leaves_skips_the_add_back() -> None:
    """backward over leaves holding NONE_GRAD leaves plain floats and no NONE_GRAD behind."""
    from autograd_mini import Value
    from autograd_mini.optim import NONE_GRAD, SGD

    w, unused = Value(2.0), Value(5.0)
    opt = SGD([w, unused], lr=0.1)
    opt.zero_grad()
    (w * w).backward()
    assert type(w.grad) is float and w.grad == 4.0
    assert unused.grad is NONE_GRAD


@settings(max_examples=60)
@given(
    lr=st.floats(0.0, 10.0),
    weight_decay=st.sampled_from([0.0]) | st.floats(0.0, 1.0),
    maximize=st.booleans(),
    datas=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=6),
    seed=st.integers(0, 2**16),
)
def test_sgd_bulk_update_is_the_per_parameter_rule_to_the_bit(
    lr: float, weight_decay: float, maximize: bool, datas: list[float], seed: int
) -> None:
    """SGD without momentum updates in bulk exactly as its per-parameter _update does."""
    import random

    from autograd_mini.optim import Optimizer

    rng = random.Random(seed)
    grads = [rng.uniform(-10.0, 10.0) for _ in datas]
    opt = SGD([Value(x) for x in datas], lr=lr, weight_decay=weight_decay, maximize=maximize)
    states: list[dict[str, float]] = [{} for _ in datas]
    fast = opt._update_all(0, list(datas), list(grads), states)
    slow = Optimizer._update_all(opt, 0, list(datas), list(grads), states)
    assert fast[0] == slow[0] and [dict(s) for s in fast[1]] == [dict(s) for s in slow[1]]
