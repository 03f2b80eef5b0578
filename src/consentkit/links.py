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

from .core import RequestState
from .state import find_state, get_consent


def _state(request: Any) -> RequestState:
    state = find_state(request)
    if state is None:
        get_consent(request)  # raises the RuntimeError that says how to install the middleware
        raise AssertionError("unreachable")  # pragma: no cover
    return state


def preferences_link(
    request: Any, text: str | None = None, *, class_name: str = "consentkit-preferences-link"
) -> Markup:
    """An ``<a>`` to the preferences page, labelled "ตั้งค่าคุกกี้" / "Cookie settings" in the
    visitor's banner language (or ``text``), returning to the current page after a choice.
    Raises ``RuntimeError`` when no consentkit middleware saw the request."""
    state = _state(request)
    view = state.view
    here = view.root_path + view.path + ("?" + view.query if view.query else "")
    html = state.core.renderer.preferences_link(
        state.locale, view.root_path, here, text=text, class_name=class_name
    )
    return Markup(html)


def consent_mode_tag(request: Any, nonce: str | None = None) -> Markup:
    """The ``<script>`` to put in ``<head>`` before any Google tag that is not itself gated
    (``type="text/plain" data-consent="analytics"``): it sends Google Consent Mode's
    ``default`` (all denied, ``wait_for_update``) and the visitor's stored choice as an
    ``update``, synchronously, so Google tags start with the right state. ``nonce`` is the
    page's CSP nonce, if it has one. Raises ``RuntimeError`` when no consentkit middleware saw
    the request."""
    state = _state(request)
    consent = state.consent
    granted = [n for n in state.core.optional if n in consent.granted] if consent.decided else []
    return Markup(state.core.renderer.consent_mode_tag(state.view.root_path, granted, nonce))
