"""The ``consentkit`` command: ``demo``, ``keygen``, ``check``, ``stats`` and ``records``.

Each subcommand lives in a module of its own with ``add_arguments(parser)`` and
``run(args) -> int``; this module only dispatches.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

SUBCOMMANDS = {
    "demo": "serve the demo site on localhost, with the banner in Thai and English",
    "keygen": "print a new random secret key",
    "check": "report what a visitor without consent receives from a page of a running site",
    "stats": "print the location statistics from a statistics SQLite file",
    "records": "export, verify, erase or prune the consent records of a records= store",
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``consentkit`` command."""
    parser = argparse.ArgumentParser(prog="consentkit", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, help_text in SUBCOMMANDS.items():
        module = importlib.import_module(f"consentkit.cli.{name}")
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``consentkit`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
