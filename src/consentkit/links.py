"""Snippets an app puts in its own pages: the footer's "Cookie settings" link, and the
Google Consent Mode tag for ``<head>``.

Both take whatever the framework calls a request (a Starlette/FastAPI request, a Flask or
Django request, an ASGI scope or a WSGI environ), like :func:`consentkit.get_consent`, and
return :class:`markupsafe.Markup`, which Jinja and Django insert unescaped::

    <footer>{{ consentkit_preferences_link(request) }}</footer>
    <head>{{ consentkit_consent_mode_tag(request, nonce=csp_nonce) }} <!-- then Google tags -->
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from .lookup import require_exchange


def preferences_link(
    request: Any, text: str | None = None, *, class_name: str = "consentkit-preferences-link"
) -> Markup:
    """An ``<a>`` to the preferences page, labelled "ตั้งค่าคุกกี้" / "Cookie settings" in the
    visitor's banner language (or ``text``), returning to the current page after a choice.
    Raises ``RuntimeError`` when no consentkit middleware saw the request."""
    x = require_exchange(request)
    html = x.engine.renderer.preferences_link(
        x.locale, x.request.root_path, x.request.url, text=text, class_name=class_name
    )
    return Markup(html)


def consent_mode_tag(request: Any, nonce: str | None = None) -> Markup:
    """The ``<script>`` to put in ``<head>`` before any Google tag that is not itself gated
    (``type="text/plain" data-consent="analytics"``): it sends Google Consent Mode's
    ``default`` (all denied, ``wait_for_update``) and the visitor's stored choice as an
    ``update``, synchronously, so Google tags start with the right state. ``nonce`` is the
    page's CSP nonce, if it has one. Raises ``RuntimeError`` when no consentkit middleware saw
    the request."""
    x = require_exchange(request)
    consent = x.consent
    optional = x.engine.settings.optional_names
    granted = [n for n in optional if n in consent.granted] if consent.decided else []
    return Markup(x.engine.renderer.consent_mode_tag(x.request.root_path, granted, nonce))
