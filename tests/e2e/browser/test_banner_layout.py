"""The banner's first layer leaves room for the page: on a phone (390×844) it covers at most 40%
of the window in Thai and in English, with Accept all and Reject all side by side and alike,
and the per-category choice behind a disclosure that opens without JavaScript. Screenshots of
each state go to test-artifacts/ to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ...support.browser import BANNER, open_page

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
LOCALES = {"th": "th-TH", "en": "en-US"}
MOST_OF_THE_WINDOW = 0.40
#: What makes two buttons look alike: a visitor sees no difference in weight between them.
LOOK = [
    "background-color",
    "color",
    "border-top-width",
    "border-top-color",
    "border-radius",
    "font-size",
    "font-weight",
    "padding-top",
    "padding-left",
]


def _open(browser: Any, url: str, lang: str, viewport: dict[str, int], js: bool = True) -> Any:
    return open_page(
        browser, url, locale=LOCALES[lang], js=js, viewport=viewport, reduced_motion="reduce"
    )


def _share_of_the_window(page: Any, viewport: dict[str, int]) -> float:
    return float(page.locator(BANNER).bounding_box()["height"]) / viewport["height"]


def _look(page: Any, selector: str) -> dict[str, str]:
    return dict(
        page.locator(selector).evaluate(
            "(el, names) => names.map(n => [n, getComputedStyle(el).getPropertyValue(n)])", LOOK
        )
    )


def _in_view(page: Any, selector: str, viewport: dict[str, int]) -> bool:
    box = page.locator(selector).bounding_box()
    return bool(
        box
        and box["y"] >= 0
        and box["y"] + box["height"] <= viewport["height"]
        and box["x"] >= 0
        and box["x"] + box["width"] <= viewport["width"]
    )


@pytest.mark.parametrize("device", ["phone", "desktop"])
@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_first_layer_is_compact_and_offers_both_answers_alike(
    browser: Any, asgi_url: str, artifacts: Path, lang: str, device: str
) -> None:
    viewport = PHONE if device == "phone" else DESKTOP
    page = _open(browser, asgi_url + "/", lang, viewport)
    page.screenshot(path=str(artifacts / f"first-layer-{lang}-{device}.png"))
    share = _share_of_the_window(page, viewport)
    assert share <= MOST_OF_THE_WINDOW, f"the banner covers {share:.0%} of the window"
    # All of the first layer shows at once: nothing to scroll inside the banner.
    assert page.locator(BANNER).evaluate("el => el.scrollHeight <= el.clientHeight")
    accept, reject = "#consentkit-accept-all", "#consentkit-reject-all"
    for selector in (accept, reject, "#consentkit-choose", "#consentkit-preferences-link"):
        assert _in_view(page, selector, viewport), selector
    assert _in_view(page, "#consentkit-policy-link", viewport)
    assert page.locator(f"{BANNER} .consentkit__updated").is_visible()
    a, r = page.locator(accept).bounding_box(), page.locator(reject).bounding_box()
    assert (round(a["width"]), round(a["height"])) == (round(r["width"]), round(r["height"]))
    assert round(a["y"]) == round(r["y"])  # side by side, neither below the other
    assert _look(page, accept) == _look(page, reject)
    assert page.locator(accept).evaluate("el => el.className") == page.locator(reject).evaluate(
        "el => el.className"
    )
    # The per-category choice waits behind its disclosure, unticked.
    for box in page.locator(f"{BANNER} input[name=categories]").all():
        assert not box.is_visible() and not box.is_checked()
    assert not page.locator("#consentkit-save").is_visible()
    page.context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_the_disclosure_opens_the_per_category_choice(
    browser: Any, asgi_url: str, artifacts: Path, lang: str, javascript: bool
) -> None:
    page = _open(browser, asgi_url + "/", lang, PHONE, js=javascript)
    page.click("#consentkit-choose")
    boxes = page.locator(f"{BANNER} input[name=categories]").all()
    assert [b.get_attribute("value") for b in boxes] == [
        "functional",
        "analytics",
        "location",
        "marketing",
    ]
    assert all(b.is_visible() and not b.is_checked() for b in boxes)
    assert page.locator("#consentkit-save").is_visible()
    # The answers the first layer offered stay where they were.
    assert _in_view(page, "#consentkit-accept-all", PHONE)
    assert _in_view(page, "#consentkit-reject-all", PHONE)
    if javascript:
        page.screenshot(path=str(artifacts / f"first-layer-{lang}-phone-open.png"))
    page.context.close()


def test_the_size_check_can_fail(browser: Any, asgi_url: str) -> None:
    """The measure above is real: the old banner, categories and all on the first layer, is
    caught."""
    page = _open(browser, asgi_url + "/", "th", PHONE)
    page.evaluate("document.querySelector('#consentkit-banner details').open = true")
    assert _share_of_the_window(page, PHONE) > MOST_OF_THE_WINDOW
    page.evaluate(
        "document.getElementById('consentkit-reject-all').classList.add("
        "'consentkit__button--secondary')"
    )
    assert _look(page, "#consentkit-accept-all") != _look(page, "#consentkit-reject-all")
    page.context.close()
