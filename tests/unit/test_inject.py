"""The streaming injector: any chunking gives the same page as the whole body."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from consentkit.core.inject import Injector

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


BODIES = st.one_of(
    st.binary(max_size=200),
    st.builds(
        lambda a, tag, b: a + tag + b,
        st.binary(max_size=100),
        st.sampled_from([b"</body>", b"</BODY>", b"</Body >", b"</bo", b"</body"]),
        st.binary(max_size=100),
    ),
)


@given(BODIES, st.lists(st.integers(min_value=0, max_value=300), max_size=10))
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


def test_tag_split_one_byte_at_a_time() -> None:
    body = "<p>สวัสดี</p></body></html>".encode()
    result, _ = run([body[i : i + 1] for i in range(len(body))])
    assert result == inject_whole(body)


def test_inserted_once() -> None:
    result, _ = run([b"<body>a</body>", b"<body>b</body>"])
    assert result.count(SNIPPET) == 1
