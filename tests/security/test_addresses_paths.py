"""Without ``location`` granted, no full address of the visitor leaves consentkit, on any path.

Every case runs through both adapters in-process: ASGI with HTTP and WebSocket scopes, and
WSGI. For each request three things are read: what the app was shown (its scope or environ,
and ``get_consent(...).client_ip``), what the middleware sent back, and the scope or environ
as the call left it, which is what the server logs from (uvicorn's and hypercorn's access
lines read the scope, gunicorn's ``%(h)s`` and werkzeug's the environ).

Here: the drivers (shared with the other ``test_addresses_*`` files), every address header,
peers that are not IP addresses, and the environ's other copies of the peer.
"""

from __future__ import annotations

import asyncio
import io
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from consentkit import ConsentMiddleware, ConsentWSGIMiddleware, get_consent
from consentkit.core.request import ADDRESS_HEADERS
from consentkit.location import truncate_ip

KEY = "กุญแจทดสอบ-ที่อยู่ไอพี-0123456789abcdef"
OPTIONS: dict[str, Any] = {"secret_key": KEY, "trusted_proxies": ["10.0.0.0/8"]}
PAGE = (
    "<!DOCTYPE html><html lang='th'><head><title>ตลาดน้ำ</title></head>"
    "<body><h1>ตลาดน้ำดำเนินสะดวก</h1></body></html>"
).encode()
ORIGIN = "http://testserver"

VISITOR = "203.0.113.77"
VISITOR6 = "2001:db8:85a3:4d2::8a2e:370:7334"
PROXY = "10.0.0.9"
Headers = Sequence[tuple[str, str]]


# -- the drivers ---------------------------------------------------------------------------------


@dataclass
class Seen:
    """One request through a middleware, as far as addresses go."""

    #: What the app was shown (its scope or environ, as text), or ``None``: not called.
    app: str | None
    #: ``get_consent(...).client_ip`` in the app (``None``: not called).
    client_ip: str | None
    #: What the middleware sent back (the ASGI messages, or the status, headers and body).
    returned: str
    #: The scope or environ as the call left it: what the server logs from.
    after: str
    #: The scope or environ itself, after the call.
    mapping: Mapping[str, Any] = field(repr=False)
    #: The ASGI messages sent, or the WSGI status line, headers and body.
    sent: Any = field(repr=False, default=None)

    def everything(self) -> str:
        """All of it, as one text."""
        return "\n".join([self.app or "", self.client_ip or "", self.returned, self.after])


def _visible(mapping: Mapping[str, Any]) -> str:
    """A scope or environ as text, without consentkit's exchange and the streams."""
    skip = {"consentkit", "wsgi.input", "wsgi.errors"}
    return repr({key: value for key, value in mapping.items() if key not in skip})


def cookie(granted: Iterable[str]) -> str:
    """A ``Cookie`` header with a consent granting ``granted``."""
    engine = ConsentMiddleware(asgi_app, secret_key=KEY).engine
    return f"consentkit={engine.codec.encode(list(granted), '1')}"


def _with_cookie(headers: Headers, cookie_header: str | None) -> list[tuple[str, str]]:
    listed = [("Host", "testserver"), *headers]
    return [*listed, ("Cookie", cookie_header)] if cookie_header else listed


async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
    scope["seen"] = (_visible(scope), get_consent(scope).client_ip)
    if scope["type"] == "websocket":
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": "สวัสดีครับ"})
        await send({"type": "websocket.close", "code": 1000})
        return
    headers = [(b"content-type", b"text/html; charset=utf-8")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": PAGE})


def asgi(
    middleware: Any,
    *,
    kind: str = "http",
    method: str = "GET",
    path: str = "/",
    headers: Headers = (),
    cookie: str | None = None,
    client: Any = (VISITOR, 5555),
    body: bytes = b"",
    scheme: str | None = None,
    raw_headers: Sequence[tuple[bytes, bytes]] | None = None,
) -> Seen:
    """One request (or WebSocket handshake) through ``middleware``, an ASGI app wrapped in
    :class:`ConsentMiddleware` around :func:`asgi_app` or not."""
    target, _, query = path.partition("?")
    if raw_headers is None:
        raw_headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in _with_cookie(headers, cookie)
        ]
    scope: dict[str, Any] = {
        "type": kind,
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "path": target,
        "raw_path": target.encode(),
        "root_path": "",
        "query_string": query.encode("latin-1"),
        "headers": list(raw_headers),
        "client": client,
        "server": ("testserver", 80),
    }
    if kind == "http":
        scope["method"] = method
    if scheme is not None or kind == "http":
        scope["scheme"] = scheme or "http"
    incoming = (
        [{"type": "websocket.connect"}]
        if kind == "websocket"
        else [{"type": "http.request", "body": body, "more_body": False}]
    )
    sent: list[Any] = []

    async def receive() -> Any:
        if incoming:
            return incoming.pop(0)
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    asyncio.run(middleware(scope, receive, send))
    app, client_ip = scope.pop("seen", (None, None))
    return Seen(app, client_ip, repr(sent), _visible(scope), scope, sent)


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    environ["seen"] = (_visible(environ), get_consent(environ).client_ip)
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [PAGE]


def environ_key(name: str) -> str:
    """Where a header is in the environ, as PEP 3333 (and CGI) put it."""
    key = name.upper().replace("-", "_")
    return key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key


def wsgi(
    middleware: Any,
    *,
    method: str = "GET",
    path: str = "/",
    headers: Headers = (),
    cookie: str | None = None,
    peer: str | None = VISITOR,
    body: bytes = b"",
    environ: Mapping[str, Any] | None = None,
) -> Seen:
    """One request through ``middleware``, a WSGI app. Repeated headers are joined with
    ``,`` as servers do."""
    target, _, query = path.partition("?")
    built: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": target,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if peer is not None:
        built["REMOTE_ADDR"] = peer
        built["REMOTE_PORT"] = "5555"
    if body:
        built["CONTENT_LENGTH"] = str(len(body))
    for name, value in _with_cookie(headers, cookie):
        key = environ_key(name)
        built[key] = f"{built[key]},{value}" if key in built and key != "HTTP_HOST" else value
    built.update(environ or {})
    status: list[Any] = []

    def start_response(line: str, response_headers: Any, exc_info: Any = None) -> Any:
        status[:] = [line, response_headers]
        return lambda data: None

    iterable = middleware(built, start_response)
    try:
        returned = b"".join(iterable)
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    app, client_ip = built.pop("seen", (None, None))
    sent = (*status, returned)
    return Seen(app, client_ip, repr(sent), _visible(built), built, sent)


def asgi_middleware(**options: Any) -> ConsentMiddleware:
    return ConsentMiddleware(asgi_app, **{**OPTIONS, **options})


def wsgi_middleware(**options: Any) -> ConsentWSGIMiddleware:
    return ConsentWSGIMiddleware(wsgi_app, **{**OPTIONS, **options})


def through(adapter: str, options: Mapping[str, Any] | None = None, **request: Any) -> Seen:
    """One request through a fresh middleware of ``adapter``: ``asgi-http``, ``asgi-websocket``
    or ``wsgi``. ``client`` is the peer's address (the port is added for ASGI)."""
    options = dict(options or {})
    peer = request.pop("client", VISITOR)
    if adapter == "wsgi":
        return wsgi(wsgi_middleware(**options), peer=peer, **request)
    kind = adapter.removeprefix("asgi-")
    client = None if peer is None else (peer, 5555)
    return asgi(asgi_middleware(**options), kind=kind, client=client, **request)


ADAPTERS = ["asgi-http", "asgi-websocket", "wsgi"]


def full_forms(address: str) -> set[str]:
    """The ways a full address may be written: as given, compressed, exploded."""
    ip = ipaddress.ip_address(address)
    return {address, str(ip), ip.exploded}


def assert_no_full_address(text: str, *addresses: str) -> None:
    """None of ``addresses`` is in ``text``, in any of its written forms."""
    for address in addresses:
        for form in full_forms(address):
            assert form not in text, (form, text)


# -- every address header ------------------------------------------------------------------------


#: The headers the contract names, and the other common ones the table must hold.
NAMED = {
    "x-forwarded-for",
    "x-real-ip",
    "x-client-ip",
    "forwarded",
    "true-client-ip",
    "cf-connecting-ip",
    "fastly-client-ip",
    "x-cluster-client-ip",
    "x-original-forwarded-for",
    "client-ip",
    "fly-client-ip",
    "x-envoy-external-address",
    "x-appengine-user-ip",
}


def test_the_table_holds_every_header_the_contract_names_and_the_common_others() -> None:
    assert set(ADDRESS_HEADERS) >= NAMED
    assert all(name == name.lower() and name.strip() == name for name in ADDRESS_HEADERS)


def _value_of(name: str) -> str:
    if name == "forwarded":
        return f'for={VISITOR};proto=https, for="[{VISITOR6}]:443"'
    return f"{VISITOR}, {VISITOR6}"


ALL_HEADERS = [(name.title(), _value_of(name)) for name in ADDRESS_HEADERS]


def _header_values(seen: Seen, adapter: str) -> dict[str, str | None]:
    """What the app was shown of each address header."""
    mapping = seen.mapping
    if adapter == "wsgi":
        return {name: mapping.get(environ_key(name)) for name in ADDRESS_HEADERS}
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in mapping["headers"]}
    return {name: headers.get(name) for name in ADDRESS_HEADERS}


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_every_address_header_is_masked_without_location_and_kept_with_it(adapter: str) -> None:
    masked = f"{truncate_ip(VISITOR)}, {truncate_ip(VISITOR6)}"
    for cookie_header in (None, cookie(["analytics", "marketing"]), cookie([])):
        seen = through(adapter, headers=ALL_HEADERS, cookie=cookie_header)
        assert seen.app is not None
        assert_no_full_address(seen.everything(), VISITOR, VISITOR6)
        values = _header_values(seen, adapter)
        assert values.pop("forwarded") is None  # removed: not worth rewriting
        assert values == dict.fromkeys(values, masked)
    granted = through(adapter, headers=ALL_HEADERS, cookie=cookie(["location"]))
    assert _header_values(granted, adapter) == {name: _value_of(name) for name in ADDRESS_HEADERS}


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_repeated_address_headers_are_masked_each(adapter: str) -> None:
    headers = [("X-Client-IP", VISITOR), ("X-Client-IP", VISITOR6), ("Client-IP", "inconnu")]
    seen = through(adapter, headers=headers)
    assert_no_full_address(seen.everything(), VISITOR, VISITOR6)
    assert "inconnu" not in seen.after  # not an address: "unknown", like every other element


# -- peers that are not IP addresses, and none -----------------------------------------------------


@pytest.mark.parametrize("peer", ["testclient", "/run/consentkit/app.sock", "unix:app.sock"])
@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_peer_that_is_not_an_ip_address_is_left_as_it_is(adapter: str, peer: str) -> None:
    seen = through(adapter, client=peer, headers=[("X-Real-IP", VISITOR)])
    if adapter == "wsgi":
        assert seen.mapping["REMOTE_ADDR"] == peer
    else:
        assert seen.mapping["client"] == (peer, 5555)
    assert seen.client_ip == ""  # nothing in it that is an address
    assert_no_full_address(seen.everything(), VISITOR)  # the headers are masked all the same


# Starlette asks for httpx2 now; its TestClient works with httpx all the same.
@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_starlettes_test_client_keeps_its_name() -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    async def page(request: Request) -> PlainTextResponse:
        assert request.client is not None
        return PlainTextResponse(f"{request.client.host} {request.headers.get('x-client-ip')}")

    app = Starlette(routes=[Route("/", page)])
    app.add_middleware(ConsentMiddleware, secret_key=KEY)
    with TestClient(app) as client:
        text = client.get("/", headers={"X-Client-IP": VISITOR}).text
    assert text == f"testclient {truncate_ip(VISITOR)}"


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_without_a_peer_the_headers_are_masked_all_the_same(adapter: str) -> None:
    seen = through(adapter, client=None, headers=[("X-Forwarded-For", VISITOR)])
    assert seen.app is not None
    assert_no_full_address(seen.everything(), VISITOR)
    assert truncate_ip(VISITOR) in seen.app


# -- the environ's other copies of the peer ------------------------------------------------------


def test_remote_host_is_masked_too() -> None:
    for remote_host in (VISITOR, "ppp-203-0-113-77.bangkok.example.net"):
        seen = wsgi(wsgi_middleware(), environ={"REMOTE_HOST": remote_host})
        assert seen.mapping["REMOTE_HOST"] == truncate_ip(VISITOR)
        assert remote_host not in seen.everything()


def test_the_originals_werkzeugs_proxy_fix_keeps_are_masked() -> None:
    from werkzeug.middleware.proxy_fix import ProxyFix

    seen = wsgi(
        ProxyFix(wsgi_middleware(trusted_proxies=[])),
        headers=[("X-Forwarded-For", VISITOR)],
        peer="198.51.100.23",
    )
    assert seen.client_ip == truncate_ip(VISITOR)
    assert seen.mapping["werkzeug.proxy_fix.orig"]["REMOTE_ADDR"] == "198.51.100.0"
    assert_no_full_address(seen.everything(), VISITOR, "198.51.100.23")
