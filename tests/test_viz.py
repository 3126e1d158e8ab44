"""Graph pictures: DOT text, collapsing of large graphs, rendering, and the optional imports."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import autograd_mini.viz as viz
from autograd_mini import Value, dot, losses, no_grad
from autograd_mini import sum as vsum
from autograd_mini.nn import MLP
from autograd_mini.value import _topological_order
from autograd_mini.viz import GraphvizNotFoundError, draw_graph, render_graph, to_dot

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# --- a small parser for the DOT text this module writes ------------------------------------
_STATEMENT = re.compile(r"^\t(\w+)(?: -> (\w+))?(?: \[(.*)\])?$")
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^ ]+)')
_TOKEN = re.compile(r"\\(.)|(\|)|([^|\\]+)")


def parse_dot(text: str) -> tuple[dict[str, dict[str, str]], list[tuple[str, str, dict[str, str]]]]:
    """The nodes (name -> attributes) and edges (tail, head, attributes) of a DOT text."""
    lines = text.splitlines()
    assert lines[0] == "digraph {" and lines[-1] == "}"
    nodes: dict[str, dict[str, str]] = {}
    edges: list[tuple[str, str, dict[str, str]]] = []
    for line in lines[1:-1]:
        m = _STATEMENT.match(line)
        assert m, f"unexpected DOT line {line!r}"
        attrs = {k: v[1:-1] if v.startswith('"') else v for k, v in _ATTR.findall(m[3] or "")}
        if m[2]:
            edges.append((m[1], m[2], attrs))
        elif m[1] not in ("graph", "node", "edge"):
            nodes[m[1]] = attrs
    return nodes, edges


def fields(label: str) -> list[str]:
    """The fields of a record label, unescaped."""
    label = label.strip()
    if label.startswith("{") and label.endswith("}"):
        label = label[1:-1]
    out, current = [], ""
    for escaped, bar, text in _TOKEN.findall(label):
        if bar:
            out.append(current.strip())
            current = ""
        else:
            current += escaped or text
    return out + [current.strip()]


def record_of(node: Value, fmt: str = ".4g", show_grad: bool = True) -> list[str]:
    expected = [node.label] if node.label else []
    expected.append(f"data {format(node.data, fmt)}")
    if show_grad:
        expected.append(f"grad {format(float(node.grad), fmt)}")
    return expected


def expression() -> Value:
    """An expression with most ops, labels on some leaves and constants, after backward."""
    x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(0.25, label="b")
    h = (x * w + b).tanh()
    e = (h**3 - x / w).exp() + (2 * x).leaky_relu(0.1) + abs(-w).sqrt()
    s = vsum([e, dot([w, b], [x, h], bias=1.0), x.sigmoid() ** w, b.relu()])
    out = s.log() if s.data > 0 else s
    out.backward()
    return out


def needs(program: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(shutil.which(program) is None, reason=f"{program} is not installed")


def only_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hide Graphviz's dot, so that render_graph uses graphviz-pure."""
    real = shutil.which
    monkeypatch.setattr(
        shutil, "which", lambda name, *a, **k: None if name == "dot" else real(name, *a, **k)
    )


def pure_installed() -> bool:
    import sysconfig

    return bool(
        shutil.which("graphviz-pure")
        or shutil.which("graphviz-pure", path=sysconfig.get_path("scripts"))
    )


RENDERERS = [
    pytest.param("dot", marks=needs("dot")),
    pytest.param(
        "graphviz-pure",
        marks=pytest.mark.skipif(not pure_installed(), reason="graphviz-pure is not installed"),
    ),
]


def use(renderer: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if renderer == "graphviz-pure":
        only_fallback(monkeypatch)


# --- DOT text ----------------------------------------------------------------------------
def test_dot_has_every_value_gradient_and_op() -> None:
    """Each node's record holds its label, data and grad; each op node its symbol and edges."""
    root = expression()
    order = _topological_order(root)[0]
    nodes, edges = parse_dot(to_dot(root))
    pairs = {(tail, head) for tail, head, _ in edges}
    g = viz._number(root)
    for i, node in enumerate(order):
        assert fields(nodes[f"v{i}"]["label"]) == record_of(node)
        if node.op:
            symbol = nodes[f"op{i}"]["label"]
            assert symbol == viz._op_text(g, i)
            assert (f"op{i}", f"v{i}") in pairs
            for p in node.parents:
                assert (f"v{order.index(p)}", f"op{i}") in pairs
        else:
            assert f"op{i}" not in nodes
    symbols = {attrs["label"] for name, attrs in nodes.items() if name.startswith("op")}
    expected = {"*", "+", "-", "/", "**3", "**", "tanh", "exp", "leaky_relu(0.1)", "abs"}
    assert expected | {"sqrt", "sum", "dot", "sigmoid", "relu", "log"} <= symbols
    assert len(nodes) == len(order) + sum(1 for n in order if n.op)
    assert len(edges) == sum(1 + len(n.parents) for n in order if n.op)


def test_options_change_the_text() -> None:
    """rankdir, show_grad and fmt reach the DOT text; the same graph gives the same text."""
    root = expression()
    text = to_dot(root, rankdir="TB", show_grad=False, fmt=".2f")
    assert "rankdir=TB" in text and "grad" not in text
    order = _topological_order(root)[0]
    nodes, _ = parse_dot(text)
    assert all(
        fields(nodes[f"v{i}"]["label"]) == record_of(n, ".2f", False) for i, n in enumerate(order)
    )
    assert to_dot(root) == to_dot(root)
    assert to_dot(expression()) == to_dot(root)  # ids depend on the graph's shape alone


def test_operand_order_is_shown_for_non_commutative_ops() -> None:
    """The edges into -, / and ** (of two Values) name the operands; a reused input says ×2."""
    a, b = Value(3.0, label="a"), Value(2.0, label="b")
    _, edges = parse_dot(to_dot((a - b) / (b**a) + a * a))
    labelled = {(t, h): attrs.get("label") for t, h, attrs in edges}
    assert sorted(v for v in labelled.values() if v) == sorted(
        ["lhs", "rhs", "num", "den", "base", "exp", "×2"]
    )


def test_roles_have_distinct_styles() -> None:
    """Output, parameters, inputs, constants and intermediates get different colours."""
    model = MLP(2, [2, 1], seed=0)
    y = model([1.0, 2.0]) * Value(3.0)  # an unlabelled leaf: a constant
    nodes, _ = parse_dot(to_dot(y))
    order = _topological_order(y)[0]
    roles = viz._number(y).roles
    colour = {}
    for i, role in enumerate(roles):
        colour.setdefault(role, set()).add(nodes[f"v{i}"].get("fillcolor", "white"))
    assert set(colour) == {"output", "param", "input", "const", "value"}
    assert all(len(c) == 1 for c in colour.values())
    assert len({c.pop() for c in colour.values()}) == 5
    assert "bold" in nodes[f"v{len(order) - 1}"]["style"]
    params = {order.index(p) for p in model.parameters()}
    assert {i for i, r in enumerate(roles) if r == "param"} == params


def test_labels_are_escaped() -> None:
    """Labels with record and DOT specials (|{}<>"\\ and newlines) come out literally."""
    nasty = ['a|b{c}<d>"e', "back\\slash\\", 'quote"\\"', "two\nlines", "  ", "x" * 40]
    leaves = [Value(float(i), label=label) for i, label in enumerate(nasty)]
    root = vsum(leaves)
    nodes, _ = parse_dot(to_dot(root))
    order = _topological_order(root)[0]
    for leaf, label in zip(leaves, nasty):
        got = fields(nodes[f"v{order.index(leaf)}"]["label"])[0]
        if len(label) > viz._LABEL_WIDTH:
            assert got == label[: viz._LABEL_WIDTH - 1] + "…"
        else:
            assert got == (label.replace("\n", " ").strip() or "")


@pytest.mark.parametrize("renderer", RENDERERS)
def test_escaped_labels_survive_rendering(
    renderer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Graphviz draws the nasty labels as they are, and every record keeps its fields."""
    use(renderer, monkeypatch)
    nasty = ['a|b{c}<d>"e', "back\\slash\\", 'q"\\"', "Ünïcödé λ"]
    root = vsum([Value(float(i), label=label) for i, label in enumerate(nasty)])
    svg = ET.parse(render_graph(root, tmp_path / "nasty.svg")).getroot()
    texts = ["".join(t.itertext()).strip() for t in svg.iter(SVG + "text")]
    for label in nasty:
        assert label in texts


def test_bad_options_raise() -> None:
    """Each bad option is a clear error naming it."""
    x = Value(1.0)
    with pytest.raises(TypeError, match="root must be a Value"):
        to_dot(1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rankdir"):
        to_dot(x, rankdir="XY")
    with pytest.raises(ValueError, match="max_nodes"):
        to_dot(x, max_nodes=0)
    with pytest.raises(ValueError, match="fmt"):
        to_dot(x, fmt="q")
    with pytest.raises(ValueError, match="format"):
        render_graph(x, "graph.jpg")
    with pytest.raises(ValueError, match="unknown format"):
        render_graph(x, "graph.svg", format="bmp")


# --- large graphs ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def chain() -> Value:
    x = Value(0.1, label="x")
    y = x
    for _ in range(99_999):
        y = y.tanh()
    return y


def test_long_chain_collapses_without_recursion(chain: Value) -> None:
    """A 100,000-node chain becomes one chain node, with no RecursionError on the way."""
    assert sys.getrecursionlimit() < 100_000
    nodes, edges = parse_dot(to_dot(chain))
    assert len(nodes) == 2 and len(edges) == 1
    group = fields(nodes["g1"]["label"])
    assert group[:2] == ["chain of 99,999 ops", "tanh ×99,999"]
    assert group[2] == f"data {chain.data:.4g}"
    assert "bold" in nodes["g1"]["style"]  # it holds the output


def test_long_chain_is_refused_without_collapse(chain: Value) -> None:
    """collapse=False refuses with the sizes and the two ways out; so does a tiny max_nodes."""
    with pytest.raises(ValueError) as info:
        to_dot(chain, collapse=False)
    message = str(info.value)
    assert "100,000 values" in message and "199,999 nodes" in message
    assert "max_nodes=500" in message and "collapse=True" in message
    with pytest.raises(ValueError, match="even collapsed needs 2 nodes"):
        to_dot(chain, max_nodes=1)
    assert len(parse_dot(to_dot(chain, max_nodes=2))[0]) == 2


def test_mlp_collapses_to_layers() -> None:
    """An MLP's forward pass collapses to its layers, counting the parameters exactly."""
    model = MLP(2, [16, 16, 1], seed=0)
    y = model([0.5, -1.0])
    y.backward()
    assert len(parse_dot(to_dot(y))[0]) == 469  # under max_nodes=500: drawn in full
    nodes, edges = parse_dot(to_dot(y, max_nodes=100))
    assert len(nodes) <= 100
    records = [fields(attrs["label"]) for name, attrs in nodes.items() if name.startswith("g")]
    assert ["layer of 16 neurons", "dot(2) → relu", "48 params"] in [r[:3] for r in records]
    assert ["layer of 16 neurons", "dot(16) → relu", "272 params"] in [r[:3] for r in records]
    assert ["neuron", "dot(16)", "17 params"] in [r[:3] for r in records]
    assert sorted(attrs.get("label", "") for _, _, attrs in edges) == ["×16", "×16", "×16", "×256"]


def test_batch_loss_collapses_by_level() -> None:
    """A loss over many samples collapses to one node per kind and depth, within max_nodes."""
    model = MLP(2, [8, 1], seed=0)
    xs = [[i / 10, 1 - i / 10] for i in range(60)]
    loss = losses.mse([model(x) for x in xs], [float(i % 2) for i in range(60)])
    loss.backward()
    nodes, _ = parse_dot(to_dot(loss, max_nodes=40))
    assert len(nodes) <= 40
    titles = [fields(attrs["label"])[0] for attrs in nodes.values()]
    assert "33 × parameter" in titles and "120 × input" in titles
    assert sum("bold" in attrs.get("style", "") for attrs in nodes.values()) == 1  # the output


def test_every_collapsing_step_keeps_the_graph_acyclic_and_complete() -> None:
    """After each step every node is in exactly one unit and the units form a DAG."""
    model = MLP(3, [4, 4, 2], "tanh", seed=1)
    outs = [model([0.1 * i, 0.2, -0.3]) for i in range(5)]
    root = vsum([o * o for out in outs for o in out])
    g = viz._number(root)
    part = viz._Partition(list(range(len(g.nodes))), {})
    for step in viz._STEPS:
        part = step(g, part)
        members = part.members()
        assert set(part.unit) == set(members) and all(u == min(m) for u, m in members.items())
        assert set(part.groups) <= set(members)
        arcs = {(part.unit[p], part.unit[i]) for i, ps in enumerate(g.parents) for p in ps}
        graph: dict[int, set[int]] = {}
        for a, b in arcs:
            if a != b:
                graph.setdefault(a, set()).add(b)
        assert not has_cycle(graph), f"{step.__name__} made a cycle"


def has_cycle(graph: dict[int, set[int]]) -> bool:
    """Whether a directed graph has a cycle (iterative DFS: a node met again while open)."""
    state: dict[int, int] = {}  # 1: open, 2: done
    for start in graph:
        if state.get(start):
            continue
        state[start] = 1
        stack = [(start, iter(graph[start]))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                return True
            elif not state.get(child):
                state[child] = 1
                stack.append((child, iter(graph.get(child, ()))))
    return False


def test_cycle_check_finds_a_cycle() -> None:
    """The acyclicity check above can fail: it finds a planted cycle."""
    assert has_cycle({0: {1}, 1: {2}, 2: {0}}) and not has_cycle({0: {1, 2}, 1: {2}})


# --- graphviz.Digraph ----------------------------------------------------------------------
def test_draw_graph_wraps_the_same_text() -> None:
    """draw_graph gives a graphviz.Digraph whose source is to_dot's text."""
    graphviz = pytest.importorskip("graphviz")
    root = expression()
    g = draw_graph(root, rankdir="TB", fmt=".3f")
    assert isinstance(g, graphviz.Digraph)
    assert g.source == to_dot(root, rankdir="TB", fmt=".3f")


@needs("dot")
def test_draw_graph_displays_in_jupyter() -> None:
    """The Digraph's Jupyter hook returns an SVG of the graph."""
    pytest.importorskip("graphviz")
    x = Value(2.0, label="x")
    bundle = draw_graph(x * 3)._repr_mimebundle_()
    svg = ET.fromstring(bundle["image/svg+xml"])
    assert svg.tag == SVG + "svg"
    assert "x" in ["".join(t.itertext()) for t in svg.iter(SVG + "text")]


# --- files ----------------------------------------------------------------------------------
@pytest.mark.parametrize("renderer", RENDERERS)
def test_render_svg(renderer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The SVG is valid XML that holds every node's label, data, grad and op."""
    use(renderer, monkeypatch)
    root = expression()
    out = render_graph(root, tmp_path / "graph.svg")
    assert out == tmp_path / "graph.svg"
    svg = ET.parse(out).getroot()
    assert svg.tag == SVG + "svg"
    texts = {"".join(t.itertext()).strip() for t in svg.iter(SVG + "text")}
    for node in _topological_order(root)[0]:
        assert set(record_of(node)) <= texts
    assert {"tanh", "**3", "dot", "sum"} <= texts


@pytest.mark.parametrize("renderer", RENDERERS)
def test_render_png(renderer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A .png path, or format="png" with another suffix, gives a PNG file."""
    use(renderer, monkeypatch)
    root = expression()
    assert render_graph(root, tmp_path / "g.png").read_bytes()[:8] == PNG_SIGNATURE
    assert render_graph(root, tmp_path / "g.img", format="PNG").read_bytes()[:8] == PNG_SIGNATURE


@needs("dot")
def test_render_pdf(tmp_path: Path) -> None:
    """Graphviz's dot writes PDF."""
    assert render_graph(Value(1.0) + 2, tmp_path / "g.pdf").read_bytes()[:5] == b"%PDF-"


def test_render_dot_needs_no_renderer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A .dot path gets the DOT text, with no program at all."""
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)
    root = expression()
    out = render_graph(root, tmp_path / "g.dot", rankdir="TB")
    assert out.read_text(encoding="utf-8") == to_dot(root, rankdir="TB")


def test_no_renderer_writes_dot_and_explains(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without dot and graphviz-pure, the DOT text is written and the error says how to go on."""
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)
    monkeypatch.setattr(viz, "_FALLBACKS", ())
    root = expression()
    target = tmp_path / "graph.svg"
    with pytest.raises(GraphvizNotFoundError) as info:
        render_graph(root, target)
    assert isinstance(info.value, RuntimeError)
    dot_path = tmp_path / "graph.dot"
    assert info.value.dot_path == dot_path
    assert dot_path.read_text(encoding="utf-8") == to_dot(root)
    assert not target.exists()
    message = str(info.value)
    for part in (str(dot_path), "apt-get install graphviz", "brew install graphviz", "conda"):
        assert part in message
    assert sorted(os.listdir(tmp_path)) == ["graph.dot"]  # no temporary file left


def test_failed_render_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the program fails, the old file is intact and no temporary file is left."""
    target = tmp_path / "graph.svg"
    target.write_text("old", encoding="utf-8")
    monkeypatch.setattr(viz, "_find_renderer", lambda kind: shutil.which("false") or "false")
    with pytest.raises(RuntimeError, match="failed"):
        render_graph(Value(1.0) * 2, target)
    assert target.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["graph.svg"]


@pytest.mark.parametrize("renderer", RENDERERS)
def test_render_replaces_a_file_atomically(
    renderer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An existing file is replaced whole, leaving no temporary file."""
    use(renderer, monkeypatch)
    target = tmp_path / "graph.svg"
    target.write_text("old", encoding="utf-8")
    render_graph(Value(1.0) * 2, target)
    assert ET.parse(target).getroot().tag == SVG + "svg"
    assert os.listdir(tmp_path) == ["graph.svg"]


def test_no_grad_graph_is_one_node() -> None:
    """A result made under no_grad is a lone leaf: one node, no edges."""
    with no_grad():
        y = Value(2.0) * 3
    nodes, edges = parse_dot(to_dot(y))
    assert list(nodes) == ["v0"] and edges == []


# --- optional packages ----------------------------------------------------------------------
def run_python(code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )


def test_works_without_graphviz_package() -> None:
    """Without the graphviz package, autograd_mini imports, to_dot works and draw_graph says
    how to install it."""
    result = run_python(
        "import sys\n"
        "sys.modules['graphviz'] = None\n"
        "import autograd_mini\n"
        "from autograd_mini.viz import draw_graph, to_dot\n"
        "x = autograd_mini.Value(1.0, label='x')\n"
        "assert 'data 1' in to_dot(x * 2)\n"
        "try:\n"
        "    draw_graph(x * 2)\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    assert result.returncode == 0, result.stderr
    assert 'pip install "autograd-mini[viz]"' in result.stdout


# --- pictures that work everywhere -----------------------------------------------------------
@pytest.mark.parametrize("renderer", RENDERERS)
def test_draw_graph_displays_in_jupyter_with_either_program(
    renderer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """draw_graph's Digraph shows as SVG and PNG in Jupyter with dot or graphviz-pure alone."""
    use(renderer, monkeypatch)
    g = draw_graph(expression())
    bundle = g._repr_mimebundle_(include=["image/svg+xml", "image/png"])
    assert ET.fromstring(bundle["image/svg+xml"]).tag == SVG + "svg"
    assert bundle["image/png"][:8] == PNG_SIGNATURE
    assert list(g._repr_mimebundle_()) == ["image/svg+xml"]
    assert g._repr_mimebundle_(include=["image/svg+xml"], exclude=["image/svg+xml"]) == {}


def test_draw_graphs_digraph_copies_and_pickles() -> None:
    """The Digraph subclass behaves as graphviz's own: it copies and pickles, source intact."""
    import pickle

    g = draw_graph(expression())
    for clone in (g.copy(), pickle.loads(pickle.dumps(g))):
        assert type(clone) is type(g) and clone.source == g.source
    result = run_python(  # a fresh process, where no Digraph has been made yet
        "import pickle, sys\n"
        f"g = pickle.loads({pickle.dumps(g)!r})\n"
        "print(type(g).__name__, 'digraph {' in g.source)\n"
    )
    assert result.stdout == "Digraph True\n", result.stderr


def test_draw_graph_without_any_program_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With neither dot nor graphviz-pure, the notebook shows one line on what to install."""
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)
    monkeypatch.setattr(viz, "_FALLBACKS", ())
    bundle = draw_graph(expression())._repr_mimebundle_()
    assert bundle == {"text/plain": bundle["text/plain"]}
    assert "pip install graphviz-pure" in bundle["text/plain"]


def test_model_graphs_name_parameters_and_input_features() -> None:
    """With params=, a weight's box says its dotted name; a network's input leaf says x[j]."""
    model = MLP(3, [2, 1], seed=0)
    out = model([0.5, -1.0, 2.0])
    out.backward()
    for params in (model, dict(model.named_parameters())):
        nodes, _ = parse_dot(to_dot(out, params=params))
        labels = {fields(attrs["label"])[0] for attrs in nodes.values() if "label" in attrs}
        assert {name for name, _ in model.named_parameters()} <= labels
        assert {"x[0]", "x[1]", "x[2]"} <= labels
    by_label = {fields(a["label"])[0]: a for a in parse_dot(to_dot(out, params=model))[0].values()}
    assert by_label["layers.1.neurons.0.b"]["fillcolor"] == "#bfdbfe"  # drawn as a parameter
    with pytest.raises(TypeError, match="params must be a mapping"):
        to_dot(out, params=[1, 2])


def test_several_roots_are_drawn_together_each_as_an_output(tmp_path: Path) -> None:
    """to_dot([a, b]) draws the union once, every root in the output colour."""
    x, w = Value(2.0, label="x"), Value(3.0, label="w")
    a, b = x * w, (x * w).tanh() + x
    a.label, b.label = "a", "b"
    nodes, edges = parse_dot(to_dot([a, b]))
    count = len(_topological_order(a)[0]) + len(_topological_order(b)[0]) - 2  # x, w shared
    assert sum(name.startswith("v") for name in nodes) == count
    outputs = [fields(n["label"])[0] for n in nodes.values() if n.get("fillcolor") == "#fcd34d"]
    assert sorted(outputs) == ["a", "b"]
    assert to_dot([a]) == to_dot(a)
    assert draw_graph([a, b]).source == to_dot([a, b])
    written = render_graph([a, b], tmp_path / "ab.dot")
    assert written.read_text(encoding="utf-8") == to_dot([a, b])
    with pytest.raises(ValueError, match="empty"):
        to_dot([])
    with pytest.raises(TypeError, match="each root must be a Value"):
        to_dot([a, 2.0])  # type: ignore[list-item]


def test_before_backward_the_picture_is_forward_only() -> None:
    """A graph drawn before backward() has no gradient row (not a misleading 0); after, it has."""
    x = Value(2.0, label="x")
    y = x * x + 1
    assert "grad" not in to_dot(y)
    assert "grad 0" in to_dot(y, show_grad=True)
    y.backward()
    assert '"{ x | data 2 | grad 4 }"' in to_dot(y)
    assert "grad" not in to_dot(y, show_grad=False)
