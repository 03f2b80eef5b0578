"""``ConsentWSGIMiddleware``: the WSGI adapter of the core.

Handles what WSGI allows an app to do: call ``start_response`` late (from inside its
iterable), write through the ``write()`` callable, pass ``exc_info``; and always calls the
app iterable's ``close()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from types import TracebackType
from typing import Any

from .core import (
    ADDRESS_HEADERS,
    MAX_BODY,
    REQUEST_HEADERS,
    ConsentCore,
    Headers,
    Page,
    RequestState,
    RequestView,
    ResponsePlan,
)
from .inject import Injector
from .options import Settings
from .state import STATE_KEY

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_ENVIRON_KEYS = {
    (
        "CONTENT_TYPE"
        if n == "content-type"
        else "CONTENT_LENGTH"
        if n == "content-length"
        else "HTTP_" + n.upper().replace("-", "_")
    ): n
    for n in REQUEST_HEADERS
}


def _wsgi_str(value: str) -> str:
    """A PEP 3333 "bytes as latin-1" string, as the text it really is (UTF-8)."""
    if value.isascii():  # the usual path: the same either way
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


class _WsgiState(RequestState):
    """The state of a WSGI request. ``_request`` is a copy of the environ as the middleware
    found it: the app may change the environ in place (a dispatcher changes ``SCRIPT_NAME``
    and ``PATH_INFO``; masking changes the addresses), and a copy holds no reference back to
    this state, so no cycle is left for the garbage collector."""

    def _build_view(self) -> RequestView:
        environ = self._request
        headers = {}
        for environ_key, name in _ENVIRON_KEYS.items():
            value = environ.get(environ_key)
            if value:
                headers[name] = value
        return RequestView(
            environ.get("REQUEST_METHOD", "GET"),
            _wsgi_str(environ.get("PATH_INFO", "")) or "/",
            _wsgi_str(environ.get("SCRIPT_NAME", "")),
            environ.get("QUERY_STRING", ""),
            environ.get("wsgi.url_scheme", "http"),
            self.peer,
            headers,
        )

    def _build_page(self) -> Page:
        environ = self._request
        root_path = _wsgi_str(environ.get("SCRIPT_NAME", ""))
        here = root_path + (_wsgi_str(environ.get("PATH_INFO", "")) or "/")
        query = environ.get("QUERY_STRING")
        if query:
            here += "?" + query
        return (
            environ.get("REQUEST_METHOD", "GET"),
            root_path,
            here,
            environ.get("HTTP_ACCEPT_LANGUAGE"),
            "HTTP_HX_REQUEST" in environ or "HTTP_TURBO_FRAME" in environ,
        )


def _to_bytes(headers: list[tuple[str, str]]) -> Headers:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]


def _to_str(headers: Headers) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers]


def _read_body(environ: dict[str, Any]) -> bytes | None:
    """The request body, or ``None`` when it is over ``MAX_BODY``."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH", "")
    if length.isdigit():
        body: bytes = stream.read(min(int(length), MAX_BODY + 1))
    else:
        # No length: read what the server gives, bounded (chunked bodies, PEP 3333 servers).
        body = stream.read(MAX_BODY + 1) if environ.get("wsgi.input_terminated") else b""
    return None if len(body) > MAX_BODY else body


class ConsentWSGIMiddleware:
    """Cookie consent for any WSGI app: Flask, Django (WSGI), Pyramid, Bottle, ...

    ``app.wsgi_app = ConsentWSGIMiddleware(app.wsgi_app, secret_key=KEY)``. The keyword-only
    options are those of :class:`consentkit.ConsentMiddleware`; a bad one raises ``ValueError``
    here, at start-up.
    """

    def __init__(self, app: WSGIApp, **options: Any) -> None:
        self.app = app
        self.settings = Settings.from_options(**options)
        self.core = ConsentCore(self.settings)

    def close(self) -> None:
        """Flush and close what the middleware holds open (the statistics store)."""
        self.core.close()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        core = self.core
        path = environ.get("PATH_INFO", "")
        peer = environ.get("REMOTE_ADDR")
        gpc = environ.get("HTTP_SEC_GPC")
        state = _WsgiState(
            core,
            core.visitor(environ.get("HTTP_COOKIE")),
            gpc is not None and gpc.strip() == "1",
            peer,
            environ.copy(),
        )
        environ[STATE_KEY] = state
        if core.prefix in path and core.route(state.view):
            return self._endpoint(state, environ, start_response)
        masked = state.masked_peer()
        if masked is not None:
            environ["REMOTE_ADDR"] = masked
            if not _ADDRESS_KEYS.keys().isdisjoint(environ):
                _mask_environ(core, environ)
        responder = _Responder(core, state, start_response)
        iterable = self.app(environ, responder.start_response)
        if responder.started and responder.injector is None:
            return iterable  # nothing to rewrite: keep the app's iterable (and file_wrapper)
        if responder.started and isinstance(iterable, (list, tuple)) and len(iterable) == 1:
            responder.length = len(iterable[0])  # one piece: the whole body (see whole())
        return _RewrittenBody(iterable, responder)

    def _endpoint(
        self, state: RequestState, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        core = self.core
        view = state.view
        body = None
        if core.wants_body(view):
            body = None if core.body_too_large(view) else _read_body(environ)
        response = core.endpoint(state, body)
        headers = [*response.headers, (b"content-length", str(len(response.body)).encode())]
        start_response(_status_line(response.status), _to_str(headers))
        return [] if view.method == "HEAD" else [response.body]


_ADDRESS_KEYS = {"HTTP_" + n.upper().replace("-", "_"): n for n in (*ADDRESS_HEADERS, "forwarded")}


def _mask_environ(core: ConsentCore, environ: dict[str, Any]) -> None:
    """Show the app only truncated addresses in the headers that carry the client's."""
    for key, name in _ADDRESS_KEYS.items():
        value = environ.get(key)
        if value is not None:
            new = core.mask_address_header(name, value)
            if new is None:
                del environ[key]
            else:
                environ[key] = new


class _Responder:
    __slots__ = (
        "core",
        "injector",
        "length",
        "start_response_downstream",
        "started",
        "state",
        "write",
    )

    def __init__(self, core: ConsentCore, state: RequestState, start_response: StartResponse):
        self.core = core
        self.state = state
        self.start_response_downstream = start_response
        self.injector: Injector | None = None
        self.length = -1  # the body's declared Content-Length, when it is being rewritten
        self.started = False
        self.write: Callable[[bytes], object] | None = None

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
    ) -> Callable[[bytes], object]:
        try:
            code = int(status[:3])
        except ValueError:
            code = 500
        plan: ResponsePlan | None = None
        is_html = sets_cookie = False
        for name, value in headers:
            lowered = name.lower()
            if lowered == "content-type":
                is_html = value[:9].lower() == "text/html"
            elif lowered == "set-cookie":
                sets_cookie = True
        if self.core.touches(self.state, is_html, sets_cookie):
            plan = self.core.response_plan(self.state, code, _to_bytes(headers))
        self.injector = plan.injector if plan is not None else None
        if self.injector is not None:
            for name, value in headers:
                if name.lower() == "content-length" and value.isdigit():
                    self.length = int(value)
        if plan is not None:
            headers = _to_str(plan.headers)
        self.started = True
        if exc_info is not None:
            write = self.start_response_downstream(status, headers, exc_info)
        else:
            write = self.start_response_downstream(status, headers)
        self.write = write
        if self.injector is None:
            return write
        return self._write

    def _write(self, data: bytes) -> None:
        out = self.injector.feed(data) if self.injector is not None else data
        if out and self.write is not None:
            self.write(out)


class _RewrittenBody:
    """The app's iterable, with the snippet injected; ``close()`` always reaches the app's."""

    def __init__(self, iterable: Iterable[bytes], responder: _Responder) -> None:
        self._iterable = iterable
        self._responder = responder

    def __iter__(self) -> Iterator[bytes]:
        responder = self._responder
        for chunk in self._iterable:
            injector = responder.injector
            if injector is None:
                yield chunk
                continue
            if len(chunk) == responder.length:  # the whole body at once: no need to scan it
                responder.injector = None
                yield injector.whole(chunk)
                continue
            out = injector.feed(chunk)
            if out:
                yield out
        injector = responder.injector
        if injector is not None:
            responder.injector = None
            yield injector.finish()

    def close(self) -> None:
        close = getattr(self._iterable, "close", None)
        if close is not None:
            close()


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"
