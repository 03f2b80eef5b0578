"""Rewriting the response: Content-Length, chunk boundaries, the closing tag, what is left
untouched (encoded, empty, partial, non-HTML, partials for htmx and Turbo, OPTIONS), HEAD,
ETag, Vary, error pages; the real closing tag, and fragments (Trust findings 7, 8 and 10)."""

from __future__ import annotations

from ..support.apps import ROUTES
from ..support.harness import Client
from .helpers import BANNER, vary_tokens
from .table import case, table_test


@case
def content_length_is_fixed(client: Client) -> None:
    response = client.request("GET", "/with-length")
    assert BANNER in response.text
    assert int(response.header("content-length") or -1) == len(response.body)


@case
def body_split_across_chunks(client: Client) -> None:
    for path in ("/stream", "/split-early"):
        text = client.request("GET", path).text
        assert text.count(BANNER) == 1
        assert text.index(BANNER) < text.lower().rindex("</body>"), path


@case
def closing_tag_in_capitals(client: Client) -> None:
    text = client.request("GET", "/upper").text
    assert text.index(BANNER) < text.index("</BODY>")


@case
def page_without_closing_body(client: Client) -> None:
    text = client.request("GET", "/nobody-page").text
    assert text.startswith("<!doctype html><p>ไม่มีแท็กปิด")
    assert BANNER in text


@case
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


@case
def partials_get_no_banner(client: Client) -> None:
    for header in (("HX-Request", "true"), ("Turbo-Frame", "main")):
        response = client.request("GET", "/", headers=[header])
        assert BANNER not in response.text
        assert "cookie" in vary_tokens(response)


@case("path", ["/with-length", "/etag", "/hello", "/items"])
def head_and_get_agree(client: Client, path: str) -> None:
    get = client.request("GET", path)
    head = client.request("HEAD", path)
    assert head.status == get.status == 200
    assert BANNER.encode() not in head.body  # servers drop HEAD bodies; in-process, none added
    # A HEAD cannot show whether the GET's body is a document: no length rather than a wrong one.
    assert head.header("content-length") in (None, get.header("content-length"))
    assert head.header("etag") in (None, get.header("etag"))
    assert vary_tokens(head) == vary_tokens(get)


@case
def options_untouched(client: Client) -> None:
    response = client.request("OPTIONS", "/with-length")
    _, headers, chunks = ROUTES["/with-length"]
    assert response.body == chunks[0] and BANNER.encode() not in response.body
    assert response.header("content-length") == dict(headers)["Content-Length"]


@case
def strong_etag_dropped_weak_kept(client: Client) -> None:
    assert client.request("GET", "/etag").header("etag") is None
    assert client.request("GET", "/weak-etag").header("etag") == 'W/"abc"'


@case
def vary_merged(client: Client) -> None:
    tokens = vary_tokens(client.request("GET", "/vary"))
    assert tokens[0] == "accept-encoding" and "cookie" in tokens
    tokens = vary_tokens(client.request("GET", "/vary-cookie"))
    assert tokens.count("cookie") == 1


@case
def error_pages_get_the_banner(client: Client) -> None:
    response = client.request("GET", "/not-found")
    assert response.status == 404 and BANNER in response.text


@case
def closing_tag_in_a_head_script_split_across_chunks(client: Client) -> None:
    text = client.request("GET", "/script-in-head").text
    assert text.count(BANNER) == 1
    assert text.index("</script>") < text.index(BANNER) < text.rindex("</body>")
    assert 'var end = "</body>";</script>' in text


@case("path", ["/hello", "/items", "/nobody"])
def fragments_get_no_banner_and_keep_their_framing(client: Client, path: str) -> None:
    _, headers, chunks = ROUTES[path]
    response = client.request("GET", path)
    assert response.body == b"".join(chunks)
    assert BANNER.encode() not in response.body and b"consentkit" not in response.body
    declared = dict((k.lower(), v) for k, v in headers)
    if "content-length" in declared:
        assert response.header("content-length") == declared["content-length"]
    assert response.header("etag") == declared.get("etag")


@case
def document_after_a_bom_whitespace_and_a_comment(client: Client) -> None:
    body = client.request("GET", "/bom-comment").body
    assert body.startswith(b"\xef\xbb\xbf\n  <!-- ")
    assert body.count(BANNER.encode()) == 1
    assert body.index(b"-->") < body.index(BANNER.encode()) < body.rindex(b"</body>")


test_rewriting = table_test(__name__)
