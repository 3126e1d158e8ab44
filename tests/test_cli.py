"""The command line, run in-process through main() and once as ``python -m autograd_mini``."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

import autograd_mini
from autograd_mini import Value, nn, plots, viz
from autograd_mini.cli import main

ROOT = Path(autograd_mini.__file__).resolve().parent.parent
PNG = b"\x89PNG\r\n\x1a\n"

# The pictures need optional tools; without them the CLI notes a skip (tested below).
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
needs_matplotlib = pytest.mark.skipif(
    importlib.util.find_spec("matplotlib") is None, reason="needs matplotlib"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """main(argv) with its exit status, standard output and standard error."""
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def no_graphviz(root: Value, path: str | Path, *, format: str | None = None, **kw: Any) -> Path:
    """render_graph as it behaves without Graphviz: write the DOT text, raise the error."""
    dot_path = Path(path).with_suffix(".dot")
    dot_path.write_text(viz.to_dot(root, **kw), encoding="utf-8")
    raise viz.GraphvizNotFoundError("render_graph: the Graphviz 'dot' program is missing", dot_path)


def svg_text(path: Path) -> str:
    """The text of an SVG file, which must parse as XML with an <svg> root."""
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    return " ".join(root.itertext())


# --- graph -----------------------------------------------------------------------------------
@needs_dot
def test_graph_prints_value_and_gradients_and_draws_svg(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """graph prints f, an aligned table of gradients, and writes a valid SVG."""
    target = tmp_path / "g.svg"
    status, out, err = run(
        capsys, "graph", "tanh(x*w + b)", "x=2", "w=-0.5", "b=1", "--out", str(target)
    )
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "tanh(x*w + b) = 0"
    assert lines[2:6] == [
        "variable  value  gradient",
        "x             2      -0.5",
        "w          -0.5         2",
        "b             1         1",
    ]
    assert lines[-1] == f"wrote {target}"
    text = svg_text(target)
    assert "tanh" in text and "grad -0.5" in text


@needs_dot
@pytest.mark.parametrize(("fmt", "magic"), [("png", PNG), ("pdf", b"%PDF")])
def test_graph_writes_png_and_pdf(
    fmt: str, magic: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--format png/pdf writes graph.FORMAT (in a new folder) with the right signature."""
    target = tmp_path / "sub" / "picture"
    status, out, _ = run(capsys, "graph", "x*x", "x=3", "--format", fmt, "--out", str(target))
    assert status == 0
    written = target.with_suffix(f".{fmt}")
    assert written.read_bytes().startswith(magic) and out.endswith(f"wrote {written}\n")


@needs_dot
def test_graph_defaults_to_graph_svg_and_no_render_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --out the picture is ./graph.svg; with --no-render no file appears."""
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "graph", "x*x", "x=3", "--no-render")[0] == 0
    assert list(tmp_path.iterdir()) == []
    assert run(capsys, "graph", "x*x", "x=pi/2")[0] == 0
    svg_text(tmp_path / "graph.svg")


def test_graph_check_compares_with_finite_differences(capsys: pytest.CaptureFixture[str]) -> None:
    """--check adds finite differences and their error; a kink disagrees and exits 1."""
    status, out, _ = run(
        capsys, "graph", "sin(x)**2 + cos(x)**2", "x=0.3", "--check", "--no-render"
    )
    assert status == 0
    assert "finite diff." in out and "  ok" in out
    assert "the gradients agree with central finite differences" in out
    status, out, _ = run(capsys, "graph", "relu(x)", "x=0", "--check", "--no-render")
    assert status == 1 and "DIFFERENT" in out and "kink" in out


def test_graph_without_graphviz_still_prints_gradients_and_writes_dot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """When no renderer exists, the gradients are printed and the .dot file is written."""
    monkeypatch.setattr(viz, "render_graph", no_graphviz)
    target = tmp_path / "g.svg"
    status, out, err = run(capsys, "graph", "x*y", "x=2", "y=3", "--out", str(target))
    assert status == 0
    assert "x             2         3" in out
    assert not target.exists()
    assert "digraph" in target.with_suffix(".dot").read_text(encoding="utf-8")
    assert err.count("\n") == 1 and err.startswith("autograd-mini: warning: could not draw")


# --- minimize ----------------------------------------------------------------------------------
def test_minimize_rosenbrock_converges(capsys: pytest.CaptureFixture[str]) -> None:
    """The documented Rosenbrock run converges to (1, 1) and exits 0."""
    status, out, _ = run(
        capsys,
        "minimize",
        "(1-x)**2 + 100*(y-x**2)**2",
        "x=-1.2",
        "y=1",
        "--method",
        "momentum",
    )
    assert status == 0
    results = dict(line.split(" = ") for line in out.splitlines() if " = " in line)
    assert float(results["x"]) == pytest.approx(1.0, abs=1e-3)
    assert float(results["y"]) == pytest.approx(1.0, abs=1e-3)
    assert "success:    True" in out and "iterations:" in out and "message:" in out


def test_minimize_exits_1_when_not_converged(capsys: pytest.CaptureFixture[str]) -> None:
    """Running out of iterations, or diverging (even out of f's domain), exits 1."""
    status, out, _ = run(capsys, "minimize", "x**2", "x=3", "--max-iter", "5")
    assert status == 1 and "reached max_iter=5" in out and "success:    False" in out
    status, out, _ = run(capsys, "minimize", "sqrt(x) + x", "x=1", "--lr", "0.6")
    assert status == 1 and "diverged" in out and "sqrt" in out
    status, out, _ = run(
        capsys, "minimize", "x**4 - 3*x**2 + x", "x=2", "--lr", "0.01", "--gradient", "numerical"
    )
    assert status == 0 and "numerical gradients" in out


# --- bad input ----------------------------------------------------------------------------------
BAD = [
    (["graph", "x**2", "y=3"], "no value for x in 'x**2': give it as x=..."),
    (["graph", "x**2", "x=1", "y=2"], "y is not in 'x**2' (its variables: x)"),
    (["graph", "x**2", "x=abc"], "x=abc: the value must be a number"),
    (["graph", "x**2", "x=1.2.3"], "x=1.2.3: not a number (invalid number '1.2.3'"),
    (["graph", "x**2", "x"], "expected NAME=VALUE, such as x=2 (got 'x')"),
    (["graph", "x**2", "x=1", "x=2"], "x is given twice"),
    (["graph", "x", "pi=3"], "'pi=3': pi is a constant"),
    (["graph", "log(x)", "x=-1"], "cannot evaluate 'log(x)' at these values: log: argument"),
    (["graph", "x", "x=1", "--out", "g.jpg"], "--out g.jpg: cannot tell the picture format"),
    (["graph", "x", "x=1", "--out", "g.svg", "--format", "png"], "--out g.svg does not end in"),
    (["graph", "-x**2", "x=3"], "unrecognized arguments: -x**2 (an expression that starts"),
    (["minimize", "3"], "'3' has no variables to minimize over"),
    (["minimize", "log(x)", "x=0"], "cannot evaluate 'log(x)' at the starting point"),
    (["minimize", "x**2", "x=1", "--lr", "-1"], "argument --lr: expected a positive number"),
    (["minimize", "x**2", "x=1", "--method", "magic"], "argument --method: invalid choice"),
    (["demo", "--epochs", "0"], "argument --epochs: expected a positive integer (got '0')"),
    (["demo", "--hidden", "16,a"], "argument --hidden: expected comma-separated positive"),
    (["demo", "--noise", "nan"], "argument --noise: expected a number >= 0"),
    (["demo", "--dataset", "iris"], "argument --dataset: invalid choice: 'iris'"),
    (["bogus"], "argument COMMAND: invalid choice: 'bogus'"),
    ([], "choose a command: demo, graph or minimize"),
]


@pytest.mark.parametrize(("argv", "message"), BAD, ids=[" ".join(a) or "none" for a, _ in BAD])
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Bad usage or input exits 2 with one line on stderr naming the problem, no traceback."""
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.startswith("autograd-mini: error: " + message), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_bad_expression_shows_the_caret(capsys: pytest.CaptureFixture[str]) -> None:
    """An expression that does not parse exits 2 and shows where, with a caret."""
    status, out, err = run(capsys, "graph", "tanh(x*)", "x=1")
    assert (status, out) == (2, "")
    assert err == "autograd-mini: error: unexpected ')' at position 7\n  tanh(x*)\n         ^\n"
    status, _, err = run(capsys, "minimize", "__import__('os')", "x=1")
    assert status == 2 and "unknown function '__import__'" in err


def test_demo_with_an_unusable_output_folder_fails_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--out naming a file is a one-line error, before any training."""
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    status, out, err = run(capsys, "demo", "--out", str(blocker / "sub"), "--no-progress")
    assert status == 2 and out == ""
    assert err.startswith("autograd-mini: error: cannot create the output folder")
    assert err.count("\n") == 1


# --- help and version ---------------------------------------------------------------------------
@pytest.mark.parametrize("command", [[], ["demo"], ["graph"], ["minimize"]])
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """--help works everywhere, exits 0 and states the exit status."""
    status, out, _ = run(capsys, *command, "--help")
    assert status == 0
    assert out.startswith(f"usage: autograd-mini {' '.join(command)}".rstrip())
    assert "exit status: 0" in out and "examples:" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """--version prints the package version."""
    assert run(capsys, "--version")[:2] == (0, f"autograd-mini {autograd_mini.__version__}\n")


# --- demo ----------------------------------------------------------------------------------------
@needs_dot
@needs_matplotlib
def test_demo_writes_model_pictures_and_graph(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A small demo trains, reports accuracy and why it stopped, and writes four valid files."""
    folder = tmp_path / "demo"
    status, out, err = run(
        capsys,
        "demo",
        "--epochs",
        "5",
        "--samples",
        "30",
        "--hidden",
        "8",
        "--out",
        str(folder),
        "--no-progress",
    )
    assert status == 0, err
    assert "stopped:  reached the maximum of 5 epochs" in out
    assert "training accuracy" in out and str(folder.resolve()) in out
    assert sorted(p.name for p in folder.iterdir()) == [
        "decision_boundary.png",
        "explore.html",
        "forward_graph.svg",
        "loss.png",
        "model.json",
        "training.gif",
    ]
    assert (folder / "training.gif").read_bytes().startswith(b"GIF89a")
    for name in ("loss.png", "decision_boundary.png", "model.json", "forward_graph.svg"):
        assert name in out
    assert (folder / "loss.png").read_bytes().startswith(PNG)
    assert (folder / "decision_boundary.png").read_bytes().startswith(PNG)
    svg_text(folder / "forward_graph.svg")
    document = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    assert document["config"] == {"nin": 2, "nouts": [8, 1], "activation": "relu"}
    model = nn.load_model(folder / "model.json")
    assert isinstance(model, nn.MLP) and len(model.parameters()) == 3 * 8 + 9


def test_demo_skips_pictures_whose_tools_are_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without matplotlib or Graphviz the demo still trains and notes each skip in one line."""

    def no_matplotlib(*args: object, **kwargs: object) -> Path:
        raise ImportError('plotting needs matplotlib: pip install "autograd-mini[plot]"')

    monkeypatch.setattr(plots, "plot_loss", no_matplotlib)
    monkeypatch.setattr(plots, "plot_decision_boundary", no_matplotlib)
    monkeypatch.setattr(plots, "animate_training", no_matplotlib)
    monkeypatch.setattr(viz, "render_graph", no_graphviz)
    status, out, err = run(
        capsys,
        "demo",
        "--epochs",
        "2",
        "--samples",
        "8",
        "--hidden",
        "2",
        "--dataset",
        "xor",
        "--optimizer",
        "adam",
        "--out",
        str(tmp_path),
        "--no-progress",
    )
    assert status == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "explore.html",
        "forward_graph.dot",
        "model.json",
    ]
    warnings = err.splitlines()
    assert len(warnings) == 4 and all(w.startswith("autograd-mini: warning: ") for w in warnings)
    assert 'skipped loss.png: plotting needs matplotlib: pip install "autograd-mini[plot]"' in err
    assert "wrote forward_graph.dot instead of forward_graph.svg" in err
    assert "training accuracy" in out


# --- as a program --------------------------------------------------------------------------
def test_python_dash_m_runs_the_cli(tmp_path: Path) -> None:
    """python -m autograd_mini works as a program: --help, a real command, a usage error."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }

    def program(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "autograd_mini", *argv],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    shown = program("--help")
    assert shown.returncode == 0 and shown.stdout.startswith("usage: autograd-mini")
    checked = program("graph", "x**3 - 2*x", "x=2", "--check", "--no-render")
    assert checked.returncode == 0, checked.stderr
    assert "x             2        10" in checked.stdout and "agree" in checked.stdout
    solved = program("minimize", "(x - 3)**2", "x=0", "--lr", "0.1")
    assert solved.returncode == 0 and "success:    True" in solved.stdout
    bad = program("graph", "x**", "x=1")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("autograd-mini: error: unexpected end of expression")
    assert list(tmp_path.iterdir()) == []


# --- issue 8: hostile numbers, unwritable paths, the fallback renderer, the newcomer's hour ---
HOSTILE = ["1e308", "-1e308", "1e999", "-1e999", "nan", "inf", "-inf", "0", "-0", "-1",
           "5e-324", "99999999999999999999999", "1e6", "1.5"]

# A cheap valid call of each command; the sweep replaces one number at a time.
BASE: dict[str, list[str]] = {
    "demo": ["demo", "--epochs", "1", "--samples", "4", "--hidden", "2", "--no-progress"],
    "graph": ["graph", "x*y + 1", "x=1", "y=2", "--no-render"],
    "minimize": ["minimize", "x**2 + y**2", "x=1", "y=2", "--max-iter", "20"],
    "explore": ["explore", "x*y + 1", "x=1", "y=2"],
}


def _numeric_options(command: str) -> list[str]:
    """Every option of ``command`` that takes a value through a type converter."""
    import argparse

    from autograd_mini.cli import _build_parser

    sub = next(a for a in _build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(
        opt
        for action in sub.choices[command]._actions
        if action.type is not None and action.option_strings
        for opt in action.option_strings[-1:]
    )


def _hostile_calls() -> list[list[str]]:
    calls = []
    for command, base in BASE.items():
        for option in _numeric_options(command):
            calls += [[*base, option, value] for value in HOSTILE]
        for i, arg in enumerate(base):
            if "=" in arg:  # a NAME=VALUE: the value is a number too
                calls += [base[:i] + [f"{arg.split('=')[0]}={v}"] + base[i + 1 :]
                          for v in HOSTILE]
    return calls


@pytest.mark.parametrize("argv", _hostile_calls(), ids=" ".join)
def test_hostile_numbers_never_end_in_a_traceback(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    """Any number anywhere on any command line: exit 0, 1 or 2, stderr lines all our own."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(plots, "plot_loss", lambda *a, **k: Path(a[1]))
    monkeypatch.setattr(plots, "plot_decision_boundary", lambda *a, **k: Path(a[3]))
    monkeypatch.setattr(viz, "render_graph", no_graphviz)
    status, _, err = run(capsys, *argv, *(["--out", str(tmp_path)] if argv[0] == "demo" else []))
    assert status in (0, 1, 2)
    assert all(line.startswith("autograd-mini: ") for line in err.splitlines()), err
    if status == 2:
        assert err.count("\n") == 1 and err.startswith("autograd-mini: error: "), err


def test_the_hostile_sweep_reaches_every_command_and_option() -> None:
    """The sweep covers every command of the parser and each of their numeric options."""
    import argparse

    from autograd_mini.cli import _build_parser

    sub = next(a for a in _build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    calls = _hostile_calls()
    assert {c[0] for c in calls} == set(BASE) == set(sub.choices)
    for command in BASE:
        options = _numeric_options(command)
        assert all(any(o in c for c in calls if c[0] == command) for o in options)
        assert options or command == "explore"  # explore's numbers are its x=... values
    assert "--max-nodes" in _numeric_options("graph")


def test_demo_noise_1e308_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """demo --noise 1e308 used to print a traceback and exit 1; now one line, exit 2."""
    status, out, err = run(capsys, "demo", "--noise", "1e308", "--out", str(tmp_path))
    assert status == 2 and out == "" and err.count("\n") == 1 and "--noise" in err


@pytest.mark.parametrize("dataset", ["moons", "blobs", "xor"])
def test_demo_at_the_largest_noise_still_runs(
    dataset: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    """The largest noise the demo accepts trains and reports, on every data set."""
    monkeypatch.setattr(viz, "render_graph", no_graphviz)
    monkeypatch.setattr(plots, "plot_loss", lambda *a, **k: Path(a[1]))
    monkeypatch.setattr(plots, "plot_decision_boundary", lambda *a, **k: Path(a[3]))
    status, out, err = run(capsys, "demo", "--dataset", dataset, "--noise", "1e6", "--epochs",
                           "3", "--samples", "8", "--out", str(tmp_path), "--no-progress")
    assert status in (0, 1) and "training accuracy" in out, err


@pytest.mark.parametrize("where", ["under_a_file", "onto_a_folder"])
def test_graph_out_to_an_unwritable_path_is_exit_2_naming_it(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """graph --out that cannot be written: exit 2, one line naming the user's path, no .tmp."""
    (tmp_path / "file").write_text("x")
    (tmp_path / "folder.dot").mkdir()
    out = tmp_path / "file" / "g.dot" if where == "under_a_file" else tmp_path / "folder.dot"
    status, _, err = run(capsys, "graph", "x+1", "x=1", "--out", str(out))
    assert status == 2 and err.count("\n") == 1
    assert str(out) in err and ".tmp" not in err


def test_graph_max_nodes_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--max-nodes exists: too small a limit is a one-line error naming it; enough draws."""
    expression = "+".join(f"x{i}*x{i}" for i in range(30))
    values = [f"x{i}={i}" for i in range(30)]
    out = tmp_path / "g.dot"
    status, _, err = run(capsys, "graph", expression, *values, "--out", str(out),
                         "--max-nodes", "2")
    assert status == 2 and "--max-nodes" in err and err.count("\n") == 1
    status, _, err = run(capsys, "graph", expression, *values, "--out", str(out),
                         "--max-nodes", "1000")
    assert status == 0 and out.read_text().count("label=") > 60, err


@pytest.mark.parametrize("command", ["graph", "minimize"])
def test_leading_minus_hint_names_the_command_run(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The hint for an expression starting with '-' shows the command the user ran."""
    status, _, err = run(capsys, command, "-x**2", "x=3")
    assert status == 2 and f"autograd-mini {command} -- -x**2 x=3" in err


def test_demo_help_is_accurate(capsys: pytest.CaptureFixture[str]) -> None:
    """demo --help does not claim the graph needs dot, and states the schedule plainly."""
    _, out, _ = run(capsys, "demo", "--help")
    flat = " ".join(out.split())
    assert "needs Graphviz's dot" not in flat and "graphviz-pure" in flat
    assert "..., 100 epochs" not in flat and "lr * (1 - 0.9*k/epochs)" in flat


def test_demo_says_its_stop_reason_once_and_what_it_draws(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the progress line on, 'stopped' is printed once; drawing is announced first."""
    monkeypatch.setattr(viz, "render_graph", no_graphviz)
    status, out, err = run(capsys, "demo", "--epochs", "2", "--samples", "8", "--hidden", "2",
                           "--out", str(tmp_path))
    assert status == 0 and "epoch 2/2" in err
    assert (out + err).count("stopped") == 1
    assert out.index("drawing:") < out.index("wrote ")


def _graphviz_pure() -> str | None:
    import sysconfig

    return shutil.which("graphviz-pure") or shutil.which(
        "graphviz-pure", path=sysconfig.get_path("scripts"))


needs_graphviz_pure = pytest.mark.skipif(
    _graphviz_pure() is None, reason="needs graphviz-pure (pip install graphviz-pure)"
)


@needs_graphviz_pure
def test_graph_draws_svg_through_graphviz_pure_without_dot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With no dot on PATH, graph still writes a real SVG, drawn by graphviz-pure."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert shutil.which("dot") is None
    out = tmp_path / "g.svg"
    status, stdout, err = run(capsys, "graph", "tanh(x*w + b)", "x=2", "w=-0.5", "b=1",
                              "--out", str(out))
    assert status == 0 and err == "" and f"wrote {out}" in stdout
    assert "tanh" in svg_text(out)


@needs_graphviz_pure
@needs_matplotlib
def test_demo_end_to_end_through_graphviz_pure_without_dot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With no dot on PATH, the demo writes all four files, the graph as a real SVG."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    folder = tmp_path / "demo"
    status, out, err = run(capsys, "demo", "--epochs", "3", "--samples", "20", "--hidden", "4",
                           "--out", str(folder), "--no-progress")
    assert status == 0 and err == "", err
    assert sorted(p.name for p in folder.iterdir()) == [
        "decision_boundary.png", "explore.html", "forward_graph.svg", "loss.png", "model.json",
        "training.gif",
    ]
    assert "score" in svg_text(folder / "forward_graph.svg")
