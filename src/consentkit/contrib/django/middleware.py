"""``consentkit.contrib.django.middleware.ConsentMiddleware``: consentkit as a Django
``MIDDLEWARE`` entry, configured by ``settings.CONSENTKIT``.

A thin adapter over the same core as the WSGI and ASGI middlewares: it reads a Django
request into request facts, answers consentkit's endpoints before the view (and before the
other middleware's ``process_view``, so before Django's CSRF check), and applies the engine's
plan to the view's response: cookies of refused categories removed from ``response.cookies``
and the headers, the browser's refused cookies expired (one ``Set-Cookie`` per domain
variant, see :mod:`.response`), the banner injected into whole documents (streaming
responses too), ``Vary`` added. It works in both of Django's modes (sync and async).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from functools import partial
from typing import Any

from asgiref.sync import (
    iscoroutinefunction,
    markcoroutinefunction,
    sync_to_async,
)
from django.core.exceptions import ImproperlyConfigured  # type: ignore[import-untyped]
from django.http import HttpResponse  # type: ignore[import-untyped]
from django.utils.functional import SimpleLazyObject  # type: ignore[import-untyped]

from ...asgi import masked_headers
from ...consent_log import ConsentLog, keep_choice, keep_choice_async
from ...core.endpoints import MAX_BODY, Response
from ...core.engine import Engine
from ...core.exchange import Exchange
from ...core.inject import Injector
from ...core.planning import ResponsePlan
from ...core.request import RequestFacts
from ...environ import ENVIRON_KEYS, MASKED_KEYS, OTHER_COPIES, mask
from ...lookup import EXCHANGE_KEY, find_exchange
from ...options import Settings
from . import SETTING, options_from_settings
from .response import apply_headers, header_list

logger = logging.getLogger("consentkit")
#: The dotted path of this middleware, as it is written in ``MIDDLEWARE``.
PATH = "consentkit.contrib.django.middleware.ConsentMiddleware"


class ConsentMiddleware:
    """Cookie consent as a Django middleware: ``MIDDLEWARE = [..., PATH, ...]``.

    Place it above every middleware that reads the client's address or sets cookies (so
    that they see the masked address and their cookies are gated), and below
    ``GZipMiddleware`` (which must compress the page after the banner is in). Its options
    are ``settings.CONSENTKIT``; a bad one is ``ImproperlyConfigured`` when Django builds its
    handler, at start-up.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)
        try:
            self.settings = Settings.from_options(**options_from_settings())
        except (TypeError, ValueError) as error:
            raise ImproperlyConfigured(f"settings.{SETTING}: {error}") from None
        self.engine = Engine(self.settings)
        on_consent = self.settings.on_consent
        #: Delivers each recorded choice to ``on_consent`` (``None`` without one).
        self.consent_log = ConsentLog(on_consent) if on_consent is not None else None
        self._warned_twice = False

    def __call__(self, request: Any) -> Any:
        """Handle one request (sync; in async mode, returns the coroutine)."""
        if self.is_async:
            return self._acall(request)
        x = self._exchange(request)
        if x is None:
            return self.get_response(request)
        if x.is_endpoint:
            response = self._answer(x, request)
            if response.record is not None:  # stored, then on_consent, before the answer
                keep_choice(self.engine.recorder, self.consent_log, response.record)
            return self._endpoint_response(x, request, response)
        return self._rewritten(x, self.get_response(request))

    async def _acall(self, request: Any) -> Any:
        x = self._exchange(request)
        if x is None:
            return await self.get_response(request)
        if x.is_endpoint:
            response = self._answer(x, request)
            if response.record is not None:  # stored, then on_consent, before the answer
                await keep_choice_async(self.engine.recorder, self.consent_log, response.record)
            return self._endpoint_response(x, request, response)
        response = await self.get_response(request)
        plan = self._plan(x, response)
        if plan is None:
            return response
        if plan[0].injector is not None and response.streaming:
            if response.is_async:
                return await _stream_async(response, *plan)
            return await sync_to_async(_stream_sync)(response, *plan)
        return _apply(response, *plan)

    def _exchange(self, request: Any) -> Exchange | None:
        """The request's exchange, made and kept in ``request.META``, with the request masked;
        ``None`` when consentkit already wraps the application (it has done all this)."""
        meta = request.META
        wrapped = find_exchange(request)
        if wrapped is not None:
            request.consent = SimpleLazyObject(partial(getattr, wrapped, "consent"))
            if not self._warned_twice:
                self._warned_twice = True
                logger.warning(
                    "consentkit runs twice: it wraps the application and is in MIDDLEWARE; "
                    "the middleware steps aside. Remove one (manage.py check: consentkit.E004)."
                )
            return None
        headers = meta.copy()  # the facts as they arrived: META is masked in place below
        if "HTTP_HOST" not in headers and "SERVER_NAME" in headers:
            headers["HTTP_HOST"] = _server_host(headers)  # Django's test Client sends none
        facts = RequestFacts(
            request.method or "GET",
            meta.get("SCRIPT_NAME", ""),
            request.path_info or "/",
            meta.get("QUERY_STRING", ""),
            request.scheme,
            meta.get("REMOTE_ADDR"),
            headers,
            ENVIRON_KEYS,
        )
        x = Exchange(self.engine, facts)
        meta[EXCHANGE_KEY] = x  # where get_consent() finds it
        request.consent = SimpleLazyObject(partial(getattr, x, "consent"))
        if x.masking:
            _mask(request, x)
        if "HTTP_X_FORWARDED_FOR" in meta and self.engine.addresses.watches_server_proxy:
            self.engine.addresses.notice_server_proxy(facts)
        return x

    def _answer(self, x: Exchange, request: Any) -> Response:
        """The engine's answer for one of consentkit's endpoints."""
        body = None
        if self.engine.reads_body(x):
            body = request.read(MAX_BODY + 1)
            if len(body) > MAX_BODY:
                body = None
        return self.engine.answer(x, body)

    def _endpoint_response(self, x: Exchange, request: Any, response: Response) -> Any:
        if x.masks_after_withdrawal():
            _mask(request, x)
        return django_response(response)

    def _plan(self, x: Exchange, response: Any) -> _Plan | None:
        headers, owners = header_list(response)
        plan = self.engine.plan(x, response.status_code, headers)
        return None if plan is None else (plan, headers, owners)

    def _rewritten(self, x: Exchange, response: Any) -> Any:
        plan = self._plan(x, response)
        if plan is None:
            return response
        if plan[0].injector is not None and response.streaming:
            if response.is_async:  # an async stream in sync mode: gated, not rewritten
                apply_headers(response, plan[1], plan[2], plan[0].headers_for_unrewritten_body())
                return response
            return _stream_sync(response, *plan)
        return _apply(response, *plan)


def _server_host(meta: dict[str, Any]) -> str:
    """The host a request without a ``Host`` header was served as (PEP 3333's rule)."""
    port = str(meta.get("SERVER_PORT", ""))
    default = "443" if meta.get("wsgi.url_scheme") == "https" else "80"
    name = str(meta["SERVER_NAME"])
    return name if port in ("", default) else f"{name}:{port}"


_Plan = tuple[ResponsePlan, list[tuple[bytes, bytes]], list[str | None]]


def _mask(request: Any, x: Exchange) -> None:
    """Show the view (and the server's log) only truncated addresses: in ``request.META``
    (the WSGI environ itself under WSGI) and, under ASGI, in the scope the server logs from."""
    meta = request.META
    if x.masked_peer is not None:
        meta["REMOTE_ADDR"] = x.masked_peer
    if not OTHER_COPIES.isdisjoint(meta):
        mask(meta, x)
    request.__dict__.pop("headers", None)  # request.headers, if read already, is read again
    scope = getattr(request, "scope", None)
    if isinstance(scope, dict):
        client = scope.get("client")
        if x.masked_peer is not None and client:
            scope["client"] = (x.masked_peer, client[1])
        if not MASKED_KEYS.keys().isdisjoint(x.request.headers):
            scope["headers"] = masked_headers(scope.get("headers", []), x)


def django_response(response: Response) -> Any:
    """One of the engine's complete responses as a Django ``HttpResponse``."""
    out = HttpResponse(response.body, status=response.status)
    del out.headers["Content-Type"]  # the engine's headers say it, when there is a body
    headers, owners = header_list(out)
    apply_headers(out, headers, owners, [*headers, *response.headers])
    return out


def _apply(response: Any, plan: ResponsePlan, headers: Any, owners: Any) -> Any:
    """The plan applied to a response in one piece (or a stream with nothing to inject)."""
    injector = plan.injector
    if injector is None:
        apply_headers(response, headers, owners, plan.headers)
        return response
    body = injector.whole(response.content)
    if injector.document:
        apply_headers(response, headers, owners, plan.headers)
        response.content = body
    else:
        apply_headers(response, headers, owners, plan.headers_for_unrewritten_body())
    return response


def _begin_stream(
    response: Any, plan: ResponsePlan, headers: Any, owners: Any, injector: Injector
) -> None:
    """Headers for a stream whose start has shown whether it is a document."""
    planned = plan.headers if injector.document else plan.headers_for_unrewritten_body()
    apply_headers(response, headers, owners, planned)


def _stream_sync(response: Any, plan: ResponsePlan, headers: Any, owners: Any) -> Any:
    """A streaming response: its first chunks read until they show whether it is a document
    (Django sends the headers before the body), then the rest streamed through the injector."""
    injector = plan.injector
    assert injector is not None
    chunks: Iterator[bytes] | None = iter(response.streaming_content)
    held = []
    for chunk in chunks:  # type: ignore[union-attr]
        held.append(injector.feed(chunk))
        if injector.document is not None:
            break
    else:
        held.append(injector.finish())
        chunks = None
    _begin_stream(response, plan, headers, owners, injector)
    response.streaming_content = _rest(held, chunks, injector)
    return response


def _rest(held: list[bytes], chunks: Iterable[bytes] | None, injector: Injector) -> Iterator[bytes]:
    yield from held
    if chunks is not None:
        for chunk in chunks:
            yield injector.feed(chunk)
        yield injector.finish()


async def _stream_async(response: Any, plan: ResponsePlan, headers: Any, owners: Any) -> Any:
    """:func:`_stream_sync` for an asynchronous stream."""
    injector = plan.injector
    assert injector is not None
    chunks = response.streaming_content.__aiter__()
    held = []
    ended = False
    while injector.document is None:
        try:
            chunk = await chunks.__anext__()
        except StopAsyncIteration:
            held.append(injector.finish())
            ended = True
            break
        held.append(injector.feed(chunk))
    _begin_stream(response, plan, headers, owners, injector)
    response.streaming_content = _arest(held, None if ended else chunks, injector)
    return response


async def _arest(
    held: list[bytes], chunks: AsyncIterator[bytes] | None, injector: Injector
) -> AsyncIterator[bytes]:
    for piece in held:
        yield piece
    if chunks is not None:
        async for chunk in chunks:
            yield injector.feed(chunk)
        yield injector.finish()


__all__ = ["PATH", "ConsentMiddleware", "django_response"]
