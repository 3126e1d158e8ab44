"""Every example in the docstrings, the docs and the README runs and says what it shows."""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import autograd_mini

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(
    ["autograd_mini"]
    + [f"autograd_mini.{m.name}" for m in pkgutil.iter_modules(autograd_mini.__path__)]
)
MARKDOWN = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    """The module's doctests pass (a module with public API but no example fails)."""
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=FLAGS)
    assert result.failed == 0
    if name != "autograd_mini.__main__":
        assert result.attempted > 0, f"{name} has no runnable example"


def test_every_public_function_has_an_example() -> None:
    """Each public function and class (exceptions aside) has a runnable example (>>>)."""
    missing = []
    for name in MODULES:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if inspect.isclass(obj) and issubclass(obj, BaseException):
                continue
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and ">>>" not in (
                obj.__doc__ or ""
            ):
                missing.append(f"{name}.{attr}")
    assert not missing, f"public names without an example: {missing}"


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: p.name)
def test_markdown_examples_run(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Doctest blocks (>>>) in the page pass and every other python block runs."""
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    result = doctest.testfile(str(path), module_relative=False, optionflags=FLAGS)
    assert result.failed == 0
    text = path.read_text(encoding="utf-8")
    for block in re.findall(r"```python\n(.*?)```", text, flags=re.S):
        if ">>>" not in block:
            exec(compile(block, str(path), "exec"), {"__name__": "__docs__"})  # noqa: S102
