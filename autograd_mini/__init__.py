"""autograd_mini: pure-Python scalar automatic differentiation.

Exact reverse-mode gradients of any order on a ``Value`` graph, forward mode from the
same op table, finite differences as a first-class gradient source, and the
functional API of JAX, HIPS autograd and ``torch.autograd.functional`` (``grad``,
``value_and_grad``, ``hessian``, ``jvp``, ``vjp``, ``hvp``, ``jacobian``).

Example:
    >>> from autograd_mini import Value, grad
    >>> x = Value(2.0)
    >>> y = (x * x).tanh()
    >>> y.backward()
    >>> round(x.grad, 9)
    0.005363803
    >>> grad(lambda x: x ** 3)(2.0), grad(grad(lambda x: x ** 3))(2.0)
    (12.0, 12.0)
"""

from . import datasets, losses, nn, optim, plots, viz
from .compiler import Compiled
from .compiler import compile as compile  # not in __all__: must not shadow builtins.compile
from .functional import grad, hessian, value_and_grad
from .functional import hvp as hvp
from .functional import jacobian as jacobian
from .functional import jvp as jvp
from .functional import vjp as vjp
from .gradcheck import GradcheckError, gradcheck, numerical_grad
from .gradcheck import check_grads as check_grads
from .gradcheck import gradgradcheck as gradgradcheck
from .lr_finder import LRFinderResult, lr_find
from .train import History, OptimizeResult, fit, minimize
from .value import Value, dot, enable_grad, gc_paused, is_grad_enabled, no_grad
from .value import sum as sum  # not in __all__: a star import must not shadow builtins.sum

__version__ = "0.1.0"

__all__ = [
    "Compiled",
    "GradcheckError",
    "History",
    "OptimizeResult",
    "Value",
    "dot",
    "datasets",
    "enable_grad",
    "fit",
    "gc_paused",
    "grad",
    "gradcheck",
    "hessian",
    "is_grad_enabled",
    "LRFinderResult",
    "lr_find",
    "losses",
    "minimize",
    "nn",
    "no_grad",
    "numerical_grad",
    "optim",
    "plots",
    "value_and_grad",
    "viz",
    "jvp",
    "vjp",
    "hvp",
    "jacobian",
    "check_grads",
    "gradgradcheck",
]
