"""The behaviour table: every case runs against both adapters, in-process and behind a real
server (ASGI in-process, WSGI in-process through werkzeug's lint, uvicorn, werkzeug's server),
and against the Django middleware through Django's real WSGI and ASGI handlers, in-process and
behind uvicorn.

A case is a function of a ``Client``, registered once with ``@case`` in the file of its
subject; the file ends with one test that runs each of its cases against each adapter::

    @case
    def gated_cookies_dropped_before_consent(client: Client) -> None: ...

    test_gating = table_test(__name__)

The ids read ``test_gating[gated_cookies_dropped_before_consent-uvicorn]``, so ``-k gating``
runs a subject and ``-k uvicorn`` an adapter. A case that needs more parameters takes them as
``pytest.mark.parametrize`` does, and runs once per row and adapter
(``test_consent_cookie[invalid_consent_cookie_means_undecided-garbage-asgi]``)::

    @case("value", ["garbage", ""], ids=["garbage", "empty"])
    def invalid_consent_cookie_means_undecided(client: Client, value: str) -> None: ...
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest

from ..support.harness import Client

ADAPTERS = ["asgi", "wsgi", "uvicorn", "werkzeug", "django-wsgi", "django-asgi", "django-uvicorn"]

F = TypeVar("F", bound=Callable[..., None])

#: module name -> the rows its ``@case`` functions registered, in order.
_ROWS: dict[str, list[Any]] = {}
#: modules whose test ``table_test`` has made.
_TESTED: set[str] = set()


@dataclass(frozen=True)
class Case:
    """One row of the table: a case and the extra arguments of the row."""

    function: Callable[..., None]
    arguments: dict[str, Any] = field(default_factory=dict)

    def __call__(self, client: Client) -> None:
        self.function(client, **self.arguments)


def case(*parametrize: Any, ids: Sequence[str] | None = None) -> Any:
    """Register a case of the module it is written in: ``@case``, or
    ``@case(argnames, argvalues, ids=...)`` for a case run once per row of ``argvalues``."""
    if len(parametrize) == 1 and callable(parametrize[0]) and ids is None:
        function = parametrize[0]
        _register(function, [pytest.param(Case(function), id=function.__name__)])
        return function
    argnames, argvalues = parametrize
    names = [n.strip() for n in argnames.split(",")] if isinstance(argnames, str) else argnames

    def register(function: F) -> F:
        rows = []
        for index, values in enumerate(argvalues):
            values = tuple(values) if len(names) > 1 else (values,)
            row_id = ids[index] if ids is not None else _default_id(values)
            arguments = dict(zip(names, values, strict=True))
            rows.append(pytest.param(Case(function, arguments), id=f"{function.__name__}-{row_id}"))
        _register(function, rows)
        return function

    return register


def table_test(module: str) -> Callable[[Case, Client], None]:
    """The test of a subject module: each case it registered, against each adapter."""
    if not _ROWS.get(module):
        raise RuntimeError(f"{module} registers no @case before table_test(__name__)")
    _TESTED.add(module)

    @pytest.mark.parametrize("client", ADAPTERS, indirect=True)
    @pytest.mark.parametrize("case", _ROWS[module])
    def test(case: Case, client: Client) -> None:
        case(client)

    return test


def untested() -> list[str]:
    """Modules that registered cases but made no test of them (they would never run)."""
    return sorted(set(_ROWS) - _TESTED)


def _register(function: Callable[..., None], rows: list[Any]) -> None:
    module = function.__module__
    if module in _TESTED:
        raise RuntimeError(f"{function.__name__}: register cases before table_test(__name__)")
    _ROWS.setdefault(module, []).extend(rows)


def _default_id(values: tuple[Any, ...]) -> str:
    """The id pytest gives a row of text values: the values joined by ``-`` (pytest escapes
    what is not printable ASCII, in this id as in its own)."""
    if not all(isinstance(value, str) for value in values):
        raise TypeError("give ids= for a case whose values are not all text")
    return "-".join(values)
