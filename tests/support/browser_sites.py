"""Two small sites for the real-browser tests: a Starlette app (served by uvicorn) and a
Flask app (served by werkzeug's WSGI server), each behind consentkit with the same pages
(the Starlette pages put the Consent Mode tag in ``<head>``, the Flask pages do not).

Every page sets a session cookie (necessary), ``_ga`` (analytics) and ``_fbp`` (marketing)
from the server, and carries ``<script type="text/plain" data-consent=...>`` scripts that
leave a marker on ``<html>`` when they run, so a test sees which categories' scripts ran.
``/csp`` sends a strict Content-Security-Policy with a fresh nonce per response.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from consentkit.links import consent_mode_tag, preferences_link

SECRET_KEY = "กุญแจทดสอบเบราว์เซอร์-browser-key-0123456789"
OPTIONS: dict[str, Any] = {
    "secret_key": SECRET_KEY,
    "policy_url": "/privacy",
    "policy_updated": datetime.date(2026, 11, 1),
    "contact": "privacy@example.co.th",
}
COOKIES = (
    "session=visitor-1",  # a necessary cookie: never gated
    "_ga=GA1.1.123456789.1764000000",
    "_fbp=fb.1.1764000000.987654321",
)
STRICT_CSP = (
    "default-src 'self'; script-src 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
    "img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
)

#: A stand-in for Google's gtag.js: remembers whether Consent Mode's default came first.
FAKE_GTAG = """
(function () {
  var layer = window.dataLayer || [];
  var first = null;
  for (var i = 0; i < layer.length; i += 1) {
    if (layer[i][0] === "consent") { first = layer[i][1]; break; }
  }
  document.documentElement.setAttribute("data-gtag-first-consent", String(first));
}());
"""

_MARK = (
    "document.documentElement.setAttribute('data-{name}-ran', "
    "String(Number(document.documentElement.getAttribute('data-{name}-ran') || 0) + 1));"
)


def page(
    title: str, request: Any, nonce: str | None = None, links: int = 2, head_tag: bool = True
) -> str:
    """A page of the test site: a Thai heading, some links, a footer with the preferences
    link, and consent-gated scripts (analytics, marketing, and a gated "Google tag"). With
    ``head_tag`` the Consent Mode default comes from the ``<head>`` helper, else from the
    injected script alone."""
    n = f' nonce="{nonce}"' if nonce else ""
    head = consent_mode_tag(request, nonce=nonce) if head_tag else ""
    items = "".join(f'<li><a href="/long#item-{i}">ลิงก์ที่ {i}</a></li>' for i in range(links))
    return f"""<!DOCTYPE html>
<html lang="th">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{head}
<script type="text/plain" data-consent="analytics" src="/assets/gtag.js"{n}></script>
</head>
<body>
<header><p>ร้านตัวอย่าง</p></header>
<main>
<h1>{title}</h1>
<p>หน้าทดสอบของ consentkit: ร้านค้าออนไลน์ตัวอย่าง</p>
<ul>{items}</ul>
</main>
<footer><p>{preferences_link(request)}</p></footer>
<script type="text/plain" data-consent="analytics"{n}>{_MARK.format(name="analytics")}</script>
<script type="text/plain" data-consent="marketing"{n}>{_MARK.format(name="marketing")}</script>
<script type="text/plain" data-consent="analytics marketing"{n}>{_MARK.format(name="both")}</script>
</body>
</html>"""


def _route(path: str) -> tuple[str, int]:
    if path == "/long":
        return "รายการยาว", 60
    if path == "/privacy":
        return "นโยบายความเป็นส่วนตัว", 1
    return "หน้าแรก", 2


def starlette_site(**options: Any) -> Any:
    """The Starlette site wrapped in ``ConsentMiddleware``."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, Response
    from starlette.routing import Route

    from consentkit import ConsentMiddleware

    async def html(request: Request) -> Response:
        nonce = secrets.token_urlsafe(16) if request.url.path == "/csp" else None
        title, links = _route(request.url.path)
        response = HTMLResponse(page(title, request, nonce, links))
        for cookie in COOKIES:
            response.raw_headers.append((b"set-cookie", f"{cookie}; Path=/".encode("latin-1")))
        if nonce:
            response.headers["content-security-policy"] = STRICT_CSP.format(nonce=nonce)
        return response

    async def gtag(request: Request) -> Response:
        return Response(FAKE_GTAG, media_type="text/javascript")

    routes = [Route(p, html) for p in ("/", "/long", "/privacy", "/csp")]
    routes.append(Route("/assets/gtag.js", gtag))
    return Starlette(
        routes=routes, middleware=[Middleware(ConsentMiddleware, **{**OPTIONS, **options})]
    )


def flask_site(**options: Any) -> Any:
    """The Flask site, its ``wsgi_app`` wrapped in ``ConsentWSGIMiddleware``."""
    import flask

    from consentkit import ConsentWSGIMiddleware

    app = flask.Flask("consentkit_browser_site")

    def html() -> flask.Response:
        path = flask.request.path
        nonce = secrets.token_urlsafe(16) if path == "/csp" else None
        title, links = _route(path)
        response = flask.Response(
            page(title, flask.request, nonce, links, head_tag=False),
            content_type="text/html; charset=utf-8",
        )
        for cookie in COOKIES:
            response.headers.add("Set-Cookie", f"{cookie}; Path=/")
        if nonce:
            response.headers["Content-Security-Policy"] = STRICT_CSP.format(nonce=nonce)
        return response

    for rule in ("/", "/long", "/privacy", "/csp"):
        app.add_url_rule(rule, rule, html)
    app.add_url_rule(
        "/assets/gtag.js",
        "gtag",
        lambda: flask.Response(FAKE_GTAG, content_type="text/javascript"),
    )
    app.wsgi_app = ConsentWSGIMiddleware(app.wsgi_app, **{**OPTIONS, **options})  # type: ignore[method-assign]
    return app
