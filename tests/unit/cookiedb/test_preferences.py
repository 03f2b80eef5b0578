"""The preferences page's list of the cookies the site was seen setting."""

from __future__ import annotations

from consentkit.banner import BannerRenderer
from consentkit.consent import Consent
from consentkit.cookiedb import classify_cookies
from consentkit.options import Settings

KEY = "กุญแจหน้าตั้งค่าคุกกี้-0123456789abcdef"
UNDECIDED = Consent(
    decided=False,
    granted=frozenset(),
    required=frozenset({"necessary"}),
    gpc=False,
    policy_version="1",
)


def _page(locale: str, names: list[str]) -> str:
    renderer = BannerRenderer(Settings.from_options(secret_key=KEY))
    seen = classify_cookies(names)
    return renderer.preferences_page(locale, "", UNDECIDED, "/", seen=seen).decode()


def _section(page: str, category: str) -> str:
    start = page.index(f'id="consentkit-heading-{category}"')
    return page[start : page.index("</section>", start)]


def test_a_category_with_seen_cookies_does_not_claim_to_set_none() -> None:
    # Salesforce's sidebarPinned is Personalization (functional); cookiePreferences is
    # Functional in the database, so not gated: listed under necessary.
    page = _page("th", ["_clck", "cookiePreferences", "sidebarPinned"])
    functional = _section(page, "functional")
    assert "consentkit__nocookies" not in functional
    assert "<code>sidebarPinned</code>" in functional
    analytics = _section(page, "analytics")
    assert "<code>_clck</code>" in analytics and '<span lang="en">1 year</span>' in analytics
    necessary = _section(page, "necessary")
    assert "<code>cookiePreferences</code>" in necessary
    location = _section(_page("en", ["_clck"]), "location")
    assert "This category sets no cookies." in location


def test_names_a_category_declares_are_not_listed_twice() -> None:
    page = _page("en", ["_ga", "_ga_ABC123"])
    analytics = _section(page, "analytics")
    assert analytics.count("<code>_ga</code>") == 1  # the declared table only
    seen = analytics[analytics.index("consentkit-seen-analytics") :]
    assert "<code>_ga_ABC123</code>" in seen and "<code>_ga</code>" not in seen


def test_a_framework_cookie_is_described_in_the_visitors_language() -> None:
    necessary = _section(_page("th", ["sessionid"]), "necessary")
    assert "ช่วยให้คุณยังคงเข้าสู่ระบบอยู่" in necessary and "เว็บไซต์นี้" in necessary
    assert '<span lang="en">(Django (session))</span>' in necessary
    assert "Open Cookie Database" not in necessary  # no English from the database here


def test_no_seen_cookies_no_table() -> None:
    assert "consentkit__seen" not in _page("th", [])
