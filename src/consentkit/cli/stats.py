"""`consentkit stats`: not built yet."""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `consentkit stats`."""


def run(args: argparse.Namespace) -> int:
    """Not built yet: says so and fails."""
    print("consentkit stats is not built yet", file=sys.stderr)
    return 2
