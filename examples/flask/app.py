"""consentkit with Flask, the Flask way: ``flask --app examples/flask/app.py run --port 8000``.

The ``ConsentKit`` extension reads its options from ``app.config["CONSENTKIT_<OPTION>"]``,
wraps ``app.wsgi_app`` and puts ``consent`` in every template: no context processor of ours.
This example also overrides one block of the banner from its own template folder
(``CONSENTKIT_TEMPLATE_DIRS``): ``consentkit_templates/consentkit/banner.html`` extends the
built-in banner and replaces its ``intro`` block.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, current_app, make_response, render_template, request

from consentkit import get_consent
from consentkit.contrib.flask import ConsentKit

HERE = Path(__file__).resolve().parent

app = Flask(__name__, template_folder=str(HERE.parent / "templates"))
# Set CONSENTKIT_SECRET_KEY (`consentkit keygen`) to keep consents across restarts.
app.config["CONSENTKIT_SECRET_KEY"] = os.environ.get(
    "CONSENTKIT_SECRET_KEY"
) or secrets.token_urlsafe(32)
app.config["CONSENTKIT_TEMPLATE_DIRS"] = [HERE / "consentkit_templates"]
app.jinja_env.globals["framework"] = "Flask"
ConsentKit(app)  # ← the one line


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


@app.get("/api/consent")
def consent_json() -> dict[str, Any]:
    """The visitor's consent in a view, and consentkit's prefix from ``app.extensions``."""
    consent = get_consent(request)
    return {
        "decided": consent.decided,
        "analytics": consent.allows("analytics"),
        "prefix": current_app.extensions["consentkit"].settings.prefix,
    }
