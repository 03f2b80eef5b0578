"""consentkit with Litestar, the Litestar way: a plugin.
``uvicorn --app-dir examples/litestar app:app --port 8000``.

``ConsentPlugin`` wraps the whole application when it starts (so consentkit also answers its
own ``/_consent`` endpoints, which no route of the app matches), and stands in as route
middleware for a server that runs no lifespan.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, get
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.datastructures import Cookie
from litestar.response import Template
from litestar.template.config import TemplateConfig

from consentkit import get_consent
from consentkit.contrib.litestar import ConsentPlugin
from consentkit.contrib.templating import consent_context

# Set CONSENTKIT_SECRET_KEY (`consentkit keygen`) to keep consents across restarts.
SECRET_KEY = os.environ.get("CONSENTKIT_SECRET_KEY") or secrets.token_urlsafe(32)
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def page(request: Request[Any, Any, Any], name: str, **kwargs: Any) -> Template:
    """Render ``name`` with consentkit's template variables."""
    context = {"framework": "Litestar", **consent_context(request)}
    return Template(template_name=name, context=context, **kwargs)


@get("/")
async def home(request: Request[Any, Any, Any]) -> Template:
    """The home page."""
    return page(request, "home.html")


@get("/analytics")
async def analytics(request: Request[Any, Any, Any]) -> Template:
    """A page with a ``data-consent="analytics"`` script."""
    return page(request, "analytics.html")


@get("/tracking")
async def tracking(request: Request[Any, Any, Any]) -> Template:
    """A page whose server sets the ``_ga`` analytics cookie on every response."""
    ga = Cookie(key="_ga", value="GA1.1.1234567890.1764028800", max_age=3600 * 24 * 365)
    return page(request, "tracking.html", cookies=[ga])


@get("/api/consent")
async def consent_json(request: Request[Any, Any, Any]) -> dict[str, bool]:
    """The visitor's consent in a handler."""
    consent = get_consent(request)
    return {"decided": consent.decided, "analytics": consent.allows("analytics")}


app = Litestar(
    route_handlers=[home, analytics, tracking, consent_json],
    template_config=TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine),
    plugins=[ConsentPlugin(secret_key=SECRET_KEY)],  # ← the one line
)
