"""``ConsentWSGIMiddleware``: consentkit for WSGI apps.

Protocol translation only: it reads an environ into request facts, hands them to the engine,
applies the engine's plan to the status and headers and to the body iterable, and reads and
sends bodies. It handles what WSGI lets an app do: call ``start_response`` late (from inside
its iterable), write through the ``write()`` callable, pass ``exc_info``; and it always calls
the app iterable's ``close()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from types import TracebackType
from typing import Any

from .consent_log import ConsentLog, keep_choice
from .core.endpoints import MAX_BODY
from .core.engine import Engine
from .core.exchange import Exchange
from .core.inject import Injector
from .core.planning import ResponsePlan
from .core.request import RequestFacts
from .diagnostics import log_start
from .environ import ENVIRON_KEYS, OTHER_COPIES, mask
from .lookup import EXCHANGE_KEY
from .options import Settings

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Headers = list[tuple[bytes, bytes]]


class ConsentWSGIMiddleware:
    """Cookie consent for any WSGI app: Flask, Django (WSGI), Pyramid, Bottle, ...

    ``app.wsgi_app = ConsentWSGIMiddleware(app.wsgi_app, secret_key=KEY)``. The keyword-only
    options are those of :class:`consentkit.ConsentMiddleware`; a bad one raises ``ValueError``
    here, at start-up.
    """

    def __init__(self, app: WSGIApp, **options: Any) -> None:
        self.app = app
        self.settings = Settings.from_options(**options)
        self.engine = Engine(self.settings)
        on_consent = self.settings.on_consent
        #: Delivers each recorded choice to ``on_consent`` (``None`` without one).
        self.consent_log = ConsentLog(on_consent) if on_consent is not None else None
        log_start(self.settings, "WSGI")

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # The request's facts, read here (not in a helper: a call per request saved), from a
        # copy of the environ: the app may change the environ in place (a dispatcher changes
        # SCRIPT_NAME and PATH_INFO), and a copy holds no reference back to the exchange put
        # in the environ, so no cycle is left for the garbage collector.
        root_path = environ.get("SCRIPT_NAME", "")
        path = environ.get("PATH_INFO", "")
        request = RequestFacts(
            environ.get("REQUEST_METHOD", "GET"),
            root_path if root_path.isascii() else _wsgi_str(root_path),
            (path if path.isascii() else _wsgi_str(path)) or "/",
            environ.get("QUERY_STRING", ""),
            environ.get("wsgi.url_scheme", "http"),
            environ.get("REMOTE_ADDR"),
            environ.copy(),
            ENVIRON_KEYS,
        )
        x = Exchange(self.engine, request)
        environ[EXCHANGE_KEY] = x  # where get_consent() finds it
        # Masked in place, before anything else, on every path: the server logs from this
        # very environ (gunicorn's %(h)s and {...}e atoms, werkzeug's REMOTE_ADDR), so it
        # logs the address the app is shown. The request's facts keep the original (a copy).
        if x.masking:  # the peer inline (every masked request), the rest when there is some
            if x.masked_peer is not None:
                environ["REMOTE_ADDR"] = x.masked_peer
            if not OTHER_COPIES.isdisjoint(environ):
                mask(environ, x)
        if "HTTP_X_FORWARDED_FOR" in environ and self.engine.addresses.watches_server_proxy:
            self.engine.addresses.notice_server_proxy(request)
        if x.is_endpoint:
            return self._answer(x, environ, start_response)
        responder = _StartResponseRewriter(x, start_response)
        iterable = self.app(environ, responder.start_response)
        if responder.started and responder.injector is None:
            return iterable  # nothing to rewrite: keep the app's iterable (and file_wrapper)
        if responder.started and isinstance(iterable, (list, tuple)) and len(iterable) == 1:
            responder.length = len(iterable[0])  # one piece: the whole body (see whole())
        return _RewrittenBody(iterable, responder)

    def close(self) -> None:
        """Flush and close what the middleware holds open (the statistics and record stores)."""
        self.engine.close()

    def _answer(
        self, x: Exchange, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        body = _read_body(environ) if self.engine.reads_body(x) else None
        response = self.engine.answer(x, body)
        if response.record is not None:  # stored, then on_consent, before the answer goes
            keep_choice(self.engine.recorder, self.consent_log, response.record)
        if x.masks_after_withdrawal():
            mask(environ, x)
        start_response(_status_line(response.status), _to_str(response.headers))
        return [response.body]


def _wsgi_str(value: str) -> str:
    """A PEP 3333 "bytes as latin-1" string that is not ASCII, as the text it really is."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


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


class _StartResponseRewriter:
    """Applies the engine's plan to one response: its ``start_response`` and ``write()``.

    For a page that may get a snippet, the downstream ``start_response`` is called only once
    the body's first bytes show whether it is a document (the planned headers) or a fragment
    (the app's own framing), as PEP 3333 allows: before the first non-empty chunk is yielded or
    written. ``write()`` works at once: what is written before that is held.
    """

    __slots__ = (
        "exc_info",
        "injector",
        "length",
        "plan",
        "start_response_downstream",
        "started",
        "status",
        "write",
        "x",
    )

    #: The start held until the body decides: the plan, status and ``exc_info`` (set, with
    #: the injector and the body's length when known to come in one piece, by
    #: :meth:`start_response` when it holds the start; only read after that).
    plan: ResponsePlan | None
    status: str
    exc_info: ExcInfo | None
    length: int

    def __init__(self, x: Exchange, start_response: StartResponse) -> None:
        self.x = x
        self.start_response_downstream = start_response
        self.injector: Injector | None = None
        self.started = False
        #: The downstream ``write``, once its ``start_response`` is called.
        self.write: Callable[[bytes], object] | None = None

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
    ) -> Callable[[bytes], object]:
        """The ``start_response`` the app is given."""
        try:
            code = int(status[:3])
        except ValueError:
            code = 500
        x = self.x
        plan = x.engine.plan(x, code, headers, True)  # True: PEP 3333's latin-1 strings
        self.started = True
        self.injector = None
        if plan is not None:
            if plan.injector is not None and self.write is None:
                # Nothing has gone downstream yet: hold the start until the body decides.
                self.plan, self.status, self.exc_info = plan, status, exc_info
                self.injector = plan.injector
                self.length = plan.app_length
                return self._write
            # A page whose start already went down (replaced, with exc_info): too late to rewrite.
            out = plan.headers if plan.injector is None else plan.headers_for_unrewritten_body()
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in out]
        self.plan = self.exc_info = None
        if exc_info is not None:
            write = self.start_response_downstream(status, headers, exc_info)
        else:
            write = self.start_response_downstream(status, headers)
        self.write = write
        return write

    def begin(self, document: bool) -> None:
        """Call the downstream ``start_response`` held back, now that the body has shown
        whether it is a ``document``: with the planned headers, or the app's framing."""
        plan = self.plan
        assert plan is not None
        headers = []  # a loop, not a comprehension: a call saved per page
        for name, value in plan.headers if document else plan.headers_for_unrewritten_body():
            headers.append((name.decode("latin-1"), value.decode("latin-1")))
        exc_info, self.plan, self.exc_info = self.exc_info, None, None
        if not document:
            self.injector = None  # a fragment: the rest passes untouched
        if exc_info is not None:
            write = self.start_response_downstream(self.status, headers, exc_info)
        else:
            write = self.start_response_downstream(self.status, headers)
        self.write = write

    def _write(self, data: bytes) -> None:
        """The ``write()`` the app is given while its start is held."""
        injector = self.injector
        if injector is not None:
            data = injector.feed(data)
            if self.write is None:
                if injector.document is None:
                    return  # held until more shows what the body is
                self.begin(injector.document)
        if data and self.write is not None:
            self.write(data)


class _RewrittenBody:
    """The app's iterable, with the snippet injected; ``close()`` always reaches the app's.

    Until the body's start shows whether it is a document, chunks are taken from the app and
    held (at most :data:`~consentkit.core.inject.DECIDE_WITHIN` bytes), not yielded: nothing may
    go to the server before its ``start_response`` is called.
    """

    def __init__(self, iterable: Iterable[bytes], responder: _StartResponseRewriter) -> None:
        self._iterable = iterable
        self._responder = responder

    def __iter__(self) -> Iterator[bytes]:
        responder = self._responder
        for chunk in self._iterable:
            injector = responder.injector
            if injector is None:
                yield chunk
                continue
            if len(chunk) == responder.length:  # the whole body at once: no need to stream it
                responder.injector = None
                out = injector.whole(chunk)
            else:
                out = injector.feed(chunk)
            if responder.write is None:
                if injector.document is None:
                    continue  # too little yet to tell a document from a fragment
                responder.begin(injector.document)
            if out:
                yield out
        injector = responder.injector
        if injector is not None:
            responder.injector = None
            out = injector.finish()
            if responder.write is None:
                responder.begin(bool(injector.document))
            if out:
                yield out

    def close(self) -> None:
        """Close the app's iterable, as WSGI requires."""
        responder = self._responder
        responder.plan = responder.exc_info = None  # nothing held past the response
        close = getattr(self._iterable, "close", None)
        if close is not None:
            close()


def _to_str(headers: Headers) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers]


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"
