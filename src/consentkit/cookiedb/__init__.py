"""Cookie classification by the embedded Open Cookie Database, and the cookie inventory.

:func:`classify_cookies` is the public entry point: the :class:`Classification` (category,
source, provider, purpose, retention) of each of a list of cookie names, as a middleware with
the given options would see them. :func:`inventory_of` gives what a running middleware has
seen the app set. The database itself (Apache-2.0, ``LICENSE`` beside this file) is
:func:`~.database.load`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..categories import DEFAULT_CATEGORIES, Category
from .classifier import SOURCES, Classification, CookieClassifier
from .database import CookieDatabase, load
from .frameworks import FRAMEWORK_COOKIES, FRAMEWORK_PATTERNS, framework_of
from .inventory import CookieInventory

UNKNOWN_COOKIES = ("allow", "block")

__all__ = [
    "FRAMEWORK_COOKIES",
    "FRAMEWORK_PATTERNS",
    "SOURCES",
    "UNKNOWN_COOKIES",
    "Classification",
    "CookieClassifier",
    "CookieDatabase",
    "CookieInventory",
    "check_unknown_cookies",
    "classify_cookies",
    "framework_of",
    "inventory_of",
    "load",
]


def check_unknown_cookies(value: object) -> str:
    """The ``unknown_cookies`` option: ``"allow"`` or ``"block"``."""
    if value not in UNKNOWN_COOKIES:
        raise ValueError(
            f'unknown_cookies must be "allow" or "block", not {value!r}: "allow" keeps a '
            'cookie nobody knows (and logs it once), "block" always removes it.'
        )
    return str(value)


def classify_cookies(
    names: Iterable[str],
    categories: Iterable[Category] = DEFAULT_CATEGORIES,
    *,
    cookie_database: bool = True,
    unknown_cookies: str = "allow",
    cookie_name: str = "consentkit",
) -> list[Classification]:
    """The classification of each distinct name in ``names`` (in order), as a middleware
    with these options classifies it: name, category, source, provider, purpose, retention."""
    own = (cookie_name, "__Host-" + cookie_name, cookie_name + "_lang")
    classifier = CookieClassifier(
        categories,
        database=cookie_database,
        unknown=check_unknown_cookies(unknown_cookies),
        own_cookies=own,
    )
    return [classifier.explain(name) for name in dict.fromkeys(names)]


def inventory_of(middleware: Any) -> list[Classification]:
    """What a running ``ConsentMiddleware`` or ``ConsentWSGIMiddleware`` (or an engine) has
    seen the app set so far, classified, in the order first seen."""
    engine = getattr(middleware, "engine", middleware)
    inventory: CookieInventory = engine.inventory
    return inventory.entries()
