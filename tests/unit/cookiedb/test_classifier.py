"""Classification order and the ``unknown_cookies`` option, through a real middleware."""

from __future__ import annotations

import logging

import pytest

from consentkit import Category, ConsentMiddleware
from consentkit.categories import DEFAULT_CATEGORIES
from consentkit.cookiedb import classify_cookies, inventory_of
from consentkit.cookiedb.classifier import BLOCKED, CookieClassifier

from ...support.apps import OPTIONS, asgi_app
from ...support.harness import AsgiClient


def test_category_names_and_patterns_win_over_the_database() -> None:
    categories = (*DEFAULT_CATEGORIES[:3], Category("stats", cookies=("_clck", "_pk_*")))
    found = classify_cookies(["_clck", "_pk_id.1.abcd", "_uetsid"], categories)
    assert [(c.source, c.category) for c in found] == [
        ("category", "stats"),
        ("category", "stats"),
        ("unknown", None),  # the database says marketing, and this site has none
    ]
    assert found[2].suggested == "marketing" and found[2].provider == "Microsoft"


def test_the_database_maps_categories() -> None:
    found = {c.name: c for c in classify_cookies(["_clck", "_ttp", "cookiePreferences"])}
    assert found["_clck"].category == "analytics" and found["_clck"].gated
    assert found["_ttp"].category == "marketing" and found["_ttp"].gated
    # Functional in the database: shown as necessary, never gated.
    assert found["cookiePreferences"].category == "necessary"
    assert not found["cookiePreferences"].gated
    assert found["_clck"].purpose and found["_clck"].retention


def test_without_the_database_a_tracker_is_unknown() -> None:
    [found] = classify_cookies(["_clck"], cookie_database=False)
    assert (found.source, found.category, found.provider) == ("unknown", None, None)


def test_consentkits_own_cookies_are_never_blocked() -> None:
    own = ("consentkit", "__Host-consentkit", "consentkit_lang")
    classifier = CookieClassifier(DEFAULT_CATEGORIES, unknown="block", own_cookies=own)
    for name in own:
        assert classifier.category_of(name) is None
    assert classifier.category_of("ตะกร้า") is BLOCKED


def test_unknown_cookies_is_checked_at_start_up() -> None:
    with pytest.raises(ValueError, match='unknown_cookies must be "allow" or "block"'):
        ConsentMiddleware(asgi_app, **OPTIONS, unknown_cookies="drop")


def _site(**options: object) -> AsgiClient:
    return AsgiClient(ConsentMiddleware(asgi_app, **{**OPTIONS, **options}))


UNKNOWN_SET = "/trackers"  # sets sessionid and csrftoken too


def test_block_removes_unknown_cookies_for_every_visitor() -> None:
    client = _site(unknown_cookies="block", cookie_database=False)
    response = client.request("GET", UNKNOWN_SET)
    names = {v.split("=", 1)[0] for v in response.all("set-cookie")}
    assert names == {"sessionid", "csrftoken"}
    sent = client.request(
        "GET",
        "/plain-json",
        headers=[("Cookie", "cart_xyz=ตะกร้า; sessionid=2".encode().decode("latin-1"))],
    )
    expired = {v.split("=", 1)[0] for v in sent.all("set-cookie") if "Max-Age=0" in v}
    assert "cart_xyz" in expired and "sessionid" not in expired


def test_allow_keeps_unknown_cookies_and_logs_each_name_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = _site(cookie_database=False)
    with caplog.at_level(logging.WARNING, logger="consentkit"):
        for _ in range(3):
            response = client.request("GET", UNKNOWN_SET)
            assert len(response.all("set-cookie")) == 7
    messages = [r.getMessage() for r in caplog.records if "_clck" in r.getMessage()]
    assert len(messages) == 1, messages
    assert "Category('analytics', cookies=(..., '_clck'))" in messages[0]
    assert not [r for r in caplog.records if "'sessionid'" in r.getMessage()]


def test_the_inventory_holds_what_the_app_set() -> None:
    middleware = ConsentMiddleware(asgi_app, **OPTIONS)
    client = AsgiClient(middleware)
    client.request("GET", "/trackers")
    client.request("GET", "/plain-json", headers=[("Cookie", "_ttp=1; made_up=2")])
    found = {c.name: c for c in inventory_of(middleware)}
    assert list(found) == [
        "_clck", "_uetsid", "_ttp", "hubspotutk", "_pk_id.1.abcd", "sessionid", "csrftoken"
    ]  # fmt: skip
    assert found["hubspotutk"].provider == "HubSpot" and found["sessionid"].source == "framework"
