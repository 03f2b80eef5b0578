"""The banner and preferences templates: the contract markup, escaping, the CSP nonce, cached
rendering, overriding one block from an app's own template folder, and the footer helpers."""

from __future__ import annotations

import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from consentkit import ConsentWSGIMiddleware
from consentkit.banner import BannerRenderer
from consentkit.consent import Consent
from consentkit.links import consent_mode_tag, preferences_link
from consentkit.options import Settings

KEY = "กุญแจทดสอบแม่แบบ-template-key-0123456789"
UPDATED = datetime.date(2026, 11, 1)


def renderer(**options: Any) -> BannerRenderer:
    options.setdefault("policy_url", "/นโยบาย")
    options.setdefault("policy_updated", UPDATED)
    return BannerRenderer(Settings.from_options(secret_key=KEY, **options))


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text, of an HTML fragment."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(data.strip())

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]


def test_banner_contract_markup() -> None:
    html = renderer().banner("th", "", "/", None).decode()
    page = Elements(html)
    (root,) = page.find("section", id="consentkit-banner")
    assert root["lang"] == "th"
    (form,) = page.find("form")
    assert form["method"] == "post" and form["action"] == "/_consent"
    (accept,) = page.find("button", id="consentkit-accept-all")
    (reject,) = page.find("button", id="consentkit-reject-all")
    assert (accept["type"], accept["name"], accept["value"]) == ("submit", "choice", "accept_all")
    assert (reject["type"], reject["name"], reject["value"]) == ("submit", "choice", "reject_all")
    assert accept["class"] == reject["class"]  # same element, same class, same prominence
    (save,) = page.find("button", value="save")
    assert (save["type"], save["name"]) == ("submit", "choice")
    boxes = page.find("input", type="checkbox")
    assert [b["value"] for b in boxes] == ["functional", "analytics", "location", "marketing"]
    assert all(b["name"] == "categories" and "checked" not in b for b in boxes)
    hrefs = [a["href"] for a in page.find("a")]
    assert "/_consent/preferences?next=/" in hrefs
    assert "/นโยบาย" in hrefs
    assert "ปรับปรุงนโยบายล่าสุดเมื่อ 1 พฤศจิกายน พ.ศ. 2569" in page.text
    assert "ยอมรับทั้งหมด" in page.text and "ปฏิเสธทั้งหมด" in page.text


def test_english_banner_and_language_switch() -> None:
    html = renderer().banner("en", "/app", "/app/ร้าน?x=1&y=2", None).decode()
    page = Elements(html)
    assert page.find("section", id="consentkit-banner")[0]["lang"] == "en"
    assert "Accept all" in page.text and "Policy last updated November 1, 2026" in page.text
    (switch,) = page.find("a", hreflang="th")
    assert switch["href"] == (
        "/app/_consent/language?locale=th&next=/app/%E0%B8%A3%E0%B9%89%E0%B8%B2%E0%B8%99"
        "%3Fx%3D1%26y%3D2"
    )
    assert page.find("input", name="next")[0]["value"] == "/app/ร้าน?x=1&y=2"
    assert page.find("form")[0]["action"] == "/app/_consent"


def test_no_policy_link_without_a_policy_url() -> None:
    page = Elements(
        renderer(policy_url=None, policy_updated=None).banner("en", "", "/", None).decode()
    )
    assert page.find("a", id="consentkit-policy-link") == []
    assert not any("last updated" in t for t in page.text)


def test_request_values_are_escaped() -> None:
    evil = '/"><script>alert(1)</script>'
    html = renderer().banner("en", "", evil, 'n"onload="x').decode()
    assert "<script>alert(1)" not in html
    assert 'onload="x' not in html
    page = Elements(html)
    assert page.find("input", name="next")[0]["value"] == evil
    assert {s["nonce"] for s in page.find("script")} == {'n"onload="x'}


def test_nonce_goes_on_every_injected_tag() -> None:
    r = renderer()
    page = Elements(r.banner("th", "", "/", "abc123").decode())
    assert [t["nonce"] for t in page.find("link")] == ["abc123"]
    assert [t["nonce"] for t in page.find("script")] == ["abc123"]
    without = Elements(r.banner("th", "", "/", None).decode())
    assert all("nonce" not in attrs for _, attrs in without.tags)
    loader = Elements(r.loader("", ["analytics", "marketing"], "abc123").decode())
    (script,) = loader.find("script")
    assert script["nonce"] == "abc123"
    assert script["data-consentkit-granted"] == "analytics marketing"
    assert script["src"] == r.static_url("consentkit.js")


def test_banner_is_rendered_once_per_locale_and_root_path(monkeypatch: pytest.MonkeyPatch) -> None:
    r = renderer()
    r.banner("th", "", "/a", None)

    def no_rendering(*args: object, **kwargs: object) -> None:
        raise AssertionError("the hot path rendered a template")

    monkeypatch.setattr(r.environment, "get_template", no_rendering)
    second = r.banner("th", "", "/b", "n")
    assert b'value="/b"' in second and b'nonce="n"' in second


def test_overriding_one_block(tmp_path: Path) -> None:
    folder = tmp_path / "consentkit"
    folder.mkdir()
    (folder / "banner.html").write_text(
        '{% extends "consentkit/banner.html" %}'
        '{% block intro %}<p id="consentkit-intro">ร้านของเราใช้คุกกี้อย่างโปร่งใส</p>{% endblock %}',
        "utf-8",
    )
    html = renderer(template_dirs=[tmp_path]).banner("th", "", "/", None).decode()
    assert "ร้านของเราใช้คุกกี้อย่างโปร่งใส" in html
    assert "หากคุณอนุญาต" not in html  # the built-in intro is gone
    page = Elements(html)
    assert page.find("button", id="consentkit-accept-all")  # every other block is kept
    assert page.find("button", id="consentkit-reject-all")
    assert len(page.find("input", type="checkbox")) == 4


def test_a_broken_override_fails_at_start_up(tmp_path: Path) -> None:
    folder = tmp_path / "consentkit"
    folder.mkdir()
    (folder / "banner.html").write_text("{% block intro %}{{ nonexistent.thing }}", "utf-8")
    with pytest.raises(ValueError, match=r"banner\.html does not render"):
        renderer(template_dirs=[tmp_path])


def _consent(decided: bool, granted: set[str], gpc: bool = False) -> Consent:
    return Consent(
        decided=decided,
        granted=frozenset(granted),
        required=frozenset({"necessary"}),
        gpc=gpc,
        policy_version="1",
        decided_at=datetime.datetime(2026, 11, 20, 8, 0, tzinfo=datetime.timezone.utc)
        if decided
        else None,
    )


def test_preferences_page_lists_every_category_and_its_cookies() -> None:
    html = (
        renderer(contact="privacy@example.co.th")
        .preferences_page("th", "", _consent(True, {"analytics"}), "/สินค้า")
        .decode()
    )
    page = Elements(html)
    assert page.find("html")[0]["lang"] == "th"
    for label in (
        "คุกกี้ที่จำเป็น",
        "คุกกี้เพื่อการใช้งาน",
        "คุกกี้เพื่อการวิเคราะห์",
        "ที่อยู่ IP และตำแหน่งที่ตั้ง",
        "คุกกี้เพื่อการตลาด",
    ):
        assert label in page.text
    for cookie in ("consentkit", "consentkit_lang", "_ga", "_gid", "_fbp"):
        assert cookie in page.text
    assert "2 ปี" in page.text and "6 เดือน" in page.text
    checked = {b["value"]: "checked" in b for b in page.find("input", type="checkbox")}
    assert checked == {
        "functional": False,
        "analytics": True,
        "location": False,
        "marketing": False,
    }
    assert "บันทึกการตั้งค่าปัจจุบันของคุณไว้เมื่อ 20 พฤศจิกายน พ.ศ. 2569" in page.text
    assert page.find("a", href="mailto:privacy@example.co.th")
    assert page.find("a", id="consentkit-back")[0]["href"] == "/สินค้า"
    for value in ("save", "accept_all", "reject_all"):
        assert page.find("button", value=value)


def test_preferences_page_before_a_choice_and_with_gpc() -> None:
    r = renderer()
    undecided = Elements(r.preferences_page("en", "", _consent(False, set()), "/").decode())
    assert all("checked" not in b for b in undecided.find("input", type="checkbox"))
    assert "You have not made a choice yet: nothing optional is on." in undecided.text
    gpc = Elements(r.preferences_page("en", "", _consent(True, set(), gpc=True), "/").decode())
    assert any("Global Privacy Control" in t for t in gpc.text)


def _footer_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    body = f"<html><body><footer>{preferences_link(environ)}</footer>"
    body += f"<head>{consent_mode_tag(environ, nonce='n0')}</head></body></html>"
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    return [body.encode()]


def test_footer_link_and_consent_mode_tag_for_a_request() -> None:
    client = Client(ConsentWSGIMiddleware(_footer_app, secret_key=KEY))
    th = Elements(client.get("/ร้าน?a=1", headers={"Accept-Language": "th-TH"}).text)
    (link,) = th.find("a")
    assert (
        link["href"] == "/_consent/preferences?next=/%E0%B8%A3%E0%B9%89%E0%B8%B2%E0%B8%99%3Fa%3D1"
    )
    assert link["lang"] == "th" and "ตั้งค่าคุกกี้" in th.text
    (tag,) = th.find("script")
    assert "data-consentkit-head" in tag and tag["data-consentkit-granted"] == ""
    assert tag["nonce"] == "n0"
    response = client.post(
        "/_consent", data={"choice": "accept_all"}, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert response.status_code == 303
    en = Elements(client.get("/", headers={"Accept-Language": "en"}).text)
    assert "Cookie settings" in en.text
    granted = en.find("script")[0]["data-consentkit-granted"]
    assert granted == "functional analytics location marketing"


def test_helpers_need_the_middleware() -> None:
    with pytest.raises(RuntimeError, match="ConsentWSGIMiddleware"):
        preferences_link({})
