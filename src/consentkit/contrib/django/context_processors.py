"""``consentkit.contrib.django.context_processors.consent``: consent in every template.

Adds ``consent`` (the :class:`~consentkit.Consent`), ``consent_preferences_url`` and
``csp_nonce``. A request that did not pass through consentkit (Django's test ``Client`` calls
the handler directly, without ``wsgi.py``) gets ``consent = None``, which the ``allows`` filter
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
        "consentkit saw no consent on %s: wrap the application in wsgi.py/asgi.py with "
        "consentkit.contrib.django.wrap_wsgi / wrap_asgi.",
        getattr(request, "path", "this request"),
    )
    prefix = configured_prefix()
    return {
        "consent": None,
        "consent_preferences_url": f"{getattr(request, 'META', {}).get('SCRIPT_NAME', '')}"
        f"{prefix}/preferences",
        "csp_nonce": csp_nonce(request),
    }
