"""What test clients hide: raw ASGI messages through ConsentMiddleware."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from consentkit import ConsentMiddleware, get_consent

from ..support.apps import OPTIONS
from ..support.harness import AsgiClient

HTML = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", b"26")]


def call(app: Any, scope: dict[str, Any], incoming: list[dict[str, Any]] | None = None):
    sent: list[dict[str, Any]] = []
    queue = list(incoming or [{"type": "http.request", "body": b"", "more_body": False}])

    async def receive() -> dict[str, Any]:
        if queue:
            return queue.pop(0)
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def http_scope(path: str = "/", method: str = "GET", headers: Any = (), **extra: Any):
    return {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": "",
        "scheme": "http",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
        **extra,
    }


def one_response(content_type: bytes, body: bytes) -> Any:
    """An ASGI app that answers every request with one 200 response of this type and body."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", content_type)]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def test_lifespan_passes_untouched_and_a_websocket_gets_its_consent() -> None:
    seen: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        consent = get_consent(scope) if scope["type"] == "websocket" else None
        seen.append((scope["type"], "consentkit" in scope, consent and consent.decided))
        await send({"type": f"{scope['type']}.custom", "data": "ข้อมูล"})

    middleware = ConsentMiddleware(app, **OPTIONS)
    for kind in ("lifespan", "websocket"):
        sent = call(middleware, {"type": kind, "path": "/ws", "headers": []})
        assert sent == [{"type": f"{kind}.custom", "data": "ข้อมูล"}]  # messages as sent
    assert seen == [("lifespan", False, None), ("websocket", True, False)]


def test_pathsend_is_forwarded_with_the_original_length() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [*HTML, (b"etag", b'"strong"')],
            }
        )
        await send({"type": "http.response.pathsend", "path": "/srv/page.html"})

    offered = {"http.response.pathsend": {}}  # an app may use it only when the server says so
    sent = call(ConsentMiddleware(app, **OPTIONS), http_scope(extensions=offered))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.pathsend"]
    headers = dict(sent[0]["headers"])
    assert headers[b"content-length"] == b"26" and headers[b"etag"] == b'"strong"'
    assert b"Cookie" in headers[b"vary"]
    assert sent[1] == {"type": "http.response.pathsend", "path": "/srv/page.html"}


def test_a_page_start_is_held_only_until_its_first_body_message_decides() -> None:
    page = "<!doctype html><html><body><p>สวัสดี</p>".encode() + b"x" * 5000
    rest = b"</body></html>"
    length = b"%d" % (len(page) + len(rest))
    headers = [(b"content-type", b"text/html"), (b"content-length", length)]
    sent: list[dict[str, Any]] = []
    seen: list[list[str]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        seen.append([m["type"] for m in sent])
        await send({"type": "http.response.body", "body": page, "more_body": True})
        seen.append([m["type"] for m in sent])
        await send({"type": "http.response.body", "body": rest})

    async def server_send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    asyncio.run(ConsentMiddleware(app, **OPTIONS)(http_scope(), receive, server_send))
    # Held while the body could still be a fragment; out with the first chunk, not the last.
    assert seen == [[], ["http.response.start", "http.response.body"]]
    assert len(sent[1]["body"]) >= len(page) - 10
    body = b"".join(m["body"] for m in sent[1:])
    assert b'id="consentkit-banner"' in body
    assert int(dict(sent[0]["headers"])[b"content-length"]) == len(body)


@pytest.mark.parametrize(
    "first",
    [b"<!doctype html><html><body><p>" + "สวัสดี".encode(), "<h1>รายการ</h1>".encode()],
    ids=["document", "fragment"],
)
def test_an_unframed_page_start_goes_at_once(first: bytes) -> None:
    """A stream (no Content-Length, no strong ETag) gets the same headers whether it turns out
    a document or a fragment, so its start is not held for the body."""
    sent: list[dict[str, Any]] = []
    seen: list[list[str]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        seen.append([m["type"] for m in sent])
        await send({"type": "http.response.body", "body": first, "more_body": True})
        await send({"type": "http.response.body", "body": b"</p></body></html>"})

    async def server_send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    asyncio.run(ConsentMiddleware(app, **OPTIONS)(http_scope(), receive, server_send))
    assert seen == [["http.response.start"]]
    headers = dict(sent[0]["headers"])
    assert b"content-length" not in headers and headers[b"vary"] == b"Cookie, Accept-Language"
    body = b"".join(m.get("body", b"") for m in sent[1:])
    banner = b'id="consentkit-banner"' in body
    assert banner is first.startswith(b"<!doctype")
    if not banner:
        assert body == first + b"</p></body></html>"


def test_with_pathsend_offered_a_page_body_is_still_rewritten() -> None:
    page = "<body>สวัสดี</body>".encode()
    app = one_response(b"text/html; charset=utf-8", page)
    offered = {"http.response.pathsend": {}}
    sent = call(ConsentMiddleware(app, **OPTIONS), http_scope(extensions=offered))
    body = sent[1]["body"]
    assert b'id="consentkit-banner"' in body and body.endswith(b"</body>")
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]


def test_unknown_messages_are_forwarded() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "trailers": True,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b"{}"})
        await send({"type": "http.response.trailers", "headers": [(b"x-sum", b"1")]})

    sent = call(ConsentMiddleware(app, **OPTIONS), http_scope())
    assert sent[-1] == {"type": "http.response.trailers", "headers": [(b"x-sum", b"1")]}
    assert sent[0]["trailers"] is True


def test_first_chunk_is_not_held_back_by_the_rest() -> None:
    """The app sends its second chunk only once the first has reached the server."""

    async def scenario() -> list[bytes]:
        first_sent = asyncio.Event()
        bodies: list[bytes] = []

        async def app(scope: Any, receive: Any, send: Any) -> None:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"text/html")],
                }
            )
            await send(
                {
                    "type": "http.response.body",
                    "body": b"<html><body>" + b"x" * 5000,
                    "more_body": True,
                }
            )
            await asyncio.wait_for(first_sent.wait(), timeout=5)
            await send({"type": "http.response.body", "body": b"</body></html>"})

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body":
                bodies.append(message["body"])
                first_sent.set()

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b""}

        await ConsentMiddleware(app, **OPTIONS)(http_scope(), receive, send)
        return bodies

    bodies = asyncio.run(scenario())
    assert len(bodies[0]) >= 5000
    assert b'id="consentkit-banner"' in b"".join(bodies)


def test_chunked_body_over_the_limit_is_a_413_without_reading_it_all() -> None:
    chunks = [
        {"type": "http.request", "body": b"choice=accept_all&x=" + b"a" * 9000, "more_body": True}
    ] * 5
    sent = call(
        ConsentMiddleware(lambda *a: None, **OPTIONS),  # type: ignore[arg-type]
        http_scope(
            "/_consent",
            "POST",
            [
                (b"content-type", b"application/x-www-form-urlencoded"),
                (b"sec-fetch-site", b"same-origin"),
            ],
        ),
        list(chunks),
    )
    assert sent[0]["status"] == 413


def test_declared_length_over_the_limit_is_a_413_unread() -> None:
    sent = call(
        ConsentMiddleware(lambda *a: None, **OPTIONS),  # type: ignore[arg-type]
        http_scope(
            "/_consent",
            "POST",
            [(b"content-length", b"999999"), (b"sec-fetch-site", b"same-origin")],
        ),
        [],
    )
    assert sent[0]["status"] == 413


def test_root_path_is_kept_in_urls() -> None:
    middleware = ConsentMiddleware(one_response(b"text/html", b"<body></body>"), **OPTIONS)
    sent = call(middleware, http_scope("/shop/menu", root_path="/shop"))
    body = b"".join(m.get("body", b"") for m in sent)
    assert b'action="/shop/_consent"' in body
    assert b'value="/shop/menu"' in body
    endpoint = call(middleware, http_scope("/shop/_consent", root_path="/shop"))
    assert endpoint[0]["status"] == 200


def test_handler_that_never_asks_costs_no_verification() -> None:
    middleware = ConsentMiddleware(one_response(b"application/json", b"{}"), **OPTIONS)
    cookie = middleware.engine.codec.encode(["analytics"], "1")
    calls = []
    original = middleware.engine.codec.verify
    middleware.engine.codec.verify = lambda *a, **k: calls.append(1) or original(*a, **k)  # type: ignore[method-assign]
    call(middleware, http_scope(headers=[(b"cookie", f"consentkit={cookie}".encode())]))
    assert calls == []
    gated = [(b"cookie", f"consentkit={cookie}; _ga=1".encode())]
    call(middleware, http_scope(headers=gated))
    assert calls == [1]  # a gated cookie was sent: now the consent is needed
    call(middleware, http_scope(headers=gated))
    assert calls == [1]  # the same visitor again: verified once, only its age checked


def test_a_remembered_visitors_consent_still_ages_out(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(get_consent(scope).decided)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    middleware = ConsentMiddleware(app, **{**OPTIONS, "max_age": 3600})
    token = middleware.engine.codec.encode(["analytics"], "1")
    cookie = [(b"cookie", f"consentkit={token}; _ga=GA1.1.ไทย".encode())]
    call(middleware, http_scope(headers=cookie))  # verified now, and remembered
    later = time.time() + 3601
    monkeypatch.setattr(time, "time", lambda: later)
    call(middleware, http_scope(headers=cookie))
    assert seen == [True, False]


def test_links_use_the_root_path_the_middleware_saw() -> None:
    async def mounted(scope: Any, receive: Any, send: Any) -> None:
        scope["root_path"] += "/ร้าน"  # as Starlette's Mount does: the same scope, changed
        await one_response(b"text/html", b"<body></body>")(scope, receive, send)

    middleware = ConsentMiddleware(mounted, **OPTIONS)
    sent = call(middleware, http_scope("/shop/menu", root_path="/shop"))
    body = b"".join(m.get("body", b"") for m in sent)
    assert b'action="/shop/_consent"' in body and b'value="/shop/menu"' in body


def test_https_uses_the_host_prefix() -> None:
    client = AsgiClient(ConsentMiddleware(lambda *a: None, **OPTIONS))  # type: ignore[arg-type]
    response = client.request(
        "POST",
        "/_consent",
        scheme="https",
        headers=[
            ("Origin", "https://testserver"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        body=b"choice=reject_all",
    )
    header = response.all("set-cookie")[0]
    assert header.startswith("__Host-consentkit=") and "; Secure" in header
    assert "Domain" not in header and "Path=/" in header


@pytest.mark.parametrize("peer, secure", [("10.1.2.3", True), ("203.0.113.9", False)])
def test_forwarded_proto_believed_only_from_trusted_proxies(peer: str, secure: bool) -> None:
    client = AsgiClient(ConsentMiddleware(lambda *a: None, **OPTIONS), client=(peer, 1))  # type: ignore[arg-type]
    response = client.request(
        "POST",
        "/_consent",
        headers=[
            ("X-Forwarded-Proto", "https"),
            ("Sec-Fetch-Site", "same-origin"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        body=b"choice=reject_all",
    )
    assert response.all("set-cookie")[0].startswith("__Host-consentkit=") is secure


def test_another_policy_version_means_undecided() -> None:
    seen: list[bool] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(get_consent(scope).decided)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    old = ConsentMiddleware(app, **OPTIONS)
    new = ConsentMiddleware(app, **{**OPTIONS, "policy_version": "2026-12"})
    cookie = [(b"cookie", b"consentkit=" + old.engine.codec.encode(["analytics"], "1").encode())]
    call(old, http_scope(headers=cookie))
    call(new, http_scope(headers=cookie))
    assert seen == [True, False]


def test_get_consent_without_the_middleware_says_what_to_do() -> None:
    with pytest.raises(RuntimeError, match="ConsentMiddleware"):
        get_consent({"type": "http"})


def _seen_client(middleware: ConsentMiddleware, cookie: str | None, **scope: Any) -> Any:
    seen: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(
            (
                scope["client"],
                dict(scope["headers"]).get(b"x-forwarded-for"),
                get_consent(scope).client_ip,
            )
        )
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    middleware.app = app
    headers = [(b"cookie", f"consentkit={cookie}".encode())] if cookie else []
    headers.append((b"x-forwarded-for", b"198.51.100.23, 10.0.0.5"))
    call(middleware, {**http_scope(headers=headers), "client": ("10.0.0.9", 5555), **scope})
    return seen[0]


def test_the_app_sees_only_a_truncated_ip_without_location_consent() -> None:
    middleware = ConsentMiddleware(lambda *a: None, **OPTIONS)  # type: ignore[arg-type]
    codec = middleware.engine.codec
    assert _seen_client(middleware, None) == (
        ("10.0.0.0", 5555),
        b"198.51.100.0, 10.0.0.0",
        "198.51.100.0",
    )
    assert _seen_client(middleware, codec.encode(["analytics"], "1"))[0] == ("10.0.0.0", 5555)
    granted = _seen_client(middleware, codec.encode(["location"], "1"))
    assert granted == (("10.0.0.9", 5555), b"198.51.100.23, 10.0.0.5", "198.51.100.23")
    forged = codec.encode(["analytics"], "1").replace("~analytics~", "~location~")
    assert _seen_client(middleware, forged)[0] == ("10.0.0.0", 5555)


def test_masking_can_be_turned_off() -> None:
    middleware = ConsentMiddleware(lambda *a: None, **OPTIONS, mask_client_ip=False)  # type: ignore[arg-type]
    client, forwarded, ip = _seen_client(middleware, None)
    assert client == ("10.0.0.9", 5555) and forwarded == b"198.51.100.23, 10.0.0.5"
    assert ip == "198.51.100.0"  # consent.client_ip is truncated all the same


@pytest.mark.parametrize(
    "header",
    [("Forwarded", "for=198.51.100.1;proto=https"), ("Forwarded", "for=a, for=b;proto=https")],
)
def test_rfc7239_forwarded_proto_from_a_trusted_proxy(header: tuple[str, str]) -> None:
    client = AsgiClient(ConsentMiddleware(lambda *a: None, **OPTIONS), client=("10.0.0.2", 1))  # type: ignore[arg-type]
    response = client.request(
        "POST",
        "/_consent",
        headers=[
            header,
            ("Sec-Fetch-Site", "same-origin"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        body=b"choice=reject_all",
    )
    assert response.all("set-cookie")[0].startswith("__Host-consentkit=")


def test_coarser_truncation_can_be_configured() -> None:
    middleware = ConsentMiddleware(lambda *a: None, **OPTIONS, ip_prefixes=(16, 32))  # type: ignore[arg-type]
    client, forwarded, ip = _seen_client(middleware, None)
    assert client == ("10.0.0.0", 5555) and forwarded == b"198.51.0.0, 10.0.0.0"
    assert ip == "198.51.0.0"


def test_a_start_waits_while_the_first_chunks_cannot_tell_then_keeps_a_fragment_s_length() -> None:
    chunks = [b"\n  ", "<!-- รายการ ".encode(), "--><h1>รายการ</h1>".encode()]
    length = b"%d" % sum(map(len, chunks))
    sent: list[dict[str, Any]] = []
    seen: list[int] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/html"), (b"content-length", length)]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for index, chunk in enumerate(chunks):
            seen.append(len(sent))
            more = index < len(chunks) - 1
            await send({"type": "http.response.body", "body": chunk, "more_body": more})

    async def server_send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    asyncio.run(ConsentMiddleware(app, **OPTIONS)(http_scope(), receive, server_send))
    assert seen == [0, 0, 0]
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert dict(sent[0]["headers"])[b"content-length"] == length
    assert sent[1]["body"] == b"".join(chunks) and sent[1]["more_body"] is False
