"""The behaviour table's fixtures: the site behind each adapter, in-process and behind a real
server; and a check that every registered case runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from consentkit import ConsentMiddleware, ConsentWSGIMiddleware

from ..support.apps import OPTIONS, asgi_app, wsgi_app
from ..support.harness import AsgiClient, Client, HttpClient, WsgiClient
from ..support.servers import serve_asgi, serve_wsgi
from .helpers import RECORDS
from .table import ADAPTERS, untested


@pytest.fixture(scope="session")
def asgi_site() -> ConsentMiddleware:
    """The raw ASGI site wrapped in ``ConsentMiddleware``."""
    return ConsentMiddleware(asgi_app, **OPTIONS, records=str(RECORDS))


@pytest.fixture(scope="session")
def wsgi_site() -> ConsentWSGIMiddleware:
    """The raw WSGI site wrapped in ``ConsentWSGIMiddleware``."""
    return ConsentWSGIMiddleware(wsgi_app, **OPTIONS, records=str(RECORDS))


@pytest.fixture(scope="session")
def uvicorn_url(asgi_site: ConsentMiddleware) -> Iterator[str]:
    """The ASGI site served by uvicorn on a loopback port."""
    with serve_asgi(asgi_site) as url:
        yield url


@pytest.fixture(scope="session")
def werkzeug_url(wsgi_site: ConsentWSGIMiddleware) -> Iterator[str]:
    """The WSGI site served by werkzeug's threaded server on a loopback port."""
    with serve_wsgi(wsgi_site) as url:
        yield url


@pytest.fixture(params=ADAPTERS)
def client(request: pytest.FixtureRequest) -> Client:
    """The site, through each adapter, in-process and over real HTTP."""
    kind = request.param
    if kind == "asgi":
        return AsgiClient(request.getfixturevalue("asgi_site"))
    if kind == "wsgi":
        return WsgiClient(request.getfixturevalue("wsgi_site"))
    if kind == "uvicorn":
        return HttpClient(request.getfixturevalue("uvicorn_url"), "uvicorn")
    return HttpClient(request.getfixturevalue("werkzeug_url"), "werkzeug")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A subject file whose cases no ``table_test`` collects is a mistake, not a pass."""
    forgotten = untested()
    if forgotten:
        raise pytest.UsageError(f"cases registered but never tested in: {', '.join(forgotten)}")
