"""Pictures of computation graphs: DOT text, Graphviz digraphs and SVG / PNG / PDF files.

One record per ``Value`` (its label, data and gradient) and one small oval per op
(``+``, ``*``, ``tanh``, ``**3``, ``dot``), with edges input -> op -> output, as in
micrograd's ``draw_dot``. Colours tell the nodes apart:

* the output (the root): gold, with a thick border;
* parameters: blue (leaves with a label, and the weights and bias of a ``dot``);
* inputs: green (the ``x`` operands of a ``dot``, e.g. a network's inputs);
* constants: grey (unlabelled leaves, such as the ``2`` of ``2 * x``);
* intermediate values: white; ops: small violet ovals;
* collapsed groups (see below): pink, rounded and dashed.

The edges into the ops whose operand order matters name the operands (``lhs``/``rhs``
for ``-``, ``num``/``den`` for ``/``, ``base``/``exp`` for ``**`` with a ``Value`` exponent).

Large graphs: past ``max_nodes`` Graphviz nodes, ``collapse=True`` summarises repeated
structure in steps, each coarser than the last, stopping at the first that draws at most
``max_nodes`` nodes and twice as many edges:

1. each maximal chain of single-input ops (``tanh(tanh(...))``, ``(x * 2 + 1).exp()``)
   becomes one node;
2. each ``dot`` with its own weights and bias and its activation becomes one *neuron*;
3. neurons that read the same inputs become one *layer*;
4. the nodes and groups of the same kind at the same depth become one node per kind.

An edge between groups carries its count (``×256``); a group shows the data and
gradient of its output, or their range if it has several. If even the coarsest summary
needs more than ``max_nodes`` nodes, or with ``collapse=False``, a ``ValueError`` says so:
a huge graph is never emitted.

Names: a node shows its label; ``params=model`` (or a mapping name -> ``Value``) names
a network's parameters by their dotted ``named_parameters()`` names, and a network's
input leaves are named by their feature, ``x[0]``, ``x[1]``. Several roots can be drawn
together (``to_dot([loss, accuracy])``). Before ``backward()`` has run the pictures
leave out the gradient row (a forward-only view) instead of showing zeros.

:func:`to_dot` needs nothing beyond the standard library. :func:`draw_graph` wraps the
same text in a ``graphviz.Digraph``, which displays inline in Jupyter, and needs the
``graphviz`` package (``pip install "autograd-mini[viz]"``); its display runs ``dot`` or,
without it, ``graphviz-pure``. :func:`render_graph` runs Graphviz's ``dot`` program, or
for SVG and PNG the ``graphviz-pure`` program (a port of ``dot`` that pip installs) when
``dot`` is missing. :func:`explore` writes a page that steps through the forward and
backward pass, node by node (see :mod:`autograd_mini.explorer`).

Example:
    >>> from autograd_mini import Value
    >>> x, w, b = Value(2.0, label="x"), Value(-0.5, label="w"), Value(1.0, label="b")
    >>> y = (x * w + b).tanh()
    >>> y.backward()
    >>> text = to_dot(y)
    >>> text.splitlines()[0]
    'digraph {'
    >>> '"{ x | data 2 | grad -0.5 }"' in text, 'label="tanh"' in text
    (True, True)
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sysconfig
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from ._io import write_atomic
from .ops import OPS, REFLECTED
from .value import Value, _topological_order

if TYPE_CHECKING:
    import graphviz  # type: ignore[import-untyped, import-not-found, unused-ignore]

    from .explorer import Explorer

__all__ = ["GraphvizNotFoundError", "draw_graph", "explore", "render_graph", "to_dot"]

PathLike = str | os.PathLike[str]
Roots = Value | Sequence[Value]  # one output, or several drawn together

_RANKDIRS = ("LR", "RL", "TB", "BT")
# The formats render_graph writes, by name or suffix; "dot" is the DOT text itself.
_FORMATS = {"svg": "svg", "png": "png", "pdf": "pdf", "dot": "dot", "gv": "dot"}
# Programs tried, in order, when Graphviz's dot is missing, with the formats they write.
_FALLBACKS: tuple[tuple[str, frozenset[str]], ...] = (("graphviz-pure", frozenset({"svg", "png"})),)
_LABEL_WIDTH = 32  # a longer label is cut, so that one long name cannot widen a whole rank

# Graph defaults, then one colour pair (fill, border) per role of a node.
_HEADER = (
    "\tgraph [rankdir={rankdir} nodesep=0.25 ranksep=0.4]\n"
    '\tnode [shape=record style=filled fontname=Helvetica fontsize=11 color="#374151"'
    " fillcolor=white]\n"
    '\tedge [color="#6b7280" arrowsize=0.6 fontname=Helvetica fontsize=9 fontcolor="#4b5563"]\n'
)
_OP_DEFAULTS = (
    '\tnode [shape=ellipse fillcolor="#ede9fe" color="#6d28d9" fontsize=10 height=0.3'
    ' width=0.3 margin="0.04,0.02"]\n'
)
_STYLE = {
    "output": ' style="filled,bold" fillcolor="#fcd34d" color="#92400e" penwidth=2.5',
    "param": ' fillcolor="#bfdbfe" color="#1e3a8a"',
    "input": ' fillcolor="#bbf7d0" color="#14532d"',
    "const": ' fillcolor="#f3f4f6" color="#9ca3af" fontcolor="#4b5563"',
    "value": "",
    "group": ' fillcolor="#fce7f3" color="#9d174d"',
}
_GROUP = ' style="filled,rounded,dashed"'
_ROLE_NAMES = {"param": "parameter", "input": "input", "const": "constant", "value": "value"}
# Operand names on the edges into the ops where order matters.
_OPERANDS = {"sub": ("lhs", "rhs"), "div": ("num", "den"), "pow": ("base", "exp")}


class GraphvizNotFoundError(RuntimeError):
    """No program to render the graph was found; the DOT text was written instead.

    Attributes:
        dot_path: where the DOT text was written.
    """

    def __init__(self, message: str, dot_path: Path) -> None:
        super().__init__(message)
        self.dot_path = dot_path


# --- public API ------------------------------------------------------------------------
def to_dot(
    root: Roots,
    *,
    rankdir: str = "LR",
    show_grad: bool | None = None,
    max_nodes: int = 500,
    fmt: str = ".4g",
    collapse: bool = True,
    params: Any = None,
) -> str:
    """The DOT text of the graph that computed ``root``, made with the standard library only.

    Node names are stable: ``v<i>`` for the value and ``op<i>`` for the op of the i-th
    node in topological order (``g<i>`` for a collapsed group), so the same graph
    always gives the same text.

    Args:
        root: the output node, or a list of outputs drawn together (each in the output
            colour, the nodes they share drawn once); every node they depend on is drawn.
        rankdir: the direction of the layout: ``"LR"`` (left to right), ``"RL"``,
            ``"TB"`` (top to bottom) or ``"BT"``.
        show_grad: show each node's ``.grad`` next to its data; None (the default) shows
            it once ``backward()`` has run (a root's ``.grad`` is not 0), so that a graph
            drawn before is a forward-only view rather than a row of zeros.
        max_nodes: the most Graphviz nodes to emit (a value and its op count as two).
        fmt: the format spec of the numbers, as in ``format(x, fmt)``: ``".4g"``, ``".3f"``.
        collapse: past ``max_nodes``, summarise repeated structure (see the module
            docstring) instead of raising.
        params: names for unlabelled parameters: an ``nn.Module`` (its
            ``named_parameters()``, such as ``layers.0.neurons.3.w.1``) or a mapping
            name -> ``Value``. A network's input leaves (the ``x`` operands of a ``dot``)
            are named by their feature, ``x[0]``, ``x[1]``, ... unless labelled.

    Returns:
        The DOT text, the same that ``draw_graph(root, ...).source`` holds.

    Raises:
        TypeError: ``root`` is not a ``Value`` or a list of them, or bad ``params``.
        ValueError: a bad option, no root, or a graph past ``max_nodes`` with
            ``collapse=False`` (or one that does not fit even collapsed).

    Example:
        >>> from autograd_mini import Value
        >>> x = Value(3.0, label="x")
        >>> y = x ** 3
        >>> y.backward()
        >>> print(to_dot(y, show_grad=False))  # doctest: +NORMALIZE_WHITESPACE +ELLIPSIS
        digraph {
            graph [rankdir=LR nodesep=0.25 ranksep=0.4]
            ...
            v0 [label="{ x | data 3 }" fillcolor="#bfdbfe" color="#1e3a8a"]
            v1 [label="{ data 27 }" style="filled,bold" fillcolor="#fcd34d" ...]
            node [shape=ellipse ...]
            op1 [label="**3"]
            op1 -> v1
            v0 -> op1
        }
    """
    return (
        "digraph {\n"
        + "".join(_body(root, rankdir, show_grad, max_nodes, fmt, collapse, params))
        + "}\n"
    )


def draw_graph(
    root: Roots,
    *,
    rankdir: str = "LR",
    show_grad: bool | None = None,
    max_nodes: int = 500,
    fmt: str = ".4g",
    collapse: bool = True,
    params: Any = None,
) -> graphviz.Digraph:
    """The graph that computed ``root`` as a ``graphviz.Digraph`` (shown inline in Jupyter).

    Its ``.source`` is :func:`to_dot`'s text. Its display in Jupyter runs Graphviz's
    ``dot`` or, without it, the pip-installed ``graphviz-pure`` (as :func:`render_graph`
    does); its own ``.render()`` and ``.pipe()`` need ``dot``. :func:`render_graph` needs
    neither this package nor, for SVG and PNG, ``dot`` itself.

    Args:
        root: the output node, or a list of outputs (see :func:`to_dot`).
        rankdir: ``"LR"``, ``"RL"``, ``"TB"`` or ``"BT"``.
        show_grad: show each node's ``.grad``; None: once ``backward()`` has run.
        max_nodes: the most Graphviz nodes to emit (see :func:`to_dot`).
        fmt: the format spec of the numbers.
        collapse: past ``max_nodes``, summarise repeated structure instead of raising.
        params: names for parameters: an ``nn.Module`` or a mapping name -> ``Value``.

    Returns:
        A ``graphviz.Digraph``.

    Raises:
        ImportError: the ``graphviz`` package is not installed.
        TypeError: ``root`` is not a ``Value``.
        ValueError: as :func:`to_dot`.

    Example:
        >>> from autograd_mini import Value
        >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
        >>> c = a * b
        >>> c.backward()
        >>> g = draw_graph(c)
        >>> type(g).__name__, g.source == to_dot(c)
        ('Digraph', True)
    """
    gv = _import_graphviz()
    body = _body(root, rankdir, show_grad, max_nodes, fmt, collapse, params)
    return _digraph_class(gv)(body=body)


def render_graph(
    root: Roots, path: PathLike, *, format: str | None = None, **draw_kwargs: Any
) -> Path:
    """Draw the graph that computed ``root`` into an SVG, PNG or PDF file.

    The format is ``format``, or else the suffix of ``path`` (``.svg``, ``.png``,
    ``.pdf``; ``.dot`` and ``.gv`` write the DOT text). Graphviz's ``dot`` program draws
    the picture; without it, SVG and PNG fall back on the ``graphviz-pure`` program
    (``pip install graphviz-pure``) if it is installed. With neither, the DOT text is
    written next to ``path`` (same name, suffix ``.dot``) and
    :class:`GraphvizNotFoundError` says how to install Graphviz. The file is written
    atomically: ``path`` holds either its old content or the complete new picture.

    Args:
        root: the output node, or a list of outputs (see :func:`to_dot`).
        path: the file to write.
        format: ``"svg"``, ``"png"``, ``"pdf"`` or ``"dot"``; None to go by ``path``.
        **draw_kwargs: options of :func:`to_dot` (``rankdir``, ``show_grad``,
            ``max_nodes``, ``fmt``, ``collapse``, ``params``).

    Returns:
        The path written, as a ``pathlib.Path``.

    Raises:
        ValueError: an unknown format, or as :func:`to_dot`.
        GraphvizNotFoundError: no program to draw with was found (a ``RuntimeError``;
            its ``dot_path`` is where the DOT text went).
        RuntimeError: the program failed.

    Example:
        >>> import os, tempfile
        >>> from autograd_mini import Value
        >>> x = Value(0.5, label="x")
        >>> y = x.tanh() * 2
        >>> y.backward()
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     out = render_graph(y, os.path.join(tmp, "graph.svg"))
        ...     print(out.name, "<svg" in out.read_text(encoding="utf-8"))
        graph.svg True
    """
    target = Path(path)
    kind = _output_format(target, format)
    source = to_dot(root, **draw_kwargs).encode("utf-8")
    if kind == "dot":
        write_atomic(target, source)
        return target
    program = _find_renderer(kind)
    if program is None:
        dot_path = target.with_suffix(".dot")
        write_atomic(dot_path, source)
        pure = (
            "; graphviz-pure writes SVG and PNG only"
            if kind == "pdf"
            else ", or for SVG and PNG only: pip install graphviz-pure"
        )
        raise GraphvizNotFoundError(
            f"render_graph: cannot draw {str(target)!r}: Graphviz's 'dot' program is not "
            f"installed, so the DOT text was written to {str(dot_path)!r} instead. Install "
            "Graphviz (apt-get install graphviz, brew install graphviz or conda install -c "
            f"conda-forge graphviz{pure}), then run: dot -T{kind} {dot_path} -o {target}",
            dot_path,
        )
    result = subprocess.run([program, f"-T{kind}"], input=source, capture_output=True)
    if result.returncode != 0 or not result.stdout:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(
            f"render_graph: {program} -T{kind} failed (exit {result.returncode}): {message}"
        )
    write_atomic(target, result.stdout)
    return target


@overload
def explore(
    root: Value,
    path: None = None,
    *,
    rankdir: str = ...,
    max_nodes: int = ...,
    fmt: str = ...,
    params: Any = ...,
    title: str | None = ...,
) -> Explorer: ...
@overload
def explore(
    root: Value,
    path: PathLike,
    *,
    rankdir: str = ...,
    max_nodes: int = ...,
    fmt: str = ...,
    params: Any = ...,
    title: str | None = ...,
) -> Path: ...
def explore(
    root: Value,
    path: PathLike | None = None,
    *,
    rankdir: str = "LR",
    max_nodes: int = 500,
    fmt: str = ".4g",
    params: Any = None,
    title: str | None = None,
) -> Explorer | Path:
    """A page that steps through the forward and backward pass of ``root``'s graph.

    The page draws the graph as :func:`render_graph` does (Graphviz's layout, the same
    roles and colours) and walks through it: first the **forward pass** (each op's value
    appears, in topological order), then the **backward pass** (reverse topological
    order, from ``root.grad = 1``). At each backward step the current node is
    highlighted, each edge into its op shows the local derivative (the op table's
    ``partials``, the very numbers ``backward()`` multiplies), and a panel spells out
    the chain rule, ``w.grad += 3 × 2 → 6``, so that a value used twice visibly
    accumulates. A gradient the pass has not reached reads "—", never 0. At the last
    step every gradient shown is what one ``root.backward()`` leaves in ``.grad``,
    bit for bit (formatted with ``fmt``).

    Controls: Previous / Next buttons, Play / Pause, a slider, and the keys → (next),
    ← (previous), Home (the start) and End (the end); a live region reads each step's
    chain-rule line to screen readers, and the states differ by border weight and dash
    as well as colour, so they survive a grey-scale print. The page is one HTML file
    with its own small script and styles: it works from ``file://`` with no network.

    Everything is computed here, from the engine's numbers; ``root``'s graph, its
    ``.data`` and its ``.grad`` are left untouched (``backward()`` need not have run).
    The layout needs Graphviz's ``dot`` or ``graphviz-pure``; without either, a simple
    layered layout is used.

    Args:
        root: the output node (typically a loss).
        path: where to write the page; None to return an :class:`Explorer`, which
            shows inline in Jupyter and has ``.save(path)``.
        rankdir: the direction of the layout: ``"LR"``, ``"RL"``, ``"TB"`` or ``"BT"``.
        max_nodes: the most boxes to draw (a value and its op count as two, as in
            :func:`to_dot`). The page steps through every node, so a larger graph is
            refused rather than collapsed.
        fmt: the format spec of the numbers (``".4g"``, as the static pictures).
        params: names for nodes without a label: a mapping name -> ``Value`` (such as
            ``dict(model.named_parameters())``) or an ``nn.Module``, whose parameters'
            dotted names are then shown.
        title: the page's title (default: "Backprop through <root's name>").

    Returns:
        The ``pathlib.Path`` written, or with no ``path``, an :class:`Explorer`.

    Raises:
        TypeError: ``root`` is not a ``Value``, or ``params`` is not a mapping or module.
        ValueError: a bad option, or a graph with more than ``max_nodes`` boxes.
        OverflowError: a gradient overflowed (as ``backward()`` would raise).

    Example:
        >>> from autograd_mini import Value
        >>> x, w = Value(2.0, label="x"), Value(3.0, label="w")
        >>> f = x * x + x * w
        >>> page = explore(f)
        >>> page
        <Explorer of v4: 5 nodes, 9 steps>
        >>> [text for text, _ in page.steps[-2]["lines"]]  # x, used three times, adds up
        ['x.grad += 1 × 3 → 7', 'w.grad += 1 × 2 → 2']
        >>> x.grad  # the graph is left as it was
        0.0
    """
    from .explorer import build

    if not isinstance(root, Value):  # one root: the backward pass starts from it
        raise TypeError(
            "explore: root must be a Value, the output to backpropagate from "
            f"(got a {type(root).__name__}); explore one output at a time"
        )
    _check(root, rankdir, max_nodes, fmt)
    names = _param_names(params, "explore")
    g = _number(root)
    boxes = len(g.nodes) + sum(1 for op in g.ops if op)
    if boxes > max_nodes:
        raise ValueError(
            f"explore: the graph has {len(g.nodes):,} values ({boxes:,} nodes to draw, with "
            f"their ops), more than max_nodes={max_nodes:,}; pass a larger max_nodes= (the "
            "explorer steps through every node, so it does not collapse a graph)"
        )
    if title is not None and not isinstance(title, str):
        raise TypeError(f"explore: title must be a str (got a {type(title).__name__})")
    shown = [name or f"v{i}" for i, name in enumerate(_names(g, names))]
    roles = [
        "param" if role == "const" and id(node) in names else role
        for node, role in zip(g.nodes, g.roles)
    ]
    page = build(
        g,
        names=shown,
        roles=roles,
        fmt=fmt,
        rankdir=rankdir,
        program=_find_renderer("svg"),
        title=title if title is not None else f"Backprop through {shown[-1]}",
    )
    return page if path is None else page.save(path)


def _param_names(params: Any, where: str) -> dict[int, str]:
    """``id(value) -> name`` from a mapping name -> Value or from an ``nn.Module``."""
    if params is None:
        return {}
    named = getattr(params, "named_parameters", None)
    items = named() if callable(named) else params.items() if hasattr(params, "items") else None
    if items is None:
        raise TypeError(
            f"{where}: params must be a mapping of names to Values or an nn.Module "
            f"(got a {type(params).__name__})"
        )
    out: dict[int, str] = {}
    for name, value in items:
        if not isinstance(value, Value) or not isinstance(name, str):
            raise TypeError(
                f"{where}: params must map str names to Values (got {name!r}: "
                f"a {type(value).__name__})"
            )
        out.setdefault(id(value), name)
    return out


_DIGRAPH: Any = None  # the Digraph subclass, made on first use (graphviz is optional)
_MIMES = (("image/svg+xml", "svg"), ("image/png", "png"), ("image/jpeg", "jpeg"))


def _digraph_class(gv: Any) -> Any:
    """``graphviz.Digraph`` with a Jupyter display that needs no ``dot`` program.

    python-graphviz's own display runs ``dot``; this one runs whatever
    :func:`render_graph` would (``dot``, else the pip-installed ``graphviz-pure``), and
    without either shows a line saying what to install instead of a traceback.
    """
    global _DIGRAPH
    if _DIGRAPH is None:

        class Digraph(gv.Digraph):  # type: ignore[misc]
            __doc__ = gv.Digraph.__doc__

            def _repr_mimebundle_(
                self, include: Any = None, exclude: Any = None, **_: Any
            ) -> dict[str, bytes | str]:
                wanted = set(include) if include is not None else {"image/svg+xml"}
                wanted -= set(exclude or ())
                out: dict[str, bytes | str] = {}
                for mime, kind in _MIMES:
                    if mime in wanted:
                        picture = _pipe(self.source, kind)
                        if picture is not None:
                            out[mime] = picture.decode("utf-8") if kind == "svg" else picture
                if wanted and not out:
                    out["text/plain"] = (
                        "draw_graph: cannot show the graph: neither Graphviz's dot nor "
                        "graphviz-pure is installed (pip install graphviz-pure)"
                    )
                return out

        Digraph.__qualname__ = "_Digraph"  # where pickle finds it: see __getattr__
        _DIGRAPH = Digraph
    return _DIGRAPH


def __getattr__(name: str) -> Any:
    if name == "_Digraph":  # made on demand, so that a pickled Digraph loads anywhere
        return _digraph_class(_import_graphviz())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _pipe(source: str, kind: str) -> bytes | None:
    """The DOT text ``source`` drawn as ``kind`` by dot or a fallback; None if none can."""
    program = _find_renderer(kind)
    if program is None or (kind == "jpeg" and Path(program).stem != "dot"):
        return None
    result = subprocess.run([program, f"-T{kind}"], input=source.encode(), capture_output=True)
    return result.stdout if result.returncode == 0 and result.stdout else None


def _import_graphviz() -> Any:
    try:
        return importlib.import_module("graphviz")
    except ImportError as e:
        raise ImportError(
            'draw_graph needs the graphviz package: pip install "autograd-mini[viz]" '
            "(to_dot and render_graph work without it)"
        ) from e


def _output_format(path: Path, format: str | None) -> str:
    if format is None:
        kind = _FORMATS.get(path.suffix.lower().lstrip("."))
        if kind is None:
            raise ValueError(
                f"render_graph: cannot tell the format of {str(path)!r} from its suffix; "
                "use a path ending in .svg, .png, .pdf or .dot, or pass format="
            )
        return kind
    kind = _FORMATS.get(format.lower().lstrip(".")) if isinstance(format, str) else None
    if kind is None:
        raise ValueError(
            f"render_graph: unknown format {format!r}; use 'svg', 'png', 'pdf' or 'dot'"
        )
    return kind


def _find_renderer(kind: str) -> str | None:
    """The program that draws ``kind``: Graphviz's dot, else a fallback, else None."""
    found = shutil.which("dot")
    if found:
        return found
    scripts = sysconfig.get_path("scripts")  # this Python's bin, even if not on PATH
    for name, kinds in _FALLBACKS:
        if kind in kinds:
            found = shutil.which(name) or shutil.which(name, path=scripts)
            if found:
                return found
    return None


# --- the graph, numbered ------------------------------------------------------------------
@dataclass
class _Graph:
    """``root``'s graph with the nodes numbered in topological order (the root last)."""

    nodes: list[Value]
    parents: list[tuple[int, ...]]
    ops: list[str]  # "" for a leaf
    uses: list[int]  # how many edges leave each node
    user: list[int]  # the last consumer of each node (-1 for none): the only one if uses == 1
    roles: list[str]  # "output", "param", "input", "const" or "value"
    roots: list[int]  # the outputs drawn (the last node is always one)

    @property
    def root(self) -> int:
        return len(self.nodes) - 1


def _number(root: Value | Sequence[Value]) -> _Graph:
    roots = [root] if isinstance(root, Value) else list(root)
    nodes: list[Value] = []
    where: dict[int, int] = {}
    # The union of the roots' topological orders is one: each node still follows its
    # parents (and the last node is a root).
    for r in roots:
        for node in _topological_order(r)[0]:  # iterative: no depth limit
            if id(node) not in where:
                where[id(node)] = len(nodes)
                nodes.append(node)
    n = len(nodes)
    parents = [tuple(where[id(p)] for p in node.parents) for node in nodes]
    ops = [node.op for node in nodes]
    uses = [0] * n
    user = [-1] * n
    for i, ps in enumerate(parents):
        for p in ps:
            uses[p] += 1
            user[p] = i
    roles = ["value" if op else "param" if node.label else "const" for node, op in zip(nodes, ops)]
    for i, op in enumerate(ops):
        if op == "dot":  # parents (w_1..w_k, x_1..x_k[, b])
            ps = parents[i]
            k = len(ps) // 2
            for j in ps[k : 2 * k]:
                if not ops[j]:
                    roles[j] = "input"
            for j in ps[:k] + ps[2 * k :]:
                if roles[j] == "const":
                    roles[j] = "param"
    out = sorted({where[id(r)] for r in roots})
    for i in out:
        roles[i] = "output"
    return _Graph(nodes, parents, ops, uses, user, roles, out)


def _names(g: _Graph, params: dict[int, str]) -> list[str]:
    """Each node's name in pictures: its label, else its parameter name (``params``), else
    ``x[j]`` for a leaf that is the j-th input of a ``dot`` (a network's feature j), else ""."""
    names = [""] * len(g.nodes)
    for i, op in enumerate(g.ops):
        if op == "dot":
            ps = g.parents[i]
            k = len(ps) // 2
            for j, p in enumerate(ps[k : 2 * k]):
                if not g.ops[p] and not names[p]:
                    names[p] = f"x[{j}]"
    for i, node in enumerate(g.nodes):
        given = node.label or params.get(id(node), "")
        if given:
            names[i] = given
    return names


def _op_text(g: _Graph, i: int) -> str:
    """An op's short label: ``+``, ``tanh``, ``**3``, ``leaky_relu(0.01)``."""
    name = g.ops[i]
    symbol = OPS[name].symbol
    c = g.nodes[i].const
    if c is None:
        return symbol
    if name == "pow_const":
        return f"{symbol}{c:g}"
    if name in REFLECTED:  # 1 - x: the constant on the left
        return f"{c:g} {symbol}"
    if name.endswith("_const"):
        return f"{symbol} {c:g}"
    return f"{symbol}({c:g})"


# --- collapsing: the nodes partitioned into units --------------------------------------------
@dataclass
class _Group:
    """A unit of several nodes, drawn as one node."""

    kind: str  # "chain", "neuron", "layer" or "level"
    title: str  # "chain of 99,999 ops", "neuron", "layer of 16 neurons", "337 × parameter"
    detail: str = ""  # "tanh ×99,999", "dot(16) → relu"
    params: int = 0  # parameters folded in
    ops: list[int] = field(default_factory=list)  # its op nodes, in topological order
    role: str = ""  # for a group of leaves of one role: that role, for its colour


@dataclass
class _Partition:
    """``unit[i]`` is the unit of node i, named by its smallest member; ``groups`` holds
    the units of more than one node."""

    unit: list[int]
    groups: dict[int, _Group]

    def members(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for i, u in enumerate(self.unit):
            out.setdefault(u, []).append(i)
        return out

    def merged(self, merge: dict[int, list[int]], groups: dict[int, _Group]) -> _Partition:
        """A coarser partition: each ``merge[key]`` (units) becomes the unit ``groups[key]``.

        ``key`` must be the smallest member of the merged units.
        """
        new_unit = {u: key for key, units in merge.items() for u in units}
        new_groups = {u: grp for u, grp in self.groups.items() if u not in new_unit}
        new_groups.update(groups)
        return _Partition([new_unit.get(u, u) for u in self.unit], new_groups)

    def size(self, g: _Graph) -> tuple[int, int]:
        """How many Graphviz nodes and edges this draws (a lone op node draws two nodes)."""
        lone = [u for u in set(self.unit) if u not in self.groups and g.ops[u]]
        nodes = len(set(self.unit)) + len(lone)
        unit = self.unit
        between = {(unit[p], unit[i]) for i, ps in enumerate(g.parents) for p in ps}
        return nodes, len(lone) + sum(pu != u for pu, u in between)


def _ops_text(g: _Graph, ops: Sequence[int]) -> str:
    """A group's ops: their sequence if short, else the three commonest with their counts."""
    texts = [f"dot({len(g.parents[i]) // 2})" if g.ops[i] == "dot" else _op_text(g, i) for i in ops]
    if len(texts) <= 4:
        return " → ".join(texts)
    counts = Counter(texts).most_common()
    shown = ", ".join(f"{text} ×{count:,}" for text, count in counts[:3])
    return shown + (f", {len(counts) - 3} other ops" if len(counts) > 3 else "")


def _own_constant(g: _Graph, j: int) -> bool:
    """Node j is a constant only one op uses (the ``2`` of ``x * 2``)."""
    return g.roles[j] == "const" and g.uses[j] == 1


def _chains(g: _Graph, part: _Partition) -> _Partition:
    """Step 1: each maximal chain of two or more single-input ops becomes one unit.

    An op continues the chain of its input when that is its only input (constants it
    alone uses aside) and nothing else uses that input.
    """
    head = list(range(len(g.nodes)))  # the first op of each op's chain
    chains: dict[int, list[int]] = {}
    for i, op in enumerate(g.ops):
        if not op:
            continue
        main = [p for p in g.parents[i] if not _own_constant(g, p)]
        if len(main) == 1 and g.ops[main[0]] and g.uses[main[0]] == 1:
            head[i] = head[main[0]]
        chains.setdefault(head[i], []).append(i)
    merge: dict[int, list[int]] = {}
    groups: dict[int, _Group] = {}
    for ops in chains.values():
        if len(ops) < 2:
            continue
        members = ops + [p for i in ops for p in g.parents[i] if _own_constant(g, p)]
        key = min(part.unit[m] for m in members)
        merge[key] = sorted({part.unit[m] for m in members})
        groups[key] = _Group("chain", f"chain of {len(ops):,} ops", _ops_text(g, ops), ops=ops)
    return part.merged(merge, groups)


def _neurons(g: _Graph, part: _Partition) -> _Partition:
    """Step 2: each ``dot`` with its own weights and bias and its activation becomes a neuron.

    The ``dot``'s unit must be the ``dot`` alone or a chain that starts with it (step 1
    has joined the activation to it); the parameters it alone uses join it.
    """
    merge: dict[int, list[int]] = {}
    groups: dict[int, _Group] = {}
    for d, op in enumerate(g.ops):
        if op != "dot":
            continue
        u = part.unit[d]
        chain = part.groups.get(u)
        if chain is not None and (chain.kind != "chain" or chain.ops[0] != d):
            continue
        ps = g.parents[d]
        k = len(ps) // 2
        own = [
            j
            for j in ps[:k] + ps[2 * k :]
            if g.roles[j] == "param"
            and g.uses[j] == 1
            and part.unit[j] == j
            and j not in part.groups
        ]
        if chain is None and not own:
            continue
        ops = chain.ops if chain is not None else [d]
        key = min([u, *own])
        merge[key] = [u, *own]
        groups[key] = _Group("neuron", "neuron", _ops_text(g, ops), params=len(own), ops=ops)
    return part.merged(merge, groups)


def _layers(g: _Graph, part: _Partition) -> _Partition:
    """Step 3: neurons that read the same inputs (parameters aside) become one layer."""
    inputs: dict[int, set[int]] = {
        u: set() for u, grp in part.groups.items() if grp.kind == "neuron"
    }
    for i, ps in enumerate(g.parents):
        u = part.unit[i]
        if u not in inputs:
            continue
        for p in ps:
            pu = part.unit[p]
            if pu != u and not (pu not in part.groups and g.roles[p] == "param"):
                inputs[u].add(pu)
    alike: dict[tuple[Any, ...], list[int]] = {}
    for u, ins in inputs.items():
        grp = part.groups[u]
        alike.setdefault((tuple(sorted(ins)), grp.detail, grp.params), []).append(u)
    merge: dict[int, list[int]] = {}
    groups: dict[int, _Group] = {}
    for units in alike.values():
        if len(units) < 2:
            continue
        key = min(units)
        merge[key] = units
        groups[key] = _Group(
            "layer",
            f"layer of {len(units):,} neurons",
            part.groups[key].detail,
            params=sum(part.groups[u].params for u in units),
            ops=sorted(i for u in units for i in part.groups[u].ops),
        )
    return part.merged(merge, groups)


def _levels(g: _Graph, part: _Partition) -> _Partition:
    """Step 4: units of one kind at the same depth (longest path from a leaf) merge.

    Every edge goes from a smaller depth to a larger one, so no merge makes a cycle.
    """
    succ: dict[int, set[int]] = {}
    indegree: Counter[int] = Counter()
    for i, ps in enumerate(g.parents):
        u = part.unit[i]
        for p in ps:
            pu = part.unit[p]
            if pu != u and u not in succ.setdefault(pu, set()):
                succ[pu].add(u)
                indegree[u] += 1
    units = sorted(set(part.unit))
    outputs = {part.unit[r] for r in g.roots}
    depth = dict.fromkeys(units, 0)
    ready = [u for u in units if indegree[u] == 0]
    while ready:  # Kahn's algorithm over the units
        u = ready.pop()
        for v in succ.get(u, ()):
            depth[v] = max(depth[v], depth[u] + 1)
            indegree[v] -= 1
            if indegree[v] == 0:
                ready.append(v)
    alike: dict[tuple[int, str, str, str], list[int]] = {}
    for u in units:
        if u in outputs:
            continue  # an output stays on its own
        if u in part.groups:
            grp = part.groups[u]
            kind = (grp.title, grp.detail, grp.role)
        elif g.ops[u]:
            kind = (_op_text(g, u), "", "")
        else:
            kind = (_ROLE_NAMES[g.roles[u]], "", g.roles[u])
        alike.setdefault((depth[u], *kind), []).append(u)
    merge: dict[int, list[int]] = {}
    groups: dict[int, _Group] = {}
    for (_, name, detail, role), same in alike.items():
        if len(same) < 2:
            continue
        key = min(same)
        merge[key] = same
        inner = [part.groups.get(u) for u in same]
        groups[key] = _Group(
            "level",
            f"{len(same):,} × {name}",
            detail,
            params=sum(grp.params for grp in inner if grp is not None),
            ops=sorted(
                i
                for u, grp in zip(same, inner)
                for i in (grp.ops if grp is not None else [u] if g.ops[u] else [])
            ),
            role=role,
        )
    return part.merged(merge, groups)


_STEPS: tuple[Callable[[_Graph, _Partition], _Partition], ...] = (
    _chains,
    _neurons,
    _layers,
    _levels,
)


def _partition(g: _Graph, max_nodes: int, collapse: bool) -> _Partition:
    """No grouping if it fits, else the first collapsing step that fits.

    A step fits when it draws at most ``max_nodes`` nodes and at most twice as many
    edges (so that the dense edges between neurons give way to layers); the last step
    needs only the former.
    """
    part = _Partition(list(range(len(g.nodes))), {})
    nodes, _ = part.size(g)
    if nodes <= max_nodes:
        return part
    n = len(g.nodes)
    if not collapse:
        raise ValueError(
            f"draw_graph: the graph has {n:,} values ({nodes:,} nodes to draw, with their "
            f"ops), more than max_nodes={max_nodes:,}; pass a larger max_nodes=, or "
            "collapse=True to summarise its repeated structure"
        )
    for step in _STEPS:
        part = step(g, part)
        nodes, edges = part.size(g)
        if nodes <= max_nodes and edges <= 2 * max_nodes:
            return part
    if nodes <= max_nodes:
        return part
    raise ValueError(
        f"draw_graph: the graph has {n:,} values and even collapsed needs {nodes:,} nodes, "
        f"more than max_nodes={max_nodes:,}; pass a larger max_nodes="
    )


# --- DOT text ----------------------------------------------------------------------------------
def _escape_record(text: str) -> str:
    """``text`` as one field of a record label inside a DOT string: literal, one line."""
    out = []
    for ch in text:
        if ch in '\\{}|<>"':
            out.append("\\" + ch)
        elif ch < " " or ch == "\x7f":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out).strip() or " "


def _escape(text: str) -> str:
    """``text`` as a plain label inside a DOT string: literal, one line."""
    return "".join(" " if ch < " " else "\\" + ch if ch in '\\"' else ch for ch in text)


def _record(fields: Sequence[str], *, braces: bool = True) -> str:
    """A record label of ``fields``.

    Graphviz turns a record with the layout: in braces, the fields sit side by side in
    a left-to-right graph and stacked in a top-to-bottom one; without, the other way.
    """
    text = " | ".join(_escape_record(f) for f in fields)
    return "{ " + text + " }" if braces else text


def _check(root: object, rankdir: object, max_nodes: object, fmt: object) -> None:
    if isinstance(root, (list, tuple)):
        if not root:
            raise ValueError("draw_graph: root is an empty sequence; pass at least one Value")
        bad = [r for r in root if not isinstance(r, Value)]
        if bad:
            raise TypeError(
                f"draw_graph: each root must be a Value (got a {type(bad[0]).__name__})"
            )
    elif not isinstance(root, Value):
        raise TypeError(
            f"draw_graph: root must be a Value or a list of Values (got a {type(root).__name__})"
        )
    if rankdir not in _RANKDIRS:
        raise ValueError(f"draw_graph: rankdir must be one of {_RANKDIRS} (got {rankdir!r})")
    if type(max_nodes) is not int or max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be a positive int (got {max_nodes!r})")
    try:
        format(1.0, fmt)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(
            f"draw_graph: fmt must be a float format spec such as '.4g' (got {fmt!r})"
        ) from None


def _body(
    root: Roots,
    rankdir: str,
    show_grad: bool | None,
    max_nodes: int,
    fmt: str,
    collapse: bool,
    params: Any,
) -> list[str]:
    """The lines of the DOT body: the one code path of ``to_dot`` and ``draw_graph``."""
    _check(root, rankdir, max_nodes, fmt)
    param_names = _param_names(params, "draw_graph")
    g = _number(root)
    if show_grad is None:  # gradients only once backward() has run: never a row of 0s
        show_grad = any(g.nodes[r].grad != 0.0 for r in g.roots)
    names = _names(g, param_names)
    for i, node in enumerate(g.nodes):
        if g.roles[i] == "const" and id(node) in param_names:
            g.roles[i] = "param"
    part = _partition(g, max_nodes, collapse)
    unit, groups = part.unit, part.groups

    def numbers(nodes: list[int]) -> list[str]:
        """The data (and grad) of one node, or their ranges over several."""
        datas = [g.nodes[i].data for i in nodes]
        grads = [float(g.nodes[i].grad) for i in nodes]
        shown = [("data", datas)] + ([("grad", grads)] if show_grad else [])
        if len(nodes) == 1:
            return [f"{name} {format(xs[0], fmt)}" for name, xs in shown]
        lo_hi = [(name, format(min(xs), fmt), format(max(xs), fmt)) for name, xs in shown]
        return [f"{name} {lo} … {hi}" if lo != hi else f"{name} {lo}" for name, lo, hi in lo_hi]

    # The edges between units, each with the uses it stands for: (node, operand position).
    edges: dict[tuple[int, int], list[tuple[int, int]]] = {}
    outputs: dict[int, set[int]] = {u: set() for u in groups}  # members used outside, or root
    for i, ps in enumerate(g.parents):
        u = unit[i]
        for k, p in enumerate(ps):
            pu = unit[p]
            if pu != u:
                edges.setdefault((pu, u), []).append((i, k))
                if pu in groups:
                    outputs[pu].add(p)
    for r in g.roots:
        if unit[r] in groups:
            outputs[unit[r]].add(r)
    root_units = {unit[r] for r in g.roots}

    lines = [_HEADER.format(rankdir=rankdir)]
    ops = []
    for u in sorted(set(unit)):
        if u in groups:
            grp = groups[u]
            fields = [grp.title]
            if grp.detail:
                fields.append(grp.detail)
            if grp.params:
                fields.append(f"{grp.params:,} params")
            outs = sorted(outputs[u])
            role = "output" if u in root_units else grp.role or "group"
            style = _STYLE[role] if role == "output" else _GROUP + _STYLE[role]
            # A group stacks its lines, as a card, whatever the direction.
            label = _record(fields + numbers(outs), braces=rankdir in ("TB", "BT"))
            lines.append(f'\tg{u} [label="{label}"{style}]\n')
            continue
        label = names[u]
        if len(label) > _LABEL_WIDTH:
            label = label[: _LABEL_WIDTH - 1] + "…"
        fields = [label] if label else []
        lines.append(f'\tv{u} [label="{_record(fields + numbers([u]))}"{_STYLE[g.roles[u]]}]\n')
        if g.ops[u]:
            ops.append(u)
    lines.append(_OP_DEFAULTS)
    for u in ops:
        lines.append(f'\top{u} [label="{_escape(_op_text(g, u))}"]\n')
    for u in ops:
        lines.append(f"\top{u} -> v{u}\n")
    for (pu, u), uses in edges.items():
        tail = f"g{pu}" if pu in groups else f"v{pu}"
        head = f"g{u}" if u in groups else f"op{u}"
        if len(uses) > 1:
            attrs = f' [label="×{len(uses):,}"]'
        elif u not in groups and g.ops[u] in _OPERANDS:
            attrs = f' [label="{_OPERANDS[g.ops[u]][uses[0][1]]}"]'
        else:
            attrs = ""
        lines.append(f"\t{tail} -> {head}{attrs}\n")
    return lines
