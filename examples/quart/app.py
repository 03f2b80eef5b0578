"""consentkit with Quart: ``uvicorn --app-dir examples/quart app:app --port 8000``."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from quart import Quart, render_template, request

from consentkit import ConsentMiddleware
from consentkit.contrib.templating import consent_context

# Set CONSENTKIT_SECRET_KEY (`consentkit keygen`) to keep consents across restarts.
SECRET_KEY = os.environ.get("CONSENTKIT_SECRET_KEY") or secrets.token_urlsafe(32)
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

app = Quart(__name__, template_folder=str(TEMPLATES))
app.asgi_app = ConsentMiddleware(app.asgi_app, secret_key=SECRET_KEY)  # ← the one line


@app.context_processor
async def consentkit_variables() -> dict[str, Any]:
    """``consent``, ``consent_preferences_url`` and ``csp_nonce`` in every template."""
    return {"framework": "Quart", **consent_context(request)}


@app.get("/")
async def home() -> str:
    """The home page."""
    return await render_template("home.html")


@app.get("/analytics")
async def analytics() -> str:
    """A page with a ``data-consent="analytics"`` script."""
    return await render_template("analytics.html")


@app.get("/tracking")
async def tracking() -> Any:
    """A page whose server sets the ``_ga`` analytics cookie on every response."""
    response = await app.make_response(await render_template("tracking.html"))
    response.set_cookie("_ga", "GA1.1.1234567890.1764028800", max_age=3600 * 24 * 365)
    return response
