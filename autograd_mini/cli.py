"""The command line: ``autograd-mini demo``, ``graph`` and ``minimize``.

* ``demo`` trains micrograd's demo network (a 2-16-16-1 MLP, hinge loss, SGD with a
  decaying learning rate) on two moons and writes the loss curve, the decision
  boundary, the graph of one forward pass and the trained model into a folder;
* ``graph`` parses an expression (:mod:`autograd_mini.expr`), backpropagates through it
  and prints each variable's gradient, optionally checked by finite differences, and
  draws the graph;
* ``minimize`` minimizes an expression by gradient descent (:func:`~autograd_mini.minimize`).

Run it as ``autograd-mini`` (the console script) or ``python -m autograd_mini``; every
command has ``--help``. Exit status: 0 on success; 1 when a run did not succeed (training
diverged, ``minimize`` did not converge, ``graph --check`` found a disagreement); 2 for
bad usage or bad input, with a one-line message on standard error (an expression that
does not parse also shows where, with a caret).

Example:
    >>> main(["graph", "x*y + y", "x=2", "y=3", "--no-render"])
    x*y + y = 9
    <BLANKLINE>
    variable  value  gradient
    x             2         3
    y             3         3
    0
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import textwrap
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from . import __version__, datasets, nn, optim
from .expr import (
    _IDENTIFIER,
    CONSTANTS,
    FUNCTIONS,
    Expr,
    ParseError,
    evaluate,
    parse,
    variables,
)
from .gradcheck import numerical_grad
from .plots import TrainingRecorder
from .train import History, Progress, fit, minimize
from .value import Value, no_grad

__all__ = ["main"]

PROG = "autograd-mini"

_DEMO_DIR = "autograd_mini_demo"
_DATASETS = ("moons", "blobs", "xor")
_NOISE = {"moons": 0.1, "blobs": 0.6, "xor": 0.15}  # --noise when not given
_OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam")
_LR = {"sgd": 1.0, "momentum": 0.1, "nesterov": 0.1, "adam": 0.05}  # --lr when not given
_L2 = 1e-4
_GRAPH_FORMATS = ("svg", "png", "pdf", "dot")
_METHODS = ("gd", "momentum", "nesterov", "adam", "newton", "bfgs", "lbfgs")
_ATOL, _RTOL = 1e-5, 1e-3  # graph --check: gradcheck's test |a - n| <= atol + rtol * |n|


# --- errors and the parser ------------------------------------------------------------------
class _UsageError(Exception):
    """Bad usage or bad input: one line on standard error and exit status 2."""


class _Exit(Exception):
    """argparse is done (``--help``, ``--version``): return this status from ``main``."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _ArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser that raises instead of exiting, so ``main`` returns a status."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{message} (see '{self.prog} --help')")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            sys.stderr.write(message)
        raise _Exit(status)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30)


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """``parser.parse_args(argv)``, with a hint for leftovers that names the command run."""
    args, extra = parser.parse_known_args(argv)
    if extra:
        message = f"unrecognized arguments: {' '.join(extra)}"
        command = f"{PROG} {args.command}" if args.command else PROG
        if hasattr(args, "expression") and extra[0][:1] == "-" and extra[0][:2] != "--":
            raise _UsageError(
                f"{message} (an expression that starts with '-' goes after '--', as in: "
                f"{command} -- -x**2 x=3)"
            )
        raise _UsageError(f"{message} (see '{command} --help')")
    return args


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer (got {text!r})") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer (got {text!r})")
    return n


def _nonnegative_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0 (got {text!r})")
    return n


def _float_at_least(low: float, strict: bool) -> Callable[[str], float]:
    word = "positive number" if strict else f"number >= {low:g}"

    def check(text: str) -> float:
        try:
            x = float(text)
        except ValueError:
            x = math.nan
        if not (math.isfinite(x) and (x > low if strict else x >= low)):
            raise argparse.ArgumentTypeError(f"expected a {word} (got {text!r})")
        return x

    return check


_positive_float = _float_at_least(0.0, strict=True)
_nonnegative_float = _float_at_least(0.0, strict=False)

# The demo's limits: a pure-Python network this size trains in minutes, not days, and
# points this noisy are still far from overflowing anything the network computes.
_MAX_SAMPLES = 1_000_000
_MAX_EPOCHS = 100_000
_MAX_PARAMETERS = 1_000_000
_MAX_NOISE = 1e6


def _noise(text: str) -> float:
    x = _nonnegative_float(text)
    if x > _MAX_NOISE:
        raise argparse.ArgumentTypeError(
            f"expected a number from 0 to {_MAX_NOISE:g}; larger noise drowns the data "
            f"(got {text!r})"
        )
    return x


def _layer_sizes(text: str) -> list[int]:
    """``"16,16"`` -> ``[16, 16]``; ``""`` -> no hidden layer (a linear model)."""
    parts = [p.strip() for p in text.split(",")] if text.strip() else []
    try:
        sizes = [int(p) for p in parts]
    except ValueError:
        sizes = [0]
    if any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive layer sizes such as 16,16 (got {text!r})"
        )
    return sizes


def _build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog=PROG,
        description=(
            "autograd_mini from the command line: train micrograd's demo network, look at "
            "the gradients of an expression, or minimize one."
        ),
        epilog=(
            "examples:\n"
            f"  {PROG} demo\n"
            f'  {PROG} graph "tanh(x*w + b)" x=2 w=-0.5 b=1 --check\n'
            f'  {PROG} minimize "(1-x)**2 + 100*(y-x**2)**2" x=-1.2 y=1 --method momentum\n'
            "\n"
            "exit status: 0 on success, 1 when a run does not succeed (see each command's\n"
            "--help), 2 for bad usage or bad input."
        ),
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    _add_demo(commands)
    _add_graph(commands)
    _add_minimize(commands)
    _add_explore(commands)
    return parser


def _add_demo(commands: Any) -> None:
    p = commands.add_parser(
        "demo",
        help="train micrograd's demo network and save pictures and the model",
        description=(
            "Train micrograd's demo: an MLP with two hidden layers of 16 relu units on 100\n"
            "points of two moons (noise 0.1), hinge loss plus 1e-4 * sum(p**2), full-batch\n"
            "SGD whose learning rate decays linearly from lr: in epoch k (k = 0, 1, ...,\n"
            "epochs - 1) it is lr * (1 - 0.9*k/epochs), as in micrograd. Prints the\n"
            "training accuracy and why training stopped, and writes into the output folder:\n"
            "  loss.png                the loss per epoch        (needs matplotlib)\n"
            "  decision_boundary.png   the two classes' regions  (needs matplotlib)\n"
            "  training.gif            training, epoch by epoch  (needs matplotlib)\n"
            "  forward_graph.svg       the graph of one forward pass, collapsed into\n"
            "                          layers  (Graphviz's dot, or pip's graphviz-pure)\n"
            "  explore.html            a page stepping through backprop of the first\n"
            "                          point's loss (open it in a browser)\n"
            "  model.json              the trained model (autograd_mini.nn.load_model)\n"
            "A picture whose tool is missing is skipped with a note (without any Graphviz\n"
            "the graph is written as DOT text, forward_graph.dot)."
        ),
        epilog=(
            "examples:\n"
            f"  {PROG} demo\n"
            f"  {PROG} demo --dataset xor --hidden 8 --activation tanh --optimizer adam\n"
            f"  {PROG} demo --epochs 20 --samples 50 --out /tmp/demo --no-progress\n"
            "\n"
            "exit status: 0 on success, 1 if training diverged, 2 for bad usage."
        ),
        formatter_class=_Formatter,
    )
    p.add_argument(
        "--dataset",
        choices=_DATASETS,
        default="moons",
        help="two moons; two Gaussian blobs around (-1,-1) and (1,1); or XOR on the corners "
        "(+-1, +-1) (default: moons)",
    )
    p.add_argument(
        "--samples",
        type=_positive_int,
        default=100,
        metavar="N",
        help=f"default: 100 (at most {_MAX_SAMPLES:,})",
    )
    p.add_argument(
        "--noise",
        type=_noise,
        metavar="STD",
        help=f"noise of the points, 0 to {_MAX_NOISE:g} (default: 0.1 for moons, 0.6 for "
        "blobs, 0.15 for xor)",
    )
    p.add_argument(
        "--hidden",
        type=_layer_sizes,
        default=[16, 16],
        metavar="SIZES",
        help="hidden layer sizes, comma-separated (default: 16,16)",
    )
    p.add_argument(
        "--activation",
        choices=[a for a in nn.ACTIVATIONS if a != "linear"],
        default="relu",
        help="activation of the hidden layers (default: relu)",
    )
    p.add_argument("--optimizer", choices=_OPTIMIZERS, default="sgd", help="default: sgd")
    p.add_argument(
        "--lr",
        type=_positive_float,
        help="initial learning rate (default: 1.0 for sgd, 0.1 for momentum and nesterov, "
        "0.05 for adam)",
    )
    p.add_argument(
        "--epochs",
        type=_positive_int,
        default=100,
        metavar="N",
        help=f"default: 100 (at most {_MAX_EPOCHS:,})",
    )
    p.add_argument(
        "--batch-size",
        type=_positive_int,
        metavar="N",
        help="samples per step (default: all of them, full batch)",
    )
    p.add_argument(
        "--seed",
        type=_nonnegative_int,
        default=0,
        help="seeds the data and the weights (default: 0)",
    )
    p.add_argument(
        "--out", default=_DEMO_DIR, metavar="DIR", help=f"output folder (default: ./{_DEMO_DIR})"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    p.set_defaults(run=_one_line(_demo))


def _add_graph(commands: Any) -> None:
    p = commands.add_parser(
        "graph",
        help="backpropagate through an expression: its value, gradients and graph",
        description=(
            "Evaluate an expression at the given values, backpropagate, print the value\n"
            "and the gradient with respect to each variable, and draw the graph.\n"
            "\n"
            + textwrap.fill(
                "Expressions use numbers, variables, + - * / ** (as in Python: -x**2 is "
                f"-(x**2)), parentheses, the constants {' and '.join(CONSTANTS)}, and the "
                f"functions {', '.join(FUNCTIONS)} (leaky_relu(x, slope) takes an optional "
                "constant slope).",
                width=78,
            )
        ),
        epilog=(
            "examples:\n"
            f'  {PROG} graph "tanh(x*w + b)" x=2 w=-0.5 b=1\n'
            f'  {PROG} graph "sin(x)**2 + cos(x)**2" x=pi/3 --check --out identity.png\n'
            f"  {PROG} graph --no-render -- -x**2 x=3   (options first; an expression\n"
            "                                                that starts with '-' after --)\n"
            "\n"
            "exit status: 0 on success, 1 if --check finds a gradient that disagrees with\n"
            "finite differences (expected at a kink such as relu(0)), 2 for bad input."
        ),
        formatter_class=_Formatter,
    )
    p.add_argument("expression", help='the expression, e.g. "tanh(x*w + b)" (quote it)')
    p.add_argument(
        "values",
        nargs="*",
        metavar="NAME=VALUE",
        help="a value for each variable, e.g. x=2 (a number or a constant expression: x=pi/4)",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="compare each gradient with central finite differences",
    )
    p.add_argument(
        "--out",
        metavar="FILE",
        help="where to draw the graph (default: graph.svg, or graph.FORMAT with --format)",
    )
    p.add_argument(
        "--format",
        choices=_GRAPH_FORMATS,
        help="picture format (default: from the --out suffix; 'dot' writes the DOT text)",
    )
    p.add_argument(
        "--max-nodes",
        type=_positive_int,
        default=500,
        metavar="N",
        help="draw at most N boxes; a larger graph is collapsed into its repeated parts "
        "(default: 500)",
    )
    p.add_argument("--no-render", action="store_true", help="do not draw the graph")
    p.set_defaults(run=_one_line(_graph))


def _add_minimize(commands: Any) -> None:
    p = commands.add_parser(
        "minimize",
        help="minimize an expression by gradient descent, Newton or (L-)BFGS",
        description=(
            "Minimize an expression over its variables by gradient descent (or Newton's\n"
            "method, BFGS, L-BFGS), starting from the given values, and print where it\n"
            "stopped and why. Stops when the gradient norm is at most --gtol, when f\n"
            "changes by at most --tol (relative), at --max-iter steps, when a line search\n"
            "finds no step, or when f or its gradient stops being finite (the result is\n"
            "then the last point where both were)."
        ),
        epilog=(
            "examples:\n"
            f'  {PROG} minimize "(1-x)**2 + 100*(y-x**2)**2" x=-1.2 y=1 --method momentum\n'
            f'  {PROG} minimize "x**4 - 3*x**2 + x" x=2 --lr 0.01 --gradient numerical\n'
            f'  {PROG} minimize "(1-x)**2 + 100*(y-x**2)**2" x=-1.2 y=1 --method bfgs\n'
            f'  {PROG} minimize "x**4" x=100 --lr 1 --line-search armijo\n'
            "\n"
            "exit status: 0 when a tolerance rule stopped the run (converged), 1 when it\n"
            "did not converge (max-iter reached, or diverged), 2 for bad input."
        ),
        formatter_class=_Formatter,
    )
    p.add_argument("expression", help="the function to minimize (quote it)")
    p.add_argument(
        "values", nargs="*", metavar="NAME=VALUE", help="the starting value of each variable"
    )
    p.add_argument(
        "--method",
        choices=_METHODS,
        default="gd",
        help="update rule (default: gd); newton, bfgs and lbfgs choose their own steps",
    )
    p.add_argument(
        "--line-search",
        choices=("armijo", "strong_wolfe"),
        default=None,
        help="for gd/momentum/nesterov/adam: choose each step's length (--lr is the first "
        "one tried)",
    )
    p.add_argument(
        "--lr", type=_positive_float, default=1e-3, help="learning rate (default: 0.001)"
    )
    p.add_argument(
        "--momentum",
        type=_nonnegative_float,
        default=0.9,
        help="momentum of 'momentum' and 'nesterov' (default: 0.9)",
    )
    p.add_argument(
        "--max-iter", type=_nonnegative_int, default=20000, metavar="N", help="default: 20000"
    )
    p.add_argument(
        "--tol",
        type=_nonnegative_float,
        default=1e-12,
        help="relative change of f (default: 1e-12)",
    )
    p.add_argument(
        "--gtol", type=_nonnegative_float, default=1e-8, help="gradient norm (default: 1e-8)"
    )
    p.add_argument(
        "--gradient",
        choices=("exact", "numerical"),
        default="exact",
        help="backprop or central finite differences (default: exact)",
    )
    p.add_argument(
        "--plot",
        metavar="PATH",
        help="draw the contours of f with the path taken into PATH (.png, .svg or .pdf; "
        "needs matplotlib; for functions of two variables)",
    )
    p.set_defaults(run=_minimize)


# --- shared helpers --------------------------------------------------------------------------
def _out(text: str = "") -> None:
    print(text, file=sys.stdout)


def _warn(text: str) -> None:
    print(f"{PROG}: warning: {text}", file=sys.stderr)


def _num(x: float) -> str:
    return format(x, ".6g")


def _one_line(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """``command``, with any error the input can cause turned into one line and exit 2.

    The commands check what they can up front; this is the net under them, so that no
    number on the command line can end in a traceback.
    """

    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except ParseError:
            raise  # shown with its caret by main
        except OSError as e:
            raise _UsageError(_os_reason(e)) from None
        except (ValueError, ArithmeticError) as e:
            raise _UsageError(f"{args.command}: {_first_line(e)}") from None

    return run


def _os_reason(e: OSError) -> str:
    """Why an OSError happened, naming the path involved."""
    reason = e.strerror or str(e)
    return f"{reason} ({e.filename!r})" if e.filename else reason


def _first_line(e: BaseException) -> str:
    lines = str(e).strip().splitlines()
    return lines[0] if lines else type(e).__name__


def _table(rows: list[list[str]], *, numeric: bool = True) -> list[str]:
    """Rows of cells as aligned lines: the first column left-aligned, numbers right-aligned."""
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    return [
        "  ".join(
            cell.rjust(w) if numeric and c > 0 else cell.ljust(w)
            for c, (cell, w) in enumerate(zip(row, widths))
        ).rstrip()
        for row in rows
    ]


def _values(items: Sequence[str]) -> dict[str, float]:
    """``["x=2", "w=-pi/4"]`` -> ``{"x": 2.0, "w": -0.785...}``, or a one-line _UsageError."""
    given: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep:
            raise _UsageError(f"expected NAME=VALUE, such as x=2 (got {item!r})")
        if not _IDENTIFIER.fullmatch(name):
            raise _UsageError(f"{item!r}: {name!r} is not a variable name")
        if name in CONSTANTS:
            raise _UsageError(
                f"{item!r}: {name} is a constant ({CONSTANTS[name]!r}), not a variable"
            )
        if name in given:
            raise _UsageError(f"{name} is given twice")
        given[name] = _constant(name, text)
    return given


def _constant(name: str, text: str) -> float:
    """The number written ``text`` (``2``, ``-0.5``, ``pi/4``), or a one-line _UsageError."""
    try:
        tree = parse(text)
    except ParseError as e:
        raise _UsageError(f"{name}={text}: not a number ({e.message})") from None
    if variables(tree):
        raise _UsageError(
            f"{name}={text}: the value must be a number, such as {name}=0.5 or {name}=pi/4 "
            f"(got {text.strip()!r})"
        )
    try:
        return evaluate(tree).data
    except (ValueError, ArithmeticError) as e:
        raise _UsageError(f"{name}={text}: {e}") from None


def _match(names: list[str], given: dict[str, float], text: str) -> list[float]:
    """The values of ``names`` in order; a one-line _UsageError if any is missing or extra."""
    missing = [n for n in names if n not in given]
    if missing:
        them = "it" if len(missing) == 1 else "them"
        raise _UsageError(
            f"no value for {', '.join(missing)} in {text!r}: give {them} as "
            + " ".join(f"{n}=..." for n in missing)
        )
    extra = [n for n in given if n not in names]
    if extra:
        used = ", ".join(names) if names else "none"
        verb = "is" if len(extra) == 1 else "are"
        raise _UsageError(f"{', '.join(extra)} {verb} not in {text!r} (its variables: {used})")
    return [given[n] for n in names]


# --- demo --------------------------------------------------------------------------------------
def _dataset(name: str, n: int, noise: float, seed: int) -> tuple[list[list[float]], list[int]]:
    if name == "moons":
        return datasets.make_moons(n, noise=noise, seed=seed)
    if name == "blobs":
        return datasets.make_blobs(
            n, centers=[[-1.0, -1.0], [1.0, 1.0]], cluster_std=noise, seed=seed
        )
    X, y = datasets.make_xor(n, noise=noise, seed=seed)
    # Centred on the origin, as the moons are: corners (+-1, +-1) train far more reliably.
    return [[2.0 * a - 1.0, 2.0 * b - 1.0] for a, b in X], y


def _optimizer(name: str, params: list[Value], lr: float) -> optim.Optimizer:
    if name == "sgd":
        return optim.SGD(params, lr=lr)
    if name == "momentum":
        return optim.Momentum(params, lr=lr, momentum=0.9)
    if name == "nesterov":
        return optim.Momentum(params, lr=lr, momentum=0.9, nesterov=True)
    return optim.Adam(params, lr=lr)


def _score(model: nn.Module, x: Sequence[float]) -> float:
    with no_grad():
        return model.forward(x)[0].data


def _prepare(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        reason = e.strerror or str(e)
        raise _UsageError(f"cannot create the output folder {str(folder)!r}: {reason}") from None
    if not os.access(folder, os.W_OK):
        raise _UsageError(f"cannot write into the output folder {str(folder)!r}")


def _demo(args: argparse.Namespace) -> int:
    noise = _NOISE[args.dataset] if args.noise is None else args.noise
    if args.epochs > _MAX_EPOCHS:
        raise _UsageError(f"--epochs {args.epochs}: at most {_MAX_EPOCHS:,} for this demo")
    if args.samples > _MAX_SAMPLES:
        raise _UsageError(f"--samples {args.samples}: at most {_MAX_SAMPLES:,} for this demo")
    sizes = [2, *args.hidden, 1]
    count = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    if count > _MAX_PARAMETERS:
        raise _UsageError(
            f"--hidden {','.join(map(str, args.hidden))}: the network would have {count:,} "
            f"parameters, more than this pure-Python demo's {_MAX_PARAMETERS:,}"
        )
    try:
        X, y = _dataset(args.dataset, args.samples, noise, args.seed)
    except ValueError as e:
        raise _UsageError(f"--noise {noise:g}: {_first_line(e)}") from None
    model = nn.MLP(2, [*args.hidden, 1], args.activation, seed=args.seed)
    lr = _LR[args.optimizer] if args.lr is None else args.lr
    optimizer = _optimizer(args.optimizer, model.parameters(), lr)
    epochs = args.epochs
    schedule = optim.LambdaLR(optimizer, lambda k: 1.0 - 0.9 * k / epochs)
    folder = Path(args.out)
    _prepare(folder)  # before training: a bad --out should fail at once

    batch = "full batch" if args.batch_size is None else f"batches of {args.batch_size}"
    _out(f"data:     {args.dataset}, {args.samples} points, noise {noise:g}, seed {args.seed}")
    _out(f"model:    {model}, {len(model.parameters())} parameters")
    last_lr = lr * (1.0 - 0.9 * (epochs - 1) / epochs)
    _out(
        f"training: hinge loss + {_L2:g} * sum(p**2), {args.optimizer} with lr {lr:g} decaying "
        f"linearly to {last_lr:.3g}, {epochs} epochs, {batch}"
    )
    sys.stdout.flush()
    recorder = TrainingRecorder(model, X, y)  # for training.gif
    # The progress line ends without its own "stopped:" line: the reason is printed once,
    # below, with the results.
    bar = None if args.no_progress else Progress(epochs)
    callbacks: list[Callable[[int, dict[str, float]], Any]] = [
        lambda epoch, logs: schedule.step(),
        recorder,
    ]
    if bar is not None:
        callbacks.append(lambda epoch, logs: bar.update(epoch, logs["loss"], logs))
    with warnings.catch_warnings():  # a divergence is reported below, as the stop reason
        warnings.simplefilter("ignore", RuntimeWarning)
        history = fit(
            model,
            X,
            y,
            loss="hinge",
            optimizer=optimizer,
            epochs=epochs,
            batch_size=args.batch_size,
            seed=args.seed,
            l2=_L2,
            callbacks=callbacks,
            progress=False,
        )
    if bar is not None:
        bar.close("")
    right = sum((_score(model, x) > 0.0) == (label == 1) for x, label in zip(X, y))
    loss = f"final loss {history.losses[-1]:.4g}, " if history.losses else ""
    _out(f"stopped:  {history.stop_reason} ({history.seconds:.1f} s)")
    _out(f"result:   {loss}training accuracy {right / len(X):.1%} ({right}/{len(X)})")

    _out(
        f"drawing:  the loss curve, the decision boundary, the training animation, the graph "
        f"and the backprop explorer into {folder} ..."
    )
    sys.stdout.flush()
    written = _demo_files(folder, model, X, y, history, recorder)
    _out(f"wrote {len(written)} file{'s' if len(written) != 1 else ''} to {folder.resolve()}:")
    for line in _table([[path.name, what] for path, what in written], numeric=False):
        _out(f"  {line}")
    return 1 if history.diverged else 0


def _demo_files(
    folder: Path,
    model: nn.MLP,
    X: list[list[float]],
    y: list[int],
    history: History,
    recorder: TrainingRecorder | None = None,
) -> list[tuple[Path, str]]:
    """Write the demo's outputs; a picture that cannot be made is skipped with a note."""
    written: list[tuple[Path, str]] = []
    path = folder / "model.json"
    model.save(path)
    written.append((path, "the trained model (autograd_mini.nn.load_model reads it)"))

    try:
        from . import plots
    except ImportError as e:
        _warn(f"skipped loss.png and decision_boundary.png: {_first_line(e)}")
    else:
        pictures: list[tuple[str, str, Callable[[Path], Path]]] = [
            (
                "loss.png",
                "the training loss per epoch",
                lambda p: plots.plot_loss(history, p, title="training loss and accuracy"),
            ),
            (
                "decision_boundary.png",
                "the decision boundary on the training data",
                lambda p: plots.plot_decision_boundary(
                    model, X, y, p, title="decision boundary after training"
                ),
            ),
        ]
        if recorder is not None:
            pictures.append(
                (
                    "training.gif",
                    "the decision boundary and the loss, epoch by epoch",
                    lambda p: plots.animate_training(recorder, p, max_frames=30).path or p,
                )
            )
        for name, what, draw in pictures:
            try:
                written.append((draw(folder / name), what))
            except (ImportError, RuntimeError, ValueError, OSError) as e:
                _warn(f"skipped {name}: {_first_line(e)}")

    written += _forward_graph(folder, model, X[0])
    written += _explore_page(folder, model, X[0], y[0])
    return written


def _explore_page(
    folder: Path, model: nn.MLP, point: list[float], label: int
) -> list[tuple[Path, str]]:
    from . import losses, viz

    inputs = [Value(v, label=f"x{i + 1}") for i, v in enumerate(point)]
    loss = losses.hinge(model.forward(inputs), [label])
    loss.label = "loss"
    target = folder / "explore.html"
    try:
        page = viz.explore(loss, target, params=model, title="Backprop through one sample's loss")
    except (ValueError, OSError) as e:  # a network too large to step through
        _warn(f"skipped {target.name}: {_first_line(e)}")
        return []
    return [(page, "a page that steps through backprop of the first point's loss")]


def _forward_graph(folder: Path, model: nn.MLP, point: list[float]) -> list[tuple[Path, str]]:
    from . import viz

    inputs = [Value(v, label=f"x{i + 1}") for i, v in enumerate(point)]
    out = model.forward(inputs)[0]
    out.label = "score"
    out.backward()  # so the picture shows d score / d node too
    target = folder / "forward_graph.svg"
    what = "the graph of one forward pass on the first point, collapsed"
    try:
        # A small max_nodes makes render_graph collapse neurons into layers.
        return [(viz.render_graph(out, target, max_nodes=40), what)]
    except viz.GraphvizNotFoundError as e:
        _warn(f"wrote {e.dot_path.name} instead of {target.name}: Graphviz's dot is not installed")
        return [(e.dot_path, what + " (DOT text)")]
    except (ImportError, RuntimeError, ValueError, OSError) as e:
        _warn(f"skipped {target.name}: {_first_line(e)}")
        return []


# --- graph -------------------------------------------------------------------------------------
def _graph_target(out: str | None, fmt: str | None) -> tuple[Path, str]:
    """Where to draw the graph, and in which format, from ``--out`` and ``--format``."""
    if out is None:
        fmt = fmt or "svg"
        return Path(f"graph.{fmt}"), fmt
    path = Path(out)
    suffix = path.suffix.lower().lstrip(".")
    if fmt is None:
        if suffix not in _GRAPH_FORMATS:
            raise _UsageError(
                f"--out {out}: cannot tell the picture format; end the name in .svg, .png, "
                ".pdf or .dot, or give --format"
            )
        return path, suffix
    if not suffix:
        return path.with_suffix(f".{fmt}"), fmt
    if suffix != fmt:
        raise _UsageError(f"--out {out} does not end in .{fmt}, the --format given")
    return path, fmt


def _graph(args: argparse.Namespace) -> int:
    text = args.expression
    tree = parse(text)
    names = variables(tree)
    point = _match(names, _values(args.values), text)
    target = None if args.no_render else _graph_target(args.out, args.format)

    leaves = [Value(v, label=n) for n, v in zip(names, point)]
    try:
        out = evaluate(tree, dict(zip(names, leaves)))
        out.backward()
    except (ValueError, ArithmeticError) as e:
        raise _UsageError(f"cannot evaluate {text!r} at these values: {e}") from None
    status = 0
    _out(f"{text.strip()} = {_num(out.data)}")
    if names:
        _out()
        head = ["variable", "value", "gradient"]
        rows = [[n, _num(v.data), _num(float(v.grad))] for n, v in zip(names, leaves)]
        if args.check:
            status = _check(tree, names, point, leaves, head, rows)
        else:
            for line in _table([head, *rows]):
                _out(line)
    if target is not None:
        _draw(out, *target, max_nodes=args.max_nodes)
    return status


def _check(
    tree: Expr,
    names: list[str],
    point: list[float],
    leaves: list[Value],
    head: list[str],
    rows: list[list[str]],
) -> int:
    """Print the gradient table with central differences beside it; 1 if any disagrees."""

    def f(*values: Value) -> Value:
        return evaluate(tree, dict(zip(names, values)))

    try:
        numeric = numerical_grad(f, point)
    except (ValueError, ArithmeticError) as e:
        for line in _table([head, *rows]):
            _out(line)
        _warn(f"cannot check the gradients: {_first_line(e)}")
        return 1
    bad = 0
    for row, leaf, n in zip(rows, leaves, numeric):
        a = float(leaf.grad)
        ok = abs(a - n) <= _ATOL + _RTOL * abs(n)
        bad += not ok
        row += [_num(n), format(abs(a - n), ".2g"), "ok" if ok else "DIFFERENT"]
    for line in _table([head + ["finite diff.", "abs error", ""], *rows]):
        _out(line)
    _out()
    test = f"{_ATOL:g} + {_RTOL:g} * |finite diff.|"
    if bad:
        _out(f"{bad} gradient(s) differ from central finite differences by more than {test};")
        _out("at a kink (relu or abs at 0) finite differences average the two sides.")
        return 1
    _out(f"the gradients agree with central finite differences (to within {test})")
    return 0


def _draw(out: Value, path: Path, fmt: str, *, max_nodes: int = 500) -> None:
    from . import viz

    try:
        if path.parent != Path(""):
            path.parent.mkdir(parents=True, exist_ok=True)
        written = viz.render_graph(out, path, format=fmt, max_nodes=max_nodes)
    except viz.GraphvizNotFoundError as e:
        _warn(f"could not draw {path}: Graphviz's dot is not installed; wrote {e.dot_path} instead")
        return
    except OSError as e:  # the user's path cannot be written: bad input, not a warning
        raise _UsageError(f"cannot write the graph to {str(path)!r}: {_os_reason(e)}") from None
    except ValueError as e:
        if "max_nodes=" in str(e):
            raise _UsageError(
                f"{_first_line(e).split('; pass a larger')[0]}; pass a larger --max-nodes"
            ) from None
        raise _UsageError(f"cannot draw the graph: {_first_line(e)}") from None
    except (ImportError, RuntimeError) as e:
        dot_path = path.with_suffix(".dot")
        try:
            dot_path.write_text(viz.to_dot(out, max_nodes=max_nodes), encoding="utf-8")
        except (ValueError, OSError):
            _warn(f"could not draw {path}: {_first_line(e)}")
        else:
            _warn(f"could not draw {path} ({_first_line(e)}); wrote {dot_path} instead")
        return
    _out()
    _out(f"wrote {written}")


# --- explore -----------------------------------------------------------------------------------
def _add_explore(commands: Any) -> None:
    p = commands.add_parser(
        "explore",
        help="write a page that steps through an expression's forward and backward pass",
        description=(
            "Evaluate an expression at the given values and write one self-contained HTML\n"
            "page (autograd_mini.viz.explore) that steps through its graph: the forward\n"
            "pass, then the backward pass, each step spelling out the chain rule. Open it\n"
            "in any browser, from the file, with no network; step with the arrow keys,\n"
            "Home and End. Expressions are written as for the graph command."
        ),
        epilog=(
            "examples:\n"
            f'  {PROG} explore "tanh(x*w + b)" x=2 w=-0.5 b=1 --out explore.html\n'
            f'  {PROG} explore "x*x + x*w" x=2 w=3   (x is used twice: watch it add up)\n'
            "\n"
            "exit status: 0 on success, 2 for bad input."
        ),
        formatter_class=_Formatter,
    )
    p.add_argument("expression", help='the expression, e.g. "tanh(x*w + b)" (quote it)')
    p.add_argument(
        "values", nargs="*", metavar="NAME=VALUE", help="a value for each variable, e.g. x=2"
    )
    p.add_argument("--out", default="explore.html", metavar="FILE", help="default: explore.html")
    p.set_defaults(run=_explore)


def _explore(args: argparse.Namespace) -> int:
    from . import viz

    text = args.expression
    tree = parse(text)
    names = variables(tree)
    point = _match(names, _values(args.values), text)
    leaves = [Value(v, label=n) for n, v in zip(names, point)]
    try:
        out = evaluate(tree, dict(zip(names, leaves)))
        out.label = out.label or "f"
        path = Path(args.out)
        if path.parent != Path(""):
            path.parent.mkdir(parents=True, exist_ok=True)
        written = viz.explore(out, path, title=f"Backprop through {text.strip()}")
    except (ValueError, ArithmeticError) as e:
        raise _UsageError(f"cannot explore {text!r} at these values: {e}") from None
    except OSError as e:
        raise _UsageError(f"cannot write {args.out!r}: {e.strerror or e}") from None
    _out(f"{text.strip()} = {_num(out.data)}")
    _out(f"wrote {written}: open it in a browser and step with the arrow keys")
    return 0


# --- minimize ----------------------------------------------------------------------------------
def _finite_or_diverged(f: Callable[..., Value]) -> Callable[..., Value]:
    """``f``, with a domain error (log of a negative, ...) reported as divergence.

    ``minimize`` stops on a ``FloatingPointError`` and keeps the last good point; a step
    that leaves the domain of ``f`` is the same kind of failure.
    """

    def wrapped(*xs: Value) -> Value:
        try:
            return f(*xs)
        except (ValueError, ZeroDivisionError) as e:
            raise FloatingPointError(str(e)) from e

    return wrapped


def _settings(method: str, lr: float, extra: str) -> str:
    if method in ("newton", "bfgs", "lbfgs"):
        return "exact Hessian, backtracking" if method == "newton" else "strong Wolfe steps"
    return f"lr {lr:g}{extra}"


def _minimize(args: argparse.Namespace) -> int:
    text = args.expression
    tree = parse(text)
    names = variables(tree)
    if not names:
        raise _UsageError(f"{text!r} has no variables to minimize over")
    x0 = _match(names, _values(args.values), text)
    if args.plot is not None:  # before the run: a picture that cannot be drawn fails at once
        _check_plot(args.plot, names, text)
    if args.method == "newton" and args.gradient == "numerical":
        raise _UsageError("--method newton uses the exact Hessian: drop --gradient numerical")

    def f(*xs: Value) -> Value:
        return evaluate(tree, dict(zip(names, xs)))

    try:  # f and its gradient must exist at the start
        start = f(*[Value(v) for v in x0])
        start.backward()
    except (ValueError, ArithmeticError) as e:
        raise _UsageError(f"cannot evaluate {text!r} at the starting point: {e}") from None

    momentum = f", momentum {args.momentum:g}" if args.method in ("momentum", "nesterov") else ""
    if args.line_search and args.method in ("gd", "momentum", "nesterov", "adam"):
        momentum += f", {args.line_search} line search"
    _out(f"minimize {text.strip()}")
    _out(f"  from {', '.join(f'{n}={_num(v)}' for n, v in zip(names, x0))}")
    _out(
        f"  with {args.method} ({_settings(args.method, args.lr, momentum)}), {args.gradient} "
        "gradients, "
        f"at most {args.max_iter} steps"
    )
    t0 = time.perf_counter()
    try:
        result = minimize(
            _finite_or_diverged(f),
            x0,
            method=args.method,
            lr=args.lr,
            momentum=args.momentum,
            max_iter=args.max_iter,
            tol=args.tol,
            gtol=args.gtol,
            gradient=args.gradient,
            line_search=args.line_search,
        )
    except (ValueError, ArithmeticError) as e:  # e.g. a derivative undefined at a step
        print(f"{PROG}: error: minimize stopped: {_first_line(e)}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - t0
    _out()
    rows = [[f"{n} =", format(v, ".10g")] for n, v in zip(names, result.x)]
    rows.append(["f =", format(result.fun, ".10g")])
    if result.jac:
        gnorm = math.hypot(*result.jac)  # scaled: finite whenever the norm is
        rows.append(["|grad f| =", format(gnorm, ".3g")])
    for line in _table(rows, numeric=False):
        _out(line)
    _out(f"iterations: {result.nit} ({result.nfev} evaluations of f, {seconds:.2f} s)")
    _out(f"message:    {result.message}")
    _out(f"success:    {result.success}")
    if args.plot is not None:
        _plot_minimize(Path(args.plot), tree, names, result.path, f"{args.method}, lr {args.lr:g}")
    return 0 if result.success else 1


def _check_plot(target: str, names: list[str], text: str) -> None:
    if len(names) != 2:
        raise _UsageError(
            f"--plot draws functions of two variables, but {text!r} has {len(names)} "
            f"({', '.join(names)})"
        )
    suffix = Path(target).suffix.lower()
    if suffix not in (".png", ".svg", ".pdf"):
        raise _UsageError(f"--plot: use a path ending in .png, .svg or .pdf (got {target!r})")


def _plot_minimize(
    target: Path, tree: Expr, names: list[str], path: list[list[float]], label: str
) -> None:
    """Draw f's contours and the path of the run into ``target``, or warn why not."""
    from . import plots

    def f(a: float, b: float) -> Value:
        return evaluate(tree, {names[0]: a, names[1]: b})

    shown = str(tree)
    shown = shown if len(shown) <= 50 else shown[:47] + "..."
    try:
        plots.plot_contour(
            f,
            [path],
            labels=[label],
            xlabel=names[0],
            ylabel=names[1],
            title=f"{label} on {shown}",
            path=target,
        )
    except (ImportError, ValueError, TypeError, OSError) as e:
        _warn(f"could not draw {target}: {_first_line(e)}")
        return
    _out(f"wrote {target}")


# --- main --------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``autograd-mini`` command line and return its exit status.

    Args:
        argv: the arguments after the program name (default: ``sys.argv[1:]``).

    Returns:
        0 on success; 1 when a run did not succeed (training diverged, ``minimize`` did not
        converge, ``graph --check`` found a disagreement); 2 for bad usage or bad input,
        after a one-line message on standard error.

    Example:
        >>> main(["graph", "x**2", "x=3", "--no-render"])
        x**2 = 9
        <BLANKLINE>
        variable  value  gradient
        x             3         6
        0
        >>> main(["graph", "x**2", "y=3"])
        2
    """
    parser = _build_parser()
    try:
        args = _parse(parser, argv)
        if args.command is None:
            raise _UsageError(f"choose a command: demo, graph or minimize (see '{PROG} --help')")
        status: int = args.run(args)
        return status
    except _Exit as e:
        return e.status
    except _UsageError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    except ParseError as e:  # an expression that does not parse: the message has a caret
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # piped into a program that stopped reading (head)
        try:  # so that the interpreter's final flush does not fail again
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 1
