"""Help text without reST markup: the docstrings the help comes from are written for Sphinx
(``literal``, :role:`target`), a terminal shows them as plain words."""

from __future__ import annotations

import argparse
import re

# :role:`text` or :domain:role:`text`, then ``literal``, then `interpreted`.
_ROLE = re.compile(r":(?:[a-z]+:)?[a-z]+:`~?([^`]*)`")
_LITERAL = re.compile(r"``([^`]*)``")
_INTERPRETED = re.compile(r"`([^`]*)`")


def plain(text: str) -> str:
    """``text`` with reST roles, literals and interpreted text reduced to their words."""
    return _INTERPRETED.sub(r"\1", _LITERAL.sub(r"\1", _ROLE.sub(r"\1", text)))


class PlainHelpParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage and help are plain text (its subparsers are too:
    ``add_subparsers`` makes them of the parser's own class)."""

    def format_usage(self) -> str:
        """The usage line, without reST markup."""
        return plain(super().format_usage())

    def format_help(self) -> str:
        """The whole help, without reST markup."""
        return plain(super().format_help())
