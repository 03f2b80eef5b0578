"""The end-to-end tests: everything under ``tests/e2e/`` is marked ``e2e`` (examples, the CLI,
real servers, the browser, the benchmarks), so ``-m "not e2e"`` is the fast loop. And Debian's
Chromium for the two files here that drive it (``browser/`` has its own fixtures)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``e2e`` every test under this folder (before ``-m`` selects)."""
    for item in items:
        if item.path.resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium, once for the module."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()
