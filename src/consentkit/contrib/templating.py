"""The template context consentkit offers a page: ``consent``, the preferences link, a nonce.

Framework-neutral: each function takes whatever the framework calls a request (a
Starlette/FastAPI/Litestar/Quart request, a Flask or Django request, an ASGI scope or a WSGI
environ), like :func:`consentkit.get_consent`.

Starlette / FastAPI::

    templates = Jinja2Templates(directory="templates", context_processors=[consent_context])

Flask::

    app.context_processor(lambda: consent_context(flask.request))

Then, in a template::

    {% if consent.allows("analytics") %}...{% endif %}
    <a href="{{ consent_preferences_url }}">ตั้งค่าคุกกี้</a>
    <script nonce="{{ csp_nonce }}">...</script>
"""

from __future__ import annotations

import secrets
from collections.abc import MutableMapping
from typing import Any

from .. import links
from ..consent import Consent
from ..lookup import get_consent, require_exchange

#: Where :func:`csp_nonce` keeps the request's nonce, next to consentkit's own state.
NONCE_KEY = "consentkit.csp_nonce"


def _holder(request: Any) -> MutableMapping[str, Any] | None:
    """The mutable mapping that travels with the request (ASGI scope, WSGI environ, META)."""
    if isinstance(request, MutableMapping):
        return request
    for attribute in ("scope", "environ", "META"):
        holder = getattr(request, attribute, None)
        if isinstance(holder, MutableMapping):
            return holder
    return None


def preferences_url(request: Any) -> str:
    """The URL of the preferences page for this request (the app's root path included).

    Raises ``RuntimeError`` when no consentkit middleware saw the request.
    """
    x = require_exchange(request)
    return f"{x.request.root_path}{x.engine.prefix}/preferences"


def csp_nonce(request: Any) -> str:
    """A random nonce for this request's ``Content-Security-Policy``, the same on every call.

    Put it in the page's CSP header (``script-src 'nonce-…'``) and on the page's own
    ``<script>`` tags; consentkit reads it from that header and puts it on the tags it injects.
    consentkit does not set the header itself.
    """
    holder = _holder(request)
    if holder is None:
        raise RuntimeError(
            "csp_nonce() needs a request object, an ASGI scope or a WSGI environ to keep the "
            f"nonce on; got {type(request).__name__}."
        )
    nonce = holder.get(NONCE_KEY)
    if not isinstance(nonce, str):
        nonce = secrets.token_urlsafe(16)
        holder[NONCE_KEY] = nonce
    return nonce


def consent_context(request: Any) -> dict[str, Any]:
    """The template variables: ``consent``, ``consent_preferences_url``, ``csp_nonce``, and the
    snippet functions of :mod:`consentkit.links` (``consentkit_preferences_link(request)``,
    ``consentkit_consent_mode_tag(request, nonce=csp_nonce)``).

    A Starlette ``Jinja2Templates`` context processor as it is, and the body of a Flask or
    Quart context processor.
    """
    consent: Consent = get_consent(request)
    return {
        "consent": consent,
        "consent_preferences_url": preferences_url(request),
        "csp_nonce": csp_nonce(request),
        "consentkit_preferences_link": links.preferences_link,
        "consentkit_consent_mode_tag": links.consent_mode_tag,
    }
