"""How the banner looks and what axe-core finds: screenshots of the banner in Thai and
English on a phone and a desktop, light and dark (saved to test-artifacts/ to look at), and
no WCAG 2.2 AA violation on the banner or the preferences page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ...support.browser import BANNER

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
LOCALES = {"th": "th-TH", "en": "en-US"}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def _page(browser: Any, url: str, lang: str, device: str, scheme: str) -> Any:
    context = browser.new_context(
        locale=LOCALES[lang],
        viewport=VIEWPORTS[device],
        color_scheme=scheme,
        reduced_motion="reduce",
        device_scale_factor=1,
    )
    page = context.new_page()
    page.goto(url)
    return page


def _violations(page: Any, axe_source: str) -> list[str]:
    page.add_script_tag(content=axe_source)
    return page.evaluate(
        """async (tags) => {
          const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
          return result.violations.map(v => v.id + ' (' + v.impact + '): ' +
            v.nodes.map(n => n.target.join(' ') + ' ' + n.failureSummary).join(' | '));
        }""",
        AXE_TAGS,
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("device", sorted(VIEWPORTS))
@pytest.mark.parametrize("lang", sorted(LOCALES))
@pytest.mark.parametrize("shown", ["banner", "preferences"])
def test_screenshot_and_axe(
    browser: Any,
    asgi_url: str,
    wsgi_url: str,
    axe_source: str,
    artifacts: Path,
    shown: str,
    lang: str,
    device: str,
    scheme: str,
) -> None:
    """The banner (on the uvicorn site) and the preferences page (on the werkzeug site)."""
    if shown == "banner":
        page = _page(browser, asgi_url + "/", lang, device, scheme)
        banner = page.locator(BANNER)
        assert banner.is_visible()
        assert banner.bounding_box()["width"] <= VIEWPORTS[device]["width"]
    else:
        page = _page(browser, wsgi_url + "/_consent/preferences?next=/long", lang, device, scheme)
        assert page.locator("#consentkit-preferences").is_visible()
    page.screenshot(
        path=str(artifacts / f"{shown}-{lang}-{device}-{scheme}.png"), full_page=shown != "banner"
    )
    # Nothing runs off the side of the window.
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[device]["width"]
    assert _violations(page, axe_source) == []
    page.context.close()


def test_axe_check_can_fail(browser: Any, asgi_url: str, axe_source: str) -> None:
    """The check above is real: a banner button with poor contrast and no name is caught."""
    page = _page(browser, asgi_url + "/", "en", "desktop", "light")
    page.evaluate(
        """() => {
          const b = document.getElementById('consentkit-accept-all');
          b.style.color = '#9ca3af'; b.style.background = '#ffffff'; b.textContent = '';
        }"""
    )
    found = " ".join(_violations(page, axe_source))
    assert "button-name" in found
    page.context.close()
