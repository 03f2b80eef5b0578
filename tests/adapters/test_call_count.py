"""How many of consentkit's own Python functions a warm request calls: a machine-independent
measure of its per-request work, where the benchmarks' timings depend on the machine.

Each request kind is sent a few times first (so every per-visitor and per-page cache is
filled), then one more is sent under ``sys.setprofile``, counting the ``"call"`` events of code
inside the installed ``consentkit`` package (a coroutine or generator resumed counts again, as
it is a hop too). The app is a raw ASGI or WSGI app, no framework, and the ASGI coroutine is
driven by ``coro.send(None)``: nothing in it suspends, so no event loop's frames take part.

The budgets are today's counts, exactly: restructuring must not add hops. When a change
removes calls, lower its budget to the new count; never raise one without saying why in the
commit message. (Measured on CPython 3.11; later versions inline comprehensions, PEP 709, so
they count fewer, never more.) ``pytest -s`` prints every count.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

import consentkit
from benchmarks.asgi_inprocess import build_scope
from benchmarks.wsgi_inprocess import build_environ
from consentkit import ConsentMiddleware, ConsentWSGIMiddleware

#: Where consentkit's own code lives: calls into any other file are not counted.
PACKAGE = str(Path(consentkit.__file__).parent) + os.sep

OPTIONS: dict[str, Any] = {
    "secret_key": "call-count-secret-0123456789abcdef-not-for-production",
    "locales": ("th", "en"),
}

PAGE = (
    '<!doctype html><html lang="th"><head><meta charset="utf-8"><title>ร้านผ้าไหม</title>'
    "</head><body><main>" + "<p>ผ้าไหมมัดหมี่ทอมือจากสุรินทร์</p>" * 40 + "</main></body></html>"
).encode()
JSON_BODY = b'{"ok": true, "items": 3, "currency": "THB"}'
ROUTES = {"/": (b"text/html; charset=utf-8", PAGE), "/api": (b"application/json", JSON_BODY)}


GA = "_ga=GA1.1.1234567890.1764000000"
FBP = "_fbp=fb.1.1764000000000.1234567890"

#: The request kinds: ``name -> (path, cookie kind)``.
REQUESTS = {
    "undecided, HTML + banner": ("/", None),
    "decided, JSON": ("/api", "decided"),
    "undecided with _ga, _fbp, HTML + banner + expiry": ("/", "gated"),
    "undecided with _ga, _fbp, JSON + expiry": ("/api", "gated"),
    "refused all, HTML + expiry": ("/", "refused"),
    "refused all, JSON + expiry": ("/api", "refused"),
}

#: At most this many calls of consentkit's own Python functions per warm request. Today's
#: counts, exactly: lower one when a change removes calls; never raise one without saying why
#: in the commit message.
BUDGETS: dict[tuple[str, str], int] = {
    ("asgi", "undecided, HTML + banner"): 16,
    ("asgi", "decided, JSON"): 8,
    ("asgi", "undecided with _ga, _fbp, HTML + banner + expiry"): 21,
    ("asgi", "undecided with _ga, _fbp, JSON + expiry"): 13,
    ("asgi", "refused all, HTML + expiry"): 18,
    ("asgi", "refused all, JSON + expiry"): 13,
    ("wsgi", "undecided, HTML + banner"): 20,
    ("wsgi", "decided, JSON"): 7,
    ("wsgi", "undecided with _ga, _fbp, HTML + banner + expiry"): 25,
    ("wsgi", "undecided with _ga, _fbp, JSON + expiry"): 14,
    ("wsgi", "refused all, HTML + expiry"): 19,
    ("wsgi", "refused all, JSON + expiry"): 14,
}

WARM_UP = 3


# -- the raw apps ------------------------------------------------------------------------------


async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
    content_type, body = ROUTES[scope["path"]]
    headers = [(b"content-type", content_type), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    content_type, body = ROUTES[environ["PATH_INFO"]]
    headers = [("Content-Type", content_type.decode()), ("Content-Length", str(len(body)))]
    start_response("200 OK", headers)
    return [body]


# -- counting ----------------------------------------------------------------------------------


class CallCounter:
    """A profile function counting consentkit's own Python calls, and the C functions those
    call (printed only)."""

    def __init__(self) -> None:
        self.python = 0
        self.c = 0
        self._ours: dict[Any, bool] = {}

    def _is_ours(self, frame: FrameType) -> bool:
        code = frame.f_code
        ours = self._ours.get(code)
        if ours is None:
            ours = self._ours[code] = code.co_filename.startswith(PACKAGE)
        return ours

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            if self._is_ours(frame):
                self.python += 1
        elif event == "c_call" and self._is_ours(frame):  # frame: the caller's
            self.c += 1


Response = tuple[int, list[tuple[str, str]], bytes]


def count(request: Callable[[], Response]) -> tuple[CallCounter, Response]:
    """Run ``request()`` under a :class:`CallCounter`."""
    counter = CallCounter()
    sys.setprofile(counter)
    try:
        response = request()
    finally:
        sys.setprofile(None)
    return counter, response


# -- the requests, through each adapter ----------------------------------------------------------


def cookies(core: Any) -> dict[str | None, str | None]:
    version = core.settings.policy_version
    decided = core.codec.encode(["analytics"], version)
    reject_all = core.codec.encode([], version)
    return {
        None: None,
        "decided": f"consentkit={decided}",
        "gated": f"consentkit_lang=th; theme=dark; {GA}; {FBP}",
        "refused": f"consentkit={reject_all}; theme=dark; {GA}",
    }


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def asgi_request(path: str, cookie: str | None) -> Callable[[], Response]:
    middleware = ConsentMiddleware(asgi_app, **OPTIONS)
    header = cookies(middleware.engine)[cookie]

    def request() -> Response:
        scope = build_scope(path, header)
        messages: list[Any] = []

        async def send(message: Any) -> None:
            messages.append(message)

        coro = middleware(scope, _receive, send)
        try:
            coro.send(None)
        except StopIteration:
            pass
        else:
            coro.close()
            raise AssertionError("the request suspended: not a call count any more")
        start, *bodies = messages
        body = b"".join(m.get("body", b"") for m in bodies)
        return start["status"], [(k.decode(), v.decode()) for k, v in start["headers"]], body

    return request


def wsgi_request(path: str, cookie: str | None) -> Callable[[], Response]:
    middleware = ConsentWSGIMiddleware(wsgi_app, **OPTIONS)
    header = cookies(middleware.engine)[cookie]

    def request() -> Response:
        environ = {**build_environ(path, header), "wsgi.input": io.BytesIO(b"")}
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> Any:
            started[:] = [status, headers]
            return lambda data: None

        iterable = middleware(environ, start_response)
        try:
            body = b"".join(iterable)
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
        return int(started[0][:3]), list(started[1]), body

    return request


ADAPTERS = {"asgi": asgi_request, "wsgi": wsgi_request}


def check(kind: str, cookie: str | None, response: Response) -> None:
    """The counted request did its work: banner, JSON untouched, tracking cookies expired."""
    status, headers, body = response
    assert status == 200
    assert (b'id="consentkit-banner"' in body) == ("banner" in kind)
    assert b"data-consentkit-granted" not in body
    if "JSON" in kind:
        assert body == JSON_BODY
    expired = {
        value.split("=", 1)[0]
        for name, value in headers
        if name.lower() == "set-cookie" and "Max-Age=0" in value
    }
    carried = {"gated": {"_ga", "_fbp"}, "refused": {"_ga"}}.get(cookie, set())
    assert expired == carried


@pytest.mark.parametrize("kind", REQUESTS)
@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_warm_request_calls_no_more_of_consentkit_than_its_budget(
    adapter: str, kind: str
) -> None:
    path, cookie = REQUESTS[kind]
    request = ADAPTERS[adapter](path, cookie)
    for _ in range(WARM_UP):
        check(kind, cookie, request())
    counter, response = count(request)
    again, _ = count(request)
    check(kind, cookie, response)
    print(f"\n{adapter} {kind}: {counter.python} Python calls ({counter.c} C calls)", end="")
    assert counter.python > 0, "the counter saw none of consentkit's code"
    assert again.python == counter.python, "not warm: a second request counted differently"
    budget = BUDGETS[adapter, kind]
    assert counter.python <= budget, (
        f"{counter.python} calls of consentkit's own functions, over the budget of {budget}: "
        "a change added hops to this request"
    )
