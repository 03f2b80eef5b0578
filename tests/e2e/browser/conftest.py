"""Fixtures for the real-browser tests: Debian's Chromium through Playwright's sync API, and
the two test sites served for real (uvicorn, werkzeug) in background threads.

Without ``/usr/bin/chromium`` these tests skip, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ...support import ROOT
from ...support.browser_sites import flask_site, starlette_site
from ...support.servers import serve_asgi, serve_wsgi

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing, and CI=true: browser tests must run in CI.")
    pytest.skip(f"{what} is missing")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, launched once per test module. Not once per session: Playwright's
    sync API keeps an event loop running in the main thread while it is open, and tests that
    run later and call ``asyncio.run`` must not find it."""
    if not CHROMIUM.exists():
        _missing(str(CHROMIUM))
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's browser bundle from npm (``npm ci`` installs it)."""
    if not AXE.exists():
        _missing(f"{AXE} (run `npm ci`)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """The folder screenshots are saved in (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def asgi_url() -> Iterator[str]:
    """The Starlette site behind ConsentMiddleware, served by uvicorn."""
    with serve_asgi(starlette_site()) as url:
        yield url


@pytest.fixture(scope="module")
def wsgi_url() -> Iterator[str]:
    """The Flask site behind ConsentWSGIMiddleware, served by werkzeug's WSGI server."""
    with serve_wsgi(flask_site()) as url:
        yield url


@pytest.fixture(params=["uvicorn", "werkzeug"])
def site(request: pytest.FixtureRequest) -> str:
    """The base URL of each test site in turn."""
    name = "asgi_url" if request.param == "uvicorn" else "wsgi_url"
    return str(request.getfixturevalue(name))


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def javascript(request: pytest.FixtureRequest) -> bool:
    """With JavaScript, and without."""
    return bool(request.param)
