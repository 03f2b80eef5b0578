"""The corners of WSGI through ConsentWSGIMiddleware, under werkzeug's LintMiddleware."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

from consentkit import ConsentWSGIMiddleware, get_consent

from ..support.apps import OPTIONS
from ..support.harness import WsgiClient

BANNER = b'id="consentkit-banner"'
HTML = [("Content-Type", "text/html; charset=utf-8")]


class ClosingBody:
    """An app iterable that records whether ``close()`` was called."""

    def __init__(self, chunks: list[bytes], fail_at: int | None = None) -> None:
        self.chunks = chunks
        self.fail_at = fail_at
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        for index, chunk in enumerate(self.chunks):
            if index == self.fail_at:
                raise RuntimeError("แอปล่ม")
            yield chunk

    def close(self) -> None:
        self.closed = True


def test_start_response_called_late_from_the_iterable() -> None:
    def app(environ: Any, start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", HTML)
        yield b"<html><body>"
        yield "<p>สวัสดี</p></body></html>".encode()

    body = WsgiClient(ConsentWSGIMiddleware(app, **OPTIONS)).request("GET", "/").body
    assert body.index(BANNER) < body.index(b"</body>")


def test_write_callable() -> None:
    def app(environ: Any, start_response: Any) -> list[bytes]:
        write = start_response("200 OK", HTML)
        write(b"<html><body><p>written</p></bo")
        return [b"dy></html>"]

    body = WsgiClient(ConsentWSGIMiddleware(app, **OPTIONS), lint=False).request("GET", "/").body
    assert body.startswith(b"<html><body><p>written</p>")
    assert body.count(BANNER) == 1 and body.index(BANNER) < body.index(b"</body>")


def test_exc_info_replaces_the_headers_before_the_body() -> None:
    def app(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", HTML)
        try:
            raise ValueError("เกิดข้อผิดพลาด")
        except ValueError:
            start_response(
                "500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info()
            )
        return [b"error"]

    response = WsgiClient(ConsentWSGIMiddleware(app, **OPTIONS)).request("GET", "/")
    assert response.status == 500 and response.body == b"error"


@pytest.mark.parametrize("headers", [HTML, [("Content-Type", "application/json")]])
def test_close_is_always_called(headers: list[tuple[str, str]]) -> None:
    body = ClosingBody([b"<html><body>", b"</body></html>"])

    def app(environ: Any, start_response: Any) -> ClosingBody:
        start_response("200 OK", headers)
        return body

    WsgiClient(ConsentWSGIMiddleware(app, **OPTIONS)).request("GET", "/")
    assert body.closed


def test_close_is_called_when_the_app_fails_midway() -> None:
    body = ClosingBody([b"<html><body>", b"more", b"</body>"], fail_at=1)

    def app(environ: Any, start_response: Any) -> ClosingBody:
        start_response("200 OK", HTML)
        return body

    with pytest.raises(RuntimeError, match="แอปล่ม"):
        WsgiClient(ConsentWSGIMiddleware(app, **OPTIONS), lint=False).request("GET", "/")
    assert body.closed


def test_untouched_responses_keep_the_apps_iterable() -> None:
    body = ClosingBody([b"{}"])

    def app(environ: Any, start_response: Any) -> ClosingBody:
        start_response("200 OK", [("Content-Type", "application/json")])
        return body

    middleware = ConsentWSGIMiddleware(app, **OPTIONS)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "wsgi.url_scheme": "http"}
    assert middleware(environ, lambda status, headers, exc_info=None: None) is body


def test_get_consent_from_the_environ_and_a_werkzeug_request() -> None:
    from werkzeug.wrappers import Request

    seen = []

    def app(environ: Any, start_response: Any) -> list[bytes]:
        seen.append((get_consent(environ).decided, get_consent(Request(environ)).gpc))
        start_response("204 No Content", [])
        return []

    WsgiClient(ConsentWSGIMiddleware(app, **OPTIONS)).request(
        "GET", "/", headers=[("Sec-GPC", "1")]
    )
    assert seen == [(False, True)]


def test_thai_path_is_kept_as_next() -> None:
    def app(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", HTML)
        return [b"<body></body>"]

    body = WsgiClient(ConsentWSGIMiddleware(app, **OPTIONS)).request("GET", "/เมนู").text
    assert 'value="/เมนู"' in body


def test_the_app_sees_only_a_truncated_ip_without_location_consent() -> None:
    seen = []

    def app(environ: Any, start_response: Any) -> list[bytes]:
        seen.append(
            (environ["REMOTE_ADDR"], environ.get("HTTP_X_REAL_IP"), "HTTP_FORWARDED" in environ)
        )
        start_response("204 No Content", [])
        return []

    middleware = ConsentWSGIMiddleware(app, **OPTIONS)
    client = WsgiClient(middleware)
    headers = [("X-Real-IP", "2001:db8:abcd:12::7"), ("Forwarded", "for=198.51.100.23")]
    client.request("GET", "/", headers=headers)
    cookie = middleware.engine.codec.encode(["location"], "1")
    client.request("GET", "/", headers=[*headers, ("Cookie", f"consentkit={cookie}")])
    assert seen == [
        ("127.0.0.0", "2001:db8:abcd::", False),
        ("127.0.0.1", "2001:db8:abcd:12::7", True),
    ]


def test_links_use_the_paths_the_middleware_saw_under_a_dispatcher() -> None:
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    def shop(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", HTML)  # here SCRIPT_NAME is /shop and PATH_INFO /menu
        return ["<html><body>ร้าน</body></html>".encode()]

    site = DispatcherMiddleware(shop, {"/shop": shop})
    client = WsgiClient(ConsentWSGIMiddleware(site, **OPTIONS))
    body = client.request("GET", "/shop/menu").body
    assert b'action="/_consent"' in body and b'value="/shop/menu"' in body


class Downstream:
    """A server's ``start_response`` that records its calls and what is written."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[tuple[str, str]], Any]] = []
        self.written: list[bytes] = []

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        self.calls.append((status, headers, exc_info))
        return self.written.append


ENVIRON = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "wsgi.url_scheme": "http"}


def test_written_bytes_decide_the_start_and_a_fragment_keeps_its_length() -> None:
    seen: list[int] = []
    downstream = Downstream()

    def app(environ: Any, start_response: Any) -> list[bytes]:
        write = start_response("200 OK", [*HTML, ("Content-Length", "13")])
        write(b"  ")
        seen.append(len(downstream.calls))  # whitespace cannot tell: still held
        write(b"Hello, World!"[2:])
        seen.append(len(downstream.calls))
        return []

    iterable = ConsentWSGIMiddleware(app, **OPTIONS)(dict(ENVIRON), downstream)
    assert b"".join(iterable) == b""
    assert seen == [0, 1]
    assert ("content-length", "13") in downstream.calls[0][1]
    assert b"".join(downstream.written) == b"  llo, World!"


def test_written_document_gets_the_banner_and_its_length() -> None:
    page = '<!doctype html><head><script>s = "</body>"</script><body>เขียน</body>'.encode()
    downstream = Downstream()

    def app(environ: Any, start_response: Any) -> list[bytes]:
        write = start_response("200 OK", [*HTML, ("Content-Length", str(len(page)))])
        write(page[:10])
        write(page[10:])
        return []

    rest = b"".join(ConsentWSGIMiddleware(app, **OPTIONS)(dict(ENVIRON), downstream))
    body = b"".join(downstream.written) + rest  # the held tail comes through the iterable
    assert body.count(BANNER) == 1
    assert body.index(b"</script>") < body.index(BANNER) < body.rindex(b"</body>")
    assert dict(downstream.calls[0][1])["content-length"] == str(len(body))


def test_a_held_start_replaced_with_exc_info_goes_down_once_with_it() -> None:
    downstream = Downstream()

    def app(environ: Any, start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", HTML)
        try:
            raise ValueError("เกิดข้อผิดพลาด")
        except ValueError:
            start_response("500 Internal Server Error", HTML, sys.exc_info())
        yield "<!doctype html><body>ขออภัย</body>".encode()

    body = b"".join(ConsentWSGIMiddleware(app, **OPTIONS)(dict(ENVIRON), downstream))
    [(status, _, exc_info)] = downstream.calls
    assert status.startswith("500") and exc_info is not None and exc_info[0] is ValueError
    assert BANNER in body


def test_flask_s_own_options_answer_is_left_alone() -> None:
    import flask

    app = flask.Flask(__name__)

    @app.get("/")
    def home() -> str:
        return "<!doctype html><html><body>หน้าแรก</body></html>"

    client = WsgiClient(ConsentWSGIMiddleware(app.wsgi_app, **OPTIONS))
    response = client.request("OPTIONS", "/")
    assert response.status == 200 and "GET" in (response.header("allow") or "")
    assert response.body == b"" and response.header("content-length") == "0"
    assert BANNER in client.request("GET", "/").body
