"""Finding a request's consent from whatever a framework hands a handler."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .consent import Consent
from .core import RequestState

#: The key under which the middlewares keep their per-request state, in the ASGI scope and
#: in the WSGI environ alike.
STATE_KEY = "consentkit"


def find_state(request: Any) -> RequestState | None:
    """The consentkit state of a request: an ASGI scope, a WSGI environ, or a framework request
    object (Starlette/FastAPI/Litestar/Quart ``.scope``; Flask/Werkzeug ``.environ``; Django
    ``.META`` or ``.scope``)."""
    if isinstance(request, Mapping):
        found = request.get(STATE_KEY)
        return found if isinstance(found, RequestState) else None
    for attribute in ("scope", "environ", "META"):
        holder = getattr(request, attribute, None)
        if isinstance(holder, Mapping):
            found = holder.get(STATE_KEY)
            if isinstance(found, RequestState):
                return found
    return None


def get_consent(request: Any) -> Consent:
    """The visitor's consent for this request.

    ``request`` is what a handler has: a Starlette/FastAPI ``Request``, an ASGI scope, a WSGI
    environ, a Flask or Django request. Raises ``RuntimeError`` when no consentkit middleware
    saw the request.
    """
    state = find_state(request)
    if state is None:
        raise RuntimeError(
            "consentkit found no consent on this request: wrap the app in ConsentMiddleware "
            "(ASGI) or ConsentWSGIMiddleware (WSGI), and pass get_consent() the request, "
            "its ASGI scope or its WSGI environ."
        )
    return state.consent
