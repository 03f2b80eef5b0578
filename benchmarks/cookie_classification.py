"""Cookie classification: the cost of a name's first sight, and of every sight after it.

A cookie name the classifier has not seen runs the whole classification (the categories, the
framework list, the Open Cookie Database's exact names, then its wildcard prefixes); after
that it is one dict subscript in a ``BoundedCache``. The cases time both, per name, and a whole
ASGI request whose app sets seven cookies, classified by the database, against the same
request with every cookie named by a category (the same gating, no database): the warm cost a
site pays on every request. The database's one-time load is timed apart.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

from consentkit import Category, ConsentMiddleware
from consentkit.categories import DEFAULT_CATEGORIES
from consentkit.cookiedb import database
from consentkit.cookiedb.classifier import CookieClassifier

from .asgi_inprocess import build_scope, call
from .harness import Case, Result, interleave

EXACT = ("_clck", "_uetsid", "_ttp", "hubspotutk", "sessionid", "_hjid", "IDE", "MUID")
TRACKERS = ("_clck", "_uetsid", "_ttp", "hubspotutk", "_pk_id.1.abcd", "sessionid", "csrftoken")
KEY = "benchmark-cookie-classification-0123456789"
SAME_GATING_NAMED = "ASGI page setting 7 cookies, each named by a category (no database)"
PAGE = b"<!doctype html><html><body><p>\xe0\xb8\x81</p></body></html>"


async def _tracker_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    headers = [(b"content-type", b"text/html; charset=utf-8")]
    headers += [(b"set-cookie", name.encode() + b"=x; Path=/") for name in TRACKERS]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": PAGE})


def load_time() -> float:
    """Milliseconds to read and decompress the embedded database (once per process)."""
    database.load.cache_clear()
    start = time.perf_counter()
    database.load()
    return (time.perf_counter() - start) * 1000


def _first_sight(names: Any) -> Any:
    classifier = CookieClassifier(DEFAULT_CATEGORIES)
    category_of = classifier.category_of
    cache = category_of.__self__

    def run(n: int) -> None:
        for name in itertools.islice(names, n):
            cache.clear()  # always a first sight
            category_of(name)

    return run


def _warm() -> Any:
    category_of = CookieClassifier(DEFAULT_CATEGORIES).category_of
    for name in EXACT:
        category_of(name)

    def run(n: int) -> None:
        for name in itertools.islice(itertools.cycle(EXACT), n):
            category_of(name)

    return run


#: The same cookies named by the categories themselves: the same gating, no database.
NAMED = (
    Category("necessary", required=True),
    Category("functional"),
    Category("analytics", cookies=("_ga", "_ga_*", "_gid", "_gat*", "_clck", "_pk_id.*")),
    Category("location"),
    Category("marketing", cookies=("_fbp", "_gcl_*", "_uetsid", "_ttp", "hubspotutk")),
)


def _request(cookie_database: bool) -> Any:
    categories = DEFAULT_CATEGORIES if cookie_database else NAMED
    app = ConsentMiddleware(
        _tracker_app, secret_key=KEY, cookie_database=cookie_database, categories=categories
    )
    scope = build_scope("/")
    loop = asyncio.new_event_loop()
    status, headers, _body = loop.run_until_complete(call(app, scope))
    names = {v.split(b"=", 1)[0] for k, v in headers if k == b"set-cookie"}
    # The case must do its work: the trackers are removed, the session and CSRF cookies kept.
    assert status == 200 and names == {b"sessionid", b"csrftoken"}, names

    def run(n: int) -> None:
        async def batch() -> None:
            for _ in range(n):
                await call(app, dict(scope))

        loop.run_until_complete(batch())

    return run


def run(rounds: int, batch: int | None) -> dict[str, Result]:
    """Time every case; the database is loaded first (its load is :func:`load_time`)."""
    database.load()
    unknown = (f"made_up_{i}" for i in itertools.count())
    wildcard = (f"_pk_id.{i}.abcd" for i in itertools.count())
    exact = itertools.cycle(EXACT)
    cases = [
        Case("warm: a name seen before (category_of, one dict subscript)", _warm()),
        Case("first sight: an exact database name", _first_sight(exact)),
        Case("first sight: a wildcard database name (_pk_id.N.abcd)", _first_sight(wildcard)),
        Case("first sight: a name nobody knows", _first_sight(unknown)),
        Case(SAME_GATING_NAMED, _request(False)),
        Case(
            "ASGI page setting 7 cookies, classified by the database (warm)",
            _request(True),
            baseline=SAME_GATING_NAMED,
        ),
    ]
    warm = cases[0].name
    for case in cases[1:4]:
        case.baseline = warm
    return interleave(cases, rounds, batch)
