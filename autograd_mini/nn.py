"""Neural-network building blocks: ``Module``, ``Neuron``, ``Layer``, ``MLP`` and ``Linear``.

A neuron's forward is one fused :func:`~autograd_mini.value.dot` node for
``sum(w_i * x_i) + b`` followed by one activation node, so an ``MLP`` records two nodes
per neuron instead of micrograd's ``2 * nin + 1``.

Parameters are named by their dotted attribute path, as in PyTorch:
``layers.0.neurons.3.w.1`` is weight 1 of neuron 3 of layer 0 and
``layers.0.neurons.3.b`` its bias. A model saves to JSON (never pickle) with
:meth:`Module.save`, loads into a model of the same architecture with
:meth:`Module.load`, and :func:`load_model` rebuilds a built-in model from its file.

Example:
    >>> model = MLP(2, [16, 16, 1], seed=0)
    >>> len(model.parameters())
    337
    >>> model
    MLP(nin=2, nouts=[16, 16, 1], activation='relu')
    >>> model.named_parameters()[0][0]
    'layers.0.neurons.0.w.0'
    >>> y = model([1.0, -2.0])
    >>> y.backward()
    >>> y.op  # the output layer is linear: one dot node per output
    'dot'
"""

from __future__ import annotations

import json
import math
import numbers
import os
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ._io import write_atomic
from .value import Value, _describe, dot

__all__ = [
    "ACTIVATIONS",
    "FORMAT",
    "FORMAT_VERSION",
    "Layer",
    "Linear",
    "MLP",
    "Module",
    "Neuron",
    "load_model",
]

#: The ``"format"`` field of a saved model file.
FORMAT = "autograd_mini.nn"
#: The file format version this module writes and reads.
FORMAT_VERSION = 1

Inputs = Iterable[Value | float]
Seed = int | random.Random | None
PathLike = str | os.PathLike[str]

# The activation of each name, as an unbound ``Value`` method; ``None`` means none (the
# neuron returns its ``dot`` node). Looked up once at construction, never per call.
_ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "leaky_relu": Value.leaky_relu,  # slope 0.01, PyTorch's default
    "linear": None,
}
#: The valid activation names.
ACTIVATIONS: tuple[str, ...] = tuple(_ACTIVATIONS)



def _activation(name: object, where: str) -> Callable[[Value], Value] | None:
    if not isinstance(name, str) or name not in _ACTIVATIONS:
        valid = ", ".join(repr(a) for a in ACTIVATIONS)
        raise ValueError(f"{where}: unknown activation {name!r}; valid names are {valid}")
    return _ACTIVATIONS[name]


def _count(n: object, what: str, where: str) -> int:
    if type(n) is not int or n < 1:
        raise ValueError(f"{where}: {what} must be a positive int (got {_describe(n)})")
    return n


def _rng(seed: Seed, where: str) -> random.Random:
    """A private generator: ``seed`` itself if it is one, else ``random.Random(seed)``."""
    # NOTE: never the global ``random`` state, so seeding here cannot disturb user code.
    if seed is None or isinstance(seed, random.Random):
        return seed if seed is not None else random.Random()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"{where}: seed must be an int >= 0, a random.Random or None (got {_describe(seed)})"
        )
    # NOTE: Random(-s) and Random(s) give the same stream (seeding uses abs()), so a
    # negative seed would silently alias a positive one; refuse it, as datasets does.
    if seed < 0:
        raise ValueError(
            f"{where}: seed must be an int >= 0, a random.Random or None (got {seed!r})"
        )
    return random.Random(int(seed))


def _as_inputs(x: Inputs, nin: int, where: str) -> list[Value]:
    """``x`` as a list of ``Value``s, checked to have length ``nin``.

    Plain numbers become leaves once here, so the neurons of the first layer share them
    instead of each making its own (fewer nodes for backward to visit).
    """
    xs = [xi if isinstance(xi, Value) else Value(xi) for xi in x]
    if len(xs) != nin:
        raise ValueError(f"{where}: expected {nin} inputs, got {len(xs)}")
    return xs


class Module:
    """Base class of models: parameters, gradients, state dicts and JSON files.

    A subclass sets its parameters as attributes: a ``Value``, a ``Module``, or a list or
    tuple of them (nested at will). :meth:`named_parameters` finds them in attribute
    order, skipping attributes whose name starts with ``_``, and names each by its dotted
    path (``layers.0.neurons.3.w.1``). A subclass implements :meth:`forward`; to be saved
    and compared it returns its constructor arguments from :meth:`config`.

    Example:
        >>> class Affine(Module):
        ...     def __init__(self) -> None:
        ...         self.a, self.b = Value(2.0), Value(1.0)
        ...     def forward(self, x):
        ...         return [self.a * x[0] + self.b]
        >>> m = Affine()
        >>> m([3.0]).data, m.state_dict()
        (7.0, {'a': 2.0, 'b': 1.0})
    """

    def forward(self, x: Inputs) -> list[Value]:
        """The outputs for inputs ``x``, always as a list (handy for typed code)."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def __call__(self, x: Inputs) -> Value | list[Value]:
        """The output ``Value`` for one output, the list of outputs otherwise."""
        out = self.forward(x)
        return out[0] if len(out) == 1 else out

    def config(self) -> dict[str, Any]:
        """The constructor arguments that fix the architecture (JSON-able; no seed)."""
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"

    # --- parameters ------------------------------------------------------------------
    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its dotted name, each once, in attribute order.

        Example:
            >>> [name for name, _ in Neuron(2, seed=0).named_parameters()]
            ['w.0', 'w.1', 'b']
        """
        out: list[tuple[str, Value]] = []
        _collect(self, "", out, set())
        return out

    def parameters(self) -> list[Value]:
        """Every parameter, each once, in the order of :meth:`named_parameters`."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set the ``.grad`` of every parameter to 0.0."""
        for p in self.parameters():
            p.grad = 0.0

    # --- state -------------------------------------------------------------------------
    def state_dict(self) -> dict[str, float]:
        """A dict mapping each parameter's name to its value (a float).

        Example:
            >>> Neuron(1, seed=0).state_dict()
            {'w.0': 0.6888437030500962, 'b': 0.0}
        """
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set every parameter from ``state`` (as :meth:`state_dict` returns it).

        Everything is checked before any parameter changes, so on error the model is
        unchanged. Gradients are left as they are, as in PyTorch.

        Args:
            state: a mapping from every parameter name to a finite int or float.

        Raises:
            ValueError: a key is missing or unexpected, or a value is not a finite number.

        Example:
            >>> a, b = Neuron(2, seed=1), Neuron(2, seed=2)
            >>> b.load_state_dict(a.state_dict())
            >>> a.state_dict() == b.state_dict()
            True
        """
        named = self.named_parameters()
        values = _check_state(state, [name for name, _ in named], "load_state_dict")
        for (_, p), v in zip(named, values, strict=True):
            p.data = v

    # --- files -------------------------------------------------------------------------
    def save(self, path: PathLike) -> None:
        """Write the model to ``path`` as JSON, atomically.

        The file holds ``format`` (``"autograd_mini.nn"``), ``version`` (1), ``class``
        (the class name), ``config`` (the constructor arguments of :meth:`config`) and
        ``parameters`` (the :meth:`state_dict`). It is written to a temporary file in the
        same directory, flushed to disk and renamed over ``path`` with ``os.replace``, so
        ``path`` always holds either the old file or the complete new one. A symbolic
        link is written through (the link stays), an existing file keeps its permission
        bits, and a temporary file left by a killed save is removed by a later one.

        Args:
            path: where to write; an existing file is replaced.

        Raises:
            ValueError: a parameter is not finite (nothing is written).
            PermissionError: ``path`` is a read-only file (it is left as it is).
            OSError: the file cannot be written (an old file at ``path`` is intact); the
                error names ``path``.
        """
        state = self.state_dict()
        for name, value in state.items():
            if not math.isfinite(value):
                raise ValueError(f"save: parameter {name!r} is not finite ({value!r})")
        document = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "class": type(self).__name__,
            "config": self.config(),
            "parameters": state,
        }
        write_atomic(path, json.dumps(document, indent=1) + "\n")

    def load(self, path: PathLike) -> None:
        """Set the parameters from a file written by :meth:`save` for this architecture.

        The whole file is checked before any parameter changes, so on error the model is
        unchanged.

        Args:
            path: a file written by :meth:`save`.

        Raises:
            ValueError: the file is not valid JSON or not a model file, was written by a
                newer format version, holds another architecture (class or config), or
                its parameters do not match this model's names or are not finite
                numbers. The message names the file.
            OSError: the file cannot be read.

        Example:
            >>> import os, tempfile
            >>> a, b = MLP(2, [3, 1], seed=1), MLP(2, [3, 1], seed=2)
            >>> with tempfile.TemporaryDirectory() as tmp:
            ...     a.save(os.path.join(tmp, "model.json"))
            ...     b.load(os.path.join(tmp, "model.json"))
            >>> a.state_dict() == b.state_dict()
            True
        """
        document = _read_model_file(path)
        _check_architecture(document, self, path)
        self._load_parameters(document, path)

    def _load_parameters(self, document: dict[str, Any], path: PathLike) -> None:
        named = self.named_parameters()
        names = [name for name, _ in named]
        state = document.get("parameters")
        where = f"{os.fspath(path)!r}"
        if not isinstance(state, dict):
            raise ValueError(f"{where}: 'parameters' must be an object (got {_describe(state)})")
        if len(state) != len(names):
            raise ValueError(
                f"{where}: the file holds {len(state)} parameters, "
                f"this {type(self).__name__} has {len(names)}"
            )
        values = _check_state(state, names, where)
        for (_, p), v in zip(named, values, strict=True):
            p.data = v


def _collect(module: Module, prefix: str, out: list[tuple[str, Value]], seen: set[Value]) -> None:
    """Every parameter under ``module`` in attribute order, depth first, without recursion.

    A module or list met again (shared, or a back-reference such as a ``parent``
    attribute) is visited once, so cycles end and deep nesting cannot overflow the stack.
    """
    visited: set[int] = {id(module)}
    stack: list[tuple[object, str]] = [
        (attr, prefix + name)
        for name, attr in reversed(list(vars(module).items()))
        if not name.startswith("_")
    ]
    while stack:
        attr, name = stack.pop()
        if isinstance(attr, Value):
            if attr not in seen:  # a shared parameter is listed once, under its first name
                seen.add(attr)
                out.append((name, attr))
            continue
        if isinstance(attr, Module):
            children = [(a, f"{name}.{n}") for n, a in vars(attr).items() if not n.startswith("_")]
        elif isinstance(attr, (list, tuple)):
            children = [(a, f"{name}.{i}") for i, a in enumerate(attr)]
        else:
            continue
        if id(attr) in visited:
            continue
        visited.add(id(attr))
        stack.extend(reversed(children))


def _check_state(state: object, names: list[str], where: str) -> list[float]:
    """The values of ``state`` in the order of ``names``, all checked; or ValueError."""
    if not isinstance(state, Mapping):
        raise ValueError(
            f"{where}: expected a mapping of names to numbers (got {_describe(state)})"
        )
    missing = [name for name in names if name not in state]
    if missing:
        raise ValueError(f"{where}: missing key(s) {_some(missing)}")
    expected = set(names)
    unexpected = [key for key in state if key not in expected]
    if unexpected:
        raise ValueError(f"{where}: unexpected key(s) {_some(unexpected)}")
    values = []
    for name in names:
        v = state[name]
        if type(v) is float or (isinstance(v, (int, float)) and not isinstance(v, bool)):
            try:
                f = float(v)
            except OverflowError:
                f = math.inf
            if math.isfinite(f):
                values.append(f)
                continue
        raise ValueError(f"{where}: {name!r} must be a finite number (got {_describe(v)})")
    return values


def _some(names: list[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


class Neuron(Module):
    """One neuron: ``activation(dot(w, x) + b)``, recorded as two nodes.

    Weights start uniform in [-1, 1] and the bias at 0, as in micrograd.

    Args:
        nin: number of inputs.
        activation: one of ``"relu"``, ``"tanh"``, ``"sigmoid"``, ``"leaky_relu"``
            (slope 0.01) or ``"linear"`` (no activation node).
        seed: an int for a reproducible initialisation, a ``random.Random`` to draw
            from, or None for a fresh random one. The global ``random`` state is
            never used.

    Raises:
        ValueError: ``nin`` is not a positive int, or ``activation`` is unknown.

    Example:
        >>> n = Neuron(2, "tanh", seed=0)
        >>> y = n([1.0, 2.0])
        >>> y.op, y.parents[0].op
        ('tanh', 'dot')
    """

    def __init__(self, nin: int, activation: str = "relu", *, seed: Seed = None) -> None:
        self._act = _activation(activation, "Neuron")
        self.nin = _count(nin, "nin", "Neuron")
        self.activation = activation
        rng = _rng(seed, "Neuron")
        self.w = [Value(rng.uniform(-1.0, 1.0)) for _ in range(nin)]
        self.b = Value(0.0)

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation}

    def forward(self, x: Inputs) -> list[Value]:
        return [self(x)]

    def __call__(self, x: Inputs) -> Value:
        out = dot(self.w, _as_inputs(x, self.nin, "Neuron"), self.b)
        act = self._act
        return out if act is None else act(out)


class Layer(Module):
    """A layer of ``nout`` neurons, each seeing all ``nin`` inputs.

    Args:
        nin: number of inputs.
        nout: number of neurons (outputs).
        activation: the activation of every neuron (see :class:`Neuron`).
        seed: an int, a ``random.Random`` or None (see :class:`Neuron`).

    Raises:
        ValueError: ``nin`` or ``nout`` is not a positive int, or ``activation`` is
            unknown.

    Example:
        >>> layer = Layer(3, 2, seed=0)
        >>> len(layer([1.0, 2.0, 3.0])), len(layer.parameters())
        (2, 8)
    """

    def __init__(self, nin: int, nout: int, activation: str = "relu", *, seed: Seed = None) -> None:
        self._act = _activation(activation, type(self).__name__)
        self.nin = _count(nin, "nin", type(self).__name__)
        self.nout = _count(nout, "nout", type(self).__name__)
        self.activation = activation
        rng = _rng(seed, type(self).__name__)
        self.neurons = [Neuron(nin, activation, seed=rng) for _ in range(nout)]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation}

    def forward(self, x: Inputs) -> list[Value]:
        return self._forward(_as_inputs(x, self.nin, type(self).__name__))

    def _forward(self, xs: list[Value]) -> list[Value]:
        """The hot path: inputs already checked; one dot and one activation per neuron."""
        act = self._act
        if act is None:
            return [dot(n.w, xs, n.b) for n in self.neurons]
        return [act(dot(n.w, xs, n.b)) for n in self.neurons]


class Linear(Layer):
    """A linear layer ``y_j = dot(w_j, x) + b_j``: linear or logistic regression.

    With a loss on logits (``bce``, ``cross_entropy``) it is logistic regression.

    Args:
        nin: number of inputs.
        nout: number of outputs.
        seed: an int, a ``random.Random`` or None (see :class:`Neuron`).

    Example:
        >>> model = Linear(3, 1, seed=0)
        >>> model([1.0, 2.0, 3.0]).op
        'dot'
    """

    def __init__(self, nin: int, nout: int = 1, *, seed: Seed = None) -> None:
        super().__init__(nin, nout, "linear", seed=seed)

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout}


class MLP(Module):
    """A multi-layer perceptron: hidden layers with ``activation``, a linear last layer.

    Args:
        nin: number of inputs.
        nouts: the width of each layer, the last one being the number of outputs
            (``[16, 16, 1]``: two hidden layers of 16 and one output).
        activation: the activation of the hidden layers (see :class:`Neuron`).
        seed: an int, a ``random.Random`` or None (see :class:`Neuron`).

    Raises:
        ValueError: a size is not a positive int, ``nouts`` is empty, or
            ``activation`` is unknown.

    Example:
        >>> model = MLP(3, [4, 4, 2], "tanh", seed=0)
        >>> out = model([1.0, 2.0, 3.0])
        >>> len(out), out[0].op
        (2, 'dot')
    """

    def __init__(
        self, nin: int, nouts: Sequence[int], activation: str = "relu", *, seed: Seed = None
    ) -> None:
        _activation(activation, "MLP")
        self.nin = _count(nin, "nin", "MLP")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(
                f"MLP: nouts must be a non-empty list of layer widths (got {_describe(nouts)})"
            )
        self.nouts = [_count(n, "each layer width", "MLP") for n in nouts]
        self.activation = activation
        rng = _rng(seed, "MLP")
        sizes = [nin, *self.nouts]
        last = len(self.nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], "linear" if i == last else activation, seed=rng)
            for i in range(len(self.nouts))
        ]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nouts": list(self.nouts), "activation": self.activation}

    def forward(self, x: Inputs) -> list[Value]:
        xs = _as_inputs(x, self.nin, "MLP")
        for layer in self.layers:
            xs = layer._forward(xs)
        return xs


# The architectures load_model can rebuild, by the class name a file records.
_ARCHITECTURES: dict[str, type[Module]] = {
    cls.__name__: cls for cls in (Neuron, Layer, Linear, MLP)
}


def load_model(path: PathLike) -> Module:
    """Rebuild a built-in model (``Neuron``, ``Layer``, ``Linear``, ``MLP``) from its file.

    For a custom ``Module``, build it and call :meth:`Module.load` instead.

    Args:
        path: a file written by :meth:`Module.save`.

    Returns:
        A new model with the file's architecture and parameters.

    Raises:
        ValueError: the file is invalid (see :meth:`Module.load`) or its class is not a
            built-in architecture.
        OSError: the file cannot be read.

    Example:
        >>> import os, tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     MLP(2, [4, 1], "tanh", seed=0).save(os.path.join(tmp, "model.json"))
        ...     load_model(os.path.join(tmp, "model.json"))
        MLP(nin=2, nouts=[4, 1], activation='tanh')
    """
    document = _read_model_file(path)
    where = f"{os.fspath(path)!r}"
    name, config = document.get("class"), document.get("config")
    if not isinstance(name, str) or name not in _ARCHITECTURES:
        valid = ", ".join(_ARCHITECTURES)
        raise ValueError(
            f"{where}: cannot rebuild class {name!r} (load_model knows {valid}); "
            "build the model yourself and call model.load(path)"
        )
    if not isinstance(config, dict):
        raise ValueError(f"{where}: 'config' must be an object (got {_describe(config)})")
    # Count the parameters the config asks for before building anything: a tiny file
    # must not make us allocate a model of 10**10 parameters.
    wanted = _parameter_count(name, config)
    state = document.get("parameters")
    held = len(state) if isinstance(state, dict) else 0
    if wanted is not None and wanted != held:
        raise ValueError(
            f"{where}: the config {_cut(repr(config))} of {name} needs {wanted:,} parameters "
            f"but the file holds {held:,}"
        )
    try:
        model = _ARCHITECTURES[name](**config)
    except (TypeError, ValueError) as e:
        raise ValueError(
            f"{where}: invalid config {_cut(repr(config))} for {name} ({_cut(str(e))})"
        ) from None
    _check_architecture(document, model, path)
    model._load_parameters(document, path)
    return model


def _parameter_count(name: str, config: dict[str, Any]) -> int | None:
    """How many parameters ``name(**config)`` has, computed without building it.

    None when the config is not well-formed (the constructor then says what is wrong).
    """

    def size(key: str) -> int | None:
        v = config.get(key)
        return int(v) if type(v) is int and v >= 1 else None

    nin = size("nin")
    if nin is None:
        return None
    if name == "Neuron":
        return nin + 1
    if name in ("Layer", "Linear"):
        nout = 1 if name == "Linear" and "nout" not in config else size("nout")
        return None if nout is None else nout * (nin + 1)
    nouts = config.get("nouts")
    if not isinstance(nouts, list) or not nouts or any(
        type(v) is not int or v < 1 for v in nouts
    ):
        return None
    sizes: list[int] = [nin, *(int(v) for v in nouts)]
    return sum(sizes[i + 1] * (sizes[i] + 1) for i in range(len(nouts)))


def _cut(text: str, limit: int = 200) -> str:
    """``text`` for an error message: at most ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- files ---------------------------------------------------------------------------------
def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _read_model_file(path: PathLike) -> dict[str, Any]:
    """The parsed file, checked to be a model file of a version this module reads."""
    where = f"{os.fspath(path)!r}"
    with open(path, encoding="utf-8") as f:
        try:
            document = json.load(f, object_pairs_hook=_no_duplicates)
        except ValueError as e:  # JSONDecodeError, UnicodeDecodeError, duplicate keys
            raise ValueError(f"{where}: not a valid JSON model file ({_cut(str(e))})") from None
        except RecursionError:  # arrays or objects nested thousands deep
            raise ValueError(
                f"{where}: not a valid JSON model file (nested too deeply to read)"
            ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{where}: not an autograd_mini model file (no format {FORMAT!r})")
    version = document.get("version")
    if type(version) is not int or not 1 <= version <= FORMAT_VERSION:
        raise ValueError(
            f"{where}: unsupported format version {version!r} (this version reads "
            f"{FORMAT_VERSION}{'; upgrade autograd_mini' if type(version) is int else ''})"
        )
    return document


def _check_architecture(document: dict[str, Any], model: Module, path: PathLike) -> None:
    name, config = document.get("class"), document.get("config")
    # Compare with the model's config as JSON would give it back (tuples become lists).
    expected = json.loads(json.dumps(model.config()))
    if name != type(model).__name__ or config != expected:
        if isinstance(config, dict):
            shown = ", ".join(f"{k}={v!r}" for k, v in config.items())
        else:
            shown = repr(config)
        raise ValueError(
            f"{os.fspath(path)!r}: architecture mismatch: the file holds {name}({shown}), "
            f"the model is {model!r}"
        )
