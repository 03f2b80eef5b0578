"""The behaviour table: every case runs against both adapters, in-process and behind a real
server (ASGI in-process, WSGI in-process through werkzeug's lint, uvicorn, werkzeug's server).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

from .support.harness import Client, Result

GATED = ("_ga", "_ga_ABC123", "_gid", "_fbp")
FORM = ("Content-Type", "application/x-www-form-urlencoded")
BANNER = 'id="consentkit-banner"'


# -- helpers ---------------------------------------------------------------------------------


def post_choice(client: Client, body: str, *extra: tuple[str, str]) -> Result:
    """A same-origin form POST of a choice, as the banner sends it."""
    headers = [FORM, ("Origin", client.origin), ("Sec-Fetch-Site", "same-origin"), *extra]
    return client.request("POST", "/_consent", headers=headers, body=body.encode())


def consent_cookie(client: Client, body: str = "choice=accept_all") -> tuple[str, str]:
    """The ``Cookie`` header pair of a visitor who just made this choice."""
    response = post_choice(client, body)
    assert response.status == 303, response.text
    value = response.cookie_value("consentkit")
    assert value
    return ("Cookie", f"consentkit={value}")


def handler_view(client: Client, *headers: tuple[str, str]) -> dict[str, object]:
    """What ``get_consent`` tells the app's handler."""
    response = client.request("GET", "/consent", headers=headers)
    assert response.status == 200, response.text
    return json.loads(response.body)  # type: ignore[no-any-return]


def vary_tokens(response: Result) -> list[str]:
    return [t.strip().lower() for v in response.all("vary") for t in v.split(",")]


def expired(response: Result) -> set[str]:
    """Names of the cookies a response removes."""
    return {
        name
        for name, header in _each_set_cookie(response)
        if "max-age=0" in header.lower().replace(" ", "")
    }


def kept(response: Result) -> set[str]:
    """Names of the cookies a response sets to a value."""
    return {
        name
        for name, header in _each_set_cookie(response)
        if "max-age=0" not in header.lower().replace(" ", "")
    }


def _each_set_cookie(response: Result) -> list[tuple[str, str]]:
    return [(v.split("=", 1)[0].strip(), v) for v in response.all("set-cookie")]


# -- the banner ------------------------------------------------------------------------------


def banner_for_a_new_visitor(client: Client) -> None:
    response = client.request("GET", "/")
    assert response.status == 200
    text = response.text
    assert text.count(BANNER) == 1
    assert text.index(BANNER) < text.lower().rindex("</body>")
    assert re.search(r'<[^>]*id="consentkit-banner"[^>]*\slang="[a-z]{2}', text)
    assert "สวัสดีครับ" in text
    assert "cookie" in vary_tokens(response)


def banner_markup_follows_the_contract(client: Client) -> None:
    text = client.request("GET", "/").text
    form = re.search(r'<form[^>]*method="post"[^>]*>', text)
    assert form and 'action="/_consent"' in form.group(0)
    accept = re.search(r'<button[^>]*id="consentkit-accept-all"[^>]*>', text)
    reject = re.search(r'<button[^>]*id="consentkit-reject-all"[^>]*>', text)
    assert accept and reject
    for tag, value in ((accept.group(0), "accept_all"), (reject.group(0), "reject_all")):
        assert 'type="submit"' in tag and 'name="choice"' in tag and f'value="{value}"' in tag
    klass = re.compile(r'class="([^"]*)"')
    assert klass.search(accept.group(0)).group(1) == klass.search(reject.group(0)).group(1)  # type: ignore[union-attr]
    assert re.search(r'<button[^>]*name="choice"[^>]*value="save"', text)
    boxes = re.findall(r'<input[^>]*name="categories"[^>]*>', text)
    values = sorted(re.search(r'value="([^"]+)"', b).group(1) for b in boxes)  # type: ignore[union-attr]
    assert values == ["analytics", "functional", "location", "marketing"]
    assert not any("checked" in box for box in boxes)
    assert 'href="/_consent/preferences' in text
    assert 'href="/privacy"' in text


def banner_language_follows_accept_language(client: Client) -> None:
    thai = client.request("GET", "/", headers=[("Accept-Language", "th-TH,th;q=0.9")]).text
    english = client.request("GET", "/", headers=[("Accept-Language", "en-GB,en;q=0.8")]).text
    assert 'lang="th"' in thai and 'lang="en"' in english
    assert "accept-language" in vary_tokens(client.request("GET", "/"))


def no_banner_once_decided(client: Client) -> None:
    for choice in ("choice=accept_all", "choice=reject_all", "choice=save&categories=analytics"):
        cookie = consent_cookie(client, choice)
        response = client.request("GET", "/", headers=[cookie])
        assert BANNER not in response.text, choice
        assert "cookie" in vary_tokens(response)


def content_length_is_fixed(client: Client) -> None:
    response = client.request("GET", "/with-length")
    assert BANNER in response.text
    assert int(response.header("content-length") or -1) == len(response.body)


def body_split_across_chunks(client: Client) -> None:
    for path in ("/stream", "/split-early"):
        text = client.request("GET", path).text
        assert text.count(BANNER) == 1
        assert text.index(BANNER) < text.lower().rindex("</body>"), path


def closing_tag_in_capitals(client: Client) -> None:
    text = client.request("GET", "/upper").text
    assert text.index(BANNER) < text.index("</BODY>")


def page_without_closing_body(client: Client) -> None:
    text = client.request("GET", "/nobody").text
    assert text.startswith("<p>no closing tag")
    assert BANNER in text


def left_untouched(client: Client) -> None:
    for path in (
        "/gzip",
        "/no-content",
        "/not-modified",
        "/partial-content",
        "/events",
        "/redirect",
        "/text",
        "/json",
    ):
        response = client.request("GET", path)
        assert BANNER.encode() not in response.body, path
    assert client.request("GET", "/gzip").body == b"\x1f\x8b\x08\x00fake"
    assert client.request("GET", "/text").body == b"</body>"
    assert client.request("GET", "/partial-content").body == b"<html><bod"


def partials_get_no_banner(client: Client) -> None:
    for header in (("HX-Request", "true"), ("Turbo-Frame", "main")):
        response = client.request("GET", "/", headers=[header])
        assert BANNER not in response.text
        assert "cookie" in vary_tokens(response)


def head_is_not_rewritten(client: Client) -> None:
    get = client.request("GET", "/with-length")
    head = client.request("HEAD", "/with-length")
    assert head.status == 200 and BANNER.encode() not in head.body  # servers drop HEAD bodies
    assert int(head.header("content-length") or -1) < int(get.header("content-length") or -1)


def strong_etag_dropped_weak_kept(client: Client) -> None:
    assert client.request("GET", "/etag").header("etag") is None
    assert client.request("GET", "/weak-etag").header("etag") == 'W/"abc"'


def vary_merged(client: Client) -> None:
    tokens = vary_tokens(client.request("GET", "/vary"))
    assert tokens[0] == "accept-encoding" and "cookie" in tokens
    tokens = vary_tokens(client.request("GET", "/vary-cookie"))
    assert tokens.count("cookie") == 1


def error_pages_get_the_banner(client: Client) -> None:
    response = client.request("GET", "/not-found")
    assert response.status == 404 and BANNER in response.text


def csp_nonce_is_carried(client: Client) -> None:
    text = client.request("GET", "/csp").text
    tags = re.findall(r"<(?:script|link)\b[^>]*>", text[text.index("สวัสดีครับ") :])
    assert tags and all('nonce="r4nd0m123"' in tag for tag in tags)


# -- cookie gating ---------------------------------------------------------------------------


def gated_cookies_dropped_before_consent(client: Client) -> None:
    response = client.request("GET", "/set-cookies")
    assert not kept(response) & set(GATED)
    assert {"sessionid", "csrftoken"} <= kept(response)


def gated_cookies_pass_after_accept_all(client: Client) -> None:
    response = client.request("GET", "/set-cookies", headers=[consent_cookie(client)])
    assert set(GATED) | {"sessionid", "csrftoken"} <= kept(response)


def per_category_choice(client: Client) -> None:
    cookie = consent_cookie(client, "choice=save&categories=analytics")
    response = client.request("GET", "/set-cookies", headers=[cookie])
    assert {"_ga", "_ga_ABC123", "_gid"} <= kept(response)
    assert "_fbp" not in kept(response)
    view = handler_view(client, cookie)
    assert view["decided"] is True and view["analytics"] is True
    assert view["granted"] == ["analytics", "necessary"]


def reject_all_is_stored_and_honoured(client: Client) -> None:
    cookie = consent_cookie(client, "choice=reject_all")
    view = handler_view(client, cookie)
    assert view["decided"] is True and view["granted"] == ["necessary"]
    assert not kept(client.request("GET", "/set-cookies", headers=[cookie])) & set(GATED)


def gating_applies_to_any_content_type(client: Client) -> None:
    response = client.request("GET", "/json")
    assert "_gid" not in kept(response) and response.body == b'{"ok": true}'


def browser_cookies_of_refused_categories_expired(client: Client) -> None:
    cookies = ("Cookie", "_ga=GA1.1.1; _fbp=fb.1; sessionid=ตะกร้า".encode().decode("latin-1"))
    response = client.request("GET", "/plain-json", headers=[cookies])
    assert {"_ga", "_fbp"} <= expired(response)
    assert "sessionid" not in expired(response)
    assert any("Domain=" not in v for v in response.all("set-cookie"))


def withdrawal_expires_cookies_at_once(client: Client) -> None:
    response = post_choice(client, "choice=reject_all", ("Cookie", "_ga=GA1.1.1; _gid=x"))
    assert response.status == 303
    assert {"_ga", "_gid"} <= expired(response)
    assert "consentkit" in kept(response)


def apps_own_deletions_pass(client: Client) -> None:
    assert "_ga" in expired(client.request("GET", "/deletes-ga"))


def gpc_refuses_marketing_even_after_accept_all(client: Client) -> None:
    cookie = consent_cookie(client)
    gpc = ("Sec-GPC", "1")
    response = client.request("GET", "/set-cookies", headers=[cookie, gpc])
    assert "_fbp" not in kept(response) and "_ga" in kept(response)
    view = handler_view(client, cookie, gpc)
    assert view["gpc"] is True and "marketing" not in view["granted"]
    assert handler_view(client, cookie, ("Sec-GPC", "0"))["gpc"] is False
    assert "marketing" in handler_view(client, cookie, ("Sec-GPC", "yes"))["granted"]


def gpc_on_the_first_request(client: Client) -> None:
    view = handler_view(client, ("Sec-GPC", "1"))
    assert view == {
        "decided": False,
        "granted": ["necessary"],
        "gpc": True,
        "analytics": False,
        "client_ip": view["client_ip"],
    }
    data = json.loads(client.request("GET", "/_consent", headers=[("Sec-GPC", "1")]).body)
    assert data["gpc"] is True


# -- the endpoints ---------------------------------------------------------------------------


def post_sets_a_signed_cookie_and_redirects(client: Client) -> None:
    response = post_choice(client, "choice=accept_all&next=/menu%3Fq%3D1")
    assert response.status == 303
    assert response.header("location") == "/menu?q=1"
    header = response.set_cookies()["consentkit"]
    attributes = [a.strip().lower() for a in header.split(";")]
    assert {"httponly", "samesite=lax", "path=/"} <= set(attributes)
    assert f"max-age={182 * 24 * 3600}" in attributes
    assert "secure" not in attributes
    assert len(header) < 1024


def post_json_answer(client: Client) -> None:
    response = client.request(
        "POST",
        "/_consent",
        headers=[FORM, ("Accept", "application/json"), ("Origin", client.origin)],
        body=b"choice=save&categories=analytics&categories=location",
    )
    assert response.status == 200
    assert json.loads(response.body) == {
        "decided": True,
        "granted": ["necessary", "analytics", "location"],
        "policy_version": "1",
        "gpc": False,
    }
    assert response.cookie_value("consentkit")


def post_json_body(client: Client) -> None:
    body = json.dumps({"choice": "save", "categories": ["functional"], "next": "/หน้า"})
    response = client.request(
        "POST",
        "/_consent",
        headers=[("Content-Type", "application/json"), ("Origin", client.origin)],
        body=body.encode(),
    )
    assert response.status == 303
    assert response.header("location") == "/%E0%B8%AB%E0%B8%99%E0%B9%89%E0%B8%B2"


def get_reports_the_choice(client: Client) -> None:
    assert json.loads(client.request("GET", "/_consent").body) == {
        "decided": False,
        "granted": ["necessary"],
        "policy_version": "1",
        "gpc": False,
    }
    cookie = consent_cookie(client, "choice=save&categories=marketing")
    response = client.request("GET", "/_consent", headers=[cookie])
    assert response.header("content-type") == "application/json"
    assert json.loads(response.body)["granted"] == ["necessary", "marketing"]


def preferences_page(client: Client) -> None:
    response = client.request("GET", "/_consent/preferences")
    assert response.status == 200
    assert response.header(
        "content-type",
    ).startswith("text/html")  # type: ignore[union-attr]
    assert "<form" in response.text and 'name="categories"' in response.text
    cookie = consent_cookie(client, "choice=save&categories=analytics")
    page = client.request("GET", "/_consent/preferences", headers=[cookie]).text
    assert re.search(r'<input[^>]*value="analytics"[^>]*checked', page)
    assert not re.search(r'<input[^>]*value="marketing"[^>]*checked', page)


@pytest.mark.parametrize(
    "headers",
    [
        [("Sec-Fetch-Site", "cross-site")],
        [("Sec-Fetch-Site", "same-site")],
        [("Origin", "https://evil.example")],
        [("Origin", "null")],
        [("Referer", "https://evil.example/page")],
        [("Sec-Fetch-Site", "cross-site"), ("Origin", "ORIGIN")],
    ],
    ids=["fetch-cross-site", "fetch-same-site", "origin", "origin-null", "referer", "fetch-wins"],
)
def cross_site_post_refused(client: Client, headers: list[tuple[str, str]]) -> None:
    headers = [(k, client.origin if v == "ORIGIN" else v) for k, v in headers]
    response = client.request(
        "POST", "/_consent", headers=[FORM, *headers], body=b"choice=accept_all"
    )
    assert response.status == 403
    assert not response.all("set-cookie")


def same_origin_referer_accepted(client: Client) -> None:
    response = client.request(
        "POST",
        "/_consent",
        headers=[FORM, ("Referer", client.origin + "/page")],
        body=b"choice=reject_all",
    )
    assert response.status == 303


@pytest.mark.parametrize(
    "next_value",
    [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:evil.example",
        "/\t/evil.example",
        "evil.example",
        "%2F%2Fevil.example",
    ],
)
def bad_next_stays_on_site(client: Client, next_value: str) -> None:
    from urllib.parse import quote

    response = post_choice(client, "choice=accept_all&next=" + quote(next_value, safe=""))
    assert response.status in (303, 400)
    if response.status == 303:
        location = response.header("location") or ""
        assert location.startswith("/") and not location.startswith(("//", "/\\"))
        assert "evil.example" not in location.split("?")[0] or location.startswith("/%")


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"choice=maybe", "application/x-www-form-urlencoded"),
        (b"choice=accept_all&choice=reject_all", "application/x-www-form-urlencoded"),
        (b"categories=analytics", "application/x-www-form-urlencoded"),
        (b"choice=save&categories=cookies_of_doom", "application/x-www-form-urlencoded"),
        (b"{not json", "application/json"),
        (b'["accept_all"]', "application/json"),
        (b'{"choice": "save", "categories": "analytics"}', "application/jsonx"),
        (b'{"choice": 1}', "application/json"),
        (b'{"choice": "save", "categories": [1, 2]}', "application/json"),
        (b"choice=\xff\xfe", "application/x-www-form-urlencoded"),
    ],
    ids=[
        "unknown-choice",
        "two-choices",
        "no-choice",
        "unknown-category",
        "garbage-json",
        "json-list",
        "other-type",
        "json-number",
        "json-bad-categories",
        "not-utf8",
    ],
)
def bad_post_is_a_400(client: Client, body: bytes, content_type: str) -> None:
    response = client.request(
        "POST",
        "/_consent",
        headers=[("Content-Type", content_type), ("Origin", client.origin)],
        body=body,
    )
    assert response.status in (400, 415), response.text
    assert not response.all("set-cookie")


def repeated_identical_fields_are_fine(client: Client) -> None:
    response = post_choice(
        client, "choice=save&choice=save&categories=analytics&categories=analytics"
    )
    assert response.status == 303


def body_over_16_kib_is_a_413(client: Client) -> None:
    body = b"choice=accept_all&next=/" + b"a" * (16 * 1024)
    response = client.request(
        "POST", "/_consent", headers=[FORM, ("Origin", client.origin)], body=body
    )
    assert response.status == 413
    assert not response.all("set-cookie")


def other_methods_are_a_405(client: Client) -> None:
    for method, path in (
        ("PUT", "/_consent"),
        ("DELETE", "/_consent"),
        ("POST", "/_consent/preferences"),
    ):
        response = client.request(method, path, headers=[("Origin", client.origin)])
        assert response.status == 405, (method, path)
        assert response.header("allow")


def unknown_endpoint_is_a_404(client: Client) -> None:
    assert client.request("GET", "/_consent/nothing-here").status == 404
    assert client.request("GET", "/_consentx").status == 404  # the app's, not ours


# -- bad cookies -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "",
        "1~abc~analytics~1.AAAA.BBBB",
        "x" * 3000,
        '"quoted"',
        "1~id~functional+analytics+location+marketing~1.ZZZZZZ.forged-signature",
    ],
    ids=["garbage", "empty", "forged", "oversized", "quoted", "bad-signature"],
)
def invalid_consent_cookie_means_undecided(client: Client, value: str) -> None:
    response = client.request("GET", "/consent", headers=[("Cookie", f"consentkit={value}")])
    assert response.status == 200
    assert json.loads(response.body)["decided"] is False
    assert BANNER in client.request("GET", "/", headers=[("Cookie", f"consentkit={value}")]).text


def tampered_cookie_means_undecided(client: Client) -> None:
    _, header = consent_cookie(client, "choice=reject_all")
    value = header.split("=", 1)[1]
    tampered = value.replace("~~", "~analytics~", 1)
    assert tampered != value
    assert handler_view(client, ("Cookie", f"consentkit={tampered}"))["decided"] is False


def malformed_pairs_do_not_hide_the_consent(client: Client) -> None:
    name, header = consent_cookie(client)
    value = header.split("=", 1)[1]
    mess = f'=bad; ;;; noval; "quoted"=x; café=1; consentkit={value}; x=\\"'
    assert handler_view(client, (name, mess))["decided"] is True


def several_cookie_headers_are_joined(client: Client) -> None:
    name, header = consent_cookie(client)
    assert handler_view(client, (name, "sessionid=abc"), (name, header))["decided"] is True


def non_utf8_and_huge_headers_are_safe(client: Client) -> None:
    response = client.request(
        "GET",
        "/",
        headers=[("Cookie", "\xff\xfe=\xe0; a=\x80"), ("Accept-Language", "\xe0\xb8\x97\xff")],
    )
    assert response.status == 200 and BANNER in response.text
    response = client.request("GET", "/", headers=[("Cookie", "a=" + "b" * 7000)])
    assert response.status == 200 or 400 <= response.status < 500
    response = client.request(
        "GET", "/", headers=[("Accept-Language", "th;q=abc, *;q=" + "9" * 500)]
    )
    assert response.status == 200


CASES: list[Callable[..., None]] = [
    banner_for_a_new_visitor,
    banner_markup_follows_the_contract,
    banner_language_follows_accept_language,
    no_banner_once_decided,
    content_length_is_fixed,
    body_split_across_chunks,
    closing_tag_in_capitals,
    page_without_closing_body,
    left_untouched,
    partials_get_no_banner,
    head_is_not_rewritten,
    strong_etag_dropped_weak_kept,
    vary_merged,
    error_pages_get_the_banner,
    csp_nonce_is_carried,
    gated_cookies_dropped_before_consent,
    gated_cookies_pass_after_accept_all,
    per_category_choice,
    reject_all_is_stored_and_honoured,
    gating_applies_to_any_content_type,
    browser_cookies_of_refused_categories_expired,
    withdrawal_expires_cookies_at_once,
    apps_own_deletions_pass,
    gpc_refuses_marketing_even_after_accept_all,
    gpc_on_the_first_request,
    post_sets_a_signed_cookie_and_redirects,
    post_json_answer,
    post_json_body,
    get_reports_the_choice,
    preferences_page,
    same_origin_referer_accepted,
    repeated_identical_fields_are_fine,
    body_over_16_kib_is_a_413,
    other_methods_are_a_405,
    unknown_endpoint_is_a_404,
    tampered_cookie_means_undecided,
    malformed_pairs_do_not_hide_the_consent,
    several_cookie_headers_are_joined,
    non_utf8_and_huge_headers_are_safe,
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.__name__) for c in CASES])
def test_behaviour(client: Client, case: Callable[[Client], None]) -> None:
    case(client)


test_cross_site_post_refused = cross_site_post_refused
test_bad_next_stays_on_site = bad_next_stays_on_site
test_bad_post_is_a_400 = bad_post_is_a_400
test_invalid_consent_cookie_means_undecided = invalid_consent_cookie_means_undecided
