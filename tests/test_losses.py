"""Losses: textbook values, gradients against finite differences, stability and errors."""

from __future__ import annotations

import doctest
import math
from collections.abc import Callable, Sequence

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import autograd_mini.losses
from autograd_mini import Value
from autograd_mini.losses import (
    bce,
    binary_cross_entropy,
    cross_entropy,
    get,
    hinge,
    l2,
    mae,
    mse,
)


def close(a: float, b: float, *, rtol: float = 1e-6, atol: float = 1e-6) -> bool:
    return abs(a - b) <= atol + rtol * abs(b)


def central_diff(f: Callable[[list[float]], float], xs: Sequence[float]) -> list[float]:
    """Central differences (f(x + h) - f(x - h)) / 2h of a function of plain floats."""
    grads = []
    for i, x in enumerate(xs):
        h = 1e-6 * max(1.0, abs(x))
        up, down = list(xs), list(xs)
        up[i] = x + h
        down[i] = x - h
        grads.append((f(up) - f(down)) / (up[i] - down[i]))
    return grads


def backprop(loss: Callable[[list[Value]], Value], xs: Sequence[float]) -> list[float]:
    leaves = [Value(x) for x in xs]
    loss(leaves).backward()
    return [leaf.grad for leaf in leaves]


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


reals = st.floats(-5, 5, allow_nan=False, allow_infinity=False)


# --- textbook values ----------------------------------------------------------------------
def test_mse_textbook() -> None:
    """mse is the mean of squared differences, and the sum with reduction='sum'."""
    assert mse([1.0, 2.0, 4.0], [1.0, 0.0, 1.0]).data == pytest.approx((0 + 4 + 9) / 3)
    assert mse([1.0, 2.0, 4.0], [1.0, 0.0, 1.0], reduction="sum").data == 13.0
    assert mse([Value(0.5)], [Value(-0.5)]).data == 1.0


def test_mae_textbook() -> None:
    """mae is the mean of absolute differences."""
    assert mae([1.0, 2.0, -4.0], [1.0, 0.0, 1.0]).data == pytest.approx((0 + 2 + 5) / 3)
    assert mae([1.0, 2.0, -4.0], [1.0, 0.0, 1.0], reduction="sum").data == 7.0


def test_mae_derivative_at_zero_difference_is_zero() -> None:
    """mae's derivative where prediction equals target is 0 (abs'(0) = 0)."""
    p = Value(3.0)
    mae([p], [3.0]).backward()
    assert p.grad == 0.0


def test_hinge_textbook() -> None:
    """hinge is mean(max(0, 1 - y*s)) with labels in {-1, +1}."""
    scores, labels = [2.0, 0.5, -0.5, 0.25], [1, 1, 1, -1]
    expected = (0.0 + 0.5 + 1.5 + 1.25) / 4
    assert hinge(scores, labels).data == pytest.approx(expected)
    assert hinge(scores, labels, reduction="sum").data == pytest.approx(expected * 4)


def test_hinge_maps_zero_one_labels_to_minus_one_plus_one() -> None:
    """Labels in {0, 1} give the same hinge loss as the same labels in {-1, +1}."""
    scores = [2.0, -0.3, 0.7, -1.5]
    assert hinge(scores, [1, 0, 0, 1]).data == hinge(scores, [1, -1, -1, 1]).data
    assert hinge(scores, [1.0, 0.0, 0.0, 1.0]).data == hinge(scores, [1, -1, -1, 1]).data


def test_binary_cross_entropy_textbook() -> None:
    """bce from logits equals -(y log p + (1-y) log(1-p)) with p = sigmoid(z)."""
    zs, ys = [0.5, -1.2, 2.0, 0.0], [1.0, 0.0, 0.3, 1.0]
    expected = [
        -(y * math.log(sigmoid(z)) + (1 - y) * math.log(1 - sigmoid(z)))
        for z, y in zip(zs, ys, strict=True)
    ]
    assert binary_cross_entropy(zs, ys).data == pytest.approx(sum(expected) / 4, rel=1e-12)
    assert bce(zs, ys, reduction="sum").data == pytest.approx(sum(expected), rel=1e-12)


def test_binary_cross_entropy_keeps_precision_of_tiny_losses() -> None:
    """bce of a confidently right logit keeps full relative precision (no cancellation)."""
    assert bce([30.0], [1]).data == pytest.approx(math.log1p(math.exp(-30.0)), rel=1e-14)
    assert bce([-30.0], [0]).data == pytest.approx(math.log1p(math.exp(-30.0)), rel=1e-14)


def test_cross_entropy_textbook() -> None:
    """cross_entropy is the mean of -log softmax(z)[y]."""
    rows, labels = [[1.0, 2.0, 3.0], [0.5, -0.5, 0.0]], [2, 0]
    expected = [
        -math.log(math.exp(row[y]) / sum(math.exp(z) for z in row))
        for row, y in zip(rows, labels, strict=True)
    ]
    assert cross_entropy(rows, labels).data == pytest.approx(sum(expected) / 2, rel=1e-12)
    total = cross_entropy(rows, labels, reduction="sum").data
    assert total == pytest.approx(sum(expected), rel=1e-12)


def test_l2_textbook() -> None:
    """l2 is the sum of squares, recorded as one dot node."""
    ps = [Value(3.0), Value(-4.0), Value(0.5)]
    penalty = l2(ps)
    assert penalty.data == 25.25
    assert penalty.op == "dot"
    assert l2([]).data == 0.0


def test_losses_accept_plain_numbers_values_and_single_samples() -> None:
    """Predictions and targets may be Values or numbers; one scalar counts as one sample."""
    assert mse(Value(3.0), 1.0).data == 4.0
    assert mse([Value(3.0)], [Value(1.0)]).data == 4.0
    assert mae(3, 1).data == 2.0
    assert hinge(0.5, 1).data == 0.5
    assert bce(0.0, 1).data == pytest.approx(math.log(2))


def test_mse_is_a_fused_dot_node() -> None:
    """mse records dot(d, d) / n: one dot node for the whole batch."""
    loss = mse([Value(1.0), Value(2.0), Value(3.0)], [0.0, 0.0, 0.0])
    assert loss.op == "div_const" and loss.const == 3.0
    assert loss.parents[0].op == "dot"


# --- gradients against central differences -------------------------------------------------
@given(st.lists(st.tuples(reals, reals), min_size=1, max_size=5))
def test_mse_gradient_matches_central_differences(pairs: list[tuple[float, float]]) -> None:
    """mse's gradient with respect to the predictions equals central differences."""
    ps, ts = [p for p, _ in pairs], [t for _, t in pairs]
    analytic = backprop(lambda v: mse(v, ts), ps)
    numeric = central_diff(lambda v: mse(v, ts).data, ps)
    for a, n in zip(analytic, numeric, strict=True):
        assert close(a, n), (ps, ts, analytic, numeric)


@given(st.lists(st.tuples(reals, reals), min_size=1, max_size=5))
def test_mae_gradient_matches_central_differences(pairs: list[tuple[float, float]]) -> None:
    """mae's gradient equals central differences away from the kink p == t."""
    assume(all(abs(p - t) > 1e-3 for p, t in pairs))
    ps, ts = [p for p, _ in pairs], [t for _, t in pairs]
    analytic = backprop(lambda v: mae(v, ts), ps)
    numeric = central_diff(lambda v: mae(v, ts).data, ps)
    for a, n in zip(analytic, numeric, strict=True):
        assert close(a, n), (ps, ts, analytic, numeric)


@given(st.lists(st.tuples(reals, st.sampled_from([-1, 1])), min_size=1, max_size=5))
def test_hinge_gradient_matches_central_differences(pairs: list[tuple[float, int]]) -> None:
    """hinge's gradient equals central differences away from the margin y*s == 1."""
    assume(all(abs(1 - y * s) > 1e-3 for s, y in pairs))
    ss, ys = [s for s, _ in pairs], [y for _, y in pairs]
    analytic = backprop(lambda v: hinge(v, ys), ss)
    numeric = central_diff(lambda v: hinge(v, ys).data, ss)
    for a, n in zip(analytic, numeric, strict=True):
        assert close(a, n), (ss, ys, analytic, numeric)


labels01 = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0, 1))


@given(st.lists(st.tuples(reals, labels01), min_size=1, max_size=5))
def test_bce_gradient_matches_central_differences(pairs: list[tuple[float, float]]) -> None:
    """bce's gradient equals central differences and (sigmoid(z) - y) / n."""
    zs, ys = [z for z, _ in pairs], [y for _, y in pairs]
    analytic = backprop(lambda v: bce(v, ys), zs)
    numeric = central_diff(lambda v: bce(v, ys).data, zs)
    n = len(zs)
    for a, num, z, y in zip(analytic, numeric, zs, ys, strict=True):
        assert close(a, num), (zs, ys, analytic, numeric)
        assert close(a, (sigmoid(z) - y) / n, rtol=1e-12, atol=1e-15)


@given(
    st.integers(1, 4).flatmap(
        lambda k: st.lists(
            st.tuples(st.lists(reals, min_size=k, max_size=k), st.integers(0, k - 1)),
            min_size=1,
            max_size=4,
        )
    )
)
def test_cross_entropy_gradient_matches_central_differences(
    samples: list[tuple[list[float], int]],
) -> None:
    """cross_entropy's gradient equals central differences over every logit."""
    k = len(samples[0][0])
    flat = [z for row, _ in samples for z in row]
    labels = [y for _, y in samples]

    def loss(v: Sequence[Value | float]) -> Value:
        return cross_entropy([list(v[i : i + k]) for i in range(0, len(v), k)], labels)

    analytic = backprop(loss, flat)
    numeric = central_diff(lambda v: loss(v).data, flat)
    for a, n in zip(analytic, numeric, strict=True):
        assert close(a, n), (samples, analytic, numeric)


@given(st.lists(reals, max_size=6))
def test_l2_gradient_matches_central_differences(ps: list[float]) -> None:
    """l2's gradient equals central differences (and 2p)."""
    analytic = backprop(l2, ps)
    numeric = central_diff(lambda v: l2(v).data, ps)
    for a, n, p in zip(analytic, numeric, ps, strict=True):
        assert close(a, n)
        assert a == 2 * p


# --- stability at huge logits -------------------------------------------------------------
def test_bce_is_finite_and_exact_at_logits_of_1000() -> None:
    """bce at logits +-1000 is finite, exact, and has gradient (sigmoid(z) - y) / n."""
    zs = [Value(1000.0), Value(-1000.0), Value(1000.0), Value(-1000.0)]
    ys = [1, 0, 0, 1]
    loss = bce(zs, ys)
    assert loss.data == pytest.approx((0.0 + 0.0 + 1000.0 + 1000.0) / 4, rel=1e-15)
    loss.backward()
    assert [z.grad for z in zs] == [0.0, 0.0, 0.25, -0.25]


def test_cross_entropy_is_finite_and_exact_at_logits_of_1000() -> None:
    """cross_entropy at logits +-1000 is finite and its gradient is softmax - onehot."""
    rows = [[Value(1000.0), Value(-1000.0)], [Value(1000.0), Value(-1000.0)]]
    loss = cross_entropy(rows, [0, 1])
    assert loss.data == (0.0 + 2000.0) / 2
    loss.backward()
    assert [z.grad for z in rows[0]] == [0.0, 0.0]
    assert [z.grad for z in rows[1]] == [0.5, -0.5]
    tie = [[Value(1000.0), Value(1000.0), Value(-1000.0)]]
    loss = cross_entropy(tie, [1])
    assert loss.data == pytest.approx(math.log(2), rel=1e-15)
    loss.backward()
    assert [z.grad for z in tie[0]] == pytest.approx([0.5, -0.5, 0.0])


# --- errors ---------------------------------------------------------------------------------
@pytest.mark.parametrize("loss", [mse, mae, hinge, bce])
def test_length_mismatch_is_a_value_error(loss: Callable[..., Value]) -> None:
    """Elementwise losses refuse predictions and targets of different lengths."""
    with pytest.raises(ValueError, match=r"same length \(got 2 and 3\)"):
        loss([0.5, 0.5], [1, 1, 1])
    with pytest.raises(ValueError, match="at least one sample"):
        loss([], [])


def test_cross_entropy_length_mismatch_is_a_value_error() -> None:
    """cross_entropy refuses logits and labels of different lengths, or none at all."""
    with pytest.raises(ValueError, match=r"same length \(got 1 and 2\)"):
        cross_entropy([[0.0, 1.0]], [0, 1])
    with pytest.raises(ValueError, match="at least one sample"):
        cross_entropy([], [])


@pytest.mark.parametrize("loss", [mse, mae, hinge, bce, cross_entropy])
def test_unknown_reduction_is_a_value_error(loss: Callable[..., Value]) -> None:
    """Every loss refuses a reduction other than 'mean' or 'sum', naming it."""
    args = ([[0.0, 1.0]], [1]) if loss is cross_entropy else ([0.5], [1])
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum' \\(got 'avg'\\)"):
        loss(*args, reduction="avg")


@pytest.mark.parametrize("label", [2, 0.5, -2, "1", None, math.nan])
def test_hinge_refuses_labels_outside_plus_minus_one(label: object) -> None:
    """hinge accepts only labels in {-1, +1} or {0, 1}."""
    with pytest.raises(ValueError, match="label 1 is"):
        hinge([0.5, 0.5], [1, label])  # type: ignore[list-item]


def test_hinge_refuses_labels_mixing_zero_and_minus_one() -> None:
    """Labels mixing 0 and -1 are ambiguous and refused."""
    with pytest.raises(ValueError, match="mix 0 and -1"):
        hinge([0.5, 0.5, 0.5], [1, 0, -1])


@pytest.mark.parametrize("label", [1.5, -0.1, math.nan, "0", None])
def test_bce_refuses_labels_outside_zero_one(label: object) -> None:
    """bce accepts only labels in [0, 1]."""
    with pytest.raises(ValueError, match=r"labels must be in \[0, 1\]; label 1 is"):
        bce([0.5, 0.5], [1, label])  # type: ignore[list-item]


@pytest.mark.parametrize("label", [3, -1, 10])
def test_cross_entropy_refuses_out_of_range_classes(label: int) -> None:
    """A class index outside range(number of classes) is a ValueError (no wrap-around)."""
    with pytest.raises(ValueError, match=f"label 0 is {label}, outside range\\(3\\)"):
        cross_entropy([[0.0, 1.0, 2.0]], [label])


def test_cross_entropy_refuses_bad_shapes_and_label_types() -> None:
    """Flat logits, empty samples and non-int labels get clear errors."""
    with pytest.raises(TypeError, match="one list of logits per sample"):
        cross_entropy([0.0, 1.0], [0, 1])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="sample 0 has no logits"):
        cross_entropy([[]], [0])
    with pytest.raises(TypeError, match="int class indices"):
        cross_entropy([[0.0, 1.0]], [1.0])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="int class indices"):
        cross_entropy([[0.0, 1.0]], [True])


# --- the name table and the docs ------------------------------------------------------------
def test_get_maps_names_to_losses() -> None:
    """get() maps each loss name to its function and passes callables through."""
    assert get("mse") is mse
    assert get("mae") is mae
    assert get("hinge") is hinge
    assert get("bce") is binary_cross_entropy
    assert get("binary_cross_entropy") is binary_cross_entropy
    assert get("cross_entropy") is cross_entropy
    assert get(mse) is mse


def test_get_refuses_unknown_names_listing_valid_ones() -> None:
    """An unknown loss name is a ValueError that lists the valid names."""
    with pytest.raises(ValueError, match="unknown loss 'msq'; valid names are 'mse', 'mae'"):
        get("msq")


def test_doctests_pass() -> None:
    """Every example in the losses module's docstrings runs and gives the shown result."""
    result = doctest.testmod(autograd_mini.losses)
    assert result.attempted > 0
    assert result.failed == 0
