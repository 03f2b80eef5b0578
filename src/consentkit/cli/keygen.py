"""``consentkit keygen``: print a new random secret key."""

from __future__ import annotations

import argparse
import secrets


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options."""


def run(args: argparse.Namespace) -> int:
    """Print 32 random bytes, URL-safe base64."""
    print(secrets.token_urlsafe(32))
    return 0
