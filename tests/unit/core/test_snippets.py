"""Snippets: the banner and the loader, remembered per key; a CSP nonce renders per request."""

from __future__ import annotations

import re
from collections.abc import Callable

from consentkit.categories import Category
from consentkit.core.engine import Engine
from consentkit.core.exchange import Exchange

MakeExchange = Callable[..., Exchange]


def next_field(banner: bytes) -> str:
    """The value of the banner form's hidden ``next`` field."""
    match = re.search(rb'<input type="hidden" name="next" value="([^"]*)">', banner)
    assert match is not None, banner[:200]
    return match.group(1).decode("utf-8")


def section_lang(banner: bytes) -> str:
    match = re.search(rb'<section id="consentkit-banner"[^>]* lang="([^"]+)"', banner)
    assert match is not None
    return match.group(1).decode("ascii")


# -- the banner ----------------------------------------------------------------------------


def test_the_same_key_gives_the_same_bytes_object(engine: Engine, exchange: MakeExchange) -> None:
    first = engine.snippets.banner(exchange(path="/เมนู", accept_language="th-TH"), None)
    second = engine.snippets.banner(exchange(path="/เมนู", accept_language="th-TH"), None)
    assert isinstance(first, bytes)
    assert second is first


def test_the_banner_differs_per_accept_language(engine: Engine, exchange: MakeExchange) -> None:
    thai = engine.snippets.banner(exchange(accept_language="th-TH,th;q=0.9"), None)
    english = engine.snippets.banner(exchange(accept_language="en-US,en;q=0.9"), None)
    assert (section_lang(thai), section_lang(english)) == ("th", "en")
    assert "คุกกี้".encode() in thai
    assert b"Cookies and your privacy" in english
    assert "คุกกี้".encode() not in english.split(b"<form", 1)[0]


def test_the_language_cookie_wins_over_accept_language(
    engine: Engine, exchange: MakeExchange
) -> None:
    x = exchange(cookie="consentkit_lang=en", accept_language="th-TH")
    assert section_lang(engine.snippets.banner(x, None)) == "en"


def test_without_accept_language_the_banner_is_in_the_default_locale(
    engine: Engine, exchange: MakeExchange
) -> None:
    assert section_lang(engine.snippets.banner(exchange(), None)) == "th"


def test_next_is_the_page_url(engine: Engine, exchange: MakeExchange) -> None:
    x = exchange(path="/เมนู/กาแฟ", root_path="/ร้าน", query="ขนาด=ใหญ่&n=2")
    banner = engine.snippets.banner(x, None)
    assert next_field(banner) == "/ร้าน/เมนู/กาแฟ?ขนาด=ใหญ่&amp;n=2"
    assert 'action="/ร้าน/_consent"'.encode() in banner


def test_each_page_gets_its_own_next(engine: Engine, exchange: MakeExchange) -> None:
    menu = engine.snippets.banner(exchange(path="/เมนู"), None)
    home = engine.snippets.banner(exchange(path="/"), None)
    assert (next_field(menu), next_field(home)) == ("/เมนู", "/")


def test_a_nonce_is_rendered_per_request(engine: Engine, exchange: MakeExchange) -> None:
    x = exchange(path="/เมนู")
    first = engine.snippets.banner(x, "bm9uY2Ux")
    second = engine.snippets.banner(x, "bm9uY2Uy")
    assert first.count(b' nonce="bm9uY2Ux"') == 2  # the stylesheet and the script
    assert second.count(b' nonce="bm9uY2Uy"') == 2
    assert b"bm9uY2Ux" not in second
    again = engine.snippets.banner(x, "bm9uY2Ux")
    assert again == first and again is not first  # rendered again, not remembered
    assert b"nonce=" not in engine.snippets.banner(x, None)


def test_a_banner_with_a_nonce_has_the_next_of_its_page(
    engine: Engine, exchange: MakeExchange
) -> None:
    banner = engine.snippets.banner(exchange(path="/ตะกร้า", accept_language="en"), "abc")
    assert next_field(banner) == "/ตะกร้า"
    assert section_lang(banner) == "en"


# -- the loader ----------------------------------------------------------------------------


def test_the_loader_lists_granted_categories_in_the_configured_order(engine: Engine) -> None:
    loader = engine.snippets.loader("", frozenset({"marketing", "location", "analytics"}), None)
    assert b'data-consentkit-granted="analytics location marketing"' in loader


def test_the_loader_follows_a_custom_order(make_engine: Callable[..., Engine]) -> None:
    engine = make_engine(
        categories=("necessary", "marketing", Category("delivery"), "analytics"),
    )
    loader = engine.snippets.loader("", frozenset({"analytics", "delivery", "marketing"}), None)
    assert b'data-consentkit-granted="marketing delivery analytics"' in loader


def test_the_loader_is_remembered_per_root_path_and_grants(engine: Engine) -> None:
    granted = frozenset({"analytics"})
    first = engine.snippets.loader("/ร้าน", granted, None)
    assert engine.snippets.loader("/ร้าน", frozenset({"analytics"}), None) is first
    script = engine.renderer.static_url("consentkit.js", "/ร้าน")
    assert first == (
        f'<script src="{script}" defer data-consentkit-granted="analytics"></script>'.encode()
    )
    assert script.startswith("/ร้าน/_consent/static/consentkit.")
    assert engine.snippets.loader("", granted, None) != first


def test_the_loader_with_a_nonce(engine: Engine) -> None:
    loader = engine.snippets.loader("", frozenset({"analytics"}), "bm9uY2U=")
    assert loader.endswith(b' data-consentkit-granted="analytics" nonce="bm9uY2U="></script>')
    assert engine.snippets.loader("", frozenset({"analytics"}), "bm9uY2U=") is not loader
