"""Small helpers the browser tests share: opening a page, choosing, reading cookies."""

from __future__ import annotations

from typing import Any

BANNER = "#consentkit-banner"


def open_page(browser: Any, url: str, *, locale: str = "th-TH", js: bool = True, **kw: Any) -> Any:
    """A fresh browser context (no cookies) and a page at ``url``."""
    context = browser.new_context(locale=locale, java_script_enabled=js, **kw)
    page = context.new_page()
    page.goto(url)
    return page


def cookie_names(page: Any) -> set[str]:
    """Names of the cookies the browser holds for the page's site."""
    return {cookie["name"] for cookie in page.context.cookies()}


def tick(page: Any, *categories: str) -> None:
    """Open the banner's "choose what to allow" disclosure, as a visitor would (a click on its
    summary), and tick ``categories``."""
    if not page.locator(f"{BANNER} details").evaluate("el => el.open"):
        page.click(f"{BANNER} summary")
    for name in categories:
        page.check(f"#consentkit-category-{name}")


def choose(page: Any, selector: str, js: bool) -> None:
    """Click a banner button: with JavaScript the banner goes away without a reload; without,
    the form posts and the browser follows the redirect back."""
    if js:
        page.click(selector)
        page.wait_for_selector(BANNER, state="hidden")
    else:
        with page.expect_navigation():
            page.click(selector)


def markers(page: Any) -> dict[str, str | None]:
    """How many times each data-consent script ran (``None``: never)."""
    html = page.locator("html")
    return {
        name: html.get_attribute(f"data-{name}-ran") for name in ("analytics", "marketing", "both")
    }


def wait_for_markers(page: Any, *names: str) -> None:
    """Wait until the data-consent scripts of ``names`` have run (granted scripts run in
    document order, an external one loaded before the next starts)."""
    for name in names:
        page.wait_for_function(f"() => document.documentElement.hasAttribute('data-{name}-ran')")
