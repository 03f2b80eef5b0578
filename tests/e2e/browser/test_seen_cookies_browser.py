"""The preferences page's inventory of the cookies a site really sets, in Chromium: on a phone
and a desktop, Thai and English, nothing runs off the side and axe-core finds no WCAG 2.2 AA
violation (screenshots saved to test-artifacts/ to look at)."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from consentkit import ConsentWSGIMiddleware

from ...support.apps import OPTIONS, wsgi_app
from ...support.servers import serve_wsgi
from .test_banner_looks import VIEWPORTS, _page, _violations

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def tracked_url() -> Iterator[str]:
    """A site that has set Clarity, Bing, TikTok, HubSpot and Matomo cookies (and Django's)."""
    with serve_wsgi(ConsentWSGIMiddleware(wsgi_app, **OPTIONS)) as url:
        urllib.request.urlopen(url + "/trackers", timeout=10).read()
        yield url


@pytest.mark.parametrize("device", sorted(VIEWPORTS))
@pytest.mark.parametrize("lang", ["th", "en"])
def test_the_inventory_fits_and_passes_axe(
    browser: Any, tracked_url: str, axe_source: str, artifacts: Path, lang: str, device: str
) -> None:
    page = _page(browser, tracked_url + "/_consent/preferences", lang, device, "light")
    seen = page.locator("#consentkit-seen-analytics")
    assert seen.is_visible()
    assert seen.locator('span[lang="en"]').count() >= 2  # the database's English, marked
    page.screenshot(path=str(artifacts / f"seen-cookies-{lang}-{device}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[device]["width"]
    assert _violations(page, axe_source) == []
    page.context.close()
