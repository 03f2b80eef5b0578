"""The fast paths the benchmarks asked for give the same pages as the general ones."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from consentkit.core.inject import Injector

SNIPPET = "<aside>แบนเนอร์คุกกี้</aside>".encode()
TAGS = [b"</body>", b"</BODY>", b"</Body >", b"</bo", b"</body"]


def streamed(body: bytes) -> bytes:
    injector = Injector(SNIPPET)
    return injector.feed(body) + injector.finish()


#: What opens a comment or a raw-text element: a page that leaves one open before its closing
#: tag is broken, and there the one-piece path trusts the last ``</body`` (docs/limitations.md).
OPENERS = (b"<!--", b"<script", b"<style", b"<textarea", b"<title", b"<iframe", b"<noscript")


def _well_formed(text: bytes) -> bool:
    lowered = text.lower()
    return b"</body" not in lowered and not any(opener in lowered for opener in OPENERS)


@given(
    st.binary(max_size=120).filter(_well_formed),
    st.sampled_from(TAGS),
    st.binary(max_size=120).filter(lambda b: b"</body" not in b.lower()),
)
def test_whole_body_matches_streaming_with_one_closing_tag(a: bytes, tag: bytes, b: bytes) -> None:
    body = b"<html>" + a + tag + b
    assert Injector(SNIPPET).whole(body) == streamed(body)


def test_whole_body_without_closing_tag_appends() -> None:
    body = "<!doctype html><p>สวัสดี</p>".encode()
    assert Injector(SNIPPET).whole(body) == body + SNIPPET


def test_whole_body_goes_before_the_real_closing_tag() -> None:
    body = b'<body><script>var s = "</body>";</script><p>x</p></BODY></html>'
    result = Injector(SNIPPET).whole(body)
    assert result == body.replace(b"</BODY>", SNIPPET + b"</BODY>")
    assert result.count(SNIPPET) == 1


def test_whole_after_feeding_falls_back_to_streaming() -> None:
    injector = Injector(SNIPPET)
    page = "<html><body><p>ก</p></body></html>".encode()
    cut = page.index(b"</body") + 4
    first = injector.feed(page[:cut])
    rest = injector.whole(page[cut:])
    assert first + rest == page.replace(b"</body>", SNIPPET + b"</body>")


def test_wsgi_one_piece_body_without_content_length_gets_the_banner_before_body() -> None:
    from benchmarks.wsgi_inprocess import build_environ, call
    from consentkit import ConsentWSGIMiddleware

    page = '<html><body><script>var s = "</body>";</script><p>สวัสดี</p></body></html>'.encode()

    def app(environ: dict[str, object], start_response: object) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])  # type: ignore[operator]
        return [page]

    wrapped = ConsentWSGIMiddleware(app, secret_key="x" * 40)
    _, _, body = call(wrapped, build_environ("/"))
    banner_at = body.index(b'id="consentkit-banner"')
    assert body.index(b"<p>") < banner_at < body.rindex(b"</body>")
    assert body.count(b'id="consentkit-banner"') == 1
