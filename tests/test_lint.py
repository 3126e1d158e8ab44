"""The linter and the type checker pass: they are part of the test command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_ruff_passes() -> None:
    """ruff finds nothing in the package, tests, examples and benchmarks."""
    result = run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_passes() -> None:
    """mypy --strict (configured in pyproject.toml) finds nothing in the package."""
    result = run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr
