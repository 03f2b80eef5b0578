"""Fixtures of the core's unit tests: an engine, request facts and exchanges built by hand.

No server and no adapter: a request is a :class:`RequestFacts` over a ``dict`` of lower-case
header names (the key table maps each name to itself), as an adapter would hand it down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from consentkit.core.engine import Engine
from consentkit.core.exchange import Exchange
from consentkit.core.request import REQUEST_HEADERS, RequestFacts
from consentkit.options import Settings

#: The key of the tests' engines (Thai, and over 16 characters).
KEY = "กุญแจทดสอบหน่วย-0123456789abcdef"
#: The trusted proxies of the default engine.
PROXIES = ("10.0.0.0/8",)
#: The peer of a request unless told otherwise: a visitor straight on the internet.
PEER = "203.0.113.77"
#: The key table of a test request: each header under its own lower-case name.
HEADER_KEYS = {name: name for name in REQUEST_HEADERS}


def _settings(**options: Any) -> Settings:
    options.setdefault("secret_key", KEY)
    options.setdefault("geolocator", None)  # no 60 MiB country data for a unit test
    return Settings.from_options(**options)


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    """The default engine (default options, ``10.0.0.0/8`` trusted), shared by a test file:
    its caches only ever remember what the same key gives again."""
    built = Engine(_settings(trusted_proxies=PROXIES))
    yield built
    built.close()


@pytest.fixture
def make_engine() -> Iterator[Callable[..., Engine]]:
    """Builds an engine of its own from options (``secret_key`` and ``geolocator=None`` unless
    told); closed after the test."""
    built: list[Engine] = []

    def make(**options: Any) -> Engine:
        engine = Engine(_settings(**options))
        built.append(engine)
        return engine

    yield make
    for engine in built:
        engine.close()


def build_facts(
    method: str = "GET",
    path: str = "/",
    *,
    root_path: str = "",
    query: str = "",
    scheme: str = "http",
    peer: str | None = PEER,
    **headers: str | bytes,
) -> RequestFacts:
    """Request facts; header names as keywords with ``_`` for ``-`` (``accept_language``)."""
    named = {name.replace("_", "-"): value for name, value in headers.items()}
    unknown = set(named) - REQUEST_HEADERS
    if unknown:
        raise TypeError(f"not request headers the core reads: {sorted(unknown)}")
    return RequestFacts(method, root_path, path, query, scheme, peer, named, HEADER_KEYS)


@pytest.fixture
def facts() -> Callable[..., RequestFacts]:
    """See :func:`build_facts`."""
    return build_facts


@pytest.fixture
def exchange(engine: Engine) -> Callable[..., Exchange]:
    """Builds an :class:`Exchange` of request facts (as :func:`build_facts` takes them), with
    the default engine unless ``engine=`` says otherwise."""

    def make(*args: Any, engine: Engine = engine, **kwargs: Any) -> Exchange:
        return Exchange(engine, build_facts(*args, **kwargs))

    return make


@pytest.fixture
def consent_cookie(engine: Engine) -> Callable[..., str]:
    """A ``Cookie`` header pair holding a freshly signed consent that grants ``granted``:
    ``consent_cookie("analytics", engine=..., policy_version="2", name="__Host-consentkit")``."""

    def make(
        *granted: str,
        engine: Engine = engine,
        policy_version: str | None = None,
        name: str | None = None,
    ) -> str:
        settings = engine.settings
        value = engine.codec.encode(granted, policy_version or settings.policy_version)
        return f"{name or settings.cookie_name}={value}"

    return make
