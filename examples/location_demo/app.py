"""consentkit's location features: ``python examples/location_demo/app.py`` (port 8000).

A visitor who grants ``location`` sees the country of this visit and of their last visit (kept
in their own browser, in a ``last_visit`` cookie that belongs to the ``location`` category, so
consentkit removes it the moment the visitor withdraws). Any other visitor sees nothing about
where they are, and the app gets only a truncated IP. ``/stats`` shows the location statistics
consentkit keeps: page views per day and country, for consenting visitors only.

On your own machine every visit comes from 127.0.0.1, which has no location. So this demo
plays a reverse proxy: a request without ``X-Forwarded-For`` gets one with ``DEMO_VISITOR_IP``
(default ``49.228.0.1``, which the bundled data places in Thailand), and consentkit trusts
127.0.0.1 as a proxy. Send your own: ``curl -H 'X-Forwarded-For: 8.8.8.8' ...``.
"""

from __future__ import annotations

import datetime
import html
import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from consentkit import DEFAULT_CATEGORIES, Category, ConsentMiddleware, get_consent
from consentkit.location.stats import read_statistics

# Set CONSENTKIT_SECRET_KEY (`consentkit keygen`) to keep consents across restarts.
SECRET_KEY = os.environ.get("CONSENTKIT_SECRET_KEY") or secrets.token_urlsafe(32)
STATISTICS = Path(
    os.environ.get("DEMO_STATISTICS")
    or Path(tempfile.gettempdir()) / "consentkit-location-demo.sqlite3"
)
VISITOR_IP = os.environ.get("DEMO_VISITOR_IP", "49.228.0.1")

LAST_VISIT = "last_visit"
_LAST_VISIT_VALUE = re.compile(r"^([A-Z]{2})\.(\d{4}-\d{2}-\d{2})$")

#: The default categories, with the demo's ``last_visit`` cookie claimed by ``location``.
CATEGORIES = tuple(
    Category("location", cookies=(LAST_VISIT,)) if c.name == "location" else c
    for c in DEFAULT_CATEGORIES
)

PAGE = """<!DOCTYPE html>
<html lang="th"><head><meta charset="utf-8"><title>ที่ตั้งโดยประมาณ · Approximate location</title>
<style>body{{font-family:sans-serif;max-width:40rem;margin:2rem auto;line-height:1.5}}
.box{{border:1px solid #ccc;border-radius:.5rem;padding:1rem;margin:1rem 0}}</style></head>
<body><h1>ร้านกาแฟบ้านสวน · location demo</h1>
{body}
<p><a href="/_consent/preferences">ตั้งค่าคุกกี้ · Cookie preferences</a> ·
<a href="/stats">สถิติ · Statistics</a></p>
</body></html>"""


def _last_visit(request: Request) -> tuple[str, str] | None:
    match = _LAST_VISIT_VALUE.match(request.cookies.get(LAST_VISIT, ""))
    return (match.group(1), match.group(2)) if match else None


async def home(request: Request) -> Response:
    """This visit's and the last visit's country, for a visitor who granted ``location``."""
    consent = get_consent(request)
    if not consent.allows("location"):
        body = (
            '<div class="box" id="no-location"><p>เราไม่ทราบว่าคุณอยู่ที่ใด · '
            "We know nothing about where you are.</p>"
            f"<p>IP (truncated): <code>{html.escape(consent.client_ip)}</code></p></div>"
        )
        return HTMLResponse(PAGE.format(body=body))
    location = consent.location
    here = location.country if location else None
    previous = _last_visit(request)
    parts = [
        '<div class="box" id="location">',
        f"<p>IP: <code>{html.escape(consent.client_ip)}</code></p>",
        f'<p>การเข้าชมครั้งนี้ · This visit: <strong id="this-visit">{here or "?"}</strong>'
        + (f" ({html.escape(location.region)})" if location and location.region else "")
        + "</p>",
    ]
    if previous:
        parts.append(
            f'<p>ครั้งก่อน · Last visit: <strong id="last-visit">{previous[0]}</strong>'
            f" ({previous[1]})</p>"
        )
    else:
        parts.append('<p id="first-visit">ครั้งแรกที่นี่ · Your first visit.</p>')
    parts.append("</div>")
    response = HTMLResponse(PAGE.format(body="".join(parts)))
    if here:
        today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
        response.set_cookie(
            LAST_VISIT, f"{here}.{today}", max_age=90 * 24 * 3600, httponly=True, samesite="lax"
        )
    return response


async def stats(request: Request) -> Response:
    """The statistics consentkit keeps (written now, then read back from the file)."""
    recorder = consent_app.engine.statistics
    if recorder is not None:
        await run_in_threadpool(recorder.flush)  # file I/O: off the event loop
    rows = "".join(
        f"<tr><td>{r.day.isoformat()}</td><td>{r.country or '—'}</td>"
        f"<td>{html.escape(r.region or '')}</td><td>{r.views}</td></tr>"
        for r in await run_in_threadpool(read_statistics, STATISTICS)
    )
    body = (
        f"<p>From <code>{html.escape(str(STATISTICS))}</code> "
        f"(<code>consentkit stats {html.escape(str(STATISTICS))}</code>). "
        "Visitors without location consent are counted only in the row with no country.</p>"
        '<table id="stats" border="1" cellpadding="4"><tr><th>day</th><th>country</th>'
        f"<th>region</th><th>views</th></tr>{rows}</table>"
    )
    return HTMLResponse(PAGE.format(body=body))


class PretendProxy:
    """Plays the site's reverse proxy: adds ``X-Forwarded-For: DEMO_VISITOR_IP`` when absent."""

    def __init__(self, app: Any, visitor_ip: str) -> None:
        self.app = app
        self.header = (b"x-forwarded-for", visitor_ip.encode("ascii"))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not any(
            name == b"x-forwarded-for" for name, _ in scope["headers"]
        ):
            scope = {**scope, "headers": [*scope["headers"], self.header]}
        await self.app(scope, receive, send)


site = Starlette(routes=[Route("/", home), Route("/stats", stats)])
consent_app = ConsentMiddleware(
    site,
    secret_key=SECRET_KEY,
    categories=CATEGORIES,
    trusted_proxies=["127.0.0.1", "::1"],
    statistics=STATISTICS,
)
app = PretendProxy(consent_app, VISITOR_IP)


if __name__ == "__main__":
    import uvicorn

    port = int(os.environ.get("PORT", "8000"))
    print(f"consentkit location demo on http://127.0.0.1:{port}/ (visitor IP {VISITOR_IP})")
    uvicorn.run(app, host="127.0.0.1", port=port, proxy_headers=False)
