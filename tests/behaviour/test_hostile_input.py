"""Hostile input to the endpoint and the pages: cross-site posts, open redirects, bad and
oversized bodies, undecodable and huge headers."""

from __future__ import annotations

from ..support.harness import Client
from .helpers import BANNER, FORM, post_choice
from .table import case, table_test


@case(
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


@case
def same_origin_referer_accepted(client: Client) -> None:
    response = client.request(
        "POST",
        "/_consent",
        headers=[FORM, ("Referer", client.origin + "/page")],
        body=b"choice=reject_all",
    )
    assert response.status == 303


@case(
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


@case(
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


@case
def repeated_identical_fields_are_fine(client: Client) -> None:
    response = post_choice(
        client, "choice=save&choice=save&categories=analytics&categories=analytics"
    )
    assert response.status == 303


@case
def body_over_16_kib_is_a_413(client: Client) -> None:
    body = b"choice=accept_all&next=/" + b"a" * (16 * 1024)
    response = client.request(
        "POST", "/_consent", headers=[FORM, ("Origin", client.origin)], body=body
    )
    assert response.status == 413
    assert not response.all("set-cookie")


@case
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


test_hostile_input = table_test(__name__)
