"""``python -m autograd_mini``: the ``autograd-mini`` command line (:mod:`autograd_mini.cli`)."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
