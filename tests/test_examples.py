"""Every example in examples/ runs on a small setting and shows what it claims to show."""

from __future__ import annotations

import ast
import contextlib
import functools
import importlib.util
import io
import math
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NAMES = sorted(path.stem for path in EXAMPLES.glob("*.py"))

# The small setting each example runs on here: keyword arguments for its main(). A new
# example must be added (test_every_example_has_a_small_setting fails until it is).
SMALL: dict[str, dict[str, Any]] = {
    "quickstart": {},
    "linear_regression": {"n_samples": 50, "epochs": 300},
    "logistic_regression": {"n_samples": 200, "epochs": 300},
    # The full setting: 100% training accuracy is the claim, and it takes ~3 s.
    "moons_demo": {"width": 24, "height": 8},
    "xor": {"epochs": 300},
    "optimizers_compare": {"problems": ("quadratic",)},
    "numerical_vs_exact": {"sizes": (2, 4), "n_samples": 8, "train_steps": 30},
    "learning_rates": {"out": None},  # the full run (~0.3 s); its pictures: test below
}


def import_example(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` afresh from its path (examples/ is not a package)."""
    module_name = f"_example_{name}"
    spec = importlib.util.spec_from_file_location(module_name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # as for any import (dataclasses look it up)
    spec.loader.exec_module(module)
    return module


@functools.cache
def run(name: str) -> tuple[Any, str]:
    """``main(**SMALL[name])`` of the example, once per session: (its result, its output)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = import_example(name).main(**SMALL[name])
    return result, out.getvalue()


# --- every example -----------------------------------------------------------------------
def test_every_example_has_a_small_setting() -> None:
    """Each file in examples/ has a small setting here, so none can silently stop running."""
    assert NAMES, f"no examples found in {EXAMPLES}"
    assert set(NAMES) == set(SMALL)


@pytest.mark.parametrize("name", NAMES)
def test_example_is_a_documented_script(name: str) -> None:
    """The file has a docstring saying how to run it, a keyword-only main() and a guard."""
    source = (EXAMPLES / f"{name}.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    doc = ast.get_docstring(tree)
    assert doc and f"python examples/{name}.py" in doc

    mains = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main"]
    assert len(mains) == 1, "an example defines main()"
    args = mains[0].args
    assert not args.args and not args.posonlyargs and not args.vararg and not args.kwarg
    assert all(default is not None for default in args.kw_defaults), "defaults: full setting"

    guard = tree.body[-1]
    assert isinstance(guard, ast.If)
    assert ast.unparse(guard.test) in ('__name__ == "__main__"', "__name__ == '__main__'")
    assert [ast.unparse(s) for s in guard.body] == ["main()"]


@pytest.mark.parametrize("name", NAMES)
def test_example_imports_quietly_and_runs_small(name: str, capsys: Any) -> None:
    """Importing an example runs nothing; its main() on the small setting prints a report."""
    import_example(name)
    assert capsys.readouterr().out == ""
    result, output = run(name)
    assert output.strip()
    assert result is None or isinstance(result, dict)


# --- what each example shows -------------------------------------------------------------
def test_linear_regression_recovers_the_coefficients() -> None:
    """Gradient descent lands on the least-squares solution, within noise of the truth."""
    r, _ = run("linear_regression")
    assert r["converged"]
    assert r["gap"] < 1e-6
    assert r["max_error"] < 0.05
    assert r["coef"] == pytest.approx(r["true_coef"], abs=0.05)


def test_logistic_regression_comes_close_to_the_bayes_rate() -> None:
    """On held-out points, logistic regression is within 10 points of the best possible."""
    r, output = run("logistic_regression")
    assert r["n_test"] == 50 and r["n_train"] == 150
    assert 0.9 < r["bayes_accuracy"] < 0.95
    assert r["test_accuracy"] >= r["bayes_accuracy"] - 0.1
    assert r["train_accuracy"] >= r["bayes_accuracy"] - 0.1
    assert "test accuracy" in output


def test_moons_demo_reaches_full_training_accuracy() -> None:
    """micrograd's recipe separates the moons perfectly, with its decaying learning rate."""
    r, output = run("moons_demo")
    assert r["accuracy"] == 1.0
    assert r["epochs"] == 100 and "maximum of 100 epochs" in r["stop_reason"]
    assert r["lr"] == pytest.approx((1.0, 1.0 - 0.9 * 99 / 100))
    lines = r["picture"].splitlines()
    assert len(lines) == 8 + 2 and all(len(line) == 24 + 2 for line in lines)
    assert r["picture"] in output and "100%" in output


def test_xor_needs_a_hidden_layer() -> None:
    """A linear model is stuck at a coin flip on XOR; a small MLP gets every corner right."""
    r, _ = run("xor")
    assert r["linear_loss"] == pytest.approx(math.log(2), abs=1e-6)
    assert r["linear_confidence"] < 0.01
    assert r["accuracy"] == 1.0
    assert [round(p) for p in r["probabilities"]] == [0, 1, 1, 0]


def test_momentum_converges_in_far_fewer_iterations_than_gradient_descent() -> None:
    """Every method converges on the quadratic, and tuned momentum/Nesterov are 3x faster."""
    r, output = run("optimizers_compare")
    rows = r["quadratic"]
    assert all(row["success"] for row in rows)
    assert all(row["fun"] < 1e-10 for row in rows)
    best_gd = min(row["iterations"] for row in rows if row["method"] == "gd")
    accelerated = [row for row in rows if row["method"] in ("momentum", "nesterov")]
    assert accelerated and all(row["iterations"] < best_gd for row in accelerated)
    assert min(row["iterations"] for row in accelerated) * 3 < best_gd
    assert "iterations" in output


def test_numerical_gradients_match_backprop_at_their_expected_cost() -> None:
    """Central differences agree to ~1e-10, calling f 3 times (probes replay its graph)."""
    r, _ = run("numerical_vs_exact")
    for row in r["table"]:
        if row["method"] == "central":
            assert row["evals"] == 3 and row["rel_error"] < 1e-8
        elif row["method"] in ("forward", "backward"):
            assert row["evals"] == 3 and row["rel_error"] < 1e-5
        else:
            assert row["method"] == "backprop" and row["evals"] == 1
    t = r["training"]
    assert t["numerical_fun"] == pytest.approx(t["exact_fun"], rel=1e-7)
    assert t["exact_fun"] < t["initial_fun"]
    assert t["max_point_difference"] < 1e-6
    assert t["numerical_nfev"] == (30 + 1) * (2 * t["params"] + 1)
    assert t["exact_nfev"] == 30 + 1


def test_learning_rates_too_small_good_too_large_divergent(tmp_path: Path) -> None:
    """Each rate does what the theory says; the divergent runs stop, finite, and it draws."""
    r, output = run("learning_rates")
    small, good, large, divergent = r["runs"]
    for run_ in r["runs"]:  # one step multiplies each coordinate by 1 - lr * eigenvalue
        assert run_["x_factor"] == pytest.approx(1 - run_["lr"] * 1.0)
        assert run_["y_factor"] == pytest.approx(1 - run_["lr"] * 10.0)
    assert not small["success"] and small["iterations"] == 1000 and small["fun"] > 1e-2
    assert good["success"] and large["success"] and good["iterations"] * 3 < large["iterations"]
    assert not divergent["success"] and "diverged" in divergent["message"]
    assert all(math.isfinite(v) for v in divergent["x"]) and divergent["path"][-1] == divergent["x"]
    assert r["fit"]["diverged"] and r["fit"]["finite"] and "fit: diverged" in r["fit"]["warning"][0]
    assert "success" in output
    pytest.importorskip("matplotlib")
    with contextlib.redirect_stdout(io.StringIO()):
        pictures = import_example("learning_rates").main(out=str(tmp_path))["pictures"]
    assert [p.name for p in pictures] == ["learning_rates_paths.png", "learning_rates_loss.png"]
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in pictures)
