"""Finding a request's consent from whatever a framework hands a handler."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .consent import Consent
from .core.exchange import Exchange

#: The key under which the middlewares keep each request's :class:`~.core.exchange.Exchange`,
#: in the ASGI scope and in the WSGI environ alike.
EXCHANGE_KEY = "consentkit"


def find_exchange(request: Any) -> Exchange | None:
    """The consentkit exchange of a request: an ASGI scope, a WSGI environ, or a framework
    request object (Starlette/FastAPI/Litestar/Quart ``.scope``; Flask/Werkzeug ``.environ``;
    Django ``.META`` or ``.scope``)."""
    if isinstance(request, Mapping):
        found = request.get(EXCHANGE_KEY)
        return found if isinstance(found, Exchange) else None
    for attribute in ("scope", "environ", "META"):
        holder = getattr(request, attribute, None)
        if isinstance(holder, Mapping):
            found = holder.get(EXCHANGE_KEY)
            if isinstance(found, Exchange):
                return found
    return None


def require_exchange(request: Any) -> Exchange:
    """The consentkit exchange of a request (see :func:`find_exchange`); a ``RuntimeError``
    that says how to install the middleware when there is none."""
    x = find_exchange(request)
    if x is None:
        if type(request).__module__.startswith("django."):
            raise RuntimeError(DJANGO_FIX)
        raise RuntimeError(
            "consentkit found no consent on this request: wrap the app in ConsentMiddleware "
            "(ASGI) or ConsentWSGIMiddleware (WSGI), and pass get_consent() the request, "
            "its ASGI scope or its WSGI environ."
        )
    return x


#: What to do when a Django view asks for consent that no consentkit middleware gave.
DJANGO_FIX = (
    "consentkit found no consent on this Django request: add "
    '"consentkit.contrib.django.middleware.ConsentMiddleware" to settings.MIDDLEWARE '
    '(and "consentkit.contrib.django" to INSTALLED_APPS, for manage.py check).'
)


def get_consent(request: Any) -> Consent:
    """The visitor's consent for this request.

    ``request`` is what a handler has: a Starlette/FastAPI ``Request``, an ASGI scope, a WSGI
    environ, a Flask or Django request. Raises ``RuntimeError`` when no consentkit middleware
    saw the request.
    """
    return require_exchange(request).consent
