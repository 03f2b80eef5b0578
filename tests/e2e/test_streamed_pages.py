"""Streamed pages through real uvicorn: a page the app does not frame (no Content-Length) has its
headers sent at once, before its body exists; a document still gets the banner before its
``</body>``, a fragment passes byte for byte."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from consentkit import ConsentMiddleware

from ..support.apps import OPTIONS
from ..support.servers import serve_asgi

DOCUMENT = (b"<!doctype html><html lang=th><body><p>", "สวัสดีครับ".encode(), b"</p></body></html>")
FRAGMENT = ("<h2>รายการ".encode(), "สินค้า</h2>".encode())
#: What the app writes when nobody asked for its body within the wait: the start was held.
LATE = b"<!-- late -->"


def streaming_site(go: threading.Event) -> Starlette:
    """``/`` streams a document and ``/fragment`` a fragment, each only once ``go`` is set
    (the client sets it when it has the response's headers)."""

    def streamed(parts: tuple[bytes, ...]) -> StreamingResponse:
        async def body() -> AsyncIterator[bytes]:
            released = await asyncio.to_thread(go.wait, 5)
            yield parts[0] + (b"" if released else LATE)
            for part in parts[1:]:
                yield part

        return StreamingResponse(body(), media_type="text/html; charset=utf-8")

    async def document(request: Request) -> StreamingResponse:
        return streamed(DOCUMENT)

    async def fragment(request: Request) -> StreamingResponse:
        return streamed(FRAGMENT)

    return Starlette(routes=[Route("/", document), Route("/fragment", fragment)])


@pytest.mark.parametrize(("path", "parts"), [("/", DOCUMENT), ("/fragment", FRAGMENT)])
def test_a_streamed_page_gets_its_headers_before_its_body(
    path: str, parts: tuple[bytes, ...]
) -> None:
    go = threading.Event()
    with (
        serve_asgi(ConsentMiddleware(streaming_site(go), **OPTIONS)) as base,
        httpx.stream("GET", base + path, timeout=20) as response,  # back once headers came
    ):
        go.set()
        body = response.read()
    assert LATE not in body, "the start waited for the body"
    assert response.status_code == 200
    assert "content-length" not in response.headers
    assert response.headers["transfer-encoding"] == "chunked"
    assert response.headers["vary"] == "Cookie, Accept-Language"
    page = b"".join(parts)
    if path == "/":
        index = body.index(b'id="consentkit-banner"')
        assert index < body.index(b"</body>") and body.endswith(b"</body></html>")
        assert body.startswith(parts[0]) and "สวัสดีครับ".encode() in body
    else:
        assert body == page
