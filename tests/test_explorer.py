"""The backprop explorer: its steps against the engine's numbers, and the page in Chromium."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini.viz as viz
from autograd_mini import Value, nn
from autograd_mini.explorer import Explorer, _steps
from autograd_mini.ops import OPS
from autograd_mini.value import _topological_order

from .requires import CHROMIUM, needs_chromium
from .strategies import DOMAINS, call, dag_function, dag_leaves, dag_steps

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"


def reused() -> tuple[Value, Value, Value]:
    """f = x*x + x*w: x is used three times, so its gradient accumulates (2 + 2 + 3 = 7)."""
    x, w = Value(2.0, label="x"), Value(3.0, label="w")
    f = x * x + x * w
    f.label = "f"
    return f, x, w


def replay(steps: list[dict[str, Any]], upto: int | None = None) -> tuple[dict[int, str], ...]:
    """What the page shows after step ``upto`` (default: the last): data, grad, edge texts."""
    data: dict[int, str] = {}
    grads: dict[int, str] = {}
    labels: dict[int, str] = {}
    for step in steps[1 : (len(steps) if upto is None else upto + 1)]:
        data.update((i, t) for i, t in step.get("data", ()))
        grads.update((i, t) for i, t in step.get("grad", ()))
        labels.update((j, t) for j, t in step.get("edges", ()))
    return data, grads, labels


def engine_grads(root: Value, fmt: str = ".4g") -> list[str]:
    """The engine's .grad of every node after one backward(), formatted, in topo order."""
    nodes = _topological_order(root)[0]
    for node in nodes:
        node.grad = 0.0
    root.backward()
    return [format(float(node.grad), fmt) for node in nodes]


def steps_of(root: Value, fmt: str = ".4g") -> list[dict[str, Any]]:
    g = viz._number(root)
    return _steps(g, [name or f"v{i}" for i, name in enumerate(viz._names(g, {}))], fmt)[0]


# --- the steps, without a browser ----------------------------------------------------------
@settings(max_examples=60)
@given(dag_steps, dag_leaves)
def test_final_gradients_are_the_engines_bit_for_bit(steps: Any, point: list[float]) -> None:
    """On random graphs with reused nodes, the last step's gradients are backward()'s exactly."""
    leaves = [Value(v, label=f"x{i}") for i, v in enumerate(point)]
    root = dag_function(steps)(*leaves)
    shown = replay(steps_of(root, ".17g"))[1]
    expected = engine_grads(root, ".17g")
    assert [shown[i] for i in range(len(expected))] == expected


@pytest.mark.parametrize("name", sorted(OPS))
@settings(max_examples=10)
@given(data=st.data())
def test_every_op_steps_with_the_tables_partials(name: str, data: st.DataObject) -> None:
    """For every op in the table, the backward step's numbers are OPS[op].partials' own."""
    inputs, const = data.draw(DOMAINS[name])
    leaves = [Value(v, label=f"a{k}") for k, v in enumerate(inputs)]
    out = call(name, leaves, const)
    out.label = "out"
    assert len(OPS[name].formula) == (0 if OPS[name].arity < 0 else OPS[name].arity)
    steps = steps_of(out, ".17g")
    (step,) = [s for s in steps if "edges" in s]
    partials = OPS[name].partials(out.data, *inputs, *([] if const is None else [const]))
    assert [t for _, t in step["edges"]] == [format(float(d), ".17g") for d in partials]
    assert replay(steps)[1] == dict(enumerate(engine_grads(out, ".17g")))


def test_the_steps_spell_out_the_chain_rule_and_the_accumulation() -> None:
    """Each backward line of f = x*x + x*w is `name.grad += grad × partial → new`, x adding up."""
    f, _, _ = reused()
    steps = steps_of(f)
    lines = [line for s in steps if s["phase"] == "backward" for line, _ in s["lines"]]
    assert lines == [
        "f.grad = 1",
        "v3.grad += 1 × 1 → 1",
        "v2.grad += 1 × 1 → 1",
        "x.grad += 1 × 2 → 2",
        "x.grad += 1 × 2 → 4",
        "x.grad += 1 × 3 → 7",
        "w.grad += 1 × 2 → 2",
    ]
    notes = [note for s in steps for _, note in s["lines"]]
    assert sum("used more than once" in note for note in notes) == 2
    forward = [line for s in steps if s["phase"] == "forward" for line, _ in s["lines"]]
    assert forward == [
        "v2 = x * w = 2 * 3 → 6",
        "v3 = x * x = 2 * 2 → 4",
        "f = v3 + v2 = 4 + 6 → 10",
    ]


def test_a_gradient_not_yet_reached_is_pending_never_zero() -> None:
    """Before the backward pass reaches a node, no step gives it a gradient: the page shows —."""
    f, _, _ = reused()
    steps = steps_of(f)
    first_backward = next(k for k, s in enumerate(steps) if s["phase"] == "backward")
    assert replay(steps, first_backward - 1)[1] == {}  # the whole forward pass: all pending
    assert replay(steps, first_backward)[1] == {4: "1"}  # only the root, d f / d f = 1


def test_nodes_nothing_flows_back_to_end_at_zero() -> None:
    """A branch behind a zero gradient is skipped as backward() skips it, and ends at .grad 0."""
    x, w = Value(-1.0, label="x"), Value(2.0, label="w")
    root = (x * w).relu() * 3.0 + w
    steps = steps_of(root)
    assert any("nothing flows back" in line for s in steps for line, _ in s["lines"])
    assert replay(steps)[1] == dict(enumerate(engine_grads(root)))


def test_the_users_graph_is_left_as_it_was() -> None:
    """explore() changes no .grad and no .data of the graph it draws."""
    f, x, w = reused()
    x.grad, w.grad = 0.25, -4.0
    before = [(n.data, n.grad) for n in _topological_order(f)[0]]
    viz.explore(f)
    assert [(n.data, n.grad) for n in _topological_order(f)[0]] == before


def test_a_graph_past_max_nodes_is_refused_with_a_clear_message() -> None:
    """Past max_nodes the explorer refuses, naming the counts and the option to change."""
    xs = [Value(float(i)) for i in range(30)]
    root = sum((x * x for x in xs), Value(0.0))
    with pytest.raises(ValueError, match=r"explore: the graph has .* more than max_nodes=20; pass"):
        viz.explore(root, max_nodes=20)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"rankdir": "up"}, ValueError, "rankdir"),
        ({"fmt": "%d"}, ValueError, "fmt"),
        ({"max_nodes": 0}, ValueError, "max_nodes"),
        ({"params": 3}, TypeError, "params must be a mapping"),
        ({"params": {"w": 1.0}}, TypeError, "params must map str names to Values"),
        ({"title": 5}, TypeError, "title must be a str"),
    ],
)
def test_bad_options_raise_typed_errors(kwargs: dict[str, Any], error: type, match: str) -> None:
    """Each bad option is a typed error whose message names it."""
    f, _, _ = reused()
    with pytest.raises(error, match=match):
        viz.explore(f, **kwargs)


def test_explore_takes_one_root() -> None:
    """The backward pass starts from one output: a list of roots is a TypeError saying so."""
    f, x, _ = reused()
    with pytest.raises(TypeError, match="explore: root must be a Value.*one output at a time"):
        viz.explore([f, x * 2])  # type: ignore[call-overload]


def test_an_overflowing_gradient_raises_as_backward_does() -> None:
    """A gradient that overflows is an OverflowError naming the node, as in backward()."""
    x = Value(1.0, label="x")
    root = (x * 1e-300).log() * 1e300  # d root / d (x * 1e-300) = 1e300 * 1e300
    with pytest.raises(OverflowError):
        root.backward()
    with pytest.raises(OverflowError, match="explore: a gradient overflowed"):
        viz.explore(root)


def test_model_parameters_and_inputs_carry_their_names() -> None:
    """With params=model, weights show their dotted names and a dot's input leaves x[j]."""
    model = nn.MLP(2, [2, 1], seed=0)
    loss = model([Value(0.5), Value(-1.0)]) ** 2
    page = viz.explore(loss, params=model)
    for name, _ in model.named_parameters():
        assert f'data-name="{name}"' in page.html
    assert 'data-name="x[0]"' in page.html and 'data-name="x[1]"' in page.html
    assert "layers.1.neurons.0.w.0.grad +=" in json.dumps(page.steps, ensure_ascii=False)


def test_the_page_is_self_contained(tmp_path: Path) -> None:
    """The file has no external script, style, font or image: nothing but its own text."""
    f, _, _ = reused()
    out = viz.explore(f, tmp_path / "f.html")
    assert isinstance(out, Path) and out == tmp_path / "f.html"
    text = out.read_text(encoding="utf-8")
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|url\((?!#)", text)
    assert re.findall(r"https?://[^\s\"']+", text) == ["http://www.w3.org/2000/svg"]
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically: no temp file left


def test_the_explorer_object_saves_and_shows_in_jupyter(tmp_path: Path) -> None:
    """Without a path explore() returns an Explorer whose _repr_html_ embeds the page."""
    f, _, _ = reused()
    page = viz.explore(f)
    assert isinstance(page, Explorer)
    assert page.save(tmp_path / "p.html").read_text(encoding="utf-8") == page.html
    shown = page._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and "explorer-data" in shown
    assert "<script" not in shown  # escaped inside the attribute, run only in the iframe


def test_without_graphviz_a_layered_layout_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """With neither dot nor graphviz-pure the page is still made, from a simple layout."""
    monkeypatch.setattr(viz, "_find_renderer", lambda kind: None)
    f, _, _ = reused()
    page = viz.explore(f)
    assert page.html.count('class="val') == 5 and page.html.count('class="edge"') == 9


# --- the page in a real browser ---------------------------------------------------------------
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, never a downloaded browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


def open_page(browser: Any, path: Path, width: int = 1100, height: int = 800) -> Any:
    """The page at ``path`` in a fresh context with the network off and only file:// allowed."""
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_offline(True)
    asked: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            asked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_function("window.explorerReady === true")
    page.asked, page.errors = asked, errors
    return page


def box_texts(page: Any, name: str) -> tuple[str, str]:
    """The data and grad lines of the box named ``name``, as the page shows them."""
    box = page.locator(f'[data-name="{name}"]')
    return box.locator(".d").text_content(), box.locator(".g").text_content()


@needs_chromium
def test_in_chromium_keys_step_through_to_the_engines_gradients(
    browser: Any, tmp_path: Path
) -> None:
    """→ ← Home End drive the page; start, middle (x accumulating) and end match the engine."""
    f, x, w = reused()
    path = viz.explore(f, tmp_path / "f.html")
    page = open_page(browser, path)
    names = ["x", "w", "v2", "v3", "f"]
    # The start: the leaves' data, every other value and every gradient pending.
    assert [box_texts(page, n) for n in names] == [
        ("data 2", "grad —"),
        ("data 3", "grad —"),
        ("data —", "grad —"),
        ("data —", "grad —"),
        ("data —", "grad —"),
    ]
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert box_texts(page, "f") == ("data 10", "grad —")  # forward done, backward not begun
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    # Step 6: v3 = x*x passes its gradient to x twice: 1 × 2 and again 1 × 2.
    assert page.locator("#counter").text_content().startswith("step 6 of 8")
    assert box_texts(page, "x") == ("data 2", "grad 4")
    assert box_texts(page, "w") == ("data 3", "grad —")
    assert page.locator("#lines li").all_text_contents()[1].startswith("x.grad += 1 × 2 → 4")
    live = page.locator("#live")
    assert live.get_attribute("aria-live") == "polite"
    assert "x.grad += 1 × 2 → 2; x.grad += 1 × 2 → 4" in live.text_content()
    assert "cur" in page.locator('[data-name="v3"]').get_attribute("class")
    assert "touched" in page.locator('[data-name="x"]').get_attribute("class")
    page.keyboard.press("ArrowLeft")
    assert box_texts(page, "x") == ("data 2", "grad —")
    page.keyboard.press("End")
    expected = dict(zip(viz.explore(f).names, engine_grads(f)))
    assert [box_texts(page, n)[1] for n in names] == [f"grad {expected[n]}" for n in names]
    assert box_texts(page, "x")[1] == f"grad {format(x.grad, '.4g')}" == "grad 7"
    assert "Done" in live.text_content()
    page.keyboard.press("Home")
    assert [box_texts(page, n)[1] for n in names] == ["grad —"] * 5
    assert page.locator("#prev").is_disabled() and not page.locator("#next").is_disabled()
    assert page.asked == [] and page.errors == []


@needs_chromium
def test_in_chromium_buttons_slider_and_play(browser: Any, tmp_path: Path) -> None:
    """The buttons, the slider and Play reach the same states as the keys."""
    f, _, _ = reused()
    page = open_page(browser, viz.explore(f, tmp_path / "f.html"))
    page.click("#next")
    assert box_texts(page, "v2")[0] == "data 6"
    page.click("#end")
    assert box_texts(page, "x")[1] == "grad 7" and page.locator("#next").is_disabled()
    page.click("#prev")
    page.click("#prev")
    assert box_texts(page, "w")[1] == "grad —"
    page.locator("#slider").fill("6")
    assert box_texts(page, "x")[1] == "grad 4"
    page.click("#home")
    page.click("#play")
    assert page.locator("#play").get_attribute("aria-pressed") == "true"
    page.wait_for_function("document.body.dataset.step === '2'", timeout=5000)
    page.click("#play")
    assert page.locator("#play").get_attribute("aria-pressed") == "false"
    assert page.errors == []


def mlp_loss(hidden: list[int], seed: int = 0) -> tuple[Value, nn.MLP]:
    """One sample's squared error through an MLP, with the inputs labelled."""
    model = nn.MLP(2, [*hidden, 1], "relu", seed=seed)
    out = model([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    return loss, model


@needs_chromium
def test_in_chromium_a_500_node_page_is_small_and_quick(browser: Any, tmp_path: Path) -> None:
    """A graph of ~500 boxes makes a page under 2 MB that is interactive in under a second."""
    loss, model = mlp_loss([16, 16])
    g = viz._number(loss)
    boxes = len(g.nodes) + sum(1 for op in g.ops if op)
    assert 450 <= boxes <= 500
    path = viz.explore(loss, tmp_path / "big.html", params=model)
    assert path.stat().st_size < 2_000_000
    start = time.perf_counter()
    page = open_page(browser, path)
    ready = page.evaluate("window.explorerReadyAt")  # ms from navigation to interactive
    end = page.evaluate(
        "() => { const t = performance.now();"
        " document.dispatchEvent(new KeyboardEvent('keydown', {key: 'End'}));"
        " return performance.now() - t; }"
    )
    elapsed = time.perf_counter() - start
    assert ready + end < 1000, f"{ready:.0f} ms to be interactive, {end:.0f} ms to step to the end"
    assert elapsed < 5.0  # the whole round trip through Playwright, generously
    expected = engine_grads(loss)
    name = "layers.0.neurons.3.w.1"
    i = [n for n, _ in model.named_parameters()].index(name)
    p = model.parameters()[i]
    assert box_texts(page, name)[1] == f"grad {format(p.grad, '.4g')}"
    assert box_texts(page, "loss")[1] == f"grad {expected[-1]}"
    assert page.errors == []


@needs_chromium
def test_screenshots_for_the_docs(browser: Any, tmp_path: Path) -> None:
    """The pictures of docs/see_backprop.md, taken from the page mid-way and at the end.

    They go to a temporary folder, so that a test run leaves the checkout as it was;
    with AUTOGRAD_MINI_WRITE_DOCS_IMAGES=1 they replace the ones in docs/images.
    """
    images = IMAGES if os.environ.get("AUTOGRAD_MINI_WRITE_DOCS_IMAGES") == "1" else tmp_path
    x, w, b = Value(2.0, label="x"), Value(-0.5, label="w"), Value(0.5, label="b")
    y = (x * w + b).tanh() * x
    y.label = "y"
    page = open_page(browser, viz.explore(y, tmp_path / "y.html"), width=1000, height=560)
    y.backward()
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    images.mkdir(exist_ok=True)
    page.mouse.move(0, 0)  # no hover, so that the same page gives the same picture
    page.screenshot(path=str(images / "explorer_backward.png"), full_page=True)
    page.keyboard.press("End")
    page.screenshot(path=str(images / "explorer_end.png"), full_page=True)
    assert box_texts(page, "x")[1] == f"grad {format(x.grad, '.4g')}" == "grad -1.249"
    for name in ("explorer_backward.png", "explorer_end.png"):
        assert (images / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_networks_dot_nodes_name_their_weights_and_inputs() -> None:
    """A neuron's forward line names its weights, inputs and bias as named_parameters() does."""
    loss, model = mlp_loss([2])
    page = viz.explore(loss, params=model)
    forward = [line for s in page.steps if s["phase"] == "forward" for line, _ in s["lines"]]
    first = "layers.0.neurons.0.w.0 * x1 + layers.0.neurons.0.w.1 * x2 + layers.0.neurons.0.b"
    assert sum(line.split(" = ")[1] == first for line in forward) == 1
    assert replay(page.steps)[1] == dict(enumerate(engine_grads(loss)))


# --- the command line ------------------------------------------------------------------------
def test_cli_explore_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`autograd-mini explore EXPR x=...` prints the value and writes the page; bad input: 2."""
    from autograd_mini.cli import main

    target = tmp_path / "sub" / "explore.html"
    status = main(["explore", "tanh(x*w + b)", "x=2", "w=-0.5", "b=1", "--out", str(target)])
    out = capsys.readouterr().out
    assert status == 0 and out.startswith("tanh(x*w + b) = 0\n") and str(target) in out
    text = target.read_text(encoding="utf-8")
    assert "<title>Backprop through tanh(x*w + b)</title>" in text
    assert 'data-name="x"' in text and 'data-name="f"' in text
    assert main(["explore", "log(x)", "x=-1", "--out", str(target)]) == 2
    assert "cannot explore 'log(x)' at these values: log:" in capsys.readouterr().err
    assert main(["explore", "x + y", "x=1"]) == 2
    assert main(["explore", "--help"]) == 0
    assert "exit status: 0" in capsys.readouterr().out


def test_demo_writes_an_explorer_page_of_one_samples_loss(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo's explore.html steps through the trained network's loss on its first point."""
    from autograd_mini.cli import main

    argv = ["demo", "--epochs", "1", "--samples", "6", "--hidden", "3", "--no-progress"]
    assert main([*argv, "--out", str(tmp_path)]) == 0
    assert "explore.html" in capsys.readouterr().out
    text = (tmp_path / "explore.html").read_text(encoding="utf-8")
    assert 'data-name="layers.0.neurons.2.w.1"' in text and 'data-name="loss"' in text
    assert 'data-name="x1"' in text and 'data-name="x2"' in text


@needs_chromium
def test_in_chromium_every_step_shows_the_replayed_state(browser: Any, tmp_path: Path) -> None:
    """Forwards with → and back with ←, every box at every step shows what the steps say."""
    x, w = Value(1.5, label="x"), Value(-2.0, label="w")
    y = ((x * w).tanh() + x * x).relu() * w
    page_data = viz.explore(y)
    page = open_page(browser, page_data.save(tmp_path / "y.html"))
    names, steps = page_data.names, page_data.steps
    leaf = {i: format(n.data, ".4g") for i, n in enumerate(viz._number(y).nodes) if not n.op}

    def expected(k: int) -> list[tuple[str, str]]:
        data, grads, _ = replay(steps, k)
        return [
            (f"data {data.get(i, leaf.get(i, '—'))}", f"grad {grads.get(i, '—')}")
            for i in range(len(names))
        ]

    def seen() -> list[tuple[str, str]]:
        texts = page.evaluate(
            "names => names.map(n => [...document.querySelectorAll("
            '`[data-name="${n}"] .d, [data-name="${n}"] .g`)].map(e => e.textContent))',
            names,
        )
        return [tuple(t) for t in texts]

    for k in range(len(steps)):
        assert seen() == expected(k), f"step {k}"
        page.keyboard.press("ArrowRight")
    for k in reversed(range(len(steps))):
        assert seen() == expected(k), f"step {k}, going back"
        page.keyboard.press("ArrowLeft")
    page.focus("#slider")  # with the slider focused, an arrow key is still one step
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.body.dataset.step") == "1"


@needs_chromium
def test_in_chromium_the_states_differ_without_colour(browser: Any, tmp_path: Path) -> None:
    """The current node and the nodes it changed differ by border weight and dash, not hue."""
    f, _, _ = reused()
    page = open_page(browser, viz.explore(f, tmp_path / "f.html"))
    for _ in range(6):
        page.keyboard.press("ArrowRight")

    def border(name: str) -> tuple[str, str]:
        return tuple(
            page.evaluate(
                "n => { const s = getComputedStyle(document.querySelector("
                '`[data-name="${n}"] rect`)); return [s.strokeWidth, s.strokeDasharray]; }',
                name,
            )
        )

    current, touched, other = border("v3"), border("x"), border("w")
    assert len({current, touched, other}) == 3
    assert float(current[0].rstrip("px")) > float(touched[0].rstrip("px"))
    assert touched[1] != "none" and current[1] == other[1] == "none"


@needs_chromium
def test_in_chromium_labels_are_text_never_markup(browser: Any, tmp_path: Path) -> None:
    """A label full of markup is shown as text: no element, no script, no broken page."""
    evil = '</script><script>window.hacked=1</script><b title="x">&amp;'
    x = Value(2.0, label=evil)
    long = Value(1.0, label="a_label_much_longer_than_the_thirty_two_characters_shown")
    y = x * long
    y.label = "y"
    page = open_page(browser, viz.explore(y, tmp_path / "evil.html"))
    page.keyboard.press("End")
    assert page.evaluate("window.hacked === undefined && !document.querySelector('svg b')")
    shown = page.locator("svg .name").all_text_contents()
    assert sorted(shown) == sorted([evil[:31] + "…", "a_label_much_longer_than_the_th…", "y"])
    assert page.errors == []
    lines = page.locator("#lines li").all_text_contents()
    assert any(evil in line for line in lines)


@needs_chromium
def test_in_chromium_clicking_a_box_walks_through_its_contributions(
    browser: Any, tmp_path: Path
) -> None:
    """Each click on x jumps to the next step that changes x.grad, wrapping round."""
    f, _, _ = reused()
    page = open_page(browser, viz.explore(f, tmp_path / "f.html"))
    grads = []
    for _ in range(3):
        page.click('[data-name="x"]')
        grads.append(box_texts(page, "x")[1])
    assert grads == ["grad 4", "grad 7", "grad 4"]  # 2 + 2 in one step, then + 3
    page.click('[data-name="v2"]')  # from step 6, wrapping round to v2's forward step
    assert page.locator("#step-title").text_content() == "Forward: v2.data"
    assert page.errors == []
