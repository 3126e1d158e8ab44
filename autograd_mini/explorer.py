"""The backprop explorer: one self-contained HTML page that steps through a graph's passes.

:func:`autograd_mini.viz.explore` is the public entry point. Everything the page shows is
computed here, in Python, from the engine's own numbers: the forward pass (each op
node's value, in topological order) and the backward pass (reverse topological order,
from d root / d root = 1), where each step multiplies the node's gradient into the local
partials of the op table (``OPS[op].partials``), in the order and with the arithmetic
that ``Value.backward`` uses, so the gradients at the end are the engine's, bit for bit.
The steps go into the page as JSON; the page's script is a small state machine over
that list (the current step decides what is highlighted and what each box shows), with
plain DOM and SVG: no framework, no network, no external font.

The layout comes from Graphviz (``dot``, or the pip-installed ``graphviz-pure``) run
with ``-Tplain``; without either, a simple layered layout (one column per depth) is
used, so the page can always be made.

Example:
    >>> from autograd_mini import Value
    >>> from autograd_mini.viz import explore
    >>> x = Value(3.0, label="x")
    >>> page = explore((x * x).tanh())
    >>> [step["phase"] for step in page.steps]
    ['start', 'forward', 'forward', 'backward', 'backward', 'backward', 'end']
"""

from __future__ import annotations

import html
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._io import write_atomic
from .ops import OPS, REFLECTED

__all__ = ["Explorer"]

PathLike = str | os.PathLike[str]

_PENDING = "—"  # a number the pass has not reached yet: never a misleading 0
_CHAR = 6.6  # width of one character of the 11-unit monospace font, in SVG units
_ROW = 15.0  # height of one text row in a box
_RESERVE = 150  # graphs with at most this many edges get room for the edge labels
_LONG = 3  # a dot or sum with more inputs than this is written in words, not in full


class Explorer:
    """A backprop explorer page: shown inline in Jupyter, saved as one HTML file.

    Made by :func:`autograd_mini.viz.explore`; not meant to be built directly.

    Attributes:
        html: the whole page, one self-contained HTML document.
        steps: the steps the page walks through, as embedded in it: dicts with the
            ``phase`` ("start", "forward", "backward" or "end"), the ``title``, the
            ``lines`` (each a pair: the line, then a note), and what changes: ``data``
            and ``grad`` (pairs of node index and text), ``edges`` (edge index, local
            derivative), the current ``node``, the ``touched`` nodes, the ``hot`` edges.
        names: the name the page gives each node, in topological order (the root last).

    Example:
        >>> import os, tempfile
        >>> from autograd_mini import Value
        >>> from autograd_mini.viz import explore
        >>> a = Value(2.0, label="a")
        >>> page = explore(a * 3.0)
        >>> page.steps[-2]["lines"][0][0]
        'a.grad += 1 × 3 → 3'
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = page.save(os.path.join(tmp, "a.html"))
        ...     print(path.name, path.read_text(encoding="utf-8") == page.html)
        a.html True
    """

    def __init__(self, page: str, steps: list[dict[str, Any]], names: list[str]) -> None:
        self.html = page
        self.steps = steps
        self.names = names

    def save(self, path: PathLike) -> Path:
        """Write the page to ``path`` (atomically) and return it as a ``pathlib.Path``."""
        target = Path(path)
        write_atomic(target, self.html)
        return target

    def _repr_html_(self) -> str:
        # An iframe keeps the page's ids, styles and script apart from the notebook's.
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" title="backprop explorer" '
            'style="width:100%;height:640px;border:1px solid #d1d5db" '
            'sandbox="allow-scripts"></iframe>'
        )

    def __repr__(self) -> str:
        return f"<Explorer of {self.names[-1]}: {len(self.names)} nodes, {len(self.steps)} steps>"


# --- the steps -----------------------------------------------------------------------------
@dataclass
class _Edge:
    """An edge of the picture: input value -> op (``operand`` >= 0) or op -> its output."""

    tail: str
    head: str
    operand: int  # the input's position among the op's inputs, -1 for op -> output
    node: int  # the op node this edge belongs to


def _expression(g: Any, i: int, names: list[str]) -> str:
    """The op of node i applied to ``names`` (names or numbers), as Python would write it."""
    op, c = g.ops[i], g.nodes[i].const
    args = [names[p] for p in g.parents[i]]
    symbol = OPS[op].symbol
    if op == "dot":
        k = len(args) // 2
        if k > _LONG:
            bias = " + bias" if len(args) % 2 else ""
            return f"dot of {k} weights and {k} inputs{bias}"
        terms = [f"{w} * {x}" for w, x in zip(args[:k], args[k : 2 * k])] + args[2 * k :]
        return " + ".join(terms)
    if op == "sum":
        return f"sum of {len(args)} values" if len(args) > _LONG + 1 else " + ".join(args)
    if op in ("add", "sub", "mul", "div", "pow"):
        return f"{args[0]} {symbol} {args[1]}"
    if op in ("neg", "pos"):
        return f"{symbol}{args[0]}"
    if op in REFLECTED:
        return f"{c:g} {symbol} {args[0]}"
    if op.endswith("_const"):
        return f"{args[0]} {symbol} {c:g}"
    if c is not None:
        return f"{op}({args[0]}, {c:g})"
    return f"{op}({args[0]})"


def _formula(g: Any, i: int, k: int, names: list[str]) -> str:
    """The local derivative d node_i / d (its k-th input), in names."""
    op, ps = g.ops[i], g.parents[i]
    if op == "sum":
        return "1"
    if op == "dot":
        n = len(ps) // 2
        return names[ps[k + n]] if k < n else names[ps[k - n]] if k < 2 * n else "1"
    c = g.nodes[i].const
    return OPS[op].formula[k].format(
        x=names[ps[0]],
        y=names[ps[1]] if len(ps) > 1 else "",
        out=names[i],
        c=f"{c:g}" if c is not None else "",
    )


def _steps(g: Any, names: list[str], fmt: str) -> tuple[list[dict[str, Any]], list[_Edge]]:
    """The forward and backward steps, and the edges of the picture they refer to."""
    n = len(g.nodes)
    root = n - 1

    def num(x: float) -> str:
        return format(x, fmt)

    edges: list[_Edge] = []
    into: dict[int, list[int]] = {}  # op node -> the indices of its input edges
    for i in range(n):
        if g.ops[i]:
            edges.append(_Edge(f"o{i}", f"v{i}", -1, i))
            for k, p in enumerate(g.parents[i]):
                into.setdefault(i, []).append(len(edges))
                edges.append(_Edge(f"v{p}", f"o{i}", k, i))

    ops = [i for i in range(n) if g.ops[i]]
    steps: list[dict[str, Any]] = [
        {
            "phase": "start",
            "title": f"The graph of {names[root]}: {n} values, {len(ops)} ops",
            "lines": [
                [
                    "Leaves hold their .data; every other value is still unknown (—).",
                    "Press → (or Next) to compute the values one op at a time.",
                ]
            ],
        }
    ]
    # The forward pass: each op node's value, from its inputs, in topological order.
    numbers = [num(node.data) for node in g.nodes]
    for i in ops:
        in_names = _expression(g, i, names)
        in_numbers = _expression(g, i, numbers)
        shown = in_names if in_names == in_numbers else f"{in_names} = {in_numbers}"
        steps.append(
            {
                "phase": "forward",
                "node": i,
                "title": f"Forward: {names[i]}.data",
                "lines": [[f"{names[i]} = {shown} → {num(g.nodes[i].data)}", ""]],
                "data": [[i, num(g.nodes[i].data)]],
                "hot": into[i],
            }
        )
    # The backward pass, as Value.backward runs it: reverse topological order, the
    # table's partials, one `parent.grad += grad * partial` per input, in input order.
    grads = [0.0] * n
    reached = [False] * n
    grads[root] = 1.0
    reached[root] = True
    steps.append(
        {
            "phase": "backward",
            "node": root,
            "title": f"Backward: start from {names[root]}.grad = 1",
            "lines": [
                [
                    f"{names[root]}.grad = 1",
                    f"∂{names[root]}/∂{names[root]} = 1: the output's gradient with "
                    "respect to itself",
                ]
            ],
            "grad": [[root, "1"]],
        }
    )
    for i in reversed(ops):
        node, g_i = g.nodes[i], grads[i]
        if g_i - g_i != 0.0:
            raise OverflowError(
                f"explore: a gradient overflowed to {g_i!r} at the {node.op} node {names[i]}; "
                "the loss or its scale is probably too large"
            )
        step: dict[str, Any] = {
            "phase": "backward",
            "node": i,
            "title": f"Backward: {names[i]}.grad = {num(g_i)} is complete; pass it to its inputs",
            "grad": [] if reached[i] else [[i, num(g_i)]],
            "hot": into[i],
        }
        reached[i] = True
        if g_i == 0.0:  # the engine skips such a node: nothing flows back through it
            step["lines"] = [
                [
                    f"{names[i]}.grad is 0: nothing flows back to its inputs",
                    "backward() skips this node",
                ]
            ]
            steps.append(step)
            continue
        ps = g.parents[i]
        inputs = [g.nodes[p].data for p in ps]
        args = inputs if node.const is None else [*inputs, node.const]
        partials = OPS[node.op].partials(node.data, *args)
        lines, changed, labels = [], {}, []
        for k, (p, d) in enumerate(zip(ps, partials)):
            d = float(d)
            old = grads[p]
            grads[p] = old + g_i * d
            again = reached[p]
            reached[p] = True
            changed[p] = num(grads[p])
            labels.append([into[i][k], num(d)])
            formula = _formula(g, i, k, names)
            note = f"∂{names[i]}/∂{names[p]} = {formula}"
            if formula != num(d):
                note += f" = {num(d)}"
            if again:
                note += (
                    f"; was {num(old)}: {names[p]} is used more than once, so its "
                    "contributions add up"
                )
            lines.append([f"{names[p]}.grad += {num(g_i)} × {num(d)} → {changed[p]}", note])
        step["lines"] = lines
        step["grad"] += [[p, text] for p, text in changed.items()]
        step["edges"] = labels
        step["touched"] = list(changed)
        steps.append(step)
    # The end: what backward() leaves in .grad, including the zeros nothing reached.
    unreached = [[i, num(grads[i])] for i in range(n) if not reached[i]]
    leaves = [i for i in range(n) if not g.ops[i]]
    summary = ", ".join(f"{names[i]}.grad = {num(grads[i])}" for i in leaves[:12])
    more = f" and {len(leaves) - 12} more leaves" if len(leaves) > 12 else ""
    steps.append(
        {
            "phase": "end",
            "title": f"Done: every .grad is what {names[root]}.backward() leaves",
            "lines": [
                [summary + more, "the leaves' gradients"],
                *(
                    [[f"{len(unreached)} values got no gradient: their .grad stays 0", ""]]
                    if unreached
                    else []
                ),
            ],
            "grad": unreached,
        }
    )
    return steps, edges


# --- layout ------------------------------------------------------------------------------------
@dataclass
class _Box:
    x: float  # centre
    y: float
    w: float
    h: float


def _layout(
    dot_text: str, boxes: dict[str, tuple[float, float]], edges: list[_Edge], program: str | None
) -> tuple[dict[str, _Box], list[tuple[str, tuple[float, float] | None]], float, float]:
    """Positions (SVG units, y down) of the boxes, each edge's path and label point, and
    the picture's width and height: from ``program -Tplain``, else a layered layout."""
    if program is not None:
        result = subprocess.run([program, "-Tplain"], input=dot_text.encode(), capture_output=True)
        if result.returncode == 0 and result.stdout:
            return _parse_plain(result.stdout.decode("utf-8", "replace"), boxes, edges)
    return _layered(boxes, edges)


def _parse_plain(
    text: str, boxes: dict[str, tuple[float, float]], edges: list[_Edge]
) -> tuple[dict[str, _Box], list[tuple[str, tuple[float, float] | None]], float, float]:
    scale, height, width = 72.0, 0.0, 0.0
    placed: dict[str, _Box] = {}
    routes: dict[tuple[str, str], list[tuple[str, tuple[float, float] | None]]] = {}
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "graph":
            width, height = float(parts[2]) * scale, float(parts[3]) * scale
        elif parts[0] == "node":
            name = parts[1]
            w, h = boxes[name]
            x, y = float(parts[2]) * scale, height - float(parts[3]) * scale
            placed[name] = _Box(x, y, w, h)
        elif parts[0] == "edge":
            count = int(parts[3])
            nums = [float(v) for v in parts[4 : 4 + 2 * count]]
            pts = [(nums[2 * j] * scale, height - nums[2 * j + 1] * scale) for j in range(count)]
            path = f"M{pts[0][0]:.1f},{pts[0][1]:.1f}" + "".join(
                f" C{a[0]:.1f},{a[1]:.1f} {b[0]:.1f},{b[1]:.1f} {c[0]:.1f},{c[1]:.1f}"
                for a, b, c in zip(pts[1::3], pts[2::3], pts[3::3])
            )
            rest = parts[4 + 2 * count :]
            at = (
                (float(rest[1]) * scale, height - float(rest[2]) * scale + 4.0)
                if len(rest) >= 5
                else _middle(pts)
            )
            routes.setdefault((parts[1], parts[2]), []).append((path, at))
    paths = [routes[(e.tail, e.head)].pop(0) for e in edges]
    return placed, paths, width, height


def _middle(pts: list[tuple[float, float]]) -> tuple[float, float]:
    """The point half-way along a cubic B-spline's middle segment."""
    segments = max(1, (len(pts) - 1) // 3)
    s = (segments - 1) // 2
    p0, p1, p2, p3 = pts[3 * s : 3 * s + 4] if len(pts) >= 4 else (pts[0],) * 2 + (pts[-1],) * 2
    return (
        (p0[0] + 3 * p1[0] + 3 * p2[0] + p3[0]) / 8,
        (p0[1] + 3 * p1[1] + 3 * p2[1] + p3[1]) / 8,
    )


def _layered(
    boxes: dict[str, tuple[float, float]], edges: list[_Edge]
) -> tuple[dict[str, _Box], list[tuple[str, tuple[float, float] | None]], float, float]:
    """A left-to-right layout without Graphviz: one column of values per depth (the
    longest path from a leaf), each op just left of its value, each column in the order
    of its inputs' rows (fewer crossings)."""
    inputs: dict[str, list[str]] = {}  # value -> the values its op reads
    for e in edges:
        if e.operand >= 0:
            inputs.setdefault(f"v{e.node}", []).append(e.tail)
    values = [name for name in boxes if name.startswith("v")]
    values.sort(key=lambda name: int(name[1:]))  # topological order
    depth: dict[str, int] = {}
    for name in values:
        depth[name] = 1 + max((depth[p] for p in inputs.get(name, ())), default=-1)
    columns: dict[int, list[str]] = {}
    for name in values:
        columns.setdefault(depth[name], []).append(name)
    gap = max([w for name, (w, _) in boxes.items() if name.startswith("o")] + [0.0]) + 50.0
    placed: dict[str, _Box] = {}
    x, height = 10.0, 0.0
    for d in sorted(columns):
        names = columns[d]
        row = {
            n: sum(placed[p].y for p in inputs.get(n, ())) / max(1, len(inputs.get(n, ())))
            for n in names
        }
        names.sort(key=row.__getitem__)
        col_w = max(boxes[name][0] for name in names)
        y = 10.0
        for name in names:
            w, h = boxes[name]
            placed[name] = _Box(x + col_w / 2, y + h / 2, w, h)
            op = "o" + name[1:]
            if op in boxes:
                placed[op] = _Box(x - gap / 2, y + h / 2, *boxes[op])
            y += h + 18.0
        height = max(height, y)
        x += col_w + gap
    paths: list[tuple[str, tuple[float, float] | None]] = []
    for e in edges:
        a, b = placed[e.tail], placed[e.head]
        x0, y0, x1, y1 = a.x + a.w / 2, a.y, b.x - b.w / 2, b.y
        paths.append((f"M{x0:.1f},{y0:.1f} L{x1:.1f},{y1:.1f}", ((x0 + x1) / 2, (y0 + y1) / 2)))
    return placed, paths, x - gap + 10.0, height


# --- the page ----------------------------------------------------------------------------------
def _shown_name(name: str) -> str:
    """A name as its box shows it: cut as the static pictures cut labels (the panel keeps
    it whole), so that one long name cannot widen a whole column."""
    from .viz import _LABEL_WIDTH

    return name if len(name) <= _LABEL_WIDTH else name[: _LABEL_WIDTH - 1] + "…"


def _op_label(g: Any, i: int) -> str:
    from .viz import _op_text

    return str(_op_text(g, i))


def _svg(
    g: Any,
    names: list[str],
    roles: list[str],
    steps: list[dict[str, Any]],
    edges: list[_Edge],
    rankdir: str,
    program: str | None,
    fmt: str,
) -> str:
    n = len(g.nodes)
    widest_number = max(
        [len(format(node.data, fmt)) for node in g.nodes]
        + [len(text) for s in steps for _, text in s.get("grad", ())]
        + [1]
    )
    boxes: dict[str, tuple[float, float]] = {}
    for i in range(n):
        chars = max(len(_shown_name(names[i])), 5 + widest_number)
        boxes[f"v{i}"] = (chars * _CHAR + 14.0, 3 * _ROW + 6.0)
        if g.ops[i]:
            boxes[f"o{i}"] = (len(_op_label(g, i)) * _CHAR + 18.0, 22.0)
    dot_lines = [
        "digraph {",
        f"graph [rankdir={rankdir} nodesep=0.2 ranksep=0.35]",
        'node [shape=box fixedsize=true label=""]',
        "edge [arrowhead=none]",
    ]
    dot_lines += [f"{k} [width={w / 72:.3f} height={h / 72:.3f}]" for k, (w, h) in boxes.items()]
    # On a small graph, room for each local derivative: a placeholder label as wide.
    reserve = len(edges) <= _RESERVE
    widest_label = max([len(t) for s in steps for _, t in s.get("edges", ())] + [1])
    placeholder = f' [label="{"0" * widest_label}"]' if reserve else ""
    if reserve:
        dot_lines.append("edge [fontname=Courier fontsize=10]")
    dot_lines += [f"{e.tail} -> {e.head}{placeholder if e.operand >= 0 else ''}" for e in edges]
    dot_lines.append("}")
    placed, paths, width, height = _layout("\n".join(dot_lines), boxes, edges, program)

    w8, h8 = width + 8, height + 8
    # A small graph fills the width (at most 1.8 times its size); a large one keeps its
    # size and scrolls, so that its text stays readable.
    size = (
        f'width="100%" style="max-width:{1.8 * w8:.0f}px"'
        if w8 < 1300
        else f'width="{w8:.0f}" height="{h8:.0f}"'
    )
    out = [
        f'<svg id="graph" xmlns="http://www.w3.org/2000/svg" viewBox="-4 -4 {w8:.0f} '
        f'{h8:.0f}" {size} role="img" '
        f'aria-label="the computation graph of {html.escape(names[-1])}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" markerUnits="userSpaceOnUse" orient="auto"><path '
        'd="M0,0 L10,5 L0,10 z" fill="#4b5563"/></marker></defs>',
    ]
    labels = []
    for j, (e, (path, mid)) in enumerate(zip(edges, paths)):
        out.append(f'<g class="edge" id="e{j}"><path d="{path}"/></g>')
        if e.operand >= 0 and mid is not None:  # drawn last, over the boxes
            labels.append(f'<text class="ed" id="l{j}" x="{mid[0]:.1f}" y="{mid[1]:.1f}"></text>')
    for i in range(n):
        if g.ops[i]:
            b = placed[f"o{i}"]
            out.append(
                f'<g class="op" id="o{i}"><ellipse cx="{b.x:.1f}" cy="{b.y:.1f}" '
                f'rx="{b.w / 2:.1f}" ry="{b.h / 2:.1f}"/><text x="{b.x:.1f}" '
                f'y="{b.y + 4:.1f}">{html.escape(_op_label(g, i))}</text></g>'
            )
    for i in range(n):
        b = placed[f"v{i}"]
        x0, y0 = b.x - b.w / 2, b.y - b.h / 2
        name = html.escape(names[i])
        named = "name anon" if names[i] == f"v{i}" and not g.nodes[i].label else "name"
        data = format(g.nodes[i].data, fmt) if not g.ops[i] else _PENDING
        out.append(
            f'<g class="val {roles[i]}" id="v{i}" data-name="{name}">'
            f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{b.w:.1f}" height="{b.h:.1f}" rx="3"/>'
            f'<text class="{named}" x="{b.x:.1f}" y="{y0 + _ROW:.1f}">'
            f"{html.escape(_shown_name(names[i]))}</text>"
            f'<text class="d" id="d{i}" x="{b.x:.1f}" y="{y0 + 2 * _ROW:.1f}">data {data}</text>'
            f'<text class="g" id="g{i}" x="{b.x:.1f}" y="{y0 + 3 * _ROW:.1f}">'
            f"grad {_PENDING}</text></g>"
        )
    out += labels
    out.append("</svg>")
    return "\n".join(out)


def build(
    g: Any,
    *,
    names: list[str],
    roles: list[str],
    fmt: str,
    rankdir: str,
    program: str | None,
    title: str,
) -> Explorer:
    """The explorer page of the numbered graph ``g`` (see ``viz._number``)."""
    steps, edges = _steps(g, names, fmt)
    svg = _svg(g, names, roles, steps, edges, rankdir, program, fmt)
    data = {
        "data0": [format(node.data, fmt) if not node.op else _PENDING for node in g.nodes],
        "edges": len(edges),
        "steps": steps,
    }
    # "</" would end the script element early; JSON allows "<\/" for it.
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    page = (
        _PAGE.replace("%TITLE%", html.escape(title))
        .replace("%CSS%", _CSS)
        .replace("%SVG%", svg)
        .replace("%DATA%", payload)
        .replace("%JS%", _JS)
        .replace("%LAST%", str(len(steps) - 1))
    )
    return Explorer(page, steps, names)


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%TITLE%</title>
<style>%CSS%</style>
</head>
<body>
<header>
<h1>%TITLE%</h1>
<p class="intro">Each box is a <code>Value</code>: its name, its <code>.data</code> and its
<code>.grad</code>. Each oval is the op that made the value to its right. The
<strong>forward pass</strong> computes the values in topological order. The
<strong>backward pass</strong> then visits the ops in reverse order, starting from
<code>.grad = 1</code> at the output: each input's <code>.grad</code> grows by the op's
gradient times the <em>local derivative</em> (the number on the edge), which is the chain
rule. A value used twice collects two contributions. A gradient not yet computed reads —.
Click a box to jump to the next step that changes it.</p>
</header>
<nav class="controls" aria-label="steps">
<button id="home" type="button" title="the start (Home)">Start</button>
<button id="prev" type="button" title="previous step (←)">◀ Previous</button>
<button id="play" type="button" aria-pressed="false" title="play or pause">▶ Play</button>
<button id="next" type="button" title="next step (→)">Next ▶</button>
<button id="end" type="button" title="the end (End)">End</button>
<label for="slider">step</label>
<input id="slider" type="range" min="0" max="%LAST%" value="0" step="1">
<span id="counter">step 0 of %LAST%</span>
<span class="keys">keys: → ← Home End</span>
</nav>
<section id="panel" aria-label="this step"><h2 id="step-title"></h2><ol id="lines"></ol></section>
<p id="live" class="sr" aria-live="polite" aria-atomic="true"></p>
<main id="picture">%SVG%</main>
<footer class="legend">
<span class="sw output"></span> output
<span class="sw param"></span> parameter
<span class="sw input"></span> input
<span class="sw const"></span> constant
<span class="sw value"></span> intermediate value
<span class="sw cur"></span> current step
<span class="sw touched"></span> gradient changed by this step
<span class="hot-sample"></span> edges of this step, labelled with the local derivative
</footer>
<script type="application/json" id="explorer-data">%DATA%</script>
<script>%JS%</script>
</body>
</html>
"""

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
margin:0 auto;padding:0 16px 24px;color:#111827;max-width:1400px}
h1{font-size:1.35em;margin:14px 0 4px}
.intro{margin:0 0 10px;max-width:62em;color:#374151}
.controls{display:flex;flex-wrap:wrap;gap:8px;align-items:center;position:sticky;top:0;
background:#fff;padding:8px 0;border-bottom:1px solid #d1d5db;z-index:1}
button{font:inherit;padding:4px 10px;border:1px solid #374151;border-radius:4px;
background:#f9fafb;color:#111827;cursor:pointer}
button:disabled{opacity:.45;cursor:default}
button:focus-visible,input:focus-visible{outline:3px solid #111827;outline-offset:2px}
#slider{flex:1;min-width:160px}
#counter{font-variant-numeric:tabular-nums;min-width:9em}
.keys{color:#4b5563;font-size:.9em}
#panel{margin:10px 0;padding:8px 12px;border:2px solid #111827;border-radius:6px;
max-height:14em;overflow:auto;background:#fffbeb}
#panel h2{font-size:1.05em;margin:0 0 4px}
#lines{margin:0;padding-left:1.4em;font-family:ui-monospace,Menlo,Consolas,monospace;
font-size:14px}
#lines .note{display:block;color:#4b5563;font-size:12.5px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);
white-space:nowrap}
#picture{overflow:auto;border:1px solid #e5e7eb;border-radius:6px;max-height:calc(100vh - 90px)}
svg text{font-family:ui-monospace,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:11px;
text-anchor:middle;fill:#111827}
.edge path{fill:none;stroke:#6b7280;stroke-width:1.2;marker-end:url(#arrow)}
.edge.hot path{stroke:#111827;stroke-width:3.2}
.ed{font-size:10px;fill:#581c87;font-weight:bold;paint-order:stroke;stroke:#fff;
stroke-width:3px}
.ed.hot{font-size:12px;fill:#000}
.op ellipse{fill:#ede9fe;stroke:#6d28d9;stroke-width:1.2}
.op text{font-size:10.5px}
.val{cursor:pointer}
.val rect{fill:#fff;stroke:#374151;stroke-width:1.2}
.val.output rect{fill:#fcd34d;stroke:#92400e;stroke-width:2.5}
.val.param rect{fill:#bfdbfe;stroke:#1e3a8a}
.val.input rect{fill:#bbf7d0;stroke:#14532d}
.val.const rect{fill:#f3f4f6;stroke:#9ca3af}
.val .name{font-weight:bold}
.val .anon{font-weight:normal;font-style:italic;fill:#4b5563}
.val.cur rect,.op.cur ellipse{stroke:#000;stroke-width:4.5}
.val.touched rect{stroke:#000;stroke-width:2.8;stroke-dasharray:6 3}
.val.cur .g,.val.touched .g,.val.cur .d{font-weight:bold}
.legend{margin-top:10px;color:#374151;font-size:.9em;display:flex;flex-wrap:wrap;gap:6px 14px;
align-items:center}
.sw{display:inline-block;width:18px;height:12px;border:1.2px solid #374151;
vertical-align:middle;margin-right:-8px;background:#fff}
.sw.output{background:#fcd34d;border:2.5px solid #92400e}
.sw.param{background:#bfdbfe;border-color:#1e3a8a}
.sw.input{background:#bbf7d0;border-color:#14532d}
.sw.const{background:#f3f4f6;border-color:#9ca3af}
.sw.cur{border:4px solid #000}
.sw.touched{border:2.5px dashed #000}
.hot-sample{display:inline-block;width:26px;border-top:3.2px solid #111827;margin-right:-8px}
@media print{.controls{position:static}#panel,#picture{max-height:none}}
"""

_JS = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("explorer-data").textContent);
  var steps = data.steps, last = steps.length - 1, n = data.data0.length;
  var byId = function (id) { return document.getElementById(id); };
  var dataText = [], gradText = [], edgeText = [];
  for (var i = 0; i < n; i++) { dataText.push(byId("d" + i)); gradText.push(byId("g" + i)); }
  for (var j = 0; j < data.edges; j++) { edgeText.push(byId("l" + j)); }
  var shown = {};  // what each text element shows now, to touch only what changes
  var marked = [], current = 0, timer = null;
  var slider = byId("slider"), playButton = byId("play");

  function put(el, text) {
    if (el && shown[el.id] !== text) { el.textContent = text; shown[el.id] = text; }
  }
  function mark(el, cls) { if (el) { el.classList.add(cls); marked.push([el, cls]); } }

  // The state after step k: replay the changes of steps 1..k from the start.
  function stateAt(k) {
    var values = data.data0.slice(), grads = [], labels = [];
    for (var s = 1; s <= k; s++) {
      var st = steps[s];
      (st.data || []).forEach(function (c) { values[c[0]] = c[1]; });
      (st.grad || []).forEach(function (c) { grads[c[0]] = c[1]; });
      (st.edges || []).forEach(function (c) { labels[c[0]] = c[1]; });
    }
    return { values: values, grads: grads, labels: labels };
  }

  function say(st) {
    return st.title + ". " + st.lines.map(function (l) { return l[0]; }).join("; ");
  }

  function show(k) {
    k = Math.max(0, Math.min(last, k));
    var state = stateAt(k), st = steps[k];
    for (var i = 0; i < n; i++) {
      put(dataText[i], "data " + state.values[i]);
      put(gradText[i], "grad " + (state.grads[i] === undefined ? "\u2014" : state.grads[i]));
    }
    for (var j = 0; j < edgeText.length; j++) {
      put(edgeText[j], state.labels[j] === undefined ? "" : state.labels[j]);
    }
    marked.forEach(function (m) { m[0].classList.remove(m[1]); });
    marked = [];
    if (st.node !== undefined) {
      mark(byId("v" + st.node), "cur");
      mark(byId("o" + st.node), "cur");
    }
    (st.touched || []).forEach(function (p) { mark(byId("v" + p), "touched"); });
    (st.hot || []).forEach(function (e) {
      mark(byId("e" + e), "hot");
      mark(byId("l" + e), "hot");
    });
    byId("step-title").textContent = st.title;
    var list = byId("lines");
    list.textContent = "";
    st.lines.forEach(function (l) {
      var item = document.createElement("li");
      item.appendChild(document.createTextNode(l[0]));
      if (l[1]) {
        var note = document.createElement("span");
        note.className = "note";
        note.textContent = l[1];
        item.appendChild(note);
      }
      list.appendChild(item);
    });
    byId("live").textContent = say(st);
    slider.value = String(k);
    byId("counter").textContent = "step " + k + " of " + last + " (" + st.phase + ")";
    byId("prev").disabled = byId("home").disabled = k === 0;
    byId("next").disabled = byId("end").disabled = k === last;
    current = k;
    document.body.setAttribute("data-step", String(k));
    if (st.node !== undefined) {
      var box = byId("v" + st.node);
      if (box && box.scrollIntoView) { box.scrollIntoView({block: "nearest", inline: "nearest"}); }
    }
  }

  function pause() {
    if (timer === null) { return; }
    clearInterval(timer);
    timer = null;
    playButton.textContent = "\u25B6 Play";
    playButton.setAttribute("aria-pressed", "false");
  }
  function play() {
    if (current === last) { show(0); }
    playButton.textContent = "\u23F8 Pause";
    playButton.setAttribute("aria-pressed", "true");
    timer = setInterval(function () {
      if (current >= last) { pause(); } else { show(current + 1); }
    }, 900);
  }

  // A click on a box jumps to the next step that changes it (again and again: the
  // contributions of a value used twice, one by one), wrapping round at the end.
  function changes(st, i) {
    return (st.data || []).concat(st.grad || []).some(function (c) { return c[0] === i; });
  }
  byId("graph").addEventListener("click", function (event) {
    var box = event.target.closest ? event.target.closest(".val") : null;
    if (!box) { return; }
    var i = parseInt(box.id.slice(1), 10);
    for (var d = 1; d <= last; d++) {
      var k = (current + d) % (last + 1);
      if (changes(steps[k], i)) { pause(); show(k); return; }
    }
  });
  byId("home").addEventListener("click", function () { pause(); show(0); });
  byId("prev").addEventListener("click", function () { pause(); show(current - 1); });
  byId("next").addEventListener("click", function () { pause(); show(current + 1); });
  byId("end").addEventListener("click", function () { pause(); show(last); });
  playButton.addEventListener("click", function () {
    if (timer === null) { play(); } else { pause(); }
  });
  slider.addEventListener("input", function () { pause(); show(parseInt(slider.value, 10)); });
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var keys = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: last };
    if (!(event.key in keys)) { return; }
    event.preventDefault();
    pause();
    show(keys[event.key]);
  });
  show(0);
  window.explorerReady = true;
  window.explorerReadyAt = performance.now();  // ms since navigation began
})();
"""
