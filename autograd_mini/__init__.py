"""autograd_mini: pure-Python scalar automatic differentiation.

Exact reverse-mode gradients of any order on a ``Value`` graph, finite differences
as a first-class gradient source, and the functional API (``grad``,
``value_and_grad``, ``hessian``) of JAX and HIPS autograd.

Example:
    >>> from autograd_mini import Value, grad
    >>> x = Value(2.0)
    >>> y = (x * x).tanh()
    >>> y.backward()
    >>> round(x.grad, 6)
    0.00054
    >>> grad(lambda x: x ** 3)(2.0), grad(grad(lambda x: x ** 3))(2.0)
    (12.0, 12.0)
"""

from .value import Value, dot, enable_grad, is_grad_enabled, no_grad
from .value import sum as sum  # not in __all__: a star import must not shadow builtins.sum

__version__ = "0.1.0"

__all__ = [
    "Value",
    "dot",
    "enable_grad",
    "is_grad_enabled",
    "no_grad",
]
