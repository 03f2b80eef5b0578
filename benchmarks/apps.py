"""The apps every benchmark runs: the same pages under Starlette, Flask and Django.

A ~20 KB HTML page (a Thai shop's product list) and a tiny JSON route, so that each
framework's bare cost and each middleware's added cost are measured on the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

#: The secret every middleware signs with (consentkit, Starlette's and Flask's sessions).
SECRET = "benchmark-secret-key-0123456789abcdef-not-for-production"

#: The consentkit options every benchmark uses (the defaults otherwise).
CONSENT_OPTIONS: dict[str, Any] = {"secret_key": SECRET, "locales": ("th", "en")}

#: Request headers of a typical browser visit (the cookie is added per scenario).
BROWSER_HEADERS: list[tuple[str, str]] = [
    ("host", "shop.example.co.th"),
    ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"),
    ("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    ("accept-language", "th-TH,th;q=0.9,en-US;q=0.8,en;q=0.7"),
    ("accept-encoding", "gzip, deflate, br, zstd"),
    ("sec-fetch-site", "same-origin"),
    ("sec-fetch-mode", "navigate"),
    ("upgrade-insecure-requests", "1"),
]

#: Cookies of an undecided visitor that carries cookies: the language choice and a site cookie.
UNDECIDED_COOKIE = "consentkit_lang=th; theme=dark"

#: Cookies of optional categories (consentkit's defaults: ``_ga`` analytics, ``_fbp``
#: marketing) as a browser carries them after a tracker set them.
GA_COOKIE = "_ga=GA1.1.1234567890.1764000000"
FBP_COOKIE = "_fbp=fb.1.1764000000000.1234567890"

#: Cookies of an undecided visitor (no consent cookie) who carries ``_ga`` and ``_fbp``: every
#: response must expire them.
GATED_UNDECIDED_COOKIE = f"{UNDECIDED_COOKIE}; {GA_COOKIE}; {FBP_COOKIE}"


def refused_cookie(token: str) -> str:
    """Cookies of a visitor who refused everything (``token``: a consent cookie granting no
    optional category) and still carries ``_ga``: every response must expire it."""
    return f"consentkit={token}; theme=dark; {GA_COOKIE}"


def html_page(size: int = 20 * 1024) -> bytes:
    """An HTML page of about ``size`` bytes ending in ``</body></html>``."""
    head = (
        '<!doctype html>\n<html lang="th">\n<head>\n<meta charset="utf-8">\n'
        "<title>ร้านผ้าไหมสมใจ — สินค้าทั้งหมด</title>\n"
        '<link rel="stylesheet" href="/static/site.css">\n</head>\n<body>\n'
        '<header><h1>ร้านผ้าไหมสมใจ</h1><nav><a href="/">หน้าแรก</a> '
        '<a href="/about">เกี่ยวกับเรา</a></nav></header>\n<main>\n<ul class="products">\n'
    )
    tail = "</ul>\n</main>\n<footer>© 2569 ร้านผ้าไหมสมใจ เชียงใหม่</footer>\n</body>\n</html>\n"
    items = []
    size_so_far = len((head + tail).encode())
    number = 0
    while size_so_far < size:
        number += 1
        item = (
            f'<li class="product" id="p{number}"><a href="/products/{number}">'
            f'ผ้าไหมมัดหมี่ลายที่ {number}</a> <span class="price">฿{1200 + number * 35:,}</span>'
            f"<p>ทอมือจากสุรินทร์ สีธรรมชาติ ขนาด 2 เมตร (silk, hand-woven)</p></li>\n"
        )
        items.append(item)
        size_so_far += len(item.encode())
    return (head + "".join(items) + tail).encode("utf-8")


PAGE = html_page()
JSON_BODY = json.dumps({"ok": True, "items": 3, "currency": "THB"}).encode()


# -- Starlette ---------------------------------------------------------------------------------


def starlette_app() -> Any:
    """The Starlette app: ``/`` (HTML page), ``/api`` (JSON), ``/login`` (sets a session)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    def page(request: Request) -> Response:
        request.scope.get("session", {}).get("user")  # a session the view really reads
        return Response(PAGE, media_type="text/html")

    def api(request: Request) -> Response:
        request.scope.get("session", {}).get("user")
        return Response(JSON_BODY, media_type="application/json")

    def login(request: Request) -> Response:
        request.session["user"] = "somchai"
        return JSONResponse({"user": "somchai"})

    # Sync endpoints would run in a thread pool; async keeps the comparison about middleware.
    async def apage(request: Request) -> Response:
        return page(request)

    async def aapi(request: Request) -> Response:
        return api(request)

    async def alogin(request: Request) -> Response:
        return login(request)

    return Starlette(
        routes=[Route("/", apage), Route("/api", aapi), Route("/login", alogin, methods=["GET"])]
    )


class NoOpMiddleware:
    """A pure-ASGI middleware that does nothing: the floor of any middleware's cost."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


class FloorMiddleware:
    """Not a consent middleware: the least work one must do, to show what the targets leave.

    On every request it reads the ``Cookie`` header into a dict lookup, puts a per-request
    object in the scope, shows the app a truncated client address and wraps ``send``; on an
    HTML response it adds ``Vary``, fixes ``Content-Length`` and puts a fixed ~4 KB snippet
    before ``</body>`` (one copy of the page). No consent is read, nothing is decided.
    """

    SNIPPET = b"<aside>" + b"x" * 4000 + b"</aside>"

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: dict[bytes | None, object] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        headers = dict(scope["headers"])
        scope["floor"] = self.seen.get(headers.get(b"cookie"))
        client = scope["client"]
        scope["client"] = ("203.0.113.0", client[1])
        html = False

        async def floor_send(message: Any) -> None:
            nonlocal html
            if message["type"] == "http.response.start":
                out = []
                for name, value in message["headers"]:
                    name = name.lower()
                    if name == b"content-type":
                        html = value.startswith(b"text/html")
                    elif name == b"content-length":
                        value = b"%d" % (int(value) + len(self.SNIPPET))
                    out.append((name, value))
                if html:
                    out.append((b"vary", b"Cookie"))
                    message = {**message, "headers": out}
            elif html and message["type"] == "http.response.body":
                body = message["body"]
                at = body.rfind(b"</body")
                view = memoryview(body)
                message = {**message, "body": b"".join((view[:at], self.SNIPPET, view[at:]))}
            await send(message)

        await self.app(scope, receive, floor_send)


def asgi_variants() -> dict[str, Any]:
    """``name -> ASGI app``: bare, the no-op floor, Starlette's session, consentkit."""
    from starlette.middleware.sessions import SessionMiddleware

    from consentkit import ConsentMiddleware

    app = starlette_app()
    return {
        "bare": app,
        "noop": NoOpMiddleware(app),
        "session": SessionMiddleware(app, secret_key=SECRET),
        "floor": FloorMiddleware(app),
        "consentkit": ConsentMiddleware(app, **CONSENT_OPTIONS),
    }


def streaming_app(total: int, chunk_size: int = 64 * 1024) -> Any:
    """An ASGI app streaming an HTML page of ``total`` bytes in ``chunk_size`` chunks.

    It reuses one chunk object, so the app itself allocates nothing per chunk; it records in
    ``app.produced`` how many body chunks it had handed over at each point.
    """
    head = b"<!doctype html><html><head><title>big</title></head><body>"
    tail = b"</body></html>"
    filler = b"<p>" + "ข้อมูล".encode() * ((chunk_size - 7) // 18) + b"</p>"
    filler = filler + b" " * (chunk_size - len(filler))

    class Streaming:
        produced = 0

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            headers = [(b"content-type", b"text/html; charset=utf-8")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            remaining = total - len(head) - len(tail)
            self.produced = 1
            await send({"type": "http.response.body", "body": head, "more_body": True})
            while remaining > 0:
                piece = filler if remaining >= len(filler) else filler[:remaining]
                remaining -= len(piece)
                self.produced += 1
                await send({"type": "http.response.body", "body": piece, "more_body": True})
            self.produced += 1
            await send({"type": "http.response.body", "body": tail, "more_body": False})

    return Streaming()


# -- Flask -------------------------------------------------------------------------------------


def flask_app() -> Any:
    """The Flask app: ``/`` (HTML page, reads the session), ``/api`` (JSON), ``/login``."""
    from flask import Flask, Response, session

    app = Flask("benchmark")
    app.secret_key = SECRET

    @app.get("/")
    def page() -> Response:
        session.get("user")  # a session the view really reads
        return Response(PAGE, mimetype="text/html")

    @app.get("/api")
    def api() -> Response:
        session.get("user")
        return Response(JSON_BODY, mimetype="application/json")

    @app.get("/login")
    def login() -> Response:
        session["user"] = "somchai"
        return Response(b"{}", mimetype="application/json")

    return app


#: consentkit's cases in the ASGI and WSGI in-process benchmarks: ``(name, variant, path, the
#: kind of visitor's cookies)``, one per shape of visitor and kind of response.
CONSENTKIT_CASES: list[tuple[str, str, str, str | None]] = [
    ("consentkit (a) no cookie, HTML + banner", "consentkit", "/", None),
    ("consentkit (b) undecided with cookies, HTML + banner", "consentkit", "/", "undecided"),
    ("consentkit (c) decided, HTML + loader", "consentkit", "/", "decided"),
    ("consentkit (d) decided, JSON", "consentkit", "/api", "decided"),
    (
        "consentkit (e) undecided with _ga, _fbp, HTML + banner + expiry",
        "consentkit",
        "/",
        "gated",
    ),
    ("consentkit (f) undecided with _ga, _fbp, JSON + expiry", "consentkit", "/api", "gated"),
    ("consentkit (g) decided, refused all, HTML + expiry", "consentkit", "/", "refused"),
    ("consentkit (h) decided, refused all, JSON + expiry", "consentkit", "/api", "refused"),
]
