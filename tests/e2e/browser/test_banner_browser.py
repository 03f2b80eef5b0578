"""The banner in Debian's Chromium against a Starlette site (uvicorn) and a Flask site
(werkzeug's WSGI server): language, the three choices, gated scripts, withdrawal, the same with
JavaScript off, keyboard and Escape, strict CSP, and Google Consent Mode."""

from __future__ import annotations

from typing import Any

import pytest

from ...support.browser import (
    BANNER,
    choose,
    cookie_names,
    markers,
    open_page,
    tick,
    wait_for_markers,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("locale", "lang", "title"),
    [("th-TH", "th", "คุกกี้และความเป็นส่วนตัวของคุณ"), ("en-US", "en", "Cookies and your privacy")],
)
def test_banner_speaks_the_browser_language(
    browser: Any, site: str, javascript: bool, locale: str, lang: str, title: str
) -> None:
    page = open_page(browser, site + "/", locale=locale, js=javascript)
    banner = page.locator(BANNER)
    assert banner.is_visible()
    assert banner.get_attribute("lang") == lang
    assert page.locator("#consentkit-title").inner_text() == title
    page.context.close()


def test_nothing_optional_before_a_choice(browser: Any, site: str, javascript: bool) -> None:
    page = open_page(browser, site + "/", js=javascript)
    page.reload()
    assert cookie_names(page) == {"session"}
    if javascript:
        assert markers(page) == {"analytics": None, "marketing": None, "both": None}
    for box in page.locator(f"{BANNER} input[type=checkbox]").all():
        assert not box.is_checked()
    page.context.close()


def test_accept_all_persists(browser: Any, site: str, javascript: bool) -> None:
    page = open_page(browser, site + "/", js=javascript)
    choose(page, "#consentkit-accept-all", javascript)
    if javascript:  # the gated scripts run at once, without a reload
        wait_for_markers(page, "analytics", "marketing", "both")
        assert markers(page) == {"analytics": "1", "marketing": "1", "both": "1"}
    page.reload()
    assert page.locator(BANNER).count() == 0
    assert cookie_names(page) == {"consentkit", "session", "_ga", "_fbp"}
    if javascript:
        wait_for_markers(page, "analytics", "marketing", "both")
        assert markers(page) == {"analytics": "1", "marketing": "1", "both": "1"}
    page.reload()
    assert page.locator(BANNER).count() == 0
    page.context.close()


def test_reject_all_persists(browser: Any, site: str, javascript: bool) -> None:
    page = open_page(browser, site + "/", js=javascript)
    choose(page, "#consentkit-reject-all", javascript)
    page.reload()
    assert page.locator(BANNER).count() == 0
    assert cookie_names(page) == {"consentkit", "session"}
    if javascript:
        assert markers(page) == {"analytics": None, "marketing": None, "both": None}
    page.context.close()


def test_choice_by_category_persists(browser: Any, site: str, javascript: bool) -> None:
    page = open_page(browser, site + "/", js=javascript)
    tick(page, "analytics")
    choose(page, "#consentkit-save", javascript)
    if javascript:
        wait_for_markers(page, "analytics")
        assert markers(page) == {"analytics": "1", "marketing": None, "both": None}
    page.reload()
    assert page.locator(BANNER).count() == 0
    assert cookie_names(page) == {"consentkit", "session", "_ga"}
    if javascript:
        wait_for_markers(page, "analytics")
        assert markers(page) == {"analytics": "1", "marketing": None, "both": None}
    page.context.close()


def test_gated_scripts_run_only_once_granted(browser: Any, site: str) -> None:
    page = open_page(browser, site + "/")
    page.evaluate(
        "window.sentinel = 'same page';"
        "document.addEventListener('consentkit:change', e => { window.told = e.detail.granted; })"
    )
    assert markers(page)["analytics"] is None
    tick(page, "marketing")
    choose(page, "#consentkit-save", True)
    wait_for_markers(page, "marketing")
    assert markers(page) == {"analytics": None, "marketing": "1", "both": None}
    assert page.evaluate("window.sentinel") == "same page"  # no reload happened
    assert sorted(page.evaluate("window.told")) == ["marketing", "necessary"]
    page.context.close()


def test_withdrawal_on_the_preferences_page(browser: Any, site: str, javascript: bool) -> None:
    page = open_page(browser, site + "/long", js=javascript)
    choose(page, "#consentkit-accept-all", javascript)
    page.reload()
    assert {"_ga", "_fbp"} <= cookie_names(page)
    page.click("footer a.consentkit-preferences-link")
    page.wait_for_url("**/_consent/preferences**")
    assert page.locator("#consentkit-category-analytics-page").is_checked()
    assert page.locator("#consentkit-category-marketing-page").is_checked()
    page.uncheck("#consentkit-category-analytics-page")
    page.uncheck("#consentkit-category-marketing-page")
    with page.expect_navigation():
        page.click("#consentkit-save")
    assert page.url == site + "/long"
    assert cookie_names(page) == {"consentkit", "session"}
    page.reload()
    assert cookie_names(page) == {"consentkit", "session"}
    assert page.locator(BANNER).count() == 0
    if javascript:
        assert markers(page) == {"analytics": None, "marketing": None, "both": None}
    page.goto(site + "/_consent/preferences")
    assert not page.locator("#consentkit-category-analytics-page").is_checked()
    page.context.close()


def test_language_switch_is_remembered(browser: Any, site: str, javascript: bool) -> None:
    page = open_page(browser, site + "/long?หน้า=2", locale="th-TH", js=javascript)
    assert page.locator(BANNER).get_attribute("lang") == "th"
    with page.expect_navigation():
        page.click(f"{BANNER} a[hreflang=en]")
    assert page.url == site + "/long?%E0%B8%AB%E0%B8%99%E0%B9%89%E0%B8%B2=2"
    assert page.locator(BANNER).get_attribute("lang") == "en"
    page.reload()
    assert page.locator("#consentkit-accept-all").inner_text() == "Accept all"
    assert "consentkit_lang" in cookie_names(page)
    assert "consentkit" not in cookie_names(page)  # choosing a language is not consent
    page.context.close()


def test_escape_and_scrolling_are_not_consent(browser: Any, site: str) -> None:
    page = open_page(browser, site + "/long")
    page.focus("#consentkit-accept-all")
    page.keyboard.press("Escape")
    page.mouse.wheel(0, 3000)
    page.keyboard.press("End")
    assert page.locator(BANNER).is_visible()
    assert "consentkit" not in cookie_names(page)
    page.reload()
    assert page.locator(BANNER).is_visible()
    page.context.close()


def test_keyboard_alone_can_refuse(browser: Any, site: str) -> None:
    page = open_page(browser, site + "/")
    page.keyboard.press("Tab")
    assert page.evaluate(
        "document.getElementById('consentkit-banner').contains(document.activeElement)"
    )
    for _ in range(20):
        if page.evaluate("document.activeElement.id") == "consentkit-reject-all":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "consentkit-reject-all"
    page.keyboard.press("Enter")
    page.wait_for_selector(BANNER, state="hidden")
    assert "consentkit" in cookie_names(page)
    assert page.request.get(site + "/_consent").json()["granted"] == ["necessary"]
    page.context.close()


@pytest.mark.parametrize(
    "viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 800}]
)
def test_banner_never_hides_the_focused_element(
    browser: Any, site: str, javascript: bool, viewport: dict[str, int]
) -> None:
    page = open_page(browser, site + "/long", js=javascript, viewport=viewport)
    page.wait_for_timeout(300)  # the banner's entrance animation
    hidden = []
    for _ in range(70):
        page.keyboard.press("Tab")
        covered = page.evaluate(
            """() => {
              const banner = document.getElementById('consentkit-banner');
              const el = document.activeElement;
              if (!el || el === document.body || banner.contains(el)) return null;
              const r = el.getBoundingClientRect(), b = banner.getBoundingClientRect();
              const visibleBottom = Math.min(r.bottom, b.top, window.innerHeight);
              const visibleTop = Math.max(r.top, 0);
              return visibleBottom > visibleTop ? null : el.textContent.trim();
            }"""
        )
        if covered:
            hidden.append(covered)
    assert hidden == []
    page.context.close()


def test_strict_csp_blocks_nothing(browser: Any, site: str) -> None:
    context = browser.new_context(locale="th-TH")
    context.add_init_script(
        "window.cspViolations = [];"
        "document.addEventListener('securitypolicyviolation', e => "
        "window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page = context.new_page()
    page.goto(site + "/csp")
    banner = page.locator(BANNER)
    assert banner.evaluate("el => getComputedStyle(el).position") == "fixed"  # the CSS loaded
    tick(page, "analytics")
    choose(page, "#consentkit-save", True)
    wait_for_markers(page, "analytics")
    assert markers(page) == {"analytics": "1", "marketing": None, "both": None}
    page.reload()
    wait_for_markers(page, "analytics")
    assert markers(page) == {"analytics": "1", "marketing": None, "both": None}
    assert page.evaluate("window.cspViolations") == []
    context.close()


def _consent_commands(page: Any) -> list[list[Any]]:
    return page.evaluate(
        "(window.dataLayer || []).filter(a => a[0] === 'consent').map(a => Array.from(a))"
    )


def test_google_consent_mode(browser: Any, site: str) -> None:
    page = open_page(browser, site + "/")
    commands = _consent_commands(page)
    assert commands[0][:2] == ["consent", "default"]
    default = commands[0][2]
    assert default.pop("wait_for_update") > 0
    assert set(default.values()) == {"denied"}
    assert {"analytics_storage", "ad_storage", "ad_user_data", "ad_personalization"} <= set(default)
    tick(page, "analytics")
    choose(page, "#consentkit-save", True)
    update = _consent_commands(page)[-1]
    assert update[:2] == ["consent", "update"]
    assert update[2]["analytics_storage"] == "granted"
    assert update[2]["ad_storage"] == update[2]["ad_user_data"] == "denied"
    # The gated Google tag ran after the default was queued.
    page.wait_for_function("() => document.documentElement.hasAttribute('data-gtag-first-consent')")
    assert page.locator("html").get_attribute("data-gtag-first-consent") == "default"
    page.reload()
    page.wait_for_function("() => document.documentElement.hasAttribute('data-gtag-first-consent')")
    commands = _consent_commands(page)
    assert [c[1] for c in commands][:2] == ["default", "update"]
    assert commands[1][2]["analytics_storage"] == "granted"
    assert page.locator("html").get_attribute("data-gtag-first-consent") == "default"
    page.context.close()
