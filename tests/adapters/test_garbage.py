"""A request through either middleware leaves no reference cycle behind: every object it makes
is freed when the request is done, with no work left for the garbage collector."""

from __future__ import annotations

import gc
import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from consentkit import ConsentMiddleware, ConsentWSGIMiddleware, get_consent

from ..support.apps import OPTIONS

PAGE = "<html><body><p>ร้านผ้าไหม</p></body></html>".encode()


async def asgi_page(scope: Any, receive: Any, send: Any) -> None:
    get_consent(scope).allows("analytics")
    headers = [(b"content-type", b"text/html; charset=utf-8"), (b"set-cookie", b"_ga=GA1.1")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": PAGE})


def wsgi_page(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    get_consent(environ).allows("analytics")
    start_response("200 OK", [("Content-Type", "text/html"), ("Set-Cookie", "_ga=GA1.1")])
    return [PAGE]


def asgi_request(cookie: bytes) -> None:
    middleware = ASGI

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"cookie", cookie),
            (b"x-forwarded-for", b"1.2.3.4"),
        ],
        "client": ("203.0.113.9", 4000),
    }
    # Like uvicorn's per-request cycle, the server's send belongs to an object holding the
    # scope: whatever the middleware puts in the scope must not hold that send.
    server = _RequestCycle(scope)
    coroutine = middleware(scope, receive, server.send)
    with pytest.raises(StopIteration):  # nothing suspends: no event loop needed
        coroutine.send(None)


class _RequestCycle:
    def __init__(self, scope: dict[str, Any]) -> None:
        self.scope = scope

    async def send(self, message: Any) -> None:
        return None


def wsgi_request(cookie: bytes) -> None:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "HTTP_HOST": "testserver",
        "HTTP_COOKIE": cookie.decode("latin-1"),
        "HTTP_X_FORWARDED_FOR": "1.2.3.4",
        "REMOTE_ADDR": "203.0.113.9",
        "wsgi.input": io.BytesIO(),
    }
    body: Iterator[bytes] | Any = WSGI(environ, lambda status, headers, exc_info=None: None)
    b"".join(body)
    getattr(body, "close", lambda: None)()


ASGI = ConsentMiddleware(asgi_page, **OPTIONS)
WSGI = ConsentWSGIMiddleware(wsgi_page, **OPTIONS)


@pytest.mark.parametrize("request_once", [asgi_request, wsgi_request])
def test_no_cycle_is_left_per_request(request_once: Callable[[bytes], None]) -> None:
    decided = ASGI.engine.codec.encode(["analytics"], "1").encode()
    cookies = [b"", b"_ga=GA1.1; theme=dark", b"consentkit=" + decided + b"; _ga=GA1.1"]
    for cookie in cookies:  # warm: caches filled, templates rendered
        request_once(cookie)
    gc.collect()
    gc.disable()
    try:
        for _ in range(20):
            for cookie in cookies:
                request_once(cookie)
        assert gc.collect() == 0
    finally:
        gc.enable()
