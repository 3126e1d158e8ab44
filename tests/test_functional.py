"""grad, value_and_grad and hessian: results, nesting to any order, purity, errors."""

from __future__ import annotations

import math

import pytest
from hypothesis import given

from autograd_mini import Value, grad, hessian, numerical_grad, value_and_grad
from tests.strategies import reals


def test_grad_of_plain_numbers_is_a_float() -> None:
    """Plain numbers in give floats out."""
    d = grad(lambda x: x * x)(3)
    assert d == 6.0 and type(d) is float


def test_grad_argnums_int_and_tuple() -> None:
    """An int argnums gives one derivative; a tuple gives a tuple, in its order."""

    def f(x: Value, y: Value, z: Value) -> Value:
        return x * y + z.exp()

    assert grad(f, argnums=1)(2.0, 3.0, 0.0) == 2.0
    assert grad(f, argnums=(2, 0))(2.0, 3.0, 0.0) == (1.0, 3.0)
    assert grad(f, argnums=-1)(2.0, 3.0, 0.0) == 1.0


@given(x=reals(-3, 3))
def test_nested_grad_gives_every_order(x: float) -> None:
    """grad nests to any order: the n-th derivative of exp(2x) is 2**n exp(2x)."""

    def f(v: Value) -> Value:
        return (2 * v).exp()

    g = f
    for n in range(1, 6):
        g = grad(g)
        assert g(x) == pytest.approx(2**n * math.exp(2 * x), rel=1e-12)


def test_fourth_derivative_of_a_polynomial_is_exact() -> None:
    """d4/dx4 of x**5 at 2 is 120 * 2 = 240, exactly."""
    f = grad(grad(grad(grad(lambda x: x**5))))
    assert f(2.0) == 240.0


def test_grad_with_value_inputs_is_differentiable() -> None:
    """A Value argument gives a Value derivative whose own graph backpropagates."""
    x = Value(2.0)
    d = grad(lambda v: v**3)(x)
    assert isinstance(d, Value) and d.data == 12.0
    d.backward()
    assert x.grad == 12.0


def test_grad_is_pure() -> None:
    """grad never changes a .grad the caller can see, including closed-over Values."""
    w = Value(3.0)
    w.grad = 0.5
    x = Value(2.0)
    x.grad = -1.0
    assert grad(lambda v: v * w)(x).data == 3.0
    assert grad(lambda v: v * w)(2.0) == 3.0
    assert (w.grad, x.grad) == (0.5, -1.0)


def test_same_value_in_two_arguments_gets_two_derivatives() -> None:
    """Passing one Value as two arguments still gives each argument its own partial."""
    x = Value(3.0)
    dx, dy = grad(lambda a, b: a * a * b, argnums=(0, 1))(x, x)
    assert (dx.data, dy.data) == (18.0, 9.0)


def test_value_and_grad() -> None:
    """value_and_grad returns the value and the gradient(s) as floats for numbers."""
    value, (dx, dy) = value_and_grad(lambda x, y: x * y + y, argnums=(0, 1))(3.0, 4.0)
    assert (value, dx, dy) == (16.0, 4.0, 4.0)
    assert type(value) is float


def test_constant_function_has_zero_gradient() -> None:
    """A function returning a number, or ignoring an argument, has derivative 0."""
    assert value_and_grad(lambda x: 3)(1.0) == (3.0, 0.0)
    assert grad(lambda x, y: x * 2, argnums=1)(1.0, 5.0) == 0.0


def test_keyword_arguments_are_passed_through() -> None:
    """Keyword arguments reach f and are not differentiated."""
    assert grad(lambda x, scale=1.0: x * scale)(2.0, scale=3.0) == 3.0


def test_grad_records_even_inside_no_grad() -> None:
    """grad turns recording on while it evaluates f, as jax.grad ignores no_grad."""
    from autograd_mini import no_grad

    with no_grad():
        assert grad(lambda x: x * x)(3.0) == 6.0


def test_hessian_of_rosenbrock() -> None:
    """hessian of Rosenbrock at (1, 1) is [[802, -400], [-400, 200]]."""

    def rosen(x: Value, y: Value) -> Value:
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2

    assert hessian(rosen)(1.0, 1.0) == [[802.0, -400.0], [-400.0, 200.0]]


@given(x=reals(-2, 2), y=reals(-2, 2))
def test_hessian_matches_differences_of_the_gradient(x: float, y: float) -> None:
    """Each Hessian row equals central differences of the exact gradient."""

    def f(a: Value, b: Value) -> Value:
        return (a * b).sin() + a.exp() * b**2

    h = hessian(f)(x, y)
    for i in range(2):
        row = numerical_grad(grad(f, argnums=i), [x, y])
        assert h[i] == pytest.approx(row, rel=1e-6, abs=1e-6)


def test_hessian_with_value_inputs_gives_third_derivatives() -> None:
    """With Value inputs the Hessian entries are differentiable again (third order)."""
    x = Value(2.0)
    [[h]] = hessian(lambda v: v**4)(x)
    assert h.data == 48.0
    assert grad(lambda v: hessian(lambda u: u**4)(v)[0][0])(2.0) == 48.0  # 24x


def test_bad_argnums_and_outputs_are_clear() -> None:
    """Out-of-range argnums, non-int argnums and non-scalar outputs raise typed errors."""
    with pytest.raises(ValueError, match="argnums 2 is out of range for a call with 2"):
        grad(lambda x, y: x, argnums=2)(1.0, 2.0)
    with pytest.raises(TypeError, match="argnums must be ints"):
        grad(lambda x: x, argnums="0")(1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"reduce the output to a scalar"):
        grad(lambda x: [x, x])(1.0)
    with pytest.raises(TypeError, match=r"expected an int, float or Value \(got 'a', a str\)"):
        grad(lambda x: x)("a")
