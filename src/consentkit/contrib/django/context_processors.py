"""``consentkit.contrib.django.context_processors.consent``: consent in every template.

Adds ``consent`` (the :class:`~consentkit.Consent`), ``consent_preferences_url`` and
``csp_nonce``. A request that did not pass through consentkit (no ``ConsentMiddleware`` in
``MIDDLEWARE``; or Django's test ``Client``, which calls the handler without ``wsgi.py``, on a
site that wraps the application instead) gets ``consent = None``, which the ``allows`` filter
reads as "not granted", and a warning in the log.
"""

from __future__ import annotations

import logging
from typing import Any

from ...lookup import find_exchange
from ..templating import consent_context, csp_nonce
from . import configured_prefix

logger = logging.getLogger("consentkit")


def consent(request: Any) -> dict[str, Any]:
    """The template variables for ``request`` (a Django ``HttpRequest``)."""
    if find_exchange(request) is not None:
        return consent_context(request)
    logger.warning(
        "consentkit saw no consent on %s: add "
        '"consentkit.contrib.django.middleware.ConsentMiddleware" to MIDDLEWARE.',
        getattr(request, "path", "this request"),
    )
    prefix = configured_prefix()
    return {
        "consent": None,
        "consent_preferences_url": f"{getattr(request, 'META', {}).get('SCRIPT_NAME', '')}"
        f"{prefix}/preferences",
        "csp_nonce": csp_nonce(request),
    }
