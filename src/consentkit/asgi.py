"""``ConsentMiddleware``: the ASGI adapter of the core.

Pure ASGI (no Starlette base-middleware class, which breaks contextvars and background tasks):
it only translates scopes and messages to and from :mod:`consentkit.core`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .config import Settings
from .core import (
    ADDRESS_HEADERS,
    MAX_BODY,
    REQUEST_HEADERS,
    ConsentCore,
    RequestState,
    RequestView,
    Response,
)
from .inject import Injector
from .state import STATE_KEY

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_HEADER_KEYS = {name.encode("latin-1"): name for name in REQUEST_HEADERS}


def request_view(scope: Scope) -> RequestView:
    """The core's view of an ASGI HTTP request."""
    headers: dict[str, str] = {}
    keys = _HEADER_KEYS
    for raw_name, raw_value in scope["headers"]:
        key = keys.get(raw_name)  # ASGI request header names are lower-case
        if key is None:
            continue
        value = raw_value.decode("latin-1")
        if key in headers:
            value = headers[key] + ("; " if key == "cookie" else ", ") + value
        headers[key] = value
    client = scope.get("client")
    root_path = scope.get("root_path", "")
    path = scope["path"]
    # ASGI says path includes root_path; older servers and frameworks disagree.
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :] or "/"
    return RequestView(
        scope["method"],
        path,
        root_path,
        scope.get("query_string", b"").decode("latin-1"),
        scope.get("scheme", "http"),
        client[0] if client else None,
        headers,
    )


class ConsentMiddleware:
    """Cookie consent for any ASGI app: Starlette, FastAPI, Litestar, Quart, Django (ASGI).

    ``app.add_middleware(ConsentMiddleware, secret_key=KEY)`` or
    ``app = ConsentMiddleware(app, secret_key=KEY)``. The keyword-only options are those of
    :class:`consentkit.config.Settings`; a bad one raises ``ValueError`` here, at start-up.
    """

    def __init__(self, app: ASGIApp, **options: Any) -> None:
        self.app = app
        self.settings = Settings.from_options(**options)
        self.core = ConsentCore(self.settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                send = self._lifespan_send(send)
            await self.app(scope, receive, send)
            return
        view = request_view(scope)
        state = RequestState(self.core, view)
        scope[STATE_KEY] = state
        if self.core.route(view):
            await self._endpoint(state, receive, send)
            return
        masked = state.masked_peer()
        if masked is not None:
            _mask_scope(self.core, scope, view, masked)
        await self.app(scope, receive, _Responder(self.core, state, send).send)

    def _lifespan_send(self, send: Send) -> Send:
        core = self.core

        async def lifespan_send(message: Message) -> None:
            if message["type"] in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
                core.close()
            await send(message)

        return lifespan_send

    async def _endpoint(self, state: RequestState, receive: Receive, send: Send) -> None:
        body: bytes | None = None
        if self.core.wants_body(state.view):
            body = None if self.core.body_too_large(state.view) else await _read_body(receive)
        await send_response(self.core.endpoint(state, body), state.view.method, send)


def _mask_scope(core: ConsentCore, scope: Scope, view: RequestView, masked: str) -> None:
    """Show the app only the truncated address of a visitor without ``location`` consent."""
    client = scope.get("client")
    if client:
        scope["client"] = (masked, client[1])
    if not _ADDRESS_HEADER_SET.isdisjoint(view.headers):
        headers = []
        for name, value in scope["headers"]:
            if name in _ADDRESS_HEADER_BYTES:
                new = core.mask_address_header(name.decode("latin-1"), value.decode("latin-1"))
                if new is None:
                    continue
                value = new.encode("latin-1")
            headers.append((name, value))
        scope["headers"] = headers


_ADDRESS_HEADER_NAMES = (*ADDRESS_HEADERS, "forwarded")
_ADDRESS_HEADER_SET = frozenset(_ADDRESS_HEADER_NAMES)
_ADDRESS_HEADER_BYTES = frozenset(name.encode("latin-1") for name in _ADDRESS_HEADER_NAMES)


async def _read_body(receive: Receive) -> bytes | None:
    """The request body, or ``None`` as soon as it is over ``MAX_BODY``."""
    chunks = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def send_response(response: Response, method: str, send: Send) -> None:
    """Send one of the core's complete responses."""
    headers = [*response.headers, (b"content-length", str(len(response.body)).encode())]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    body = b"" if method == "HEAD" else response.body
    await send({"type": "http.response.body", "body": body})


class _Responder:
    """Applies the core's plan to one response as its messages go by."""

    __slots__ = ("core", "injector", "pending", "plan", "send_downstream", "state")

    def __init__(self, core: ConsentCore, state: RequestState, send: Send) -> None:
        self.core = core
        self.state = state
        self.send_downstream = send
        self.injector: Injector | None = None
        self.pending: Message | None = None
        self.plan: Any = None

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            plan = self.core.response_plan(
                self.state, message["status"], message.get("headers", [])
            )
            if plan is None:
                await self.send_downstream(message)
                return
            if plan.injector is None:
                await self.send_downstream({**message, "headers": plan.headers})
                return
            # Hold the start until the body shows whether it can be rewritten (pathsend can't).
            self.plan = plan
            self.injector = plan.injector
            self.pending = message
            return
        if self.injector is None:
            await self.send_downstream(message)
            return
        if kind == "http.response.body":
            if self.pending is not None:
                await self.send_downstream({**self.pending, "headers": self.plan.headers})
                self.pending = None
            if message.get("more_body", False):
                body = self.injector.feed(message.get("body", b""))
            else:  # the last (often the only) chunk: whole() skips scanning a one-piece body
                body = self.injector.whole(message.get("body", b""))
                self.injector = None
            await self.send_downstream({**message, "body": body})
            return
        if self.pending is not None:
            # A body we cannot rewrite (http.response.pathsend, say): send it as it is.
            await self.send_downstream({**self.pending, "headers": self.plan.plain_headers})
            self.pending = None
            self.injector = None
        await self.send_downstream(message)
