"""Clients that send one request to an app and return the whole response, four ways.

``AsgiClient`` and ``WsgiClient`` call the app in-process (the WSGI app wrapped in werkzeug's
``LintMiddleware``); ``HttpClient`` talks HTTP to a real server (uvicorn or werkzeug's) with
``http.client``, which sends headers exactly as given (repeated ``Cookie`` headers included).
The behaviour table runs every case through each.
"""

from __future__ import annotations

import asyncio
import http.client
import io
import sys
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

HeaderList = Sequence[tuple[str, str]]


@dataclass
class Result:
    """One complete response."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    chunks: list[bytes] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or ``None``."""
        values = self.all(name)
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        """Every value of header ``name``."""
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self) -> str:
        """The body as UTF-8 text."""
        return self.body.decode("utf-8")

    def set_cookies(self) -> dict[str, str]:
        """Cookie name to the whole ``Set-Cookie`` value, last one winning."""
        return {v.split("=", 1)[0].strip(): v for v in self.all("set-cookie")}

    def cookie_value(self, name: str) -> str | None:
        """The value a ``Set-Cookie`` gives cookie ``name``, or ``None``."""
        header = self.set_cookies().get(name)
        if header is None:
            return None
        return header.split(";", 1)[0].split("=", 1)[1]


class Client(Protocol):
    """Sends one request and returns the response."""

    name: str
    origin: str

    def request(
        self, method: str, path: str, *, headers: HeaderList = (), body: bytes = b""
    ) -> Result: ...


class AsgiClient:
    """Calls an ASGI app in-process with a built scope."""

    name = "asgi"
    origin = "http://testserver"

    def __init__(self, app: Any, client: tuple[str, int] = ("127.0.0.1", 50000)) -> None:
        self.app = app
        self.client = client

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: HeaderList = (),
        body: bytes = b"",
        scheme: str = "http",
        body_chunks: Sequence[bytes] | None = None,
    ) -> Result:
        target = urlsplit(path)
        raw_headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        if not any(k == b"host" for k, _ in raw_headers):
            raw_headers.insert(0, (b"host", b"testserver"))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": method,
            "scheme": scheme,
            "path": target.path,
            "raw_path": target.path.encode("utf-8"),
            "root_path": "",
            "query_string": target.query.encode("latin-1"),
            "headers": raw_headers,
            "client": self.client,
            "server": ("testserver", 80),
            "extensions": {},
        }
        pieces = list(body_chunks) if body_chunks is not None else [body]
        messages: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            if pieces:
                chunk = pieces.pop(0)
                return {"type": "http.request", "body": chunk, "more_body": bool(pieces)}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            messages.append(message)

        asyncio.run(self.app(scope, receive, send))
        return _from_asgi_messages(messages)


def _from_asgi_messages(messages: list[dict[str, Any]]) -> Result:
    start = next(m for m in messages if m["type"] == "http.response.start")
    chunks = [m.get("body", b"") for m in messages if m["type"] == "http.response.body"]
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start.get("headers", [])]
    return Result(start["status"], headers, b"".join(chunks), chunks)


class WsgiClient:
    """Calls a WSGI app in-process, through werkzeug's ``LintMiddleware``."""

    name = "wsgi"
    origin = "http://testserver"

    def __init__(self, app: Any, lint: bool = True) -> None:
        from werkzeug.middleware.lint import LintMiddleware

        self.app = LintMiddleware(app) if lint else app

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: HeaderList = (),
        body: bytes = b"",
        scheme: str = "http",
    ) -> Result:
        target = urlsplit(path)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": target.path.encode("utf-8").decode("latin-1"),
            "QUERY_STRING": target.query,
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "testserver",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if body:
            environ["CONTENT_LENGTH"] = str(len(body))
        for name, value in headers:
            key = name.upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = "HTTP_" + key
            if key in environ and key.startswith("HTTP_") and key != "HTTP_HOST":
                sep = "; " if key == "HTTP_COOKIE" else ", "
                environ[key] = environ[key] + sep + value
            else:
                environ[key] = value
        status_headers: list[Any] = []
        written: list[bytes] = []

        def start_response(
            status: str, response_headers: list[tuple[str, str]], exc_info: Any = None
        ):
            status_headers[:] = [status, response_headers]
            return written.append

        with warnings.catch_warnings():
            # Two of werkzeug's lint rules are older than RFC 9110, which allows a relative
            # Location and a 204 without Content-Length.
            warnings.filterwarnings("ignore", "Absolute URLs required")
            warnings.filterwarnings("ignore", "204 responses must have an empty content length")
            # The test site's 304 carries a Content-Type on purpose (is it left untouched?).
            warnings.filterwarnings("ignore", "Entity header 'content-type' found in 304")
            if method == "HEAD":  # RFC 9110 9.3.2: a HEAD's Content-Length may be the GET's
                warnings.filterwarnings("ignore", "Content-Length and the number of bytes")
            iterable = self.app(environ, start_response)
            chunks: list[bytes] = []
            try:
                for chunk in iterable:
                    chunks.append(chunk)
            finally:
                close = getattr(iterable, "close", None)
                if close is not None:
                    close()
        all_chunks = [*written, *chunks]
        status, response_headers = status_headers
        return Result(int(status[:3]), list(response_headers), b"".join(all_chunks), all_chunks)


class HttpClient:
    """Talks HTTP/1.1 to a real server at ``base_url``."""

    def __init__(self, base_url: str, name: str) -> None:
        self.base_url = base_url
        self.origin = base_url
        self.name = name
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80

    def request(
        self, method: str, path: str, *, headers: HeaderList = (), body: bytes = b""
    ) -> Result:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            connection.putrequest(method, path, skip_accept_encoding=True)
            for name, value in headers:
                connection.putheader(
                    name, value.encode("latin-1") if isinstance(value, str) else value
                )
            if body or method == "POST":
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body or None)
            response = connection.getresponse()
            data = response.read()
            return Result(response.status, list(response.getheaders()), data, [data])
        finally:
            connection.close()


def cookie_header(cookies: Iterable[tuple[str, str]]) -> str:
    """A ``Cookie`` header value."""
    return "; ".join(f"{k}={v}" for k, v in cookies)
