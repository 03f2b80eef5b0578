"""``ConsentMiddleware``: the ASGI adapter of the core.

Pure ASGI (no Starlette base-middleware class, which breaks contextvars and background tasks):
it only translates scopes and messages to and from :mod:`consentkit.core`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .core import (
    ADDRESS_HEADERS,
    MAX_BODY,
    REQUEST_HEADERS,
    ConsentCore,
    Page,
    RequestState,
    RequestView,
    Response,
    ResponsePlan,
)
from .inject import Injector
from .options import Settings
from .state import STATE_KEY

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_HEADER_KEYS = {name.encode("latin-1"): name for name in REQUEST_HEADERS}


def request_headers(raw: list[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    """An ASGI request's headers as a dict with repeated ones joined (``Cookie`` with ``"; "``,
    which is how HTTP/2 servers may hand it over, others with ``", "``)."""
    headers: dict[bytes, bytes] = {}
    for name, value in raw:
        if name in headers:
            value = headers[name] + (b"; " if name == b"cookie" else b", ") + value
        headers[name] = value
    return headers


class _AsgiState(RequestState):
    """The state of an ASGI request. ``_request`` is ``(scope, headers)``: a copy of the scope
    as the middleware found it (the app may change the scope in place: Starlette's ``Mount``
    changes ``root_path``; and a copy holds no reference back to this state, so no cycle is
    left for the garbage collector), and its headers as a dict."""

    __slots__ = ()

    def _paths(self) -> tuple[str, str]:
        """The root path, and the path below it."""
        scope = self._request[0]
        path: str = scope["path"]
        root_path: str = scope.get("root_path", "")
        # ASGI says path includes root_path; older servers and frameworks disagree.
        if root_path and path.startswith(root_path):
            path = path[len(root_path) :] or "/"
        return root_path, path

    def _build_view(self) -> RequestView:
        scope, raw = self._request
        root_path, path = self._paths()
        keys = _HEADER_KEYS
        return RequestView(
            scope["method"],
            path,
            root_path,
            scope.get("query_string", b"").decode("latin-1"),
            scope.get("scheme", "http"),
            self.peer,
            {keys[name]: value.decode("latin-1") for name, value in raw.items() if name in keys},
        )

    def _build_page(self) -> Page:
        scope, raw = self._request
        root_path, path = self._paths()
        here = root_path + path
        query = scope.get("query_string")
        if query:
            here += "?" + query.decode("latin-1")
        language = raw.get(b"accept-language")
        return (
            scope["method"],
            root_path,
            here,
            None if language is None else language.decode("latin-1"),
            b"hx-request" in raw or b"turbo-frame" in raw,
        )

    def offers_unrewritable_bodies(self) -> bool:
        """Whether the server lets the app send a body that is not bytes in messages."""
        extensions = self._request[0].get("extensions")
        return bool(extensions) and not _UNREWRITABLE.isdisjoint(extensions)


class _Responder:
    """Applies the core's plan to one response as its messages go by.

    Kept apart from the state: the state is in the scope, and the server's ``send`` often
    holds the scope (uvicorn's per-request cycle does), so a state holding that ``send``
    would leave a reference cycle behind every request.
    """

    __slots__ = ("injector", "pending", "plan", "send_downstream", "state")
    pending: Message | None
    plan: ResponsePlan

    def __init__(self, state: _AsgiState, send: Send) -> None:
        self.state = state
        self.send_downstream = send
        self.injector: Injector | None = None  # set while a response is being rewritten
        # pending (a start held until its body comes) and plan are set with the injector.

    def send(self, message: Message) -> Awaitable[None]:
        """The ``send`` the app is given. A plain function returning the downstream send's
        awaitable: a message that passes through costs no coroutine of ours, nor does a body
        that is rewritten while its start is not held."""
        if self.injector is not None:
            if self.pending is None and message["type"] == "http.response.body":
                return self.send_downstream({**message, "body": self._inject(message)})
            return self._rewrite(message)
        if message["type"] != "http.response.start":
            return self.send_downstream(message)
        state = self.state
        plan = state.core.response_plan(state, message["status"], message.get("headers", []))
        if plan is None:
            return self.send_downstream(message)
        if plan.injector is None:
            return self.send_downstream({**message, "headers": plan.headers})
        self.plan = plan
        self.injector = plan.injector
        if state.offers_unrewritable_bodies():
            # The app may answer with a body we cannot rewrite (a file to send by path): hold
            # the start until the body shows which headers it needs.
            self.pending = message
            return _held()
        self.pending = None
        return self.send_downstream({**message, "headers": plan.headers})

    def _inject(self, message: Message) -> bytes:
        """A body message's bytes with the snippet in (the injector is there)."""
        injector = self.injector
        assert injector is not None
        if message.get("more_body", False):
            return injector.feed(message.get("body", b""))
        self.injector = None  # the last (often the only) chunk: nothing more to rewrite
        return injector.whole(message.get("body", b""))

    async def _rewrite(self, message: Message) -> None:
        plan, send = self.plan, self.send_downstream
        if message["type"] == "http.response.body":
            if self.pending is not None:
                await send({**self.pending, "headers": plan.headers})
                self.pending = None
            await send({**message, "body": self._inject(message)})
            return
        if self.pending is not None:
            # A body we cannot rewrite (http.response.pathsend, say): send it as it is.
            await send({**self.pending, "headers": plan.plain_headers})
            self.pending = None
            self.injector = None
        await send(message)


#: ASGI extensions by which an app may send a body that is not bytes in messages.
_UNREWRITABLE = frozenset({"http.response.pathsend", "http.response.zerocopysend"})


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
        core = self.core
        raw = scope["headers"]
        headers = dict(raw)
        if len(headers) != len(raw):  # a name repeated
            headers = request_headers(raw)
        client = scope.get("client")
        peer = client[0] if client else None
        gpc = headers.get(b"sec-gpc")
        path = scope["path"]
        cookie = headers.get(b"cookie")
        visitor = (core.visitors.get(cookie) or core.visitor(cookie)) if cookie else core.nobody
        state = _AsgiState(
            core,
            visitor,
            gpc is not None and gpc.strip() == b"1",
            peer,
            (dict(scope), headers),
        )
        scope[STATE_KEY] = state
        if core.prefix in path and core.route(state.view):
            await self._endpoint(state, receive, send)
            return
        if peer and visitor.masked:  # the usual case, without a call
            masked: str | None = core.truncated.get(peer) or core.truncate(peer)
        else:
            masked = state.masked_peer()
        if masked is not None:
            assert client is not None  # masked_peer() found a peer
            scope["client"] = (masked, client[1])
            if not _ADDRESS_HEADER_BYTES.isdisjoint(headers):
                _mask_headers(core, scope)
        await self.app(scope, receive, _Responder(state, send).send)

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


def _mask_headers(core: ConsentCore, scope: Scope) -> None:
    """Show the app only truncated addresses in the headers that carry the client's."""
    headers = []
    for name, value in scope["headers"]:
        if name in _ADDRESS_HEADER_BYTES:
            new = core.mask_address_header(name.decode("latin-1"), value.decode("latin-1"))
            if new is None:
                continue
            value = new.encode("latin-1")
        headers.append((name, value))
    scope["headers"] = headers


_ADDRESS_HEADER_BYTES = frozenset(
    name.encode("latin-1") for name in (*ADDRESS_HEADERS, "forwarded")
)


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


async def _held() -> None:
    """What the app awaits for an ``http.response.start`` held back until the body comes."""
