"""In-process drivers for ``consentkit audit``: an ASGI or a WSGI app called directly, with no
server and no network, by visitors that keep their cookies.

:func:`load_app` imports ``MODULE:APP``; :func:`interface_of` tells ASGI from WSGI;
:func:`find_middleware` finds consentkit's middleware inside an app (a Flask app's
``wsgi_app``, a Starlette app's built middleware stack, any ``.app`` chain); :class:`AsgiDriver`
and :class:`WsgiDriver` send one request and return the status and headers.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import io
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ..asgi import ConsentMiddleware
from ..core.cookies import is_deletion, parse_cookie_header, set_cookie_name
from ..wsgi import ConsentWSGIMiddleware

Headers = list[tuple[str, str]]
Response = tuple[int, Headers]
HOST = "audit.consentkit.invalid"
#: Seconds an ASGI app may take to answer one request (a stream that never ends fails).
REQUEST_TIMEOUT = 30.0
ORIGIN = "http://" + HOST
_BROWSER = [
    ("host", HOST),
    ("user-agent", "consentkit-audit/0.1"),
    ("accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"),
    ("accept-language", "th,en;q=0.8"),
]


def load_app(target: str) -> Any:
    """The object ``MODULE:APP`` names (``APP`` may be dotted), imported with the current
    folder on ``sys.path``, as servers do. Raises ``ValueError`` with a reason."""
    module_name, sep, attribute = target.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(f"{target!r} is not MODULE:APP (e.g. myproject.app:app)")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        found: Any = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(f"cannot import {module_name!r}: {error}") from error
    for part in attribute.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise ValueError(f"module {module_name!r} has no {attribute!r}") from None
    return found


def interface_of(app: Any) -> str:
    """``"asgi"`` or ``"wsgi"``: an ASGI app is a coroutine function of three arguments."""
    call = app if inspect.isfunction(app) or inspect.ismethod(app) else type(app).__call__
    if inspect.iscoroutinefunction(call):
        return "asgi"
    try:
        parameters = [p for p in inspect.signature(app).parameters.values() if p.default is p.empty]
    except (TypeError, ValueError):
        return "wsgi"
    return "asgi" if len(parameters) == 3 else "wsgi"


def find_middleware(app: Any) -> ConsentMiddleware | ConsentWSGIMiddleware | None:
    """consentkit's middleware inside ``app``, if any: the app itself, a Flask app's
    ``wsgi_app``, a Starlette app's ``middleware_stack`` (built on its first call), or any
    object reached through ``.app``."""
    seen: set[int] = set()
    todo = [app]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (ConsentMiddleware, ConsentWSGIMiddleware)):
            return current
        for name in ("wsgi_app", "middleware_stack", "app", "_app", "asgi_app", "handler"):
            try:
                todo.append(getattr(current, name, None))
            except Exception:  # a property that fails: not a way in
                continue
    return None


class Visitor:
    """A browser's cookie jar: what the app set, sent back on every later request."""

    def __init__(self) -> None:
        self.jar: dict[str, str] = {}

    def cookie_header(self) -> Headers:
        """The ``Cookie`` header for the next request (none while the jar is empty)."""
        if not self.jar:
            return []
        return [("cookie", "; ".join(f"{k}={v}" for k, v in self.jar.items()))]

    def receive(self, headers: Headers) -> list[str]:
        """Keep a response's cookies; return the names it set to a value (not deletions)."""
        names = []
        for name, value in headers:
            if name.lower() != "set-cookie":
                continue
            raw = value.encode("latin-1")
            cookie = set_cookie_name(raw)
            if is_deletion(raw):
                self.jar.pop(cookie, None)
                continue
            pair = value.split(";", 1)[0]
            self.jar.update(parse_cookie_header(pair))
            names.append(cookie)
        return names


class WsgiDriver:
    """Calls a WSGI app with built environs."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        #: The body of the last response.
        self.last_body = b""

    def start(self) -> None:
        """Nothing to start for WSGI."""

    def stop(self) -> None:
        """Nothing to stop for WSGI."""

    def request(self, method: str, path: str, headers: Headers, body: bytes = b"") -> Response:
        """One request; the status and the response headers (the body is :attr:`last_body`)."""
        path_info, _, query = path.partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": path_info,
            "QUERY_STRING": query,
            "SERVER_NAME": HOST,
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "203.0.113.7",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in [*_BROWSER, *headers]:
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = value
            else:
                environ["HTTP_" + key] = value
        environ["CONTENT_LENGTH"] = str(len(body))
        started: list[Any] = []

        def start_response(status: str, response_headers: Headers, exc_info: Any = None) -> Any:
            started[:] = [status, response_headers]
            return lambda data: None

        result = self.app(environ, start_response)
        try:
            self.last_body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return int(str(started[0]).split()[0]), list(started[1])


class AsgiDriver:
    """Calls an ASGI app with built scopes, after its lifespan start-up, in one event loop."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        #: The body of the last response.
        self.last_body = b""
        self.loop = asyncio.new_event_loop()
        self._lifespan: asyncio.Task[None] | None = None
        self._to_app: asyncio.Queue[dict[str, Any]] | None = None
        self._from_app: asyncio.Queue[dict[str, Any]] | None = None

    def start(self) -> None:
        """Run the lifespan start-up (an app that does not speak lifespan is fine)."""
        self.loop.run_until_complete(self._start())

    async def _start(self) -> None:
        self._to_app, self._from_app = asyncio.Queue(), asyncio.Queue()
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.3"}}
        scope["state"] = {}
        self._lifespan = asyncio.ensure_future(
            self.app(scope, self._to_app.get, self._from_app.put)
        )
        await self._to_app.put({"type": "lifespan.startup"})
        answer = asyncio.ensure_future(self._from_app.get())
        await asyncio.wait([answer, self._lifespan], return_when=asyncio.FIRST_COMPLETED)
        if answer.done() and answer.result()["type"] == "lifespan.startup.failed":
            raise RuntimeError(f"the app's start-up failed: {answer.result().get('message')}")
        if not answer.done():  # the app returned or raised: no lifespan support
            answer.cancel()
            self._lifespan = None

    def stop(self) -> None:
        """Run the lifespan shutdown and close the loop."""
        if self._lifespan is not None and self._to_app is not None:
            self.loop.run_until_complete(self._to_app.put({"type": "lifespan.shutdown"}))
            self.loop.run_until_complete(asyncio.wait([self._lifespan], timeout=5))
        self.loop.close()

    def request(self, method: str, path: str, headers: Headers, body: bytes = b"") -> Response:
        """One request; the status and the response headers (the body is :attr:`last_body`)."""
        return self.loop.run_until_complete(self._request(method, path, headers, body))

    async def _request(self, method: str, path: str, headers: Headers, body: bytes) -> Response:
        path_only, _, query = path.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path_only,
            "raw_path": path_only.encode("latin-1"),
            "root_path": "",
            "query_string": query.encode("latin-1"),
            "headers": [
                (k.lower().encode("latin-1"), v.encode("latin-1"))
                for k, v in [*_BROWSER, *headers, ("content-length", str(len(body)))]
            ],
            "client": ("203.0.113.7", 50312),
            "server": (HOST, 80),
            "state": {},
        }
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        started: list[Response] = []
        chunks: list[bytes] = []

        finished = asyncio.Event()

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            await finished.wait()  # the client stays until the whole response is sent
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                decoded = [
                    (k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]
                ]
                started.append((int(message["status"]), decoded))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    finished.set()

        try:
            await asyncio.wait_for(self.app(scope, receive, send), REQUEST_TIMEOUT)
        except asyncio.TimeoutError:
            raise RuntimeError(
                f"the app took over {REQUEST_TIMEOUT:.0f} s to answer {method} {path}"
            ) from None
        self.last_body = b"".join(chunks)
        if not started:
            raise RuntimeError(f"the app sent no response to {method} {path}")
        return started[0]


def driver_for(app: Any, interface: str) -> AsgiDriver | WsgiDriver:
    """The driver of ``app`` for its interface."""
    return AsgiDriver(app) if interface == "asgi" else WsgiDriver(app)


def form(fields: Sequence[tuple[str, str]]) -> bytes:
    """A form body."""
    from urllib.parse import urlencode

    return urlencode(list(fields)).encode("ascii")
