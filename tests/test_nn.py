"""Networks: shapes, initialisation, forward and backward, state dicts and JSON files."""

from __future__ import annotations

import doctest
import json
import math
import os
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import autograd_mini.nn
from autograd_mini import Value
from autograd_mini.nn import ACTIVATIONS, MLP, Layer, Linear, Module, Neuron, load_model


def close(a: float, b: float, *, rtol: float = 1e-6, atol: float = 1e-6) -> bool:
    return abs(a - b) <= atol + rtol * abs(b)


def act(name: str, x: float) -> float:
    """Each activation on plain floats, written from its textbook definition."""
    if name == "relu":
        return max(x, 0.0)
    if name == "tanh":
        return math.tanh(x)
    if name == "sigmoid":
        return 1.0 / (1.0 + math.exp(-x))
    if name == "leaky_relu":
        return x if x > 0 else 0.01 * x
    return x


def mlp_by_hand(model: MLP, x: Sequence[float]) -> list[float]:
    """The MLP's forward pass with plain floats, read off its parameters."""
    xs = list(x)
    for i, layer in enumerate(model.layers):
        name = "linear" if i == len(model.layers) - 1 else model.activation
        xs = [
            act(name, sum(w.data * xi for w, xi in zip(n.w, xs, strict=True)) + n.b.data)
            for n in layer.neurons
        ]
    return xs


# --- shapes ---------------------------------------------------------------------------------
def test_parameter_counts() -> None:
    """MLP(2, [16, 16, 1]) has micrograd's 337 parameters; each block counts w and b."""
    assert len(MLP(2, [16, 16, 1], seed=0).parameters()) == 337
    assert len(Neuron(3, seed=0).parameters()) == 4
    assert len(Layer(3, 2, seed=0).parameters()) == 8
    assert len(Linear(3, 2, seed=0).parameters()) == 8


def test_width_one_hidden_layer_works() -> None:
    """A hidden layer of width 1 feeds the next layer (micrograd's unwrapping breaks it)."""
    model = MLP(2, [1, 3], seed=0)
    out = model([0.5, -1.0])
    assert isinstance(out, list) and len(out) == 3
    deep = MLP(1, [1, 1, 1], "tanh", seed=0)
    y = deep([0.3])
    assert isinstance(y, Value)
    y.backward()
    assert all(math.isfinite(p.grad) for p in deep.parameters())


def test_output_is_a_value_for_one_output_and_a_list_otherwise() -> None:
    """Calling a model gives a Value for one output, a list of Values for several."""
    assert isinstance(MLP(2, [4, 1], seed=0)([1.0, 2.0]), Value)
    assert isinstance(Layer(2, 1, seed=0)([1.0, 2.0]), Value)
    assert isinstance(Neuron(2, seed=0)([1.0, 2.0]), Value)
    assert isinstance(Linear(2, 1, seed=0)([1.0, 2.0]), Value)
    out = MLP(2, [4, 2], seed=0)([1.0, 2.0])
    assert isinstance(out, list) and all(isinstance(v, Value) for v in out)
    assert len(MLP(2, [4, 1], seed=0).forward([1.0, 2.0])) == 1


def test_input_length_mismatch_names_expected_and_actual() -> None:
    """A wrong number of inputs is a ValueError naming the expected and actual lengths."""
    for model in (MLP(2, [3, 1], seed=0), Layer(2, 3, seed=0), Neuron(2, seed=0)):
        with pytest.raises(ValueError, match="expected 2 inputs, got 3"):
            model([1.0, 2.0, 3.0])


def test_inputs_may_be_values_or_numbers() -> None:
    """Values and plain numbers as inputs give the same output, and Values get gradients."""
    model = MLP(2, [3, 1], "tanh", seed=0)
    x = [Value(0.5), Value(-1.0)]
    y = model(x)
    assert isinstance(y, Value)
    assert y.data == model([0.5, -1]).data  # type: ignore[union-attr]
    y.backward()
    assert any(xi.grad != 0.0 for xi in x)


def test_bad_constructor_arguments_fail_at_construction() -> None:
    """Non-positive or non-int sizes and empty layer lists are refused when building."""
    with pytest.raises(ValueError, match="nin must be a positive int"):
        MLP(0, [1])
    with pytest.raises(ValueError, match="nouts must be a non-empty list"):
        MLP(2, [])
    with pytest.raises(ValueError, match="each layer width must be a positive int"):
        MLP(2, [3, 0])
    with pytest.raises(ValueError, match="nout must be a positive int"):
        Layer(2, 0)
    with pytest.raises(ValueError, match="nin must be a positive int"):
        Neuron(True)


# --- initialisation ---------------------------------------------------------------------------
def test_seeded_init_is_reproducible_and_seeds_differ() -> None:
    """The same seed gives the same parameters; different seeds give different ones."""
    a = MLP(2, [8, 1], seed=42).state_dict()
    assert a == MLP(2, [8, 1], seed=42).state_dict()
    assert a != MLP(2, [8, 1], seed=43).state_dict()
    assert Neuron(3, seed=1).state_dict() == Neuron(3, seed=1).state_dict()


def test_init_is_micrographs_and_leaves_global_random_alone() -> None:
    """Weights lie in [-1, 1], biases are 0, and the global random state is untouched."""
    state = random.getstate()
    model = MLP(3, [16, 16, 1])
    assert random.getstate() == state
    for name, p in model.named_parameters():
        if name.endswith(".b"):
            assert p.data == 0.0
        else:
            assert -1.0 <= p.data <= 1.0


# --- activations and the recorded graph -----------------------------------------------------
@pytest.mark.parametrize("name", ["relu", "tanh", "sigmoid", "leaky_relu", "linear"])
def test_activations_by_name(name: str) -> None:
    """Each activation name records that op after the dot node ('linear' records none)."""
    assert name in ACTIVATIONS
    n = Neuron(2, name, seed=0)
    y = n([0.3, -0.7])
    if name == "linear":
        assert y.op == "dot"
    else:
        assert y.op == name
        assert y.parents[0].op == "dot"
    z = sum(w.data * x for w, x in zip(n.w, [0.3, -0.7], strict=True)) + n.b.data
    assert y.data == pytest.approx(act(name, z), rel=1e-12, abs=1e-15)


def test_unknown_activation_lists_the_valid_ones() -> None:
    """An unknown activation name is a ValueError listing every valid name."""
    for build in (
        lambda: Neuron(2, "gelu"),
        lambda: Layer(2, 2, "gelu"),
        lambda: MLP(2, [1], "gelu"),
    ):
        with pytest.raises(ValueError, match="unknown activation 'gelu'.*'relu'.*'linear'"):
            build()


def test_neuron_forward_is_one_dot_node_then_the_activation() -> None:
    """A neuron records dot(w, x, b) over exactly its weights, inputs and bias, then one op."""
    n = Neuron(3, "tanh", seed=0)
    x = [Value(1.0), Value(2.0), Value(3.0)]
    y = n(x)
    assert y.op == "tanh"
    (d,) = y.parents
    assert d.op == "dot"
    assert [id(p) for p in d.parents] == [id(p) for p in (*n.w, *x, n.b)]


def test_mlp_records_two_nodes_per_hidden_neuron_and_one_per_output() -> None:
    """Every hidden neuron is dot + activation and the last layer is a bare dot (linear)."""
    model = MLP(2, [3, 2], "relu", seed=0)
    outs = model([1.0, 2.0])
    assert isinstance(outs, list)
    for out in outs:
        assert out.op == "dot"
        hidden = out.parents[len(model.layers[1].neurons[0].w) : -1]
        assert [h.op for h in hidden] == ["relu"] * 3
        assert all(h.parents[0].op == "dot" for h in hidden)


# --- forward and backward against hand computation -------------------------------------------
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu", "linear"])
def test_forward_equals_hand_computation(activation: str) -> None:
    """The MLP output equals the same network computed with plain floats."""
    model = MLP(3, [4, 3, 2], activation, seed=7)
    for x in ([0.5, -1.0, 2.0], [0.0, 0.0, 0.0], [-3.0, 1.5, 0.25]):
        got = [v.data for v in model.forward(x)]
        want = mlp_by_hand(model, x)
        assert got == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_backward_equals_finite_differences() -> None:
    """Backprop through a tiny MLP equals central differences for parameters and inputs."""
    model = MLP(2, [3, 2, 1], "tanh", seed=3)
    x = [0.4, -0.9]

    def f(xs: Sequence[float]) -> float:
        return float(mlp_by_hand(model, xs)[0])

    xv = [Value(v) for v in x]
    y = model(xv)
    assert isinstance(y, Value)
    y.backward()
    h = 1e-6
    for p in model.parameters():
        old = p.data
        p.data = old + h
        up = f(x)
        p.data = old - h
        down = f(x)
        p.data = old
        assert close(p.grad, (up - down) / (2 * h)), p
    for i, xi in enumerate(xv):
        up_x, down_x = list(x), list(x)
        up_x[i] += h
        down_x[i] -= h
        assert close(xi.grad, (f(up_x) - f(down_x)) / (2 * h))


def test_zero_grad_resets_every_parameter() -> None:
    """zero_grad sets every parameter's gradient back to 0.0."""
    model = MLP(2, [3, 1], "tanh", seed=0)
    y = model([1.0, 2.0])
    assert isinstance(y, Value)
    y.backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


# --- names and state dicts -------------------------------------------------------------------
def test_named_parameters_use_dotted_paths() -> None:
    """Parameters are named by dotted attribute path, weights before bias, in order."""
    names = [name for name, _ in MLP(2, [3, 1], seed=0).named_parameters()]
    assert names[:4] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
    ]
    assert names[-1] == "layers.1.neurons.0.b"
    assert [n for n, _ in Linear(2, 1, seed=0).named_parameters()] == [
        "neurons.0.w.0",
        "neurons.0.w.1",
        "neurons.0.b",
    ]


def test_custom_module_finds_nested_and_shared_parameters_once() -> None:
    """A user Module's Values, lists and sub-modules are found; a shared one is listed once."""

    class Tied(Module):
        def __init__(self) -> None:
            self.scale = Value(2.0)
            self.pair = [Value(1.0), [Value(3.0)]]
            self.inner = Neuron(1, "linear", seed=0)
            self.again = self.scale
            self._hidden = Value(9.0)

        def forward(self, x: Any) -> list[Value]:
            return [self.scale * self.inner(x)]

    named = Tied().named_parameters()
    assert [n for n, _ in named] == ["scale", "pair.0", "pair.1.0", "inner.w.0", "inner.b"]


def test_state_dict_round_trip() -> None:
    """load_state_dict(state_dict()) copies a model's parameters into another."""
    a, b = MLP(2, [4, 1], seed=1), MLP(2, [4, 1], seed=2)
    state = a.state_dict()
    assert all(type(v) is float for v in state.values())
    b.load_state_dict(state)
    assert b.state_dict() == state
    assert b([0.3, 0.4]).data == a([0.3, 0.4]).data  # type: ignore[union-attr]
    b.load_state_dict({k: 1 for k in state})  # ints are numbers too
    assert set(b.state_dict().values()) == {1.0}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.pop("layers.1.neurons.0.b"), "missing key.*'layers.1.neurons.0.b'"),
        (lambda s: s.update(extra=1.0), "unexpected key.*'extra'"),
        (
            lambda s: s.update({"layers.1.neurons.0.b": math.nan}),
            "'layers.1.neurons.0.b' must be a finite",
        ),
        (lambda s: s.update({"layers.1.neurons.0.b": math.inf}), "must be a finite number"),
        (lambda s: s.update({"layers.1.neurons.0.b": "0.5"}), "must be a finite number"),
        (lambda s: s.update({"layers.1.neurons.0.b": True}), "must be a finite number"),
        (lambda s: s.update({"layers.1.neurons.0.b": 10**400}), "must be a finite number"),
    ],
)
def test_load_state_dict_refuses_bad_input_and_leaves_model_unchanged(
    change: Any, message: str
) -> None:
    """A missing, unexpected or non-finite entry is a ValueError and changes nothing."""
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    state = {k: 0.5 for k in before}  # every valid entry differs from the model
    change(state)
    with pytest.raises(ValueError, match=message):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_load_state_dict_refuses_a_non_mapping() -> None:
    """A list of values instead of a name -> value mapping is refused."""
    with pytest.raises(ValueError, match="expected a mapping"):
        Neuron(1, seed=0).load_state_dict([0.5, 0.0])  # type: ignore[arg-type]


# --- files ------------------------------------------------------------------------------------
def test_save_load_round_trip(tmp_path: Path) -> None:
    """save then load restores every parameter exactly into a same-architecture model."""
    path = tmp_path / "model.json"
    a, b = MLP(2, [16, 16, 1], seed=1), MLP(2, [16, 16, 1], seed=2)
    a.save(path)
    b.load(path)
    assert b.state_dict() == a.state_dict()
    b.load(str(path))  # str paths work too
    assert b.state_dict() == a.state_dict()


@pytest.mark.parametrize(
    "model",
    [
        MLP(3, [4, 2], "tanh", seed=0),
        Linear(2, 1, seed=0),
        Layer(2, 3, "sigmoid", seed=0),
        Neuron(2, "leaky_relu", seed=0),
    ],
    ids=repr,
)
def test_load_model_rebuilds_the_architecture(tmp_path: Path, model: Module) -> None:
    """load_model rebuilds a built-in model of the same class, config and parameters."""
    path = tmp_path / "m.json"
    model.save(path)
    loaded = load_model(path)
    assert type(loaded) is type(model)
    assert repr(loaded) == repr(model)
    assert loaded.state_dict() == model.state_dict()


def test_file_is_json_with_format_architecture_and_parameters(tmp_path: Path) -> None:
    """The file is plain JSON (not pickle) holding format, version, class, config, parameters."""
    path = tmp_path / "model.json"
    model = MLP(2, [3, 1], "tanh", seed=0)
    model.save(path)
    raw = path.read_bytes()
    assert raw.startswith(b"{")
    document = json.loads(raw.decode("utf-8"))
    assert document["format"] == "autograd_mini.nn"
    assert document["version"] == 1
    assert document["class"] == "MLP"
    assert document["config"] == {"nin": 2, "nouts": [3, 1], "activation": "tanh"}
    assert document["parameters"] == model.state_dict()


def test_save_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the final rename fails, the old file is intact and no temporary file is left."""
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=0).save(path)
    old = path.read_bytes()
    synced = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        MLP(2, [3, 1], seed=1).save(path)
    assert synced  # the new data was flushed to disk before the rename
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]


def test_save_refuses_non_finite_parameters(tmp_path: Path) -> None:
    """A NaN parameter (set by hand) is refused and nothing is written."""
    model = Neuron(2, seed=0)
    model.w[1].data = math.nan
    with pytest.raises(ValueError, match="'w.1' is not finite"):
        model.save(tmp_path / "n.json")
    assert list(tmp_path.iterdir()) == []


def _edit(document: dict[str, Any], change: str) -> str:
    params = document["parameters"]
    first = next(iter(params))
    if change == "format":
        document["format"] = "pickle"
    elif change == "version":
        document["version"] = 2
    elif change == "class":
        document["class"] = "Layer"
    elif change == "config":
        document["config"]["nouts"] = [4, 1]
    elif change == "count":
        params.pop(first)
    elif change == "missing":
        params["renamed"] = params.pop(first)
    elif change == "bool":
        params[first] = True
    elif change == "string":
        params[first] = "0.5"
    elif change == "parameters":
        document["parameters"] = list(params.values())
    text = json.dumps(document)
    if change == "nan":
        text = text.replace(json.dumps(params[first]), "NaN", 1)
    elif change == "overflow":
        text = text.replace(json.dumps(params[first]), "1e999", 1)
    elif change == "duplicate":
        text = text.replace('"parameters": {', f'"parameters": {{"{first}": 0.5, ', 1)
    return text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("format", "not an autograd_mini model file"),
        ("version", "unsupported format version 2"),
        ("class", "architecture mismatch: the file holds Layer"),
        ("config", r"architecture mismatch: the file holds MLP\(nin=2, nouts=\[4, 1\]"),
        ("count", "the file holds 12 parameters, this MLP has 13"),
        ("missing", "missing key.*'layers.0.neurons.0.w.0'"),
        ("bool", "must be a finite number"),
        ("string", "must be a finite number"),
        ("parameters", "'parameters' must be an object"),
        ("nan", "'layers.0.neurons.0.w.0' must be a finite number"),
        ("overflow", "must be a finite number"),
        ("duplicate", "duplicate key"),
    ],
)
def test_load_refuses_bad_files_and_leaves_model_unchanged(
    tmp_path: Path, change: str, message: str
) -> None:
    """A file of another format or architecture, or with bad numbers, changes nothing."""
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=1).save(path)
    path.write_text(_edit(json.loads(path.read_text()), change))
    model = MLP(2, [3, 1], seed=2)
    before = model.state_dict()
    with pytest.raises(ValueError, match=message) as info:
        model.load(path)
    assert str(path) in str(info.value)
    assert model.state_dict() == before


@pytest.mark.parametrize("text", ["", "{", "[1, 2]", "null", '{"format": 1}', "\udcff"])
def test_load_refuses_non_model_json(tmp_path: Path, text: str) -> None:
    """Empty, truncated or non-object files are ValueErrors naming the file."""
    path = tmp_path / "bad.json"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    model = Neuron(1, seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match="bad.json"):
        model.load(path)
    with pytest.raises(ValueError, match="bad.json"):
        load_model(path)
    assert model.state_dict() == before


def test_load_model_refuses_unknown_classes_and_bad_configs(tmp_path: Path) -> None:
    """load_model only rebuilds built-in classes, from a config their constructor accepts."""
    path = tmp_path / "m.json"
    Neuron(1, seed=0).save(path)
    document = json.loads(path.read_text())
    path.write_text(json.dumps({**document, "class": "Transformer"}))
    with pytest.raises(ValueError, match="cannot rebuild class 'Transformer'.*model.load"):
        load_model(path)
    path.write_text(json.dumps({**document, "config": {"nin": 1, "size": 3}}))
    with pytest.raises(ValueError, match="invalid config"):
        load_model(path)


# --- presentation -----------------------------------------------------------------------------
def test_repr_shows_the_architecture() -> None:
    """repr shows the class and the constructor arguments that fix the architecture."""
    assert repr(MLP(2, [16, 16, 1], seed=0)) == "MLP(nin=2, nouts=[16, 16, 1], activation='relu')"
    assert repr(Layer(2, 3, "tanh", seed=0)) == "Layer(nin=2, nout=3, activation='tanh')"
    assert repr(Linear(3, 1, seed=0)) == "Linear(nin=3, nout=1)"
    assert repr(Neuron(2, seed=0)) == "Neuron(nin=2, activation='relu')"


def test_doctests_pass() -> None:
    """Every example in the nn module's docstrings runs and gives the shown result."""
    result = doctest.testmod(autograd_mini.nn)
    assert result.attempted > 0
    assert result.failed == 0


# --- issue 8: seeds, cycles, hostile files, writing through links ---------------------------
def _seeded_constructors() -> dict[str, Any]:
    """Every public callable of nn and datasets that takes a seed, with minimal arguments."""
    from autograd_mini import datasets

    return {
        "Neuron": lambda seed: Neuron(2, seed=seed),
        "Layer": lambda seed: Layer(2, 2, seed=seed),
        "Linear": lambda seed: Linear(2, 1, seed=seed),
        "MLP": lambda seed: MLP(2, [2, 1], seed=seed),
        "make_moons": lambda seed: datasets.make_moons(4, noise=0.1, seed=seed),
        "make_blobs": lambda seed: datasets.make_blobs(4, seed=seed),
        "make_regression": lambda seed: datasets.make_regression(4, noise=0.1, seed=seed),
        "make_xor": lambda seed: datasets.make_xor(4, noise=0.1, seed=seed),
        "train_test_split": lambda seed: datasets.train_test_split([1, 2], [3, 4], seed=seed),
    }


def test_the_seed_sweep_covers_every_seeded_constructor() -> None:
    """Every public function or class of nn and datasets with a seed is in the sweep."""
    import inspect

    from autograd_mini import datasets

    seeded = {
        name
        for module in (autograd_mini.nn, datasets)
        for name in module.__all__
        if callable(obj := getattr(module, name))
        and "seed" in inspect.signature(obj).parameters
    }
    assert seeded == set(_seeded_constructors())


@pytest.mark.parametrize("name", sorted(_seeded_constructors()))
def test_negative_seeds_are_refused_not_aliased(name: str) -> None:
    """seed=-7 would silently give seed=7's numbers: every seeded constructor refuses it."""
    build = _seeded_constructors()[name]
    build(7)
    with pytest.raises(ValueError, match=r"seed must be an int >= 0.*got -7"):
        build(-7)
    with pytest.raises(TypeError, match="seed must be an int"):
        build(1.5)


class _Child(Module):
    def __init__(self, parent: Module) -> None:
        self.parent = parent  # a back-reference: a cycle in the attribute graph
        self.w = Value(1.0)


class _Parent(Module):
    def __init__(self) -> None:
        self.a = Value(2.0)
        self.children = [_Child(self), _Child(self)]
        self.children.append(self.children)  # a list that holds itself


def test_a_back_reference_to_the_parent_is_followed_once(tmp_path: Path) -> None:
    """parameters(), state_dict() and save() end on cyclic modules and list each once."""
    model = _Parent()
    assert [n for n, _ in model.named_parameters()] == ["a", "children.0.w", "children.1.w"]
    assert model.state_dict() == {"a": 2.0, "children.0.w": 1.0, "children.1.w": 1.0}
    model.save(tmp_path / "m.json")
    assert json.loads((tmp_path / "m.json").read_text())["parameters"] == model.state_dict()


def test_very_deep_modules_do_not_overflow_the_stack() -> None:
    """A chain of 3,000 nested modules (past the recursion limit) lists its parameters."""
    root = Neuron(1, seed=0)
    node: Any = root
    for _ in range(3_000):
        node.inner = Neuron(1, seed=0)
        node = node.inner
    names = [n for n, _ in root.named_parameters()]
    assert len(names) == 2 * 3_001 and names[2] == "inner.w.0"


@pytest.mark.parametrize(
    "text", ["[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000]
)
def test_deeply_nested_json_is_a_value_error(tmp_path: Path, text: str) -> None:
    """A model file nested 100,000 deep is a ValueError naming the file, not RecursionError."""
    path = tmp_path / "deep.json"
    path.write_text(text)
    for read in (load_model, Neuron(1, seed=0).load):
        with pytest.raises(ValueError, match="deep.json.*nested too deeply"):
            read(path)


@pytest.mark.parametrize("cls, config, count", [
    ("MLP", {"nin": 100000, "nouts": [100000, 1]}, 10_000_200_001),
    ("Neuron", {"nin": 10**12}, 10**12 + 1),
    ("Layer", {"nin": 10**6, "nout": 10**6}, (10**6 + 1) * 10**6),
    ("Linear", {"nin": 10**9}, 10**9 + 1),
])
def test_load_model_checks_the_parameter_count_before_building(
    tmp_path: Path, cls: str, config: dict[str, Any], count: int
) -> None:
    """A tiny file asking for a huge model is refused at once, before any allocation."""
    import time

    path = tmp_path / "huge.json"
    path.write_text(json.dumps({"format": "autograd_mini.nn", "version": 1, "class": cls,
                                "config": config, "parameters": {"w.0": 1.0}}))
    start = time.perf_counter()
    with pytest.raises(ValueError, match=f"needs {count:,} parameters but the file holds 1"):
        load_model(path)
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize("model", [Neuron(3, seed=0), Layer(2, 3, seed=0), Linear(2, seed=0),
                                   MLP(2, [3, 2], seed=0)], ids=repr)
def test_parameter_count_from_the_config_matches_every_architecture(model: Module) -> None:
    """The count load_model computes from a config equals the built model's, for each class."""
    from autograd_mini.nn import _parameter_count

    config = json.loads(json.dumps(model.config()))
    assert _parameter_count(type(model).__name__, config) == len(model.parameters())


def test_save_writes_through_a_symlink(tmp_path: Path) -> None:
    """Saving to a symlink replaces the file it points to; the link stays a link."""
    real = tmp_path / "real.json"
    link = tmp_path / "link.json"
    Neuron(2, seed=0).save(real)
    link.symlink_to(real)
    new = Neuron(2, seed=1)
    new.save(link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert json.loads(real.read_text())["parameters"] == new.state_dict()


def test_save_keeps_the_file_mode(tmp_path: Path) -> None:
    """An existing 0600 file stays 0600 after save (no reset to the umask's 0644)."""
    path = tmp_path / "model.json"
    Neuron(2, seed=0).save(path)
    os.chmod(path, 0o600)
    Neuron(2, seed=1).save(path)
    assert (os.stat(path).st_mode & 0o777) == 0o600


def test_save_refuses_a_read_only_file(tmp_path: Path) -> None:
    """A read-only file is not replaced: PermissionError naming it, old content intact."""
    path = tmp_path / "model.json"
    Neuron(2, seed=0).save(path)
    os.chmod(path, 0o444)
    old = path.read_bytes()
    with pytest.raises(PermissionError, match="read-only") as info:
        Neuron(2, seed=1).save(path)
    assert info.value.filename == str(path) and path.read_bytes() == old


def test_save_removes_stale_temporary_files_of_its_own(tmp_path: Path) -> None:
    """A temp file left by a killed writer is removed once old; a young one and others stay."""
    path = tmp_path / "model.json"
    stale = tmp_path / ".model.json.0123456789ab.tmp"
    young = tmp_path / ".model.json.ba9876543210.tmp"
    other = tmp_path / ".other.json.0123456789ab.tmp"
    for p in (stale, young, other):
        p.write_text("partial")
    hour_ago = os.stat(stale).st_mtime - 3600
    os.utime(stale, (hour_ago, hour_ago))
    os.utime(other, (hour_ago, hour_ago))
    Neuron(2, seed=0).save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [path.name, young.name, other.name])


def test_save_errors_name_the_path_not_the_temporary_file(tmp_path: Path) -> None:
    """Writing into a missing folder raises an OSError whose filename is the user's path."""
    path = tmp_path / "missing" / "model.json"
    with pytest.raises(FileNotFoundError) as info:
        Neuron(2, seed=0).save(path)
    assert info.value.filename == str(path) and ".tmp" not in str(info.value)
