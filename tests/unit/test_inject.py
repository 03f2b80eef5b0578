"""The streaming injector: any chunking gives the same page as the whole body; only a whole
document gets the snippet."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from consentkit.core.inject import DECIDE_WITHIN, Injector

SNIPPET = "<aside>แบนเนอร์</aside>".encode()


#: A closing tag: its name ends at whitespace, ``/`` or ``>`` (not at the end of the body).
CLOSING = re.compile(rb"</body[\t\n\f\r />]", re.IGNORECASE)


def inject_whole(body: bytes) -> bytes:
    """For bodies without comments or raw-text elements: before the first closing tag."""
    match = CLOSING.search(body)
    if match is None:
        return body + SNIPPET
    return body[: match.start()] + SNIPPET + body[match.start() :]


def run(chunks: list[bytes]) -> tuple[bytes, list[bytes]]:
    injector = Injector(SNIPPET)
    out = [injector.feed(chunk) for chunk in chunks]
    out.append(injector.finish())
    return b"".join(out), out


DOCTYPE = b"<!doctype html>"
BODIES = st.one_of(
    st.binary(max_size=200).map(DOCTYPE.__add__),
    st.builds(
        lambda a, tag, b: DOCTYPE + a + tag + b,
        st.binary(max_size=100),
        st.sampled_from([b"</body>", b"</BODY>", b"</Body >", b"</bo", b"</body"]),
        st.binary(max_size=100),
    ),
)


#: What makes inject_whole's oracle wrong (a comment or raw-text element can hide a tag):
#: tests/security/test_injection.py covers those against a byte-by-byte reference.
HIDING = re.compile(rb"<!--|<(?:script|style|textarea|title|iframe|noscript)", re.IGNORECASE)


@given(
    BODIES.filter(lambda body: HIDING.search(body) is None),
    st.lists(st.integers(min_value=0, max_value=300), max_size=10),
)
def test_any_chunking_gives_the_whole_body_result(body: bytes, cuts: list[int]) -> None:
    points = sorted({min(c, len(body)) for c in cuts})
    chunks = [body[a:b] for a, b in zip([0, *points], [*points, len(body)], strict=True)]
    result, _ = run(chunks)
    assert result == inject_whole(body)
    assert len(result) == len(body) + len(SNIPPET)


def test_streaming_is_not_buffered() -> None:
    injector = Injector(SNIPPET)
    first = injector.feed(b"<html><body>" + b"x" * 10_000)
    assert len(first) >= 10_000  # all but a few bytes go out at once
    assert injector.document is True


def test_tag_split_one_byte_at_a_time() -> None:
    body = "<body><p>สวัสดี</p></body></html>".encode()
    result, _ = run([body[i : i + 1] for i in range(len(body))])
    assert result == inject_whole(body)


def test_inserted_once() -> None:
    result, _ = run([b"<body>a</body>", b"<body>b</body>"])
    assert result.count(SNIPPET) == 1


#: Starts of whole documents: the first tag, after a BOM, whitespace and comments.
DOCUMENT_STARTS = [
    b"<!DOCTYPE html><p>",
    b"<!doctype html>",
    b"<html>",
    b"<HTML lang=th>",
    b"<head>",
    b"<body class=x>",
    b"<html\n",
    b"\xef\xbb\xbf<!doctype html>",
    " \n\t<!-- สวัสดี -- > --> <html>".encode(),
    b"<!--><html>",
    b"<!---><html>",
    b"<!-- a --!><body>",
    b"<?xml version='1.0'?>\n<!DOCTYPE html>",
]
#: Fragments: the first tag is another one, or text comes first, or there is no tag at all.
FRAGMENTS = [
    b"Hello, World!",
    "<h1>รายการ</h1><p>สินค้า</p></body>".encode(),
    b"<header>x</header></body>",
    b"<htmlx></body>",
    b"<bodyguard></body>",
    b"x<html></body>",
    b"<!-- a --> x <!-- b --> <html></body>",
    b"<!--> x --> <html></body>",
    b"<!-- never closed <html></body>",
    b"",
    b"   \n",
    b"\xef\xbb",
    b"<!doctyp",
    b"<" + b" " * 5000 + b"html></body>",
]


def test_only_a_whole_document_gets_the_snippet() -> None:
    for start in DOCUMENT_STARTS:
        body = start + "<p>สวัสดี</p></body>".encode()
        assert Injector(SNIPPET).whole(body).count(SNIPPET) == 1, body
        result, _ = run([body[i : i + 1] for i in range(len(body))])
        assert result.count(SNIPPET) == 1, body
    for body in FRAGMENTS:
        assert Injector(SNIPPET).whole(body) == body, body
        result, _ = run([body[i : i + 7] for i in range(0, len(body), 7)])
        assert result == body, body


def test_a_first_tag_past_the_limit_makes_a_fragment() -> None:
    comment = b"<!--" + b"x" * DECIDE_WITHIN + b"-->"
    assert Injector(SNIPPET).whole(comment + b"<html></body>").count(SNIPPET) == 0
    near = b"<!--" + b"x" * (DECIDE_WITHIN - 20) + b"-->"
    assert Injector(SNIPPET).whole(near + b"<html></body>").count(SNIPPET) == 1


def test_the_start_is_held_only_until_it_shows_a_document() -> None:
    injector = Injector(SNIPPET)
    assert injector.feed(b"  <!-- ") == b"" and injector.document is None
    assert injector.feed(b"--> <!DOC") == b"" and injector.document is None
    out = injector.feed(b"TYPE html><body>" + b"x" * 100)
    assert injector.document is True and out.startswith(b"  <!-- --> <!DOCTYPE html><body>x")
    injector = Injector(SNIPPET)
    assert injector.feed(b"\n") == b"" and injector.feed(b"<h1>") == b"\n<h1>"
    assert injector.document is False and injector.feed(b"</body>") == b"</body>"
    assert injector.finish() == b""
