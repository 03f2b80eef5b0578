"""Importing what an optional extra provides, with a message that says how to install it."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType


class MissingExtra(Exception):
    """An optional dependency is not installed; the message says which extra provides it."""


def require(module: str, extra: str, command: str) -> ModuleType:
    """Import ``module``, or raise :class:`MissingExtra` naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(
            f"consentkit {command} needs {module}, which is not installed. "
            f"Install it with: pip install 'consentkit[{extra}]'"
        ) from None


def report_missing(error: MissingExtra) -> int:
    """Print ``error`` to stderr; the exit status for a missing extra."""
    print(error, file=sys.stderr)
    return 2
