"""Markers for tests that need an optional program or package: dot, chromium, torch.

Each skips with a reason that says what to install. On CI, ``.ci/run`` installs all of
them and sets ``AUTOGRAD_MINI_REQUIRE_ALL=1``; ``conftest.py`` then turns any skip into
a failure, so a green CI means that nothing was skipped.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

__all__ = ["CHROMIUM", "needs_chromium", "needs_dot", "needs_torch", "needs_scipy"]

#: Debian's chromium (``apt-get install chromium``); the page tests drive it with
#: Playwright's ``executable_path``, never a browser downloaded at run time.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _have_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="needs Graphviz's dot (apt-get install graphviz)"
)
needs_torch = pytest.mark.skipif(
    not _have_module("torch"), reason="needs PyTorch as the oracle (pip install torch==2.13.0)"
)
needs_scipy = pytest.mark.skipif(
    not _have_module("scipy"), reason="needs scipy as the oracle (pip install scipy)"
)
needs_chromium = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and _have_module("playwright")),
    reason="needs Debian's chromium and Playwright for Python "
    "(apt-get install chromium; pip install playwright)",
)
