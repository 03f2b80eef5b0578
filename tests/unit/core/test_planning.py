"""HeaderScan (one pass over the app's headers) and the Planner (what to change in the app's
response: gated cookies, the snippet, Vary and the framing)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consentkit.categories import Category
from consentkit.core.engine import Engine
from consentkit.core.exchange import Exchange
from consentkit.core.planning import HeaderScan, ResponsePlan, scan_headers

MakeExchange = Callable[..., Exchange]
Cookie = Callable[..., str]
Header = tuple[bytes, bytes]

HTML: Header = (b"content-type", b"text/html; charset=utf-8")
JSON: Header = (b"content-type", b"application/json")
PAGE = "<!DOCTYPE html><html><body><h1>สวัสดีครับ</h1><p>ร้านกาแฟริมน้ำ</p></body></html>".encode()
LENGTH: Header = (b"content-length", b"%d" % len(PAGE))
VARY_BANNER: Header = (b"vary", b"Cookie, Accept-Language")
VARY_COOKIE: Header = (b"vary", b"Cookie")
BASKET: Header = (b"set-cookie", "basket=ตะกร้า; Path=/; HttpOnly".encode())


def expired(name: str) -> Header:
    """The host-only expiry of a cookie over HTTP (the test requests have no Host)."""
    value = f"{name}=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax"
    return (b"set-cookie", value.encode())


def scanned(headers: list[Header]) -> HeaderScan:
    found = scan_headers(headers)
    assert found is not None
    return found


def planned(engine: Engine, x: Exchange, status: int, headers: list[Header]) -> ResponsePlan:
    plan = engine.plan(x, status, headers)
    assert plan is not None
    return plan


def with_snippet(snippet: bytes) -> bytes:
    index = PAGE.index(b"</body>")
    return PAGE[:index] + snippet + PAGE[index:]


# -- HeaderScan ----------------------------------------------------------------------------


def test_scan_positions() -> None:
    scan = scanned(
        [
            (b"Content-Type", b"text/html; charset=utf-8"),
            (b"Set-Cookie", b"a=1"),
            (b"Content-Length", b"120"),
            (b"ETag", b'"v1"'),
            (b"x-other", b"1"),
            (b"set-cookie", b"b=2"),
            (b"Vary", b"Accept-Encoding"),
            (b"vary", b"Origin"),
        ]
    )
    assert list(scan.cookie_at) == [1, 5]
    assert scan.length_at == 2
    assert scan.etag_at == 3
    assert scan.vary_at == 7  # the last one
    assert (scan.is_html, scan.encoded, scan.repeated_framing, scan.csp) == (
        True,
        False,
        False,
        None,
    )


def test_scan_of_no_headers() -> None:
    assert scan_headers([]) is None  # neither a page nor a cookie: nothing to plan
    assert scan_headers([(b"content-type", b"application/json")]) is None
    cookie = scanned([(b"content-type", b"application/json"), (b"set-cookie", b"a=1")])
    assert (cookie.is_html, list(cookie.cookie_at)) == (False, [1])


def test_scan_of_a_page_without_framing() -> None:
    scan = scanned([HTML])
    assert (scan.length_at, scan.etag_at, scan.vary_at) == (-1, -1, -1)
    assert (scan.encoded, scan.repeated_framing) == (False, False)
    assert scan.nonce() is None


SCANNED_FORMS = [
    [("Content-Type", "application/json"), ("Content-Length", "2")],
    [
        ("Content-Type", "text/html; charset=utf-8"),
        ("ETag", 'W/"หน้าแรก"'.encode().decode("latin-1")),
        ("Vary", "Origin"),
    ],
    [("X-Frame-Options", "DENY"), ("Set-Cookie", "basket=1"), ("set-cookie", "theme=dark")],
    [("Content-Type", "TEXT/HTML"), ("ETag", '"v1"'), ("Content-Length", "10"), ("etag", '"v2"')],
    [("content-type", "text/html"), ("Content-Encoding", " Identity "), ("Content-Length", "x")],
    [("Content-Type", "text/html"), ("Content-Encoding", "br")],
    [("Content-Type", "text/html"), ("Content-Security-Policy", "script-src 'nonce-ab12+/='")],
]


@pytest.mark.parametrize("text_headers", SCANNED_FORMS)
def test_scan_reads_pep_3333_text_as_it_reads_bytes(text_headers: list[tuple[str, str]]) -> None:
    as_bytes = [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in text_headers]
    found, expected = scan_headers(text_headers, True), scan_headers(as_bytes)
    if expected is None:
        assert found is None
        return
    assert found is not None
    fields = [s for s in HeaderScan.__slots__ if s != "csp"]
    assert [getattr(found, f) for f in fields] == [getattr(expected, f) for f in fields]
    assert found.nonce() == expected.nonce()


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        (b"text/html", True),
        (b"TEXT/HTML; charset=UTF-8", True),
        (b"application/xhtml+xml", False),
        (b"text/plain", False),
        (b"application/json", False),
    ],
)
def test_scan_is_html(content_type: bytes, expected: bool) -> None:
    found = scan_headers([(b"content-type", content_type), (b"set-cookie", b"a=1")])
    assert found is not None and found.is_html is expected


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [(b"gzip", True), (b"br", True), (b" Identity ", False), (b"", False)],
)
def test_scan_encoded(encoding: bytes, expected: bool) -> None:
    assert scanned([HTML, (b"content-encoding", encoding)]).encoded is expected


@pytest.mark.parametrize(
    ("headers", "repeated"),
    [
        pytest.param(
            [(b"content-length", b"10"), (b"content-length", b"10")], True, id="repeated-length"
        ),
        pytest.param([(b"content-length", b"1O")], False, id="non-digit-length"),
        pytest.param([(b"content-length", b"-1")], False, id="negative-length"),
        pytest.param([(b"content-length", b"")], False, id="empty-length"),
        pytest.param([(b"etag", b'"a"'), (b"etag", b'"b"')], True, id="repeated-strong-etag"),
    ],
)
def test_odd_framing_is_dropped_when_rewriting(
    engine: Engine, exchange: MakeExchange, headers: list[Header], repeated: bool
) -> None:
    assert scanned([HTML, *headers]).repeated_framing is repeated
    plan = planned(engine, exchange(), 200, [HTML, *headers, (b"x-keep", b"1")])
    assert plan.injector is not None
    assert plan.headers == [HTML, (b"x-keep", b"1"), VARY_BANNER]  # a server frames it
    assert plan.app_length == -1


def test_a_length_with_spaces_is_not_odd(engine: Engine, exchange: MakeExchange) -> None:
    assert scanned([HTML, (b"content-length", b" 42 ")]).repeated_framing is False
    plan = planned(engine, exchange(), 200, [HTML, (b"content-length", b" 42 ")])
    assert plan.app_length == 42


def test_scan_a_weak_etag_is_ignored() -> None:
    scan = scanned([HTML, (b"etag", b'W/"a"'), (b"etag", b'"b"'), (b"etag", b'W/"c"')])
    assert scan.repeated_framing is False
    assert scan.etag_at == 2
    assert scanned([HTML, (b"etag", b'W/"a"')]).etag_at == -1


@pytest.mark.parametrize(
    ("csp", "nonce"),
    [
        pytest.param(b"script-src 'self' 'nonce-r4nd0m+/=='", "r4nd0m+/==", id="nonce"),
        pytest.param(b"default-src 'self'; style-src 'nonce-ab_c-d'", "ab_c-d", id="urlsafe"),
        pytest.param(b"default-src 'self'", None, id="no-nonce"),
        pytest.param(b"script-src 'nonce-'", None, id="empty-nonce"),
    ],
)
def test_scan_csp_nonce(csp: bytes, nonce: str | None) -> None:
    scan = scanned([HTML, (b"Content-Security-Policy", csp)])
    assert scan.csp == csp
    assert scan.nonce() == nonce


# -- gating the cookies --------------------------------------------------------------------


def test_json_without_cookies_passes_untouched(engine: Engine, exchange: MakeExchange) -> None:
    assert engine.plan(exchange(), 200, [JSON]) is None
    assert (
        engine.plan(exchange(cookie="basket=1"), 200, [JSON, (b"x-shop", "ร้าน".encode())]) is None
    )


def test_refused_set_cookie_is_dropped_deletions_and_others_kept(
    engine: Engine, exchange: MakeExchange
) -> None:
    deletion: Header = (b"set-cookie", b"_fbp=; Path=/; Max-Age=0")
    headers = [
        JSON,
        (b"set-cookie", b"_ga=GA1.1.111; Path=/; Max-Age=63072000"),
        BASKET,
        (b"Set-Cookie", b"_ga_ABC=GS1; Path=/"),
        deletion,
    ]
    plan = planned(engine, exchange(), 200, headers)
    assert plan.headers == [JSON, BASKET, deletion]
    assert plan.injector is None


def test_granted_set_cookie_is_kept(
    engine: Engine, exchange: MakeExchange, consent_cookie: Cookie
) -> None:
    headers = [JSON, (b"set-cookie", b"_ga=GA1; Path=/"), (b"set-cookie", b"_fbp=fb; Path=/")]
    x = exchange(cookie=consent_cookie("analytics"))
    assert planned(engine, x, 200, headers).headers == [JSON, headers[1]]


def test_gpc_drops_a_granted_marketing_cookie(
    engine: Engine, exchange: MakeExchange, consent_cookie: Cookie
) -> None:
    headers = [JSON, (b"set-cookie", b"_fbp=fb; Path=/")]
    x = exchange(cookie=consent_cookie("marketing"), sec_gpc="1")
    assert planned(engine, x, 200, headers).headers == [JSON]


def test_required_cookies_are_kept(
    make_engine: Callable[..., Engine], exchange: MakeExchange
) -> None:
    engine = make_engine(
        categories=(Category("necessary", required=True, cookies=("sessionid",)), "analytics")
    )
    session: Header = (b"set-cookie", "sessionid=ตะกร้า; Path=/".encode())
    headers = [JSON, session, (b"set-cookie", b"_gid=1")]
    assert planned(engine, exchange(engine=engine), 200, headers).headers == [JSON, session]


def test_browsers_refused_cookies_are_expired(engine: Engine, exchange: MakeExchange) -> None:
    x = exchange(cookie="_ga=GA1; basket=1; _fbp=fb")
    assert planned(engine, x, 200, [JSON]).headers == [JSON, expired("_ga"), expired("_fbp")]


def test_a_cookie_the_app_deletes_itself_is_not_expired_again(
    engine: Engine, exchange: MakeExchange
) -> None:
    x = exchange(cookie="_ga=GA1; _fbp=fb")
    deletion: Header = (b"set-cookie", b"_ga=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
    assert planned(engine, x, 200, [JSON, deletion]).headers == [JSON, deletion, expired("_fbp")]


def test_a_refused_cookie_the_app_sets_anyway_is_dropped_and_expired(
    engine: Engine, exchange: MakeExchange
) -> None:
    x = exchange(cookie="_ga=GA1")
    headers = [JSON, (b"set-cookie", b"_ga=GA2; Path=/")]
    assert planned(engine, x, 200, headers).headers == [JSON, expired("_ga")]


def test_granted_browser_cookies_are_not_expired(
    engine: Engine, exchange: MakeExchange, consent_cookie: Cookie
) -> None:
    x = exchange(cookie="_ga=GA1; _fbp=fb; " + consent_cookie("analytics"))
    assert planned(engine, x, 200, [JSON]).headers == [JSON, expired("_fbp")]


# -- the page: banner, Vary, framing -------------------------------------------------------


def test_an_undecided_visitors_page_gets_the_banner(engine: Engine, exchange: MakeExchange) -> None:
    x = exchange(path="/เมนู", accept_language="th-TH")
    plan = planned(engine, x, 200, [HTML])
    assert plan.headers == [HTML, VARY_BANNER]
    assert plan.injector is not None
    banner = engine.snippets.banner(x, None)
    assert b'lang="th"' in banner
    assert plan.injector.whole(PAGE) == with_snippet(banner)
    assert plan.app_length == -1


def test_error_pages_get_the_banner_too(engine: Engine, exchange: MakeExchange) -> None:
    plan = planned(engine, exchange(), 404, [HTML])
    assert plan.injector is not None


@pytest.mark.parametrize(
    ("app_vary", "merged"),
    [
        pytest.param(b"Accept-Encoding", b"Accept-Encoding, Cookie, Accept-Language", id="other"),
        pytest.param(b"accept-language", b"accept-language, Cookie", id="one-present"),
        pytest.param(b"Cookie, Accept-Language", b"Cookie, Accept-Language", id="both-present"),
        pytest.param(b" Origin ", b"Origin, Cookie, Accept-Language", id="spaces"),
        pytest.param(b"", b"Cookie, Accept-Language", id="empty"),
        pytest.param(b"*", b"*", id="star"),
        pytest.param(b"Origin, *", b"Origin, *", id="star-in-a-list"),
    ],
)
def test_vary_is_merged_into_the_apps(
    engine: Engine, exchange: MakeExchange, app_vary: bytes, merged: bytes
) -> None:
    headers = [HTML, (b"Vary", app_vary), (b"x-after", b"1")]
    plan = planned(engine, exchange(), 200, headers)
    assert plan.headers == [HTML, (b"vary", merged), (b"x-after", b"1")]


def test_only_the_last_vary_is_merged(engine: Engine, exchange: MakeExchange) -> None:
    headers = [HTML, (b"vary", b"Origin"), (b"vary", b"Accept-Encoding")]
    plan = planned(engine, exchange(), 200, headers)
    assert plan.headers == [
        HTML,
        (b"vary", b"Origin"),
        (b"vary", b"Accept-Encoding, Cookie, Accept-Language"),
    ]


def test_content_length_grows_by_the_snippet(engine: Engine, exchange: MakeExchange) -> None:
    x = exchange()
    plan = planned(engine, x, 200, [HTML, LENGTH])
    banner = engine.snippets.banner(x, None)
    assert plan.headers == [
        HTML,
        (b"content-length", b"%d" % (len(PAGE) + len(banner))),
        VARY_BANNER,
    ]
    assert plan.app_length == len(PAGE)
    assert plan.injector is not None
    assert len(plan.injector.whole(PAGE)) == len(PAGE) + len(banner)


@pytest.mark.parametrize(
    ("framing", "decides"),
    [
        ([], False),  # a stream: the same headers for a document and a fragment
        ([(b"etag", 'W/"ฉบับ1"'.encode())], False),  # a weak ETag holds either way
        ([LENGTH], True),
        ([(b"etag", b'"v1"')], True),
    ],
)
def test_only_a_framed_page_makes_its_headers_wait_for_its_body(
    engine: Engine, exchange: MakeExchange, framing: list[Header], decides: bool
) -> None:
    plan = planned(engine, exchange(), 200, [HTML, *framing])
    assert plan.injector is not None
    assert plan.body_decides_headers is decides
    fragment_headers = plan.headers_for_unrewritten_body()
    assert (fragment_headers != plan.headers) is decides
    if not decides:
        assert fragment_headers == [HTML, *framing, VARY_BANNER]


def test_a_strong_etag_is_dropped_a_weak_one_kept(engine: Engine, exchange: MakeExchange) -> None:
    weak: Header = (b"etag", b'W/"v1"')
    assert planned(engine, exchange(), 200, [HTML, (b"ETag", b'"v1"')]).headers == [
        HTML,
        VARY_BANNER,
    ]
    assert planned(engine, exchange(), 200, [HTML, weak]).headers == [HTML, weak, VARY_BANNER]


def test_odd_framing_drops_every_framing_header(engine: Engine, exchange: MakeExchange) -> None:
    headers = [HTML, LENGTH, (b"etag", b'"v1"'), LENGTH, (b"x-keep", b"1")]
    plan = planned(engine, exchange(), 200, headers)
    assert plan.headers == [HTML, (b"x-keep", b"1"), VARY_BANNER]
    assert plan.injector is not None


def test_a_page_with_cookies_to_gate_and_a_banner(engine: Engine, exchange: MakeExchange) -> None:
    x = exchange(cookie="_gid=1")
    headers = [HTML, (b"set-cookie", b"_ga=GA1"), LENGTH, BASKET]
    plan = planned(engine, x, 200, headers)
    length = b"%d" % (len(PAGE) + len(engine.snippets.banner(x, None)))
    assert plan.headers == [HTML, (b"content-length", length), BASKET, expired("_gid"), VARY_BANNER]


def test_a_decided_visitor_with_grants_gets_the_loader(
    engine: Engine, exchange: MakeExchange, consent_cookie: Cookie
) -> None:
    x = exchange(cookie=consent_cookie("marketing", "analytics"))
    plan = planned(engine, x, 200, [HTML, LENGTH])
    loader = engine.snippets.loader("", frozenset({"analytics", "marketing"}), None)
    script = engine.renderer.static_url("consentkit.js")
    assert (
        loader
        == (
            f'<script src="{script}" defer data-consentkit-granted="analytics marketing"></script>'
        ).encode()
    )
    assert plan.headers == [
        HTML,
        (b"content-length", b"%d" % (len(PAGE) + len(loader))),
        VARY_COOKIE,
    ]
    assert plan.injector is not None
    assert plan.injector.whole(PAGE) == with_snippet(loader)


def test_a_decided_visitor_with_no_grants_gets_nothing_injected(
    engine: Engine, exchange: MakeExchange, consent_cookie: Cookie
) -> None:
    x = exchange(cookie=consent_cookie())
    plan = planned(engine, x, 200, [HTML, LENGTH, (b"etag", b'"v1"')])
    assert plan.injector is None
    assert plan.headers == [HTML, LENGTH, (b"etag", b'"v1"'), VARY_COOKIE]


def test_a_gpc_visitor_who_granted_only_marketing_gets_nothing_injected(
    engine: Engine, exchange: MakeExchange, consent_cookie: Cookie
) -> None:
    x = exchange(cookie=consent_cookie("marketing"), sec_gpc="1")
    plan = planned(engine, x, 200, [HTML])
    assert (plan.injector, plan.headers) == (None, [HTML, VARY_COOKIE])


# -- pages that are not rewritten ----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "status", "extra", "partial"),
    [
        pytest.param("OPTIONS", 200, [], {}, id="options"),
        pytest.param("GET", 204, [], {}, id="204"),
        pytest.param("GET", 206, [], {}, id="206"),
        pytest.param("GET", 100, [], {}, id="100"),
        pytest.param("GET", 103, [], {}, id="103"),
        pytest.param("GET", 301, [], {}, id="301"),
        pytest.param("GET", 302, [], {}, id="302"),
        pytest.param("POST", 303, [], {}, id="303"),
        pytest.param("GET", 307, [], {}, id="307"),
        pytest.param("GET", 308, [], {}, id="308"),
        pytest.param("GET", 200, [(b"content-encoding", b"gzip")], {}, id="gzip"),
        pytest.param("GET", 200, [], {"hx_request": "true"}, id="htmx"),
        pytest.param("GET", 200, [], {"turbo_frame": "main"}, id="turbo-frame"),
    ],
)
def test_not_rewritable(
    engine: Engine,
    exchange: MakeExchange,
    method: str,
    status: int,
    extra: list[Header],
    partial: dict[str, str],
) -> None:
    x = exchange(method, **partial)
    headers = [HTML, LENGTH, (b"etag", b'"v1"'), *extra]
    plan = planned(engine, x, status, headers)
    assert plan.injector is None
    assert plan.headers == [*headers, VARY_COOKIE]


def test_a_page_not_rewritten_still_has_its_cookies_gated(
    engine: Engine, exchange: MakeExchange
) -> None:
    x = exchange("GET", cookie="_fbp=1")
    plan = planned(engine, x, 204, [HTML, (b"set-cookie", b"_ga=1"), LENGTH])
    assert plan.headers == [HTML, LENGTH, expired("_fbp"), VARY_COOKIE]


def test_a_head_of_a_page_a_get_would_rewrite_loses_its_framing(
    engine: Engine, exchange: MakeExchange
) -> None:
    """The GET adds the snippet only to a whole document, which a HEAD cannot show: no length
    is better than a wrong one; the Vary is the GET's."""
    x = exchange("HEAD", cookie="_fbp=1")
    plan = planned(engine, x, 200, [HTML, (b"set-cookie", b"_ga=1"), LENGTH, (b"etag", b'"v1"')])
    assert plan.injector is None
    assert plan.headers == [HTML, expired("_fbp"), VARY_BANNER]


def test_a_304_has_the_vary_of_the_page_it_stands_for(
    engine: Engine, exchange: MakeExchange
) -> None:
    weak: Header = (b"etag", b'W/"v1"')
    page = planned(engine, exchange(), 200, [HTML, weak])
    not_modified = planned(engine, exchange(), 304, [HTML, weak])
    assert [h for h in page.headers if h[0] == b"vary"] == [VARY_BANNER]
    assert [h for h in not_modified.headers if h[0] == b"vary"] == [VARY_BANNER]


# -- headers_for_unrewritten_body ----------------------------------------------------------


def test_unrewritten_body_keeps_the_apps_framing(engine: Engine, exchange: MakeExchange) -> None:
    x = exchange(cookie="_gid=1")
    etag: Header = (b"etag", b'"v1"')
    headers = [HTML, (b"set-cookie", b"_ga=GA1"), LENGTH, etag, (b"vary", b"Origin")]
    plan = planned(engine, x, 200, headers)
    merged: Header = (b"vary", b"Origin, Cookie, Accept-Language")
    length = b"%d" % (len(PAGE) + len(engine.snippets.banner(x, None)))
    assert plan.headers == [HTML, (b"content-length", length), merged, expired("_gid")]
    assert plan.headers_for_unrewritten_body() == [HTML, LENGTH, etag, merged, expired("_gid")]
    assert headers[2] == LENGTH  # the app's own list is not changed


def test_unrewritten_body_keeps_odd_framing_as_the_app_sent_it(
    engine: Engine, exchange: MakeExchange
) -> None:
    headers = [HTML, LENGTH, LENGTH]
    plan = planned(engine, exchange(), 200, headers)
    assert plan.headers == [HTML, VARY_BANNER]
    assert plan.headers_for_unrewritten_body() == [HTML, LENGTH, LENGTH, VARY_BANNER]


def test_unrewritten_body_of_a_plan_without_snippet_is_its_headers(
    engine: Engine, exchange: MakeExchange
) -> None:
    plan = planned(engine, exchange("HEAD"), 200, [HTML, LENGTH])
    assert plan.headers_for_unrewritten_body() is plan.headers
