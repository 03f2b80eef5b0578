"""consentkit with Flask: ``flask --app examples/flask/app.py run --port 8000``.

This example also overrides one block of the banner from its own template folder:
``consentkit_templates/consentkit/banner.html`` extends the built-in banner and replaces its
``intro`` block.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, make_response, render_template, request

from consentkit import ConsentWSGIMiddleware
from consentkit.contrib.templating import consent_context

# Set CONSENTKIT_SECRET_KEY (`consentkit keygen`) to keep consents across restarts.
SECRET_KEY = os.environ.get("CONSENTKIT_SECRET_KEY") or secrets.token_urlsafe(32)
HERE = Path(__file__).resolve().parent

app = Flask(__name__, template_folder=str(HERE.parent / "templates"))
app.wsgi_app = ConsentWSGIMiddleware(  # ← the one line (with a banner override)
    app.wsgi_app, secret_key=SECRET_KEY, template_dirs=[HERE / "consentkit_templates"]
)


@app.context_processor
def consentkit_variables() -> dict[str, Any]:
    """``consent``, ``consent_preferences_url`` and ``csp_nonce`` in every template."""
    return {"framework": "Flask", **consent_context(request)}


@app.get("/")
def home() -> str:
    """The home page."""
    return render_template("home.html")


@app.get("/analytics")
def analytics() -> str:
    """A page with a ``data-consent="analytics"`` script."""
    return render_template("analytics.html")


@app.get("/tracking")
def tracking() -> Any:
    """A page whose server sets the ``_ga`` analytics cookie on every response."""
    response = make_response(render_template("tracking.html"))
    response.set_cookie("_ga", "GA1.1.1234567890.1764028800", max_age=3600 * 24 * 365)
    return response
