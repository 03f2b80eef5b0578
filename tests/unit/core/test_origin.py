"""Origin checks for a posted choice, the Referer's path, and the ``next`` path."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consentkit.core.origin import cross_site_reason, safe_next, same_site_referer_path
from consentkit.core.request import RequestFacts

Facts = Callable[..., RequestFacts]
HOST = "ร้านกาแฟ.example".encode("idna").decode("ascii")  # xn--12c1ctan9ec9hrc.example
ORIGIN_REFUSED = "cross-site request refused (Origin does not match Host)"
REFERER_REFUSED = "cross-site request refused (Referer does not match Host)"
THAI_PATH = "/เมนู/กาแฟเย็น"
THAI_PATH_ENCODED = (
    "/%E0%B9%80%E0%B8%A1%E0%B8%99%E0%B8%B9/"
    "%E0%B8%81%E0%B8%B2%E0%B9%81%E0%B8%9F%E0%B9%80%E0%B8%A2%E0%B9%87%E0%B8%99"
)


# -- cross_site_reason ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["same-origin", "none", " Same-Origin "])
def test_sec_fetch_site_same_origin_or_none(facts: Facts, value: str) -> None:
    request = facts("POST", host=HOST, sec_fetch_site=value, origin="https://evil.example")
    assert cross_site_reason(request, form=True) is None  # Sec-Fetch-Site is believed first


@pytest.mark.parametrize("value", ["cross-site", "same-site"])
def test_sec_fetch_site_cross_site(facts: Facts, value: str) -> None:
    request = facts("POST", host=HOST, sec_fetch_site=value, origin=f"http://{HOST}")
    assert (
        cross_site_reason(request, form=True)
        == f"cross-site request refused (Sec-Fetch-Site: {value})"
    )


def test_sec_fetch_site_is_quoted_at_most_40_characters(facts: Facts) -> None:
    request = facts("POST", sec_fetch_site="ข้ามไซต์" * 10)
    assert cross_site_reason(request, form=True) == (
        f"cross-site request refused (Sec-Fetch-Site: {('ข้ามไซต์' * 10)[:40]})"
    )


@pytest.mark.parametrize(
    ("scheme", "host", "origin"),
    [
        pytest.param("http", HOST, f"http://{HOST}", id="plain"),
        pytest.param("http", HOST.upper(), f"http://{HOST}", id="case"),
        pytest.param("http", f"{HOST}:80", f"http://{HOST}", id="default-port-in-host"),
        pytest.param("https", HOST, f"https://{HOST}:443", id="default-port-in-origin"),
        pytest.param("https", f"{HOST}:443", f"https://{HOST}", id="https-default-port"),
        pytest.param("http", f"{HOST}:8080", f"http://{HOST}:8080", id="same-other-port"),
        pytest.param("http", "[2001:db8::1]:80", "http://[2001:db8::1]", id="ipv6"),
    ],
)
def test_origin_matches_host(facts: Facts, scheme: str, host: str, origin: str) -> None:
    assert (
        cross_site_reason(facts("POST", scheme=scheme, host=host, origin=origin), form=True) is None
    )


@pytest.mark.parametrize(
    ("host", "origin"),
    [
        pytest.param(HOST, "https://evil.example", id="other-host"),
        pytest.param(HOST, f"http://{HOST}.evil.example", id="suffix"),
        pytest.param(f"{HOST}:8080", f"http://{HOST}:8081", id="other-port"),
        pytest.param(HOST, f"http://user@{HOST}", id="userinfo-in-origin"),
        pytest.param(f"user@{HOST}", f"http://user@{HOST}", id="userinfo-in-both"),
        pytest.param(HOST, "null", id="null"),
        pytest.param(HOST, HOST, id="no-scheme"),
        pytest.param("", "http://", id="no-host"),
    ],
)
def test_origin_mismatch(facts: Facts, host: str, origin: str) -> None:
    assert cross_site_reason(facts("POST", host=host, origin=origin), form=True) == ORIGIN_REFUSED


def test_origin_without_a_host_header(facts: Facts) -> None:
    assert cross_site_reason(facts("POST", origin=f"http://{HOST}"), form=True) == ORIGIN_REFUSED


def test_origin_is_checked_before_referer(facts: Facts) -> None:
    request = facts("POST", host=HOST, origin=f"http://{HOST}", referer="https://evil.example/")
    assert cross_site_reason(request, form=True) is None


def test_referer_match(facts: Facts) -> None:
    request = facts("POST", host=HOST, referer=f"http://{HOST}:80{THAI_PATH}?q=1")
    assert cross_site_reason(request, form=True) is None


@pytest.mark.parametrize(
    "referer",
    ["https://evil.example/เมนู", f"//{HOST}/", "/เมนู", f"https://a@{HOST}/", ""],
)
def test_referer_mismatch(facts: Facts, referer: str) -> None:
    assert (
        cross_site_reason(facts("POST", host=HOST, referer=referer), form=True) == REFERER_REFUSED
    )


def test_referer_without_a_host_header(facts: Facts) -> None:
    assert cross_site_reason(facts("POST", referer=f"http://{HOST}/"), form=True) == REFERER_REFUSED


def test_a_form_with_none_of_the_headers_is_refused(facts: Facts) -> None:
    """A browser always sends one of Sec-Fetch-Site, Origin and Referer with a form: a form
    POST with none of them (a forged cross-site form from a browser that sends none) is
    refused; a JSON one passes (no other site can send it without a CORS preflight)."""
    reason = cross_site_reason(facts("POST", host=HOST), form=True)
    assert reason is not None and "none of Sec-Fetch-Site, Origin and Referer" in reason
    assert cross_site_reason(facts("POST"), form=True) == reason
    assert cross_site_reason(facts("POST", host=HOST), form=False) is None


# -- same_site_referer_path ----------------------------------------------------------------


def test_same_site_referer_path(facts: Facts) -> None:
    request = facts(host=HOST, referer=f"https://{HOST}:443{THAI_PATH}?ขนาด=ใหญ่#ท้าย")
    assert same_site_referer_path(facts(host=HOST, referer=f"http://{HOST}/")) == "/"
    assert same_site_referer_path(request) == f"{THAI_PATH}?ขนาด=ใหญ่"


@pytest.mark.parametrize(
    ("host", "referer"),
    [
        pytest.param(HOST, "https://evil.example/เมนู", id="other-site"),
        pytest.param(HOST, "", id="empty"),
        pytest.param("", f"http://{HOST}/", id="no-host"),
        pytest.param(HOST, None, id="no-referer"),
    ],
)
def test_same_site_referer_path_elsewhere(facts: Facts, host: str, referer: str | None) -> None:
    headers = {"host": host} if referer is None else {"host": host, "referer": referer}
    assert same_site_referer_path(facts(**headers)) is None


# -- safe_next -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("/", "/", id="root"),
        pytest.param("/menu?q=1&n=2#top", "/menu?q=1&n=2#top", id="query-and-fragment"),
        pytest.param(THAI_PATH, THAI_PATH_ENCODED, id="thai-path"),
        pytest.param("/a%20b", "/a%20b", id="already-encoded"),
        pytest.param(
            "/ร้าน?ค้นหา=ชา",
            "/%E0%B8%A3%E0%B9%89%E0%B8%B2%E0%B8%99?"
            "%E0%B8%84%E0%B9%89%E0%B8%99%E0%B8%AB%E0%B8%B2=%E0%B8%8A%E0%B8%B2",
            id="thai-query",
        ),
        pytest.param('/"<x>', "/%22%3Cx%3E", id="markup-characters"),
        pytest.param("/x" * 1024, "/x" * 1024, id="2048-characters"),
    ],
)
def test_safe_next_keeps_a_path_on_the_site(value: str, expected: str) -> None:
    assert safe_next(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(None, id="none"),
        pytest.param("", id="empty"),
        pytest.param("//evil.example/", id="protocol-relative"),
        pytest.param("https://evil.example/", id="absolute"),
        pytest.param("javascript:alert(1)", id="javascript"),
        pytest.param("เมนู", id="relative"),
        pytest.param("/\\evil.example", id="backslash"),
        pytest.param("/\tevil", id="tab"),
        pytest.param("/a\r\nSet-Cookie: x=1", id="crlf"),
        pytest.param("/a b", id="space"),
        pytest.param("/\x00", id="nul"),
        pytest.param("/\x7f", id="del"),
        pytest.param("/" + "x" * 2048, id="over-2048"),
    ],
)
def test_safe_next_falls_back_to_the_root(value: str | None) -> None:
    assert safe_next(value) == "/"


def test_safe_next_fallback_has_the_root_path() -> None:
    assert safe_next("//evil.example", "/shop") == "/shop/"
    assert safe_next(None, "/shop") == "/shop/"
    assert safe_next("/shop/menu", "/shop") == "/shop/menu"  # a good path is left as it is


def test_safe_next_fallback_is_percent_encoded_too() -> None:
    assert safe_next("//evil.example", "/ร้าน") == "/%E0%B8%A3%E0%B9%89%E0%B8%B2%E0%B8%99/"
