"""Where ``ConsentMiddleware`` may not be registered: the checks it runs once, when built.

Litestar builds ``middleware=[DefineMiddleware(ConsentMiddleware, ...)]`` into each route's own
stack, after routing: the middleware would run only for requests that matched a route, and
consentkit's endpoints (which no route matches) would answer 404, so the banner would show
while its buttons and stylesheet did not work. :func:`refuse_litestar_route_middleware`
turns that into an error when the app is built, naming the plugin that works.
"""

from __future__ import annotations

from typing import Any

#: How far down a chain of middlewares (each one's ``app``) the check looks for a route.
_DEPTH = 64

LITESTAR_ROUTE_MIDDLEWARE = (
    "consentkit's ConsentMiddleware is registered as Litestar middleware "
    "(middleware=[DefineMiddleware(ConsentMiddleware, ...)]), which Litestar runs only for "
    "requests that match one of the app's routes: consentkit's own endpoints under its prefix "
    "would answer 404, so the banner's buttons and stylesheet would not work. Register the "
    "plugin instead: from consentkit.contrib.litestar import ConsentPlugin, then "
    "Litestar(route_handlers=[...], plugins=[ConsentPlugin(secret_key=...)])."
)


def is_litestar_route(app: Any) -> bool:
    """Whether ``app`` is one of a Litestar route's handlers, or middleware around one (each
    of Litestar's middlewares keeps the next as ``app``, down to the route's ``handle``)."""
    for _ in range(_DEPTH):
        owner = getattr(app, "__self__", None)
        if owner is not None and type(owner).__module__.startswith("litestar.routes"):
            return True
        app = getattr(app, "app", None)
        if app is None:
            return False
    return False


def refuse_litestar_route_middleware(app: Any) -> None:
    """A ``TypeError`` that names ``ConsentPlugin`` when ``app`` is inside a Litestar route."""
    if is_litestar_route(app):
        raise TypeError(LITESTAR_ROUTE_MIDDLEWARE)
