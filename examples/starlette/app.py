"""consentkit with Starlette: ``uvicorn --app-dir examples/starlette app:app --port 8000``.

This example also sends a Content-Security-Policy with a per-request nonce
(``consentkit.contrib.templating.csp_nonce``); consentkit puts the same nonce on the tags it
injects.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from consentkit import ConsentMiddleware
from consentkit.contrib.templating import consent_context, csp_nonce

# Set CONSENTKIT_SECRET_KEY (`consentkit keygen`) to keep consents across restarts.
SECRET_KEY = os.environ.get("CONSENTKIT_SECRET_KEY") or secrets.token_urlsafe(32)
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

templates = Jinja2Templates(directory=TEMPLATES, context_processors=[consent_context])


def page(request: Request, name: str) -> Response:
    """Render ``name`` with a CSP that allows only scripts and styles carrying the nonce."""
    response = templates.TemplateResponse(request, name, {"framework": "Starlette"})
    nonce = csp_nonce(request)
    response.headers["content-security-policy"] = (
        f"script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'"
    )
    return response


async def home(request: Request) -> Response:
    """The home page."""
    return page(request, "home.html")


async def analytics(request: Request) -> Response:
    """A page with a ``data-consent="analytics"`` script."""
    return page(request, "analytics.html")


async def tracking(request: Request) -> Response:
    """A page whose server sets the ``_ga`` analytics cookie on every response."""
    response = page(request, "tracking.html")
    response.set_cookie("_ga", "GA1.1.1234567890.1764028800", max_age=3600 * 24 * 365)
    return response


app = Starlette(
    routes=[
        Route("/", home),
        Route("/analytics", analytics),
        Route("/tracking", tracking),
    ],
    middleware=[Middleware(ConsentMiddleware, secret_key=SECRET_KEY)],  # ← the one line
)
