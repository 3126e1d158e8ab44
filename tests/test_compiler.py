"""Compiled mode: generated code equals the eager engine, bit for bit, and fails clearly."""

from __future__ import annotations

import math
import warnings
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import Value, compiler, datasets, fit, losses, nn, optim
from autograd_mini.compiler import (
    CompileError,
    TraceError,
    TraceMismatchError,
    TracerWarning,
    trace_program,
)
from autograd_mini.ops import OPS
from tests.strategies import DOMAINS, call, dag_function, dag_leaves, dag_steps, reals


def eager(f: Any, args: list[float]) -> tuple[float, tuple[float, ...]]:
    value, grads = am.value_and_grad(f, argnums=tuple(range(len(args))))(*args)
    return value, grads


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_every_op_compiles_to_the_eager_result(name: str, data: st.DataObject) -> None:
    """Each op's generated forward and backward equal the engine's exactly."""
    inputs, const = data.draw(DOMAINS[name])
    if not inputs:
        return

    def f(*xs: Value) -> Value:
        return call(name, list(xs), const)

    compiled = am.compile(f)
    assert compiled(*inputs) == eager(f, inputs)
    other, _ = data.draw(DOMAINS[name])  # a second point through the same trace
    if len(other) == len(inputs):
        assert compiled(*other) == eager(f, other)


@given(steps=dag_steps, leaves=dag_leaves, shift=reals(-0.01, 0.01))
def test_random_dags_compile_to_the_eager_result(
    steps: list[tuple[int, int, int]], leaves: list[float], shift: float
) -> None:
    """Random DAGs of every op, nodes reused: compiled equals eager at two points."""
    f = dag_function(steps)
    compiled = am.compile(f)
    assert compiled(*leaves) == eager(f, leaves)
    moved = [x + shift for x in leaves]
    assert compiled(*moved) == eager(f, moved)


def test_micrograd_demo_step_compiles_to_the_eager_result() -> None:
    """Several SGD steps of micrograd's demo compiled equal the eager steps to the bit."""
    X, y = datasets.make_moons(40, noise=0.1, seed=0)

    def make() -> tuple[nn.MLP, list[Value]]:
        model = nn.MLP(2, [16, 16, 1], seed=0)
        return model, model.parameters()

    model_e, params_e = make()
    model_c, params_c = make()

    def run() -> tuple[Value, list[Any]]:
        loss = losses.hinge([model_c(x) for x in X], y) + 1e-4 * losses.l2(params_c)
        return loss, []

    program = trace_program(run, params_c, list(range(len(params_c))))
    for _ in range(3):
        for p in params_e:
            p.grad = 0.0
        loss = losses.hinge([model_e(x) for x in X], y) + 1e-4 * losses.l2(params_e)
        loss.backward()
        value, grads = program.fn(*[p.data for p in params_c])
        assert value == loss.data
        assert list(grads) == [p.grad for p in params_e]
        for pe, pc, g in zip(params_e, params_c, grads):
            pe.data -= 0.1 * pe.grad
            pc.data -= 0.1 * g


def test_retraces_on_a_new_structure_and_caches() -> None:
    """A new number of arguments traces again; a known one reuses its code."""
    compiled = am.compile(lambda *xs: am.sum([x * x for x in xs]))
    assert compiled(1.0, 2.0) == (5.0, (2.0, 4.0))
    assert compiled(3.0, 1.0) == (10.0, (6.0, 2.0))
    assert compiled.traces == 1
    assert compiled(1.0, 2.0, 3.0) == (14.0, (2.0, 4.0, 6.0))
    assert compiled.traces == 2


def test_argnums_and_aux() -> None:
    """argnums picks the gradients; has_aux returns extra outputs' data."""
    f = am.compile(lambda x, y: x * y, argnums=1)
    assert f(3.0, 4.0) == (12.0, 3.0)
    g = am.compile(lambda x: (x * x, [x + 1.0, 2.0]), has_aux=True)
    assert g(3.0) == ((9.0, (4.0, 2.0)), (6.0,))


def test_source_is_readable() -> None:
    """The generated code names arguments and labelled nodes and has one line per node."""

    def neuron(x: Value, w: Value, b: Value) -> Value:
        z = x * w + b
        z.label = "z"
        return z.tanh()

    compiled = am.compile(neuron)
    compiled(1.0, 2.0, 0.5)
    source = compiled.source
    assert source.startswith("def neuron(x, w, b):")
    assert "z = " in source and "tanh(z)" in source
    assert "return " in source.splitlines()[-1]
    assert len(source.splitlines()) < 20


def test_source_before_any_call_is_an_error() -> None:
    """Asking for source before the first call says to call it first."""
    with pytest.raises(RuntimeError, match="call the compiled function first"):
        _ = am.compile(lambda x: x).source


def test_captured_values_are_read_on_every_call() -> None:
    """A Value f reads from outside is read afresh, so updating it is seen."""
    w = Value(2.0)
    compiled = am.compile(lambda x: x * w)
    assert compiled(3.0) == (6.0, (2.0,))
    w.data = 5.0
    assert compiled(3.0) == (15.0, (5.0,))


def test_comparison_during_tracing_warns_and_verify_catches_it() -> None:
    """Control flow on data warns at trace time, and verify finds the wrong branch."""

    def f(x: Value) -> Value:
        return x * 2.0 if x > 0 else x * x

    with pytest.warns(TracerWarning, match="> on Value"):
        compiled = am.compile(f, verify=5)
        assert compiled(1.0) == (2.0, (2.0,))
    assert compiled.unsafe and "> on Value" in compiled.unsafe[0]
    with pytest.raises(TraceMismatchError, match="differs from the eager engine"):
        compiled(-3.0)


def test_float_and_bool_during_tracing_are_detected() -> None:
    """float() and bool() on a traced Value are reported; strict=True raises."""
    with pytest.warns(TracerWarning, match=r"float\(\)"):
        am.compile(lambda x: x * float(x))(2.0)
    with pytest.raises(TraceError, match=r"bool\(\)"):
        am.compile(lambda x: x if x else -x, strict=True)(2.0)


def test_safe_functions_raise_no_warning() -> None:
    """A function without data-dependent control flow traces silently."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiled = am.compile(lambda x, y: (x * y).relu() + abs(x - y), verify=3)
        for args in [(1.0, 2.0), (-1.0, 2.0), (3.0, -4.0)]:
            compiled(*args)


def test_domain_errors_read_as_in_the_eager_engine() -> None:
    """A call outside an op's domain raises the engine's own clear error."""
    compiled = am.compile(lambda x: (x - 1.0).log())
    assert compiled(3.0)[0] == math.log(2.0)
    with pytest.raises(ValueError, match=r"log: argument must be > 0 \(got -1.0\)"):
        compiled(0.0)
    with pytest.raises(OverflowError, match="exp: the result overflows"):
        am.compile(lambda x: x.exp())(1000.0)
    with pytest.raises(ValueError, match="must be finite"):
        compiled(math.nan)


def test_deep_chain_compiles_and_oversized_graphs_fail_clearly() -> None:
    """A 20,000-node chain compiles without recursion trouble; past max_nodes, a clear error."""

    def chain(x: Value) -> Value:
        for _ in range(20_000):
            x = x.tanh()
        return x

    compiled = am.compile(chain)
    assert compiled(0.5) == eager(chain, [0.5])
    message = r"tracing chain made more than max_nodes=1,000 nodes"
    with pytest.raises(CompileError, match=message):
        am.compile(chain, max_nodes=1000)(0.5)


def test_constant_function_compiles() -> None:
    """A function returning a number has gradient zero."""
    assert am.compile(lambda x: 3.0)(1.0) == (3.0, (0.0,))


# --- fit(compile=True) -----------------------------------------------------------------------
def _histories(loss: str, X: Any, y: Any, *, hidden: list[int], batch_size: int | None,
               epochs: int = 6) -> tuple[list[float], list[float]]:
    runs = []
    for compile_ in (False, True):
        model = nn.MLP(len(X[0]), hidden, seed=2)
        h = fit(model, X, y, loss=loss, optimizer=optim.SGD(model.parameters(), lr=0.05,
                                                             momentum=0.9),
                epochs=epochs, batch_size=batch_size, seed=7, l2=1e-4, progress=False,
                compile=compile_)
        runs.append(h.losses)
    return runs[0], runs[1]


@pytest.mark.parametrize("loss", ["hinge", "bce", "mse", "mae"])
def test_fit_compiled_loss_history_equals_eager_to_the_bit(loss: str) -> None:
    """With compile=True, fit's losses equal the eager run's exactly, uneven batches too."""
    X, y = datasets.make_moons(30, noise=0.1, seed=0)
    targets = [float(v) for v in y] if loss in ("mse", "mae") else y
    eager_run, compiled_run = _histories(loss, X, targets, hidden=[8, 1], batch_size=8)
    assert compiled_run == eager_run


def test_fit_compiled_cross_entropy_matches_eager() -> None:
    """Cross-entropy with one-hot targets matches eager to 1e-12 (full batch and mini-batch)."""
    X, y = datasets.make_blobs(24, centers=3, seed=0)
    for batch_size in (None, 10):
        eager_run, compiled_run = _histories("cross_entropy", X, y, hidden=[6, 3],
                                             batch_size=batch_size)
        assert compiled_run == pytest.approx(eager_run, rel=1e-12)


def test_fit_compiled_needs_a_builtin_loss() -> None:
    """A callable loss may branch on labels, so compile=True refuses it with advice."""
    model = nn.Linear(1, 1, seed=0)
    with pytest.raises(ValueError, match="compile=True needs a built-in loss name"):
        fit(model, [[0.0]], [0.0], loss=losses.mse, optimizer=optim.GD(model.parameters(), 0.1),
            epochs=1, progress=False, compile=True)


def test_fit_compiled_handles_batches_larger_than_a_trace_could() -> None:
    """A full batch whose unrolled graph would pass MAX_NODES trains, matching eager."""
    X, y = datasets.make_moons(2500, noise=0.1, seed=0)  # ~80 nodes a sample: 200,000+
    runs = []
    for compile_ in (False, True):
        model = nn.MLP(2, [6, 1], seed=0)
        h = fit(model, X, y, loss="hinge", optimizer=optim.SGD(model.parameters(), lr=0.1),
                epochs=2, progress=False, compile=compile_)
        runs.append((h.losses, [p.data for p in model.parameters()]))
    assert runs[0] == runs[1]


def test_fit_compiled_serves_every_batch_size_with_one_program() -> None:
    """Uneven mini-batches (8, 8, 8, 6) run through one compiled program."""
    from autograd_mini.compiled_step import _CompiledStep

    X, y = datasets.make_moons(30, noise=0.1, seed=0)
    model = nn.MLP(2, [4, 1], seed=0)
    step = _CompiledStep(model, model.parameters(), "hinge", 0.0, y)
    for batch in ([0, 1, 2, 3, 4, 5, 6, 7], list(range(24, 30))):
        assert step.step(batch, X) is not None
    program = step.program
    assert program is not None and "for x0, x1, y0 in _data:" in program.source


# --- generated names: labels are text, never code ---------------------------------------------
def _labelled(f: Any, labels: list[str]) -> Any:
    """``f`` with every node of its result's graph relabelled from ``labels``, cyclically."""

    def g(*xs: Value) -> Value:
        out = f(*xs)
        seen: set[int] = set()
        stack, k = [out], 0
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            node.label = labels[k % len(labels)]
            k += 1
            stack.extend(node.parents)
        return out

    return g


def test_labels_that_nfkc_folds_together_stay_two_variables() -> None:
    """Micro sign and Greek mu are one identifier to Python, but two nodes here."""

    def f(x: Value, y: Value) -> Value:
        a = x * 2.0
        a.label = "\u00b5"
        b = y + 1.0
        b.label = "\u03bc"
        return a * b

    assert am.compile(f)(3.0, 10.0) == (66.0, (22.0, 6.0)) == eager(f, [3.0, 10.0])


def test_full_width_labels_cannot_shadow_the_codes_own_names() -> None:
    """Full-width 'exp' and 'K' (NFKC: exp, K) neither shadow math.exp nor the captures."""
    w = Value(3.0, label="\uff2b")  # a captured Value, read from K[...]

    def f(x: Value) -> Value:
        e = x.exp()
        e.label = "\uff45\uff58\uff50"
        k = e * w
        k.label = "\uff2b"
        return k.exp()

    assert am.compile(f)(0.5) == eager(f, [0.5])


def test_a_function_named_like_the_codes_helpers_compiles() -> None:
    """A traced function called exp (or K) does not replace the exp the code calls."""

    def exp(x: Value) -> Value:
        return x.exp() * 2.0

    assert am.compile(exp)(0.5) == eager(exp, [0.5])


# look-alikes that NFKC folds together or onto the code's own names, and any text at all
_TRICKY = ["\u00b5", "\u03bc", "\ufb01", "fi", "\uff45\uff58\uff50", "exp", "\uff2b", "K",
           "\uff58\uff10", "x0", "x1", "v0", "v3", "g0", "d_x0", "q0", "t0", "tanh", "log",
           "sigmoid", "max", "F_mul", "P_pow", "_seed", "for", "1x", ""]
_FOLDED = [("\u00b5", "\u03bc"), ("\ufb01", "fi"), ("\uff45\uff58\uff50", "exp"),
           ("\uff2b", "K"), ("\uff58\uff10", "x0"), ("\u212b", "\u00c5")]
labels_strategy = st.tuples(
    st.sampled_from(_FOLDED),
    st.lists(st.one_of(st.sampled_from(_TRICKY), st.text(max_size=4)), max_size=6),
).flatmap(lambda t: st.permutations([*t[0], *t[1]]))


@given(steps=dag_steps, leaves=dag_leaves, labels=labels_strategy)
def test_random_unicode_labels_never_change_the_result(
    steps: list[tuple[int, int, int]], leaves: list[float], labels: list[str]
) -> None:
    """Random DAGs with random unicode labels on every node compile to the eager result."""
    f = _labelled(dag_function(steps), labels)
    assert am.compile(f)(*leaves) == eager(f, leaves)


# --- the summation rule --------------------------------------------------------------------------
def _left_to_right(terms: list[float]) -> float:
    """The engine's rule, spelled out: ((t1 + t2) + t3) + ...; one term is itself."""
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


wide = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@given(ws=st.lists(wide, min_size=1, max_size=30), data=st.data(), bias=st.booleans())
def test_compiled_dot_adds_left_to_right(ws: list[float], data: st.DataObject,
                                         bias: bool) -> None:
    """Compiled dot is ((w1*x1 + w2*x2) + ...) + b, bit for bit, with its gradients."""
    xs = data.draw(st.lists(wide, min_size=len(ws), max_size=len(ws)))
    b = data.draw(wide)
    n = len(ws)

    def f(*v: Value) -> Value:
        return am.dot(v[:n], v[n : 2 * n], v[2 * n] if bias else None)

    args = [*ws, *xs, *([b] if bias else [])]
    value, grads = am.compile(f)(*args)
    want = _left_to_right([w * x for w, x in zip(ws, xs)] + ([b] if bias else []))
    assert value == want
    assert list(grads) == [*xs, *ws, *([1.0] if bias else [])]


@given(xs=st.lists(wide, min_size=1, max_size=30))
def test_compiled_sum_adds_left_to_right(xs: list[float]) -> None:
    """Compiled sum is ((x1 + x2) + x3) + ..., bit for bit; one term is itself."""
    value, grads = am.compile(lambda *v: am.sum(v))(*xs)
    assert value == _left_to_right(xs)
    assert list(grads) == [1.0] * len(xs)


def test_long_sums_are_split_without_changing_the_order() -> None:
    """A 1,000-term sum (past one statement's nesting) still adds left to right."""
    xs = [(-1.0) ** k * (1.0 + k / 7.0) * 10.0 ** (k % 17 - 8) for k in range(1000)]
    value, _ = am.compile(lambda *v: am.sum([t * 1.0 for t in v]))(*xs)
    assert value == _left_to_right(xs)


# --- size: linear code, limits while tracing --------------------------------------------------
@pytest.fixture
def straight_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Compile without loops (no run is long enough), to test the straight-line code."""
    monkeypatch.setattr(compiler, "ROLL_MIN_NODES", 10**9)


def _relu_chain(n: int) -> Any:
    def f(x: Value) -> Value:
        for _ in range(n):
            x = (x * x + 1.0).relu() * 0.5
        return x

    return f


def test_relu_chains_give_code_linear_in_their_length(straight_line: None) -> None:
    """Each relu's guard is written once: twice the chain is about twice the code."""
    sizes = []
    for n in (1000, 2000):  # (x*x+1).relu()*0.5: four nodes a link, 4,000 and 8,000 nodes
        compiled = am.compile(_relu_chain(n))
        assert compiled(0.5) == eager(_relu_chain(n), [0.5])
        sizes.append(len(compiled.source))
    assert sizes[1] / sizes[0] < 2.2


_LINKS: dict[str, Any] = {  # one-input ops that keep a chain's values in (-2, 2)
    "tanh": lambda v: v.tanh(), "sin": lambda v: v.sin(), "cos": lambda v: v.cos(),
    "sigmoid": lambda v: v.sigmoid(), "neg": lambda v: -v, "scale": lambda v: v * 1.7,
    "shift": lambda v: v + 0.3, "square": lambda v: v**2, "softplus": lambda v: v.softplus(),
    "relu": lambda v: v.relu(), "exp": lambda v: (v * 0.5).exp() - 1.0,
}


@settings(max_examples=60)
@given(ops=st.lists(st.sampled_from(sorted(_LINKS)), min_size=1, max_size=300),
       x=reals(-1.5, 1.5))
def test_chains_of_one_input_ops_compile_to_the_eager_result(ops: list[str], x: float) -> None:
    """A chain's gradient, packed into products of up to a hundred factors, equals eager."""

    def f(v: Value) -> Value:
        for name in ops:
            v = _LINKS[name](v)
        return v

    try:  # scale and square can still grow a long chain past a float (then both raise)
        want = eager(f, [x])
    except OverflowError:
        with pytest.raises(OverflowError):
            am.compile(f)(x)
        return
    assert am.compile(f)(x) == want


def test_a_chain_takes_about_one_line_a_node(straight_line: None) -> None:
    """A 3,000-node chain's gradient is a few product statements: its code is just over one
    line per node (the forward) where it was two, and it still equals eager."""

    def f(v: Value) -> Value:
        for k in range(3000):
            v = v.tanh() if k % 3 else v.sin()
        return v

    compiled = am.compile(f)
    for x in (0.4, -1.2):
        assert compiled(x) == eager(f, [x])
    assert compiled.source.count("\n") < 1.1 * 3000


def test_an_mlps_backward_opens_one_if_per_relu(straight_line: None) -> None:
    """In an MLP's step the gradients that start at 0.0 are set together with their node's
    other lines: at most one ``if`` per relu (two per relu before)."""
    X, y = datasets.make_moons(10, noise=0.1, seed=0)
    model = nn.MLP(2, [8, 8, 1], seed=0)
    params = model.parameters()

    def run() -> tuple[Value, list[Any]]:
        return losses.hinge([model(x) for x in X], y) + 1e-4 * losses.l2(params), []

    program = trace_program(run, params, list(range(len(params))))
    relus = 10 * (8 + 8 + 1)  # each sample: two hidden layers and the hinge's relu
    ifs = sum(line.lstrip().startswith("if ") for line in program.source.splitlines())
    assert 0 < ifs <= relus


def test_a_parent_met_again_is_added_in_the_same_statement(straight_line: None) -> None:
    """x * x gives its parent's gradient as one `g = a + b` (same order as the engine's
    `+=`), so a relu link takes two lines a node; a thousand uses of one input are
    split into statements of at most 200 terms, and both equal eager."""
    compiled = am.compile(_relu_chain(500))
    for x in (0.5, -0.7):
        assert compiled(x) == eager(_relu_chain(500), [x])
    assert compiled.source.count("\n") < 2.05 * 2000

    def many(x: Value) -> Value:
        return am.sum([x * 1.5] * 1000) * x.tanh()

    wide = am.compile(many)
    for x in (0.7, -1.3):
        assert wide(x) == eager(many, [x])
    backward = [line for line in wide.source.splitlines() if line.lstrip().startswith("g")]
    assert 150 < max(line.count(" + ") for line in backward) < 200


def test_compiling_pauses_the_cycle_collector_and_restores_it() -> None:
    """Tracing and compiling run with the collector paused (a graph holds no cycles), and
    it is on again afterwards, also when tracing fails."""
    import gc

    seen: list[bool] = []

    def f(x: Value) -> Value:
        seen.append(gc.isenabled())
        return x.tanh()

    gc.enable()  # Python's default, whatever an earlier test did
    assert am.compile(f)(0.5) == eager(f, [0.5])
    assert seen[0] is False and gc.isenabled()

    def bad(x: Value) -> Value:
        raise ValueError("bad f")

    with pytest.raises(ValueError, match="bad f"):
        am.compile(bad)(0.5)
    assert gc.isenabled()


def test_nested_guards_skip_what_the_engine_skips() -> None:
    """A relu chain cut off at its start (input <= 0 below) gives the eager zeros."""
    f = _relu_chain(30)

    def g(x: Value) -> Value:
        return f((x - 3.0).relu() + x * 0.0)

    compiled = am.compile(g)
    for x in (-1.0, 0.0, 3.5):
        assert compiled(x) == eager(g, [x])


def test_node_limit_is_enforced_while_tracing() -> None:
    """A graph past max_nodes is refused when the trace gets there, not after building it."""
    made = [0]

    def huge(x: Value) -> Value:
        for _ in range(1_000_000):
            made[0] += 1
            x = x.sin()
        return x

    with pytest.raises(CompileError, match="tracing huge made more than max_nodes=5,000"):
        am.compile(huge, max_nodes=5000)(0.5)
    assert made[0] == 5001
    assert am.compile(lambda x: x.sin().sin())(0.5) == eager(lambda x: x.sin().sin(), [0.5])


@pytest.mark.parametrize("k", [-3.0, -2.0, -1.0, 2.0, 3.0, -0.5, 1.5])
def test_negative_exponents_keep_the_engines_grouping(k: float) -> None:
    """g * (c * x ** (c - 1)) keeps its parentheses for a negative c, as the engine does."""

    def f(x: Value) -> Value:
        return ((x * 1.3) ** k).tanh()

    compiled = am.compile(f)
    for x in (1.7, 0.9, 2.3, 1.1, 0.77):
        assert compiled(x) == eager(f, [x])


# --- long programs are compiled in pieces --------------------------------------------------------
@given(steps=dag_steps, leaves=dag_leaves, size=st.integers(1, 6))
def test_programs_in_pieces_compute_what_one_function_computes(
    steps: list[tuple[int, int, int]], leaves: list[float], size: int
) -> None:
    """Cut into pieces of a few lines (sharing variables through a list), random DAGs
    still compile to the eager result."""
    import autograd_mini.compiler as compiler

    f = dag_function(steps)
    want = eager(f, leaves)
    saved = compiler._PIECE_LINES
    compiler._PIECE_LINES = size
    try:
        compiled = am.compile(f, argnums=tuple(range(len(leaves))))
        assert compiled(*leaves) == want
    finally:
        compiler._PIECE_LINES = saved


def test_a_relu_chain_in_pieces_equals_eager(straight_line: None) -> None:
    """A 4,000-node relu chain, past one piece, gives the eager value and gradient."""
    f = _relu_chain(1000)
    compiled = am.compile(f)
    for x in (0.5, -0.3, 0.0):
        assert compiled(x) == eager(f, [x])
    assert compiled.source.count("\ndef ") >= 2
