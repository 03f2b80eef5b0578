"""The endpoints under the prefix, answered by the engine with no server: reading the body,
recording a choice, reporting it, the language switch, static files, and their errors."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable

import pytest

from consentkit.consent import ConsentRecord
from consentkit.core.endpoints import MAX_BODY, Response
from consentkit.core.engine import Engine
from consentkit.core.exchange import Exchange

MakeExchange = Callable[..., Exchange]
HOST = "ร้านกาแฟ.example".encode("idna").decode("ascii")  # xn--12c1ctan9ec9hrc.example
FORM = "application/x-www-form-urlencoded"
MAX_AGE = 182 * 24 * 3600
SECURITY = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
JSON_HEADERS = [
    (b"content-type", b"application/json"),
    (b"cache-control", b"no-store"),
    (b"vary", b"Cookie"),
    *SECURITY,
]
TEXT_HEADERS = [
    (b"content-type", b"text/plain; charset=utf-8"),
    (b"cache-control", b"no-store"),
    *SECURITY,
]
MENU = "/เมนู"
MENU_ENCODED = "/%E0%B9%80%E0%B8%A1%E0%B8%99%E0%B8%B9"


def header(response: Response, name: bytes) -> bytes | None:
    values = [value for key, value in response.headers if key == name]
    assert len(values) <= 1, values
    return values[0] if values else None


def set_cookies(response: Response) -> list[bytes]:
    return [value for key, value in response.headers if key == b"set-cookie"]


def choice_post(exchange: MakeExchange, scheme: str = "http", **headers: object) -> Exchange:
    """A same-origin POST of a choice, as the banner's form sends it."""
    headers.setdefault("content_type", FORM)
    headers.setdefault("origin", f"{scheme}://{HOST}")
    return exchange("POST", "/_consent", scheme=scheme, host=HOST, **headers)


def framed_text(status: int, text: str) -> Response:
    body = text.encode("utf-8")
    return Response(status, [*TEXT_HEADERS, (b"content-length", b"%d" % len(body))], body)


# -- reads_body ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "length", "expected"),
    [
        pytest.param("POST", "/_consent", None, True, id="post-no-length"),
        pytest.param("POST", "/_consent", "120", True, id="post-small"),
        pytest.param("POST", "/_consent", str(MAX_BODY), True, id="post-16-kib"),
        pytest.param("POST", "/_consent", str(MAX_BODY + 1), False, id="post-over-16-kib"),
        pytest.param("POST", "/_consent", "ไม่ทราบ", True, id="post-garbage-length"),
        pytest.param("GET", "/_consent", None, False, id="get"),
        pytest.param("POST", "/_consent/preferences", None, False, id="post-preferences"),
        pytest.param("POST", "/_consent/language", None, False, id="post-language"),
        pytest.param("POST", "/เมนู", None, False, id="post-elsewhere"),
    ],
)
def test_reads_body(
    engine: Engine,
    exchange: MakeExchange,
    method: str,
    path: str,
    length: str | None,
    expected: bool,
) -> None:
    x = exchange(method, path) if length is None else exchange(method, path, content_length=length)
    assert engine.reads_body(x) is expected


def test_a_post_to_the_prefix_with_a_slash_reads_its_body(
    engine: Engine, exchange: MakeExchange
) -> None:
    x = exchange("POST", "/_consent/", host=HOST, origin=f"http://{HOST}", content_type=FORM)
    body = b"choice=accept_all" if engine.reads_body(x) else None
    assert engine.answer(x, body).status == 303


# -- framing -------------------------------------------------------------------------------


def test_get_reports_the_consent_as_json(engine: Engine, exchange: MakeExchange) -> None:
    response = engine.answer(exchange("GET", "/_consent", sec_gpc="1"), None)
    body = json.dumps(
        {
            "decided": False,
            "granted": ["necessary"],
            "policy_version": "1",
            "gpc": True,
            "consent_id": None,
            "decided_at": None,
        }
    ).encode()
    assert response == Response(200, [*JSON_HEADERS, (b"content-length", b"%d" % len(body))], body)


def test_get_with_a_slash_and_a_decided_visitor(
    engine: Engine, exchange: MakeExchange, consent_cookie: Callable[..., str]
) -> None:
    x = exchange("GET", "/_consent/", cookie=consent_cookie("marketing", "analytics"))
    response = engine.answer(x, None)
    assert response.status == 200
    answer = json.loads(response.body)
    assert answer == {
        "decided": True,
        "granted": ["necessary", "analytics", "marketing"],
        "policy_version": "1",
        "gpc": False,
        "consent_id": x.consent.consent_id,
        "decided_at": answer["decided_at"],
    }
    assert answer["consent_id"] and answer["decided_at"].endswith("Z")


@pytest.mark.parametrize("path", ["/_consent", "/_consent/preferences", "/_consent/ไม่มี"])
def test_head_has_no_body_and_the_same_content_length(
    engine: Engine, exchange: MakeExchange, path: str
) -> None:
    get = engine.answer(exchange("GET", path), None)
    head = engine.answer(exchange("HEAD", path), None)
    assert get.body != b""
    assert header(get, b"content-length") == b"%d" % len(get.body)
    assert head.body == b""
    assert (head.status, head.headers) == (get.status, get.headers)


def test_framed_adds_the_length_and_drops_a_head_body() -> None:
    response = Response(200, [(b"x-a", b"1")], "สวัสดี".encode())
    assert response.framed("GET") == Response(
        200, [(b"x-a", b"1"), (b"content-length", b"18")], response.body
    )
    assert response.framed("HEAD") == Response(
        200, [(b"x-a", b"1"), (b"content-length", b"18")], b""
    )
    assert response.headers == [(b"x-a", b"1")]  # not changed in place


# -- POST: a choice ------------------------------------------------------------------------


def test_post_a_choice_redirects_with_the_cookie(engine: Engine, exchange: MakeExchange) -> None:
    x = choice_post(exchange)
    response = engine.answer(x, f"choice=save&categories=analytics&next={MENU}".encode())
    assert response.status == 303
    assert response.body == b"See Other"
    cookies = set_cookies(response)
    assert len(cookies) == 1
    name_value, *attributes = cookies[0].decode("ascii").split("; ")
    assert attributes == ["Path=/", f"Max-Age={MAX_AGE}", "HttpOnly", "SameSite=Lax"]
    name, value = name_value.split("=", 1)
    assert name == "consentkit"
    stored = engine.codec.decode(value)
    assert stored is not None and stored.granted == frozenset({"analytics"})
    assert response.headers[1:] == [
        (b"location", MENU_ENCODED.encode()),
        (b"cache-control", b"no-store"),
        (b"content-type", b"text/plain; charset=utf-8"),
        *SECURITY,
        (b"content-length", b"9"),
    ]
    # The exchange's consent is the new one: the rest of this request sees it.
    assert x.consent.decided is True
    assert x.consent.granted == frozenset({"necessary", "analytics"})
    assert x.consent.consent_id == stored.consent_id


def test_post_over_https_sets_the_host_cookie(engine: Engine, exchange: MakeExchange) -> None:
    x = choice_post(exchange, scheme="https")
    response = engine.answer(x, b"choice=reject_all")
    cookie = set_cookies(response)[0].decode("ascii")
    assert cookie.startswith("__Host-consentkit=")
    assert cookie.endswith("; Path=/; Max-Age=15724800; HttpOnly; SameSite=Lax; Secure")
    assert header(response, b"location") == b"/"


def test_post_expires_the_browsers_cookies_now_refused(
    engine: Engine, exchange: MakeExchange
) -> None:
    x = choice_post(exchange, cookie="_ga=GA1; _fbp=fb; basket=1")
    response = engine.answer(x, b"choice=save&categories=analytics")
    expiries = set_cookies(response)[1:]
    assert expiries == [value for _, value in x.expiring(("_fbp",))]
    assert len(expiries) == 2  # host-only, and the host's domain


def test_post_with_gpc_refuses_marketing_at_once(engine: Engine, exchange: MakeExchange) -> None:
    x = choice_post(exchange, sec_gpc="1", accept="application/json")
    response = engine.answer(x, b"choice=accept_all")
    assert json.loads(response.body)["granted"] == [
        "necessary",
        "functional",
        "analytics",
        "location",
    ]
    stored = engine.codec.decode(set_cookies(response)[0].decode().split(";")[0].split("=", 1)[1])
    assert stored is not None and "marketing" in stored.granted  # the choice itself is kept


def test_post_with_json_accept_answers_json(engine: Engine, exchange: MakeExchange) -> None:
    x = choice_post(exchange, accept="application/json, text/plain")
    response = engine.answer(x, b"choice=save&categories=location&categories=functional")
    answer = json.loads(response.body)
    body = json.dumps(
        {
            "decided": True,
            "granted": ["necessary", "functional", "location"],
            "policy_version": "1",
            "gpc": False,
            "consent_id": answer["consent_id"],
            "decided_at": answer["decided_at"],
        }
    ).encode()
    assert response.status == 200
    assert response.body == body
    assert response.headers[0][0] == b"set-cookie"
    assert response.headers[1:] == [*JSON_HEADERS, (b"content-length", b"%d" % len(body))]


def test_post_a_json_body(engine: Engine, exchange: MakeExchange) -> None:
    x = choice_post(exchange, content_type="application/json")
    body = json.dumps({"choice": "save", "categories": ["marketing"], "next": MENU}).encode()
    response = engine.answer(x, body)
    assert (response.status, header(response, b"location")) == (303, MENU_ENCODED.encode())
    assert x.consent.granted == frozenset({"necessary", "marketing"})


def test_post_cross_site_is_403(engine: Engine, exchange: MakeExchange) -> None:
    x = choice_post(exchange, sec_fetch_site="cross-site")
    reason = "cross-site request refused (Sec-Fetch-Site: cross-site)"
    assert engine.answer(x, b"choice=accept_all") == framed_text(403, reason)
    assert x.consent.decided is False


def test_post_cross_site_with_json_accept_is_a_json_error(
    engine: Engine, exchange: MakeExchange
) -> None:
    x = choice_post(exchange, origin="https://evil.example", accept="application/json")
    response = engine.answer(x, b"choice=accept_all")
    assert response.status == 403
    assert json.loads(response.body) == {
        "error": "cross-site request refused (Origin does not match Host)"
    }


def test_post_without_a_body_is_413(engine: Engine, exchange: MakeExchange) -> None:
    response = engine.answer(choice_post(exchange), None)
    assert response == framed_text(413, "the request body is over 16384 bytes")


@pytest.mark.parametrize(
    ("content_type", "body", "reason"),
    [
        (FORM, b"choice=maybe", "unknown choice 'maybe': use accept_all, reject_all or save"),
        (FORM, b"choice=save&categories=ads", "unknown category 'ads'"),
        (FORM, b"choice=save&choice=accept_all", "the form has more than one choice"),
        ("application/json", b"[]", "the JSON body must be an object"),
        (FORM, "choice=ยอมรับ".encode("cp874"), "the request body is not UTF-8"),
        (
            "text/plain",
            b"choice=save",
            "send the choice as application/x-www-form-urlencoded, multipart/form-data "
            "or application/json",
        ),
    ],
)
def test_post_a_bad_body_is_400(
    engine: Engine, exchange: MakeExchange, content_type: str, body: bytes, reason: str
) -> None:
    x = choice_post(exchange, content_type=content_type)
    assert engine.answer(x, body) == framed_text(400, reason)


def test_post_without_next_under_a_thai_root_path(engine: Engine, exchange: MakeExchange) -> None:
    x = exchange(
        "POST", "/_consent", root_path="/ร้าน", host=HOST, origin=f"http://{HOST}", content_type=FORM
    )
    response = engine.answer(x, b"choice=reject_all")
    assert header(response, b"location") == b"/%E0%B8%A3%E0%B9%89%E0%B8%B2%E0%B8%99/"


# -- on_consent ----------------------------------------------------------------------------


def test_the_answer_carries_the_record_for_on_consent(
    make_engine: Callable[..., Engine], exchange: MakeExchange
) -> None:
    records: list[ConsentRecord] = []
    engine = make_engine(on_consent=records.append)
    x = choice_post(exchange, engine=engine, accept_language="th-TH,th;q=0.9", sec_gpc="1")
    response = engine.answer(x, b"choice=save&categories=marketing&categories=analytics")
    assert response.status == 303
    assert records == []  # the adapter delivers it (consentkit.consent_log), not the core
    record = response.record
    assert record is not None
    assert record == ConsentRecord(
        consent_id=x.consent.consent_id or "",
        choice="save",
        granted=("necessary", "analytics"),
        policy_version="1",
        decided_at=x.consent.decided_at,  # type: ignore[arg-type]
        gpc=True,
        locale="th",
        refused=("functional", "location", "marketing"),  # marketing: refused by GPC
        banner_sha256=engine.renderer.shown_sha256("th"),
    )
    assert len(record.consent_id) == 16 and len(record.banner_sha256) == 64
    utc = datetime.timezone.utc
    assert record.decided_at.tzinfo is utc


def test_the_core_never_calls_on_consent(
    make_engine: Callable[..., Engine], exchange: MakeExchange
) -> None:
    def broken(record: ConsentRecord) -> None:
        raise RuntimeError("ฐานข้อมูลล่ม")

    engine = make_engine(on_consent=broken)
    response = engine.answer(choice_post(exchange, engine=engine), b"choice=accept_all")
    assert response.status == 303 and len(set_cookies(response)) == 1
    assert response.record is not None and response.record.choice == "accept_all"


# -- methods and unknown paths -------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/_consent", b"GET, HEAD, POST"),
        ("DELETE", "/_consent/", b"GET, HEAD, POST"),
        ("POST", "/_consent/preferences", b"GET, HEAD"),
        ("POST", "/_consent/language", b"GET, HEAD"),
        ("OPTIONS", "/_consent/language", b"GET, HEAD"),
        ("POST", "/_consent/static/consentkit.js", b"GET, HEAD"),
    ],
)
def test_other_methods_are_405_with_allow(
    engine: Engine, exchange: MakeExchange, method: str, path: str, allow: bytes
) -> None:
    response = engine.answer(exchange(method, path), None)
    body = b"Method not allowed."
    assert response == Response(
        405, [*TEXT_HEADERS, (b"allow", allow), (b"content-length", b"%d" % len(body))], body
    )


@pytest.mark.parametrize(
    "path", ["/_consent/nope", "/_consent/static", "/_consent/ไทย", "/_consent//"]
)
def test_unknown_paths_are_404(engine: Engine, exchange: MakeExchange, path: str) -> None:
    assert engine.answer(exchange("GET", path), None) == framed_text(
        404, "Not found: consentkit serves no such page."
    )


# -- the preferences page ------------------------------------------------------------------


def test_preferences_page(engine: Engine, exchange: MakeExchange) -> None:
    x = exchange("GET", "/_consent/preferences", query="next=" + MENU_ENCODED, accept_language="en")
    response = engine.answer(x, None)
    assert response.status == 200
    assert response.headers == [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"cache-control", b"no-store"),
        (b"vary", b"Cookie, Accept-Language"),
        (b"content-language", b"en"),
        *SECURITY,
        (b"content-length", b"%d" % len(response.body)),
    ]
    assert f'value="{MENU_ENCODED}"'.encode() in response.body


# -- the language switch -------------------------------------------------------------------


def test_language_sets_the_cookie_and_redirects(engine: Engine, exchange: MakeExchange) -> None:
    x = exchange("GET", "/_consent/language", query=f"locale=en&next={MENU_ENCODED}")
    response = engine.answer(x, None)
    assert response == Response(
        303,
        [
            (
                b"set-cookie",
                b"consentkit_lang=en; Path=/; Max-Age=15724800; HttpOnly; SameSite=Lax",
            ),
            (b"location", MENU_ENCODED.encode()),
            (b"cache-control", b"no-store"),
            *SECURITY,
            (b"content-length", b"0"),
        ],
    )


def test_language_without_next_goes_to_the_root(engine: Engine, exchange: MakeExchange) -> None:
    response = engine.answer(exchange("GET", "/_consent/language", query="locale=th"), None)
    assert set_cookies(response)[0].startswith(b"consentkit_lang=th; ")
    assert header(response, b"location") == b"/"


@pytest.mark.parametrize(
    ("query", "stored"),
    [("locale=en", b"en"), ("locale=th-TH", b"th"), ("locale=TH", b"th"), ("locale=en_US", b"en")],
)
def test_language_takes_a_configured_locale_by_any_tag_that_names_it(
    engine: Engine, exchange: MakeExchange, query: str, stored: bytes
) -> None:
    response = engine.answer(exchange("GET", "/_consent/language", query=query), None)
    assert response.status == 303
    assert set_cookies(response)[0].startswith(b"consentkit_lang=" + stored + b"; ")


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("locale=fr", "unknown locale 'fr'"),
        ("locale=fr-TH", "unknown locale 'fr-TH'"),
        ("locale=th_TH%0d%0aSet-Cookie:x=1", "unknown locale 'th_TH\\r\\nSet-Cookie:x='"),
        ("", "unknown locale ''"),
        ("locale=" + "x" * 50, f"unknown locale {'x' * 20!r}"),
    ],
)
def test_language_rejects_an_unknown_locale(
    engine: Engine, exchange: MakeExchange, query: str, reason: str
) -> None:
    response = engine.answer(exchange("GET", "/_consent/language", query=query), None)
    assert response == framed_text(400, reason)
    assert set_cookies(response) == []


# -- static files --------------------------------------------------------------------------


def test_static_serves_the_script_immutable(engine: Engine, exchange: MakeExchange) -> None:
    script = engine.renderer.static_files["consentkit.js"]
    assert script.hashed_name.startswith("consentkit.") and script.hashed_name.endswith(".js")
    response = engine.answer(exchange("GET", f"/_consent/static/{script.hashed_name}"), None)
    assert response == Response(
        200,
        [
            (b"content-type", b"text/javascript; charset=utf-8"),
            (b"cache-control", b"public, max-age=31536000, immutable"),
            (b"x-content-type-options", b"nosniff"),
            (b"content-length", b"%d" % len(script.body)),
        ],
        script.body,
    )
    head = engine.answer(exchange("HEAD", f"/_consent/static/{script.hashed_name}"), None)
    assert (head.status, head.body, head.headers) == (200, b"", response.headers)


@pytest.mark.parametrize(
    "name", ["consentkit.js", "consentkit.000000000000.js", "../consentkit.js", ""]
)
def test_static_unknown_hashed_name_is_404(
    engine: Engine, exchange: MakeExchange, name: str
) -> None:
    response = engine.answer(exchange("GET", f"/_consent/static/{name}"), None)
    assert response == framed_text(404, "Not found: no such consentkit static file.")
