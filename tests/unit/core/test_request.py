"""RequestFacts: the request as an adapter hands it down (headers read through a key table,
the page's URL, partial requests, and whether the visitor's connection is HTTPS)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import pytest

from consentkit.core.request import REQUEST_HEADERS, RequestFacts

Facts = Callable[..., RequestFacts]
PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("2001:db8:ffff::/48"))
PROXY = "10.1.2.3"
PEER = "203.0.113.77"
THAI_HOST = "ร้านกาแฟ.example".encode("idna").decode("ascii")  # xn--12c1ctan9ec9hrc.example


def wsgi_facts(environ: dict[str, str]) -> RequestFacts:
    """Facts over a WSGI-style environ, read through a WSGI-style key table."""
    keys = {name: "HTTP_" + name.upper().replace("-", "_") for name in REQUEST_HEADERS}
    keys["content-type"], keys["content-length"] = "CONTENT_TYPE", "CONTENT_LENGTH"
    return RequestFacts("GET", "", "/", "", "http", PEER, environ, keys)


# -- header() ------------------------------------------------------------------------------


def test_header_reads_through_the_key_table() -> None:
    request = wsgi_facts({"HTTP_HOST": THAI_HOST, "CONTENT_TYPE": "text/html", "host": "wrong"})
    assert request.header("host") == THAI_HOST
    assert request.header("content-type") == "text/html"
    assert request.header("accept-language") is None


def test_header_decodes_bytes_as_latin_1(facts: Facts) -> None:
    thai = "ภาษาไทย".encode()
    request = facts(referer=b"https://" + THAI_HOST.encode() + b"/" + thai)
    value = request.header("referer")
    assert value == "https://" + THAI_HOST + "/" + thai.decode("latin-1")
    assert value.encode("latin-1").decode("utf-8").endswith("/ภาษาไทย")  # type: ignore[union-attr]


def test_header_returns_a_str_as_it_is(facts: Facts) -> None:
    value = "th-TH,th;q=0.9,en;q=0.5"
    request = facts(accept_language=value)
    assert request.header("accept-language") is value


def test_header_is_none_when_absent(facts: Facts) -> None:
    request = facts(host=THAI_HOST)
    assert request.header("origin") is None
    assert request.header("x-forwarded-proto") is None


def test_header_of_a_name_outside_the_key_table_is_a_key_error(facts: Facts) -> None:
    with pytest.raises(KeyError):
        facts().header("user-agent")


# -- url -----------------------------------------------------------------------------------


def test_url_with_root_path_and_query(facts: Facts) -> None:
    request = facts(path="/เมนู/กาแฟ", root_path="/ร้าน", query="ขนาด=ใหญ่&n=2")
    assert request.url == "/ร้าน/เมนู/กาแฟ?ขนาด=ใหญ่&n=2"


def test_url_without_query_has_no_question_mark(facts: Facts) -> None:
    assert facts(path="/เมนู", root_path="/ร้าน").url == "/ร้าน/เมนู"


def test_url_without_root_path(facts: Facts) -> None:
    assert facts(path="/เมนู", query="q=1").url == "/เมนู?q=1"
    assert facts(path="/").url == "/"


# -- is_partial, cookie, gpc ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param({}, False, id="whole-page"),
        pytest.param({"hx_request": "true"}, True, id="htmx"),
        pytest.param({"hx_request": b""}, True, id="htmx-empty-value"),
        pytest.param({"turbo_frame": "ตะกร้า"}, True, id="turbo-frame"),
        pytest.param({"accept": "text/html"}, False, id="other-header"),
    ],
)
def test_is_partial(facts: Facts, headers: dict[str, str | bytes], expected: bool) -> None:
    assert facts(**headers).is_partial is expected


def test_cookie_and_gpc_are_taken_out_as_given(facts: Facts) -> None:
    cookie = "ตะกร้า=กาแฟ".encode() + b"; consentkit_lang=th"
    request = facts(cookie=cookie, sec_gpc=b"1")
    assert request.cookie is cookie
    assert request.gpc == b"1"
    as_str = facts(cookie="a=1", sec_gpc=" 1 ")
    assert (as_str.cookie, as_str.gpc) == ("a=1", " 1 ")


def test_cookie_and_gpc_are_none_when_absent(facts: Facts) -> None:
    request = facts()
    assert (request.cookie, request.gpc) == (None, None)


def test_the_facts_are_kept_as_given(facts: Facts) -> None:
    request = facts("POST", "/_consent", root_path="/ร้าน", query="x=1", scheme="https", peer=None)
    assert (request.method, request.path, request.root_path, request.query) == (
        "POST",
        "/_consent",
        "/ร้าน",
        "x=1",
    )
    assert (request.scheme, request.peer) == ("https", None)


# -- is_secure ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "expected"),
    [("https", True), ("wss", True), ("http", False), ("ws", False)],
)
def test_is_secure_from_the_servers_scheme(facts: Facts, scheme: str, expected: bool) -> None:
    assert facts(scheme=scheme).is_secure(()) is expected
    assert facts(scheme=scheme, peer=PROXY).is_secure(PROXIES) is expected


@pytest.mark.parametrize(
    ("proto", "expected"),
    [
        pytest.param("https", True, id="https"),
        pytest.param(b"https", True, id="bytes"),
        pytest.param(" HTTPS ", True, id="case-and-spaces"),
        pytest.param("http", False, id="http"),
        pytest.param("http, https", True, id="rightmost-https"),
        pytest.param("https, http", False, id="rightmost-http"),
        pytest.param("", False, id="empty"),
    ],
)
def test_x_forwarded_proto_from_a_trusted_proxy(
    facts: Facts, proto: str | bytes, expected: bool
) -> None:
    request = facts(peer=PROXY, x_forwarded_proto=proto)
    assert request.is_secure(PROXIES) is expected


def test_x_forwarded_proto_from_a_trusted_ipv6_proxy(facts: Facts) -> None:
    request = facts(peer="[2001:db8:ffff::9]:443", x_forwarded_proto="https")
    assert request.is_secure(PROXIES) is True


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        pytest.param("for=198.51.100.7;proto=https", True, id="one-element"),
        pytest.param('for="198.51.100.7";proto="https"', True, id="quoted"),
        pytest.param("For=198.51.100.7;Proto=HTTPS", True, id="case"),
        pytest.param("proto=http, for=198.51.100.7;proto=https", True, id="last-https"),
        pytest.param("proto=https, for=198.51.100.7;proto=http", False, id="last-http"),
        pytest.param("proto=https, for=198.51.100.7", False, id="last-without-proto"),
        pytest.param("for=198.51.100.7", False, id="no-proto"),
    ],
)
def test_forwarded_proto_last_element(facts: Facts, forwarded: str, expected: bool) -> None:
    request = facts(peer=PROXY, forwarded=forwarded)
    assert request.is_secure(PROXIES) is expected


def test_x_forwarded_proto_wins_over_forwarded(facts: Facts) -> None:
    request = facts(peer=PROXY, x_forwarded_proto="http", forwarded="proto=https")
    assert request.is_secure(PROXIES) is False


@pytest.mark.parametrize(
    "peer",
    [
        pytest.param("203.0.113.77", id="untrusted"),
        pytest.param("11.0.0.1", id="next-to-the-network"),
        pytest.param("unknown", id="not-an-address"),
        pytest.param(None, id="no-peer"),
    ],
)
def test_an_untrusted_peer_is_not_believed(facts: Facts, peer: str | None) -> None:
    for headers in ({"x_forwarded_proto": "https"}, {"forwarded": "proto=https"}):
        assert facts(peer=peer, **headers).is_secure(PROXIES) is False


def test_no_proxies_configured_ignores_the_headers(facts: Facts) -> None:
    request = facts(peer=PROXY, x_forwarded_proto="https", forwarded="proto=https")
    assert request.is_secure(()) is False
    assert request.is_secure(PROXIES) is True  # the same request, believed through a proxy
