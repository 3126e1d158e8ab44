"""Finite differences and the gradient checker — including proof the checker can fail."""

from __future__ import annotations

import math

import pytest
from hypothesis import given

from autograd_mini import GradcheckError, Value, gradcheck, numerical_grad
from autograd_mini.ops import OPS
from tests.strategies import reals


@given(x=reals(-3, 3))
def test_numerical_grad_of_known_functions(x: float) -> None:
    """Central differences give sin' = cos and exp' = exp to about 1e-10."""
    assert numerical_grad(lambda v: v.sin(), [x])[0] == pytest.approx(math.cos(x), abs=1e-9)
    d = numerical_grad(lambda v: v.exp(), [x])[0]
    assert d == pytest.approx(math.exp(x), rel=1e-9)


def test_central_differences_beat_one_sided_ones() -> None:
    """Central differences (O(h^2)) are more accurate than forward/backward (O(h))."""
    exact = math.exp(1.0)
    errors = {
        m: abs(numerical_grad(lambda v: v.exp(), [1.0], method=m)[0] - exact)  # type: ignore
        for m in ("central", "forward", "backward")
    }
    assert errors["central"] < 1e-9 < errors["forward"] and errors["central"] < errors["backward"]
    assert errors["forward"] < 1e-6 and errors["backward"] < 1e-6


def test_numerical_grad_accepts_plain_functions_and_fixed_steps() -> None:
    """f may return a plain number; eps fixes the step; Value arguments give their data."""
    assert numerical_grad(lambda x, y: 3 * float(x) + 2 * float(y), [Value(1.0), 2])[0] == (
        pytest.approx(3.0)
    )
    assert numerical_grad(lambda x: x * x, [3.0], eps=0.5) == [6.0]


def test_numerical_grad_names_an_undefined_probe_point() -> None:
    """Near a domain edge the error names the argument, the point and a remedy."""
    with pytest.raises(ValueError, match="f is not defined at argument 0 .* log: argument"):
        numerical_grad(lambda x: x.log(), [1e-9])
    assert numerical_grad(lambda x: x.log(), [1e-3], method="forward", eps=1e-9)[0] == (
        pytest.approx(1000.0, rel=1e-5)
    )


def test_numerical_grad_rejects_bad_arguments() -> None:
    """Unknown methods, bad steps and a bare number for args are refused."""
    with pytest.raises(ValueError, match="method must be"):
        numerical_grad(lambda x: x, [1.0], method="sideways")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="eps must be a positive finite number"):
        numerical_grad(lambda x: x, [1.0], eps=0.0)
    with pytest.raises(TypeError, match=r"args must be a sequence of numbers, e.g. \[x\]"):
        numerical_grad(lambda x: x, 1.0)  # type: ignore[arg-type]


def test_gradcheck_passes_on_correct_gradients() -> None:
    """A correct graph passes."""
    assert gradcheck(lambda x, y: (x * y).tanh() + x.exp() / y, [0.3, -1.7])


def test_gradcheck_catches_a_graph_broken_through_data() -> None:
    """x * x.data backpropagates x but the derivative is 2x: caught, with a table."""
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: x * x.data + y, [3.0, 1.0])
    message = str(info.value)
    assert "argument(s) 0" in message
    lines = message.splitlines()
    assert lines[1].split() == ["arg", "input", "analytic", "numeric", "abs", "error", "rel",
                                "error"]
    assert lines[2].split()[:4] == ["0", "3", "3", "6"] and lines[2].endswith("FAIL")
    assert lines[3].endswith("ok")
    assert gradcheck(lambda x: x * x.data, [3.0], raise_exception=False) is False


def test_gradcheck_fails_on_a_wrong_derivative(monkeypatch: pytest.MonkeyPatch) -> None:
    """A deliberately wrong rule in the op table (sin' = -cos) is caught: the checker can fail."""
    assert gradcheck(lambda x: x.sin(), [0.4])
    monkeypatch.setattr(OPS["sin"], "partials", lambda out, x: (-math.cos(x),))
    assert not gradcheck(lambda x: x.sin(), [0.4], raise_exception=False)
    with pytest.raises(GradcheckError, match="FAIL"):
        gradcheck(lambda x: x.sin(), [0.4])


def test_gradcheck_fails_on_a_slightly_wrong_derivative(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 1% error in a derivative is beyond the default tolerance (rtol 1e-3)."""
    monkeypatch.setattr(OPS["exp"], "partials", lambda out, x: (out * 1.01,))
    assert not gradcheck(lambda x: x.exp(), [0.5], raise_exception=False)


def test_gradcheck_requires_a_value_output() -> None:
    """f returning a plain number has no graph to check."""
    with pytest.raises(TypeError, match="f must return a Value"):
        gradcheck(lambda x: 1.0, [0.0])
