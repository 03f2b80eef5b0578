"""The same small site as a raw ASGI app and a raw WSGI app, for the behaviour table, and the
middleware options it is served with.

Raw (no framework) so that every header and chunk boundary is exactly what a test says.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from typing import Any

from consentkit import get_consent

RETIRED_KEY = "กุญแจเก่า-retired-key-0123456789"
SECRET_KEY = "กุญแจใหม่-current-key-abcdefghij"

#: The options the site runs with: two keys, newest last (the retired one still verifies).
OPTIONS: dict[str, Any] = {
    "secret_key": [RETIRED_KEY, SECRET_KEY],
    "policy_url": "/privacy",
    "policy_updated": datetime.date(2026, 11, 1),
    "trusted_proxies": ["10.0.0.0/8"],
}

PAGE = (
    '<!DOCTYPE html><html lang="th"><head><title>หน้าแรก</title></head>'
    "<body><h1>สวัสดีครับ</h1><p>ร้านกาแฟริมน้ำ</p></body></html>"
)
HTML = [("Content-Type", "text/html; charset=utf-8")]

#: path -> (status, headers, body chunks)
ROUTES: dict[str, tuple[int, list[tuple[str, str]], list[bytes]]] = {
    "/": (200, HTML, [PAGE.encode()]),
    "/with-length": (200, [*HTML, ("Content-Length", str(len(PAGE.encode())))], [PAGE.encode()]),
    "/set-cookies": (
        200,
        [
            *HTML,
            ("Set-Cookie", "_ga=GA1.1.111.222; Path=/; Max-Age=63072000"),
            ("Set-Cookie", "_ga_ABC123=GS1.1.333; Path=/"),
            ("Set-Cookie", "_gid=GA1.1.444; Path=/"),
            ("Set-Cookie", "_fbp=fb.1.555; Path=/"),
            ("Set-Cookie", "sessionid=ตะกร้า; Path=/; HttpOnly".encode().decode("latin-1")),
            ("Set-Cookie", "csrftoken=abc; Path=/"),
        ],
        [PAGE.encode()],
    ),
    "/trackers": (  # cookies no category names: the Open Cookie Database knows them
        200,
        [
            *HTML,
            ("Set-Cookie", "_clck=1a2b3c; Path=/; Max-Age=31536000"),
            ("Set-Cookie", "_uetsid=0f1e2d; Path=/"),
            ("Set-Cookie", "_ttp=tt.1; Path=/"),
            ("Set-Cookie", "hubspotutk=5c6d; Path=/"),
            ("Set-Cookie", "_pk_id.1.abcd=7e8f.1764000000; Path=/"),
            ("Set-Cookie", "sessionid=ตะกร้า; Path=/; HttpOnly".encode().decode("latin-1")),
            ("Set-Cookie", "csrftoken=abc; Path=/"),
        ],
        [PAGE.encode()],
    ),
    "/json": (
        200,
        [("Content-Type", "application/json"), ("Set-Cookie", "_gid=GA1.1.9; Path=/")],
        [b'{"ok": true}'],
    ),
    "/plain-json": (200, [("Content-Type", "application/json")], [b'{"ok": true}']),
    "/stream": (200, HTML, [b"<html><body><p>\xe0\xb8\x81</p></bo", b"dy></html>"]),
    "/split-early": (200, HTML, [b"<html><body>x<", b"/", b"BODY", b">", b"</html>"]),
    "/upper": (200, HTML, [b"<HTML><BODY>x</BODY></HTML>"]),
    "/nobody": (200, HTML, [b"<p>no closing tag"]),
    "/empty-html": (200, HTML, [b""]),
    "/gzip": (200, [*HTML, ("Content-Encoding", "gzip")], [b"\x1f\x8b\x08\x00fake"]),
    "/etag": (200, [*HTML, ("ETag", '"abc"')], [PAGE.encode()]),
    "/weak-etag": (200, [*HTML, ("ETag", 'W/"abc"')], [PAGE.encode()]),
    "/vary": (200, [*HTML, ("Vary", "Accept-Encoding")], [PAGE.encode()]),
    "/vary-cookie": (200, [*HTML, ("Vary", "Cookie")], [PAGE.encode()]),
    "/no-content": (204, [("Content-Type", "text/html")], [b""]),
    "/not-modified": (304, [("Content-Type", "text/html")], [b""]),
    "/partial-content": (206, [*HTML, ("Content-Range", "bytes 0-9/100")], [b"<html><bod"]),
    "/events": (200, [("Content-Type", "text/event-stream")], [b"data: x\n\n"]),
    "/redirect": (302, [*HTML, ("Location", "/")], [b"<html><body>moved</body></html>"]),
    "/not-found": (404, HTML, ["<html><body>ไม่พบหน้า</body></html>".encode()]),
    "/csp": (
        200,
        [*HTML, ("Content-Security-Policy", "script-src 'nonce-r4nd0m123' 'strict-dynamic'")],
        [PAGE.encode()],
    ),
    "/text": (200, [("Content-Type", "text/plain")], [b"</body>"]),
    "/deletes-ga": (200, [*HTML, ("Set-Cookie", "_ga=; Max-Age=0; Path=/")], [PAGE.encode()]),
}


def consent_json(request: Any) -> bytes:
    """What the handler sees through ``get_consent``."""
    consent = get_consent(request)
    return json.dumps(
        {
            "decided": consent.decided,
            "granted": sorted(consent.granted),
            "gpc": consent.gpc,
            "analytics": consent.allows("analytics"),
            "client_ip": consent.client_ip,
        }
    ).encode()


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The site as a raw ASGI app."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    path = scope["path"]
    if path == "/consent":
        body = consent_json(scope)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})
        return
    if path == "/echo-body":
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/plain")],
            }
        )
        await send({"type": "http.response.body", "body": b"".join(chunks)})
        return
    status, headers, chunks = ROUTES.get(path, (404, [("Content-Type", "text/plain")], [b"nope"]))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        }
    )
    for index, chunk in enumerate(chunks):
        await send(
            {"type": "http.response.body", "body": chunk, "more_body": index < len(chunks) - 1}
        )


def wsgi_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """The site as a raw WSGI app."""
    path = environ["PATH_INFO"]
    if path == "/consent":
        start_response("200 OK", [("Content-Type", "application/json")])
        return [consent_json(environ)]
    if path == "/echo-body":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ["wsgi.input"].read(length)]
    status, headers, chunks = ROUTES.get(path, (404, [("Content-Type", "text/plain")], [b"nope"]))
    from http import HTTPStatus

    start_response(f"{status} {HTTPStatus(status).phrase}", list(headers))
    if status in (204, 304):
        return []
    return list(chunks)


ITEMS = "<h1>รายการ</h1><p>กาแฟเย็น</p>".encode()
#: Routes of the rewriting cases for the Trust findings 7 and 8: where the banner goes, and
#: fragments (no banner, the app's own framing).
ROUTES.update(
    {
        "/script-in-head": (
            200,
            HTML,
            [
                b'<!doctype html><html><head><script>var end = "</bo',
                'dy>";</script></head><body><p>ร้านกาแฟ</p></bo'.encode(),
                b"dy></html>",
            ],
        ),
        "/hello": (200, [*HTML, ("Content-Length", "13")], [b"Hello, World!"]),
        "/items": (
            200,
            [*HTML, ("Content-Length", str(len(ITEMS))), ("ETag", '"items-1"')],
            [ITEMS],
        ),
        "/bom-comment": (
            200,
            HTML,
            [
                b"\xef\xbb\xbf\n  ",
                "<!-- หน้าแรก </bo".encode(),
                "dy> -->\n<!DOCTYPE html><html><body><p>สวัสดี</p></body></html>".encode(),
            ],
        ),
        "/nobody-page": (200, HTML, ["<!doctype html><p>ไม่มีแท็กปิด".encode()]),
    }
)
