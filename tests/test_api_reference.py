"""The committed API reference, docs/api.md, is exactly what docs/gen_api.py generates."""

from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "api.md"
FIX = "run `python docs/gen_api.py --write` and commit docs/api.md"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_api", ROOT / "docs" / "gen_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_reference_is_up_to_date() -> None:
    """docs/api.md equals the generated reference, so it cannot drift from the docstrings."""
    expected = _generator().generate()
    actual = REFERENCE.read_text(encoding="utf-8") if REFERENCE.exists() else ""
    if actual != expected:
        diff = difflib.unified_diff(
            actual.splitlines(), expected.splitlines(), "docs/api.md", "generated", lineterm=""
        )
        shown = "\n".join(list(diff)[:40])
        raise AssertionError(f"docs/api.md is out of date: {FIX}\n{shown}")


def test_api_reference_has_every_public_name() -> None:
    """Every name in every public module's __all__ has its own entry in the reference."""
    gen = _generator()
    sections = {
        part.split("\n", 1)[0]: part for part in gen.generate().split("\n## ")[1:]
    }
    missing = [
        f"{module.__name__}.{name}"
        for module in gen.public_modules()
        for name in module.__all__
        if f"\n### `{name}`\n" not in sections.get(module.__name__, "")
    ]
    assert not missing, f"names without an entry in the reference: {missing}"


def test_api_reference_is_deterministic() -> None:
    """Generating the reference twice gives the same text, so the check above is fair."""
    gen = _generator()
    assert gen.generate() == gen.generate()
