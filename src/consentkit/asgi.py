"""``ConsentMiddleware``: consentkit for ASGI apps.

Pure ASGI (no Starlette base-middleware class, which breaks contextvars and background
tasks), and protocol translation only: it reads a scope into request facts, hands them to
the engine, applies the engine's plan to the response messages, and reads and sends bodies.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Awaitable, Callable, Generator, MutableMapping
from typing import Any

from .consent_log import ConsentLog, keep_choice_async
from .core.endpoints import MAX_BODY, Response
from .core.engine import Engine
from .core.exchange import Exchange
from .core.inject import Injector
from .core.planning import ResponsePlan
from .core.request import MASKED_HEADERS, REQUEST_HEADERS, RequestFacts
from .diagnostics import log_start
from .lookup import EXCHANGE_KEY
from .options import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ConsentMiddleware:
    """Cookie consent for any ASGI app: Starlette, FastAPI, Litestar, Quart, Django (ASGI).

    ``app.add_middleware(ConsentMiddleware, secret_key=KEY)`` or
    ``app = ConsentMiddleware(app, secret_key=KEY)``. The keyword-only options are those of
    :data:`consentkit.options.OPTIONS`; a bad one raises ``ValueError`` here, at start-up.
    Inside a running event loop (Starlette and FastAPI build their middleware on the first
    ASGI call, where raising would not stop the server), the constructor returns a
    :class:`~consentkit.startup.MisconfiguredMiddleware` instead, which fails the server's
    lifespan start-up with the message.
    """

    app: ASGIApp
    settings: Settings
    engine: Engine
    #: Delivers each recorded choice to ``on_consent`` (``None`` without one).
    consent_log: ConsentLog | None

    def __new__(cls, app: ASGIApp, **options: Any) -> ConsentMiddleware:
        # Built here rather than in __init__, so that a failure can give another object.
        if "litestar" in sys.modules:  # not a place it works in: refused even in an event loop
            from .placement import refuse_litestar_route_middleware

            refuse_litestar_route_middleware(app)
        self = super().__new__(cls)
        try:
            self.app = app
            self.settings = Settings.from_options(**options)
            self.engine = Engine(self.settings)
            on_consent = self.settings.on_consent
            self.consent_log = ConsentLog(on_consent) if on_consent is not None else None
            log_start(self.settings, "ASGI")
        except Exception as error:
            from .startup import MisconfiguredMiddleware, in_running_event_loop

            if not in_running_event_loop():
                raise
            return MisconfiguredMiddleware.instead_of(app, error)
        return self

    def __init__(self, app: ASGIApp, **options: Any) -> None:
        """Wrap ``app``; see the class. Everything is built by ``__new__``, with these same
        arguments (a subclass that changes the options does so in ``__new__``)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            if kind == "lifespan":
                send = self._lifespan_send(send)
            await self.app(scope, receive, send)
            return
        # The request's facts, read here (not in a helper: a call per request saved). A
        # WebSocket's handshake is a request too: it gets its facts and exchange (so that
        # get_consent() works in a WebSocket handler) and the same masking.
        raw = scope["headers"]
        headers = dict(raw)
        if len(headers) != len(raw):  # a name repeated
            headers = _joined(raw)
        path: str = scope["path"]
        root_path: str = scope.get("root_path", "")
        if root_path and path.startswith(root_path):  # ASGI's path includes it; not all agree
            path = path[len(root_path) :] or "/"
        client = scope.get("client")
        query = scope.get("query_string")
        request = RequestFacts(
            scope["method"] if kind == "http" else "GET",  # a WebSocket's handshake is a GET
            root_path,
            path,
            query.decode("latin-1") if query else "",
            scope.get("scheme") or _DEFAULT_SCHEME[kind],
            client[0] if client else None,
            headers,
            _HEADER_KEYS,
        )
        x = Exchange(self.engine, request)
        scope[EXCHANGE_KEY] = x  # where get_consent() finds it
        # Masked in place, before anything else, on every path: the server logs from this
        # very scope (uvicorn, hypercorn), so it logs the address the app is shown. The
        # request's facts keep the original for consentkit's own use.
        if x.masking:  # the peer inline (every masked request), the rest when there is some
            if x.masked_peer is not None:
                scope["client"] = (x.masked_peer, client[1])  # type: ignore[index]
            if not _MASKED_HEADER_NAMES.isdisjoint(headers):
                scope["headers"] = masked_headers(raw, x)
        if b"x-forwarded-for" in headers and self.engine.addresses.watches_server_proxy:
            self.engine.addresses.notice_server_proxy(request)
        if kind == "websocket":  # no endpoint, no response to rewrite
            await self.app(scope, receive, send)
        elif x.is_endpoint:
            await self._answer(x, scope, receive, send)
        else:
            await self.app(scope, receive, _SendRewriter(x, send).send)

    async def _answer(self, x: Exchange, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _read_body(receive) if self.engine.reads_body(x) else None
        response = self.engine.answer(x, body)
        if response.record is not None:  # stored, then on_consent, before the answer goes
            await keep_choice_async(self.engine.recorder, self.consent_log, response.record)
        if x.masks_after_withdrawal():
            _mask(scope, x)
        await send_response(response, send)

    def _lifespan_send(self, send: Send) -> Send:
        engine, consent_log = self.engine, self.consent_log

        async def lifespan_send(message: Message) -> None:
            if message["type"] in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
                if consent_log is not None:
                    await consent_log.drain()
                engine.close()
            await send(message)

        return lifespan_send


#: Where each header the core reads is found in the request's header dict.
_HEADER_KEYS = {name: name.encode("latin-1") for name in REQUEST_HEADERS}
_MASKED_HEADER_NAMES = frozenset(name.encode("latin-1") for name in MASKED_HEADERS)
_DEFAULT_SCHEME = {"http": "http", "websocket": "ws"}


def _joined(raw: list[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    """Request headers with repeated names joined (``Cookie`` with ``"; "``, which is how
    HTTP/2 servers may hand it over, others with ``", "``)."""
    headers: dict[bytes, bytes] = {}
    for name, value in raw:
        if name in headers:
            value = headers[name] + (b"; " if name == b"cookie" else b", ") + value
        headers[name] = value
    return headers


def masked_headers(raw: list[tuple[bytes, bytes]], x: Exchange) -> list[tuple[bytes, bytes]]:
    """The request headers with only truncated addresses in those that carry the client's,
    and without those that tell its location."""
    masked_header = x.engine.addresses.masked_header
    headers = []
    for name, value in raw:
        if name in _MASKED_HEADER_NAMES:
            new = masked_header(name.decode("latin-1"), value.decode("latin-1"))
            if new is None:
                continue
            value = new.encode("latin-1")
        headers.append((name, value))
    return headers


def _mask(scope: Scope, x: Exchange) -> None:
    """Show the app (and the server's log) only what the exchange says: the masked peer, and
    truncated addresses in the address headers, and no location header."""
    if x.masked_peer is not None:
        scope["client"] = (x.masked_peer, scope["client"][1])
    if not _MASKED_HEADER_NAMES.isdisjoint(x.request.headers):
        scope["headers"] = masked_headers(scope["headers"], x)


class _SendRewriter:
    """Applies the engine's plan to one response as its messages go by.

    A page that may get a snippet and that the app framed (``Content-Length``, a strong
    ``ETag``) has its start held until its body shows whether it is a document (the planned
    headers, the snippet's length in ``Content-Length``) or a fragment (the app's own framing):
    usually the first body message, which follows the start at once;
    a first chunk too short to tell (whitespace, an unfinished comment) holds it a little longer
    (see :data:`~consentkit.core.inject.DECIDE_WITHIN`). Then the body streams. A body sent
    another way (``http.response.pathsend``) gets the start with the app's own framing. A page
    the app left unframed (a stream) gets the same headers either way: its start goes at once,
    and only its body waits for the first bytes (the injector holds them).

    Kept apart from the exchange: the exchange is in the scope, and the server's ``send``
    often holds the scope (uvicorn's per-request cycle does), so an exchange holding that
    ``send`` would leave a reference cycle behind every request.
    """

    __slots__ = ("injector", "pending", "plan", "send_downstream", "x")
    pending: Message | None
    plan: ResponsePlan

    def __init__(self, x: Exchange, send: Send) -> None:
        self.x = x
        self.send_downstream = send
        self.injector: Injector | None = None  # set while a response is being rewritten
        # pending (the start, held until the body decides) and plan are set with the injector.

    def send(self, message: Message) -> Awaitable[None]:
        """The ``send`` the app is given. A plain function returning the downstream send's
        awaitable: a message that passes through costs no coroutine of ours, nor does a body
        that is rewritten once its start has gone."""
        if self.injector is not None:
            if self.pending is not None:
                return self._rewrite(message)
            if message["type"] == "http.response.body":
                return self.send_downstream({**message, "body": self._inject(message)})
            return self.send_downstream(message)
        if message["type"] != "http.response.start":
            return self.send_downstream(message)
        x = self.x
        plan = x.engine.plan(x, message["status"], message.get("headers", []))
        if plan is None:
            return self.send_downstream(message)
        if plan.body_decides_headers:  # a framed page: its start waits for the body's start
            self.plan = plan
            self.injector = plan.injector
            self.pending = message
            return _HELD
        if plan.injector is not None:  # a stream: the same headers, document or fragment
            self.injector = plan.injector
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
        """A message while the start is held: the body that decides it, or what replaces one."""
        injector, pending, send = self.injector, self.pending, self.send_downstream
        assert injector is not None and pending is not None
        if message["type"] != "http.response.body":
            # A body we cannot rewrite (http.response.pathsend, say): send it as it is.
            held = injector.finish()  # what came before it, if anything: a fragment
            self.pending = self.injector = None
            await send({**pending, "headers": self.plan.headers_for_unrewritten_body()})
            if held:
                await send({"type": "http.response.body", "body": held, "more_body": True})
            await send(message)
            return
        if message.get("more_body", False):
            body = injector.feed(message.get("body", b""))
        else:  # the whole body, or its last chunk (written here: a call saved per page)
            self.injector = None
            body = injector.whole(message.get("body", b""))
        document = injector.document
        if document is None:
            return  # too little yet to tell a document from a fragment: the injector holds it
        self.pending = None
        if document:
            await send({**pending, "headers": self.plan.headers})
        else:
            self.injector = None  # a fragment: the rest passes untouched
            await send({**pending, "headers": self.plan.headers_for_unrewritten_body()})
        await send({**message, "body": body})


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


async def send_response(response: Response, send: Send) -> None:
    """Send one of the engine's complete, framed responses."""
    start = {"type": "http.response.start", "status": response.status, "headers": response.headers}
    await send(start)
    await send({"type": "http.response.body", "body": response.body})


@types.coroutine
def _spent() -> Generator[None, None, None]:
    return
    yield  # a generator function, made awaitable


#: What the app awaits for a start held back: an awaitable generator, run to its end once here.
#: Awaiting an exhausted generator finishes at once, with ``None``, in C (CPython's ``SEND`` of
#: a generator that has completed), so it costs no Python call and no allocation, and it never
#: yields to the event loop (asyncio's, Trio's or any other).
_HELD: Awaitable[None] = _spent()
for _ in _HELD:  # type: ignore[attr-defined]  # a generator underneath
    pass
