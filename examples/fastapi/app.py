"""consentkit with FastAPI: ``uvicorn --app-dir examples/fastapi app:app --port 8000``."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from consentkit import ConsentMiddleware
from consentkit.contrib.fastapi import ConsentDep
from consentkit.contrib.templating import consent_context

# Set CONSENTKIT_SECRET_KEY (`consentkit keygen`) to keep consents across restarts.
SECRET_KEY = os.environ.get("CONSENTKIT_SECRET_KEY") or secrets.token_urlsafe(32)
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

templates = Jinja2Templates(directory=TEMPLATES, context_processors=[consent_context])
app = FastAPI(title="ร้านกาแฟบ้านสวน (FastAPI)")
app.add_middleware(ConsentMiddleware, secret_key=SECRET_KEY)  # ← the one line


@app.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """The home page."""
    return templates.TemplateResponse(request, "home.html", {"framework": "FastAPI"})


@app.get("/analytics", response_class=HTMLResponse)
def analytics(request: Request) -> HTMLResponse:
    """A page with a ``data-consent="analytics"`` script."""
    return templates.TemplateResponse(request, "analytics.html", {"framework": "FastAPI"})


@app.get("/tracking", response_class=HTMLResponse)
def tracking(request: Request) -> HTMLResponse:
    """A page whose server sets the ``_ga`` analytics cookie on every response."""
    response = templates.TemplateResponse(request, "tracking.html", {"framework": "FastAPI"})
    response.set_cookie("_ga", "GA1.1.1234567890.1764028800", max_age=3600 * 24 * 365)
    return response


@app.get("/api/consent")
def consent_json(consent: ConsentDep) -> dict[str, object]:
    """The visitor's choice, through the ``consent_dependency`` dependency."""
    return {"decided": consent.decided, "analytics": consent.allows("analytics")}
