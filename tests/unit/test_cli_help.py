"""Every ``--help`` of the ``consentkit`` command is plain text: the docstrings and
``SUBCOMMANDS`` it comes from may use reST, the terminal shows none of it."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator

import pytest

from consentkit.cli import SUBCOMMANDS, build_parser
from consentkit.cli._plain import plain

# ``literal``, :role:`target`, `interpreted`: any backtick at all, or a :name: role marker.
MARKUP = re.compile(r"`|(?<![\w:]):[a-z]+(?::[a-z]+)?:(?=`|\w)")


def _parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """The parser and every subcommand's, nested ones included (``records export``)."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, (*path, name))


ALL = dict(_parsers(build_parser()))


def test_every_subcommand_is_walked() -> None:
    assert {(name,) for name in SUBCOMMANDS} <= set(ALL)


@pytest.mark.parametrize("path", list(ALL), ids=lambda p: " ".join(p) or "consentkit")
def test_help_has_no_rest_markup(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args([*path, "--help"])
    assert exited.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith(f"usage: consentkit {' '.join(path)}".rstrip())
    assert not MARKUP.search(shown), shown


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("The ``consentkit`` command", "The consentkit command"),
        (
            "see :func:`~consentkit.get_consent` and :py:class:`Consent`",
            "see consentkit.get_consent and Consent",
        ),
        (
            "`consentkit stats PATH [--json]`: the statistics",
            "consentkit stats PATH [--json]: the statistics",
        ),
        ("ร้าน ``กาแฟ`` 10:30", "ร้าน กาแฟ 10:30"),
    ],
)
def test_plain_reduces_markup_to_its_words(source: str, shown: str) -> None:
    assert plain(source) == shown
    assert not MARKUP.search(plain(source))
