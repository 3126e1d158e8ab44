"""Optimizers and learning-rate schedules, with PyTorch's update rules to the letter.

An optimizer holds a list of parameters (anything with a float ``.data`` and a ``.grad``,
such as :class:`~autograd_mini.Value`) and moves them with ``step()``. Each optimizer's
docstring gives its exact update rule and how its buffers start; the rules are those of
``torch.optim`` (SGD, Adam, AdamW, RMSprop, Adagrad, and LBFGS with its strong-Wolfe
line search), checked against PyTorch 2.13 in float64 in the tests. ``zero_grad()``
marks gradients absent (:data:`NONE_GRAD`, PyTorch's ``None``), and ``step()`` skips a
parameter the last backward pass did not reach, as PyTorch does.

What differs from PyTorch, on purpose:

* one group of parameters (no ``param_groups``), no foreach/fused paths;
* ``step()`` is all or nothing: a gradient that is NaN or infinite, or an update that
  overflows, raises ``FloatingPointError`` and leaves every parameter and buffer as it
  was, so a diverging run keeps its last good parameters (PyTorch writes the NaN in);
  ``LBFGS`` restores the parameters and its memory in the same way;
* ``state_dict()`` is a plain JSON-serialisable dict, and ``load_state_dict`` checks it
  and raises ``ValueError`` naming what is wrong, without changing the optimizer.

Schedules (:class:`StepLR`, :class:`ExponentialLR`, :class:`LambdaLR`,
:class:`CosineAnnealingLR`, :class:`ReduceLROnPlateau`) follow
``torch.optim.lr_scheduler``: build one after the optimizer, call its ``step()`` once
per epoch after the optimizer's, read ``get_last_lr()``. :func:`clip_grad_norm_` is
``torch.nn.utils.clip_grad_norm_``.

Example:
    >>> from autograd_mini import Value
    >>> from autograd_mini.optim import SGD
    >>> w = Value(1.0)
    >>> opt = SGD([w], lr=0.1)
    >>> for _ in range(3):
    ...     opt.zero_grad()
    ...     (w * w).backward()
    ...     opt.step()
    >>> round(w.data, 12)
    0.512
"""


from .adagrad import Adagrad
from .adam import Adam, AdamW
from .clip_grad import clip_grad_norm_
from .lbfgs import LBFGS
from .line_search import LineSearchResult, armijo, strong_wolfe
from .lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LRScheduler,
    ReduceLROnPlateau,
    StepLR,
)
from .optimizer import NONE_GRAD, Optimizer
from .rmsprop import RMSprop
from .sgd import GD, SGD, Momentum

__all__ = [
    "Optimizer",
    "NONE_GRAD",
    "SGD",
    "GD",
    "Momentum",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "LBFGS",
    "LRScheduler",
    "StepLR",
    "ExponentialLR",
    "LambdaLR",
    "CosineAnnealingLR",
    "ReduceLROnPlateau",
    "clip_grad_norm_",
    "LineSearchResult",
    "armijo",
    "strong_wolfe",
]
