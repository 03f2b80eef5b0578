"""Litestar: ``ConsentPlugin``, consentkit registered as a plugin, its endpoints included.

::

    from consentkit.contrib.litestar import ConsentPlugin

    app = Litestar(route_handlers=[...], plugins=[ConsentPlugin(secret_key=KEY)])

Why a plugin, not ``middleware=[DefineMiddleware(ConsentMiddleware, ...)]``: Litestar builds
its middleware into each route's own stack, after routing, so a middleware runs only for a
request that matched a route. consentkit answers its endpoints (``<prefix>``, the preferences
page, the banner's stylesheet) itself, and no route matches them, so Litestar answered 404: the
banner showed, and its buttons and stylesheet did not work. Such a registration now fails when
the app is built, naming this plugin (:mod:`consentkit.placement`).

What the plugin does, in :meth:`ConsentPlugin.on_app_init`:

- at the app's start-up (the ASGI lifespan, which uvicorn, Hypercorn and
  ``with TestClient(app)`` run) it wraps the app's whole ASGI handler, before routing: every
  request then goes through consentkit, exactly as with ``ConsentMiddleware(app)``, a 404 too
  (its address is masked in the server's log as well);
- it also adds consentkit as the outermost middleware of every route, and registers route
  handlers for consentkit's endpoints under ``prefix``, so that a server without the lifespan
  (``--lifespan off``, a ``TestClient`` used without ``with``) still gets the banner, the
  gating and working endpoints. Under the whole-app wrap that route middleware sees the
  request already handled and passes it on;
- at shutdown it drains ``on_consent`` deliveries and closes the statistics store.

The options are those of :data:`consentkit.options.OPTIONS`, checked when the plugin is built.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, cast

from litestar import route
from litestar.config.app import AppConfig
from litestar.enums import HttpMethod
from litestar.plugins import InitPluginProtocol

from ..asgi import ASGIApp, ConsentMiddleware, Receive, Scope, Send
from ..diagnostics import logger, warn_unreachable_routes
from ..lookup import EXCHANGE_KEY
from ..startup import MisconfiguredMiddleware

if TYPE_CHECKING:
    from litestar import Litestar


async def _not_reached(scope: Scope, receive: Receive, send: Send) -> None:
    """The app behind the plugin's own middleware, which only its copies call: never called."""
    raise RuntimeError("consentkit's ConsentPlugin was called before the app was built")


def _page() -> None:
    """The stand-in route handler for consentkit's endpoints: never called."""
    raise RuntimeError("consentkit's ConsentPlugin did not answer its endpoint")


def _static() -> None:
    """The stand-in route handler for ``<prefix>/static/<name>``: never called."""
    raise RuntimeError("consentkit's ConsentPlugin did not answer its static file")


class ConsentPlugin(InitPluginProtocol):
    """consentkit for Litestar: ``Litestar(..., plugins=[ConsentPlugin(secret_key=KEY)])``.

    ``options`` are the middleware options; a bad one raises ``ValueError`` here. See the
    module for what the plugin registers.
    """

    __slots__ = ("_app_path", "middleware", "serving_routes_only")

    def __init__(self, **options: Any) -> None:
        #: The middleware this plugin registers, with its options; the app it wraps is given
        #: per place (the whole app, each route) to a copy sharing its engine.
        self.middleware: ConsentMiddleware = ConsentMiddleware(_not_reached, **options)
        #: consentkit has run as route middleware (no lifespan start-up), and said so.
        self.serving_routes_only = False
        self._app_path = ""

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        """Register consentkit on the app being built (see the module)."""
        # The first of the app's middleware is the outermost of each route's.
        app_config.middleware.insert(0, cast("Any", self._route_middleware))
        app_config.on_startup.insert(0, self._wrap_app)
        self._app_path = app_config.path.rstrip("/")
        if isinstance(self.middleware, MisconfiguredMiddleware):
            return app_config  # the start-up fails with the message; every request is a 500
        *paths, static = self._endpoint_paths()
        app_config.route_handlers.append(route(paths, http_method=_CHOICE, **_ENDPOINTS)(_page))
        app_config.route_handlers.append(route(static, http_method=_READ, **_ENDPOINTS)(_static))
        app_config.on_shutdown.append(self._close)
        if app_config.compression_config is not None:
            logger.warning(
                "consentkit: Litestar's compression_config compresses each route's response "
                "inside consentkit, so browsers that accept %s get pages without the consent "
                "banner. Remove compression_config and compress in the web server or proxy "
                "(nginx: gzip on), outside consentkit.",
                app_config.compression_config.backend,
            )
        return app_config

    def around(self, app: ASGIApp) -> ConsentMiddleware:
        """consentkit around ``app``: a copy of :attr:`middleware` sharing its engine."""
        middleware = self.middleware
        wrapped = object.__new__(type(middleware))  # not its __new__: nothing to build again
        wrapped.__dict__.update(middleware.__dict__, app=app)
        return wrapped

    def _route_middleware(self, app: ASGIApp) -> _RouteMiddleware:
        return _RouteMiddleware(app, self.around(app), self)

    def notice_routes_only(self) -> None:
        """Say once that consentkit runs as route middleware only (the server ran no lifespan,
        so the app was never wrapped whole), and what that leaves out."""
        self.serving_routes_only = True
        if isinstance(self.middleware, MisconfiguredMiddleware):
            return
        prefix = self.middleware.settings.prefix
        unreachable = (
            f" and consentkit's endpoints are not reachable: the banner posts to {prefix}, "
            f"but Litestar's path={self._app_path!r} puts the plugin's routes for them under "
            f"{self._app_path}{prefix}"
            if self._app_path
            else ""
        )
        logger.warning(
            "consentkit's ConsentPlugin runs as route middleware only, because the server ran "
            "no ASGI lifespan start-up: a request that no route matches (a 404) passes without "
            "consentkit (its address unmasked in the server's log)%s. Run the server with the "
            "lifespan (uvicorn's default --lifespan auto; in tests, with TestClient(app) as "
            "client).",
            unreachable,
        )

    def _endpoint_paths(self) -> list[str]:
        """The paths of consentkit's endpoints (the route table of
        :mod:`consentkit.core.endpoints`), for a route handler that stands there so that
        Litestar routes them at all; consentkit's middleware answers them before it runs."""
        prefix = self.middleware.settings.prefix
        return [
            prefix,
            f"{prefix}/preferences",
            f"{prefix}/language",
            f"{prefix}/static/{{name:path}}",
        ]

    def _wrap_app(self, app: Litestar) -> None:
        """At start-up: consentkit around the app's whole ASGI handler, once."""
        middleware = self.middleware
        if isinstance(middleware, MisconfiguredMiddleware):
            raise RuntimeError(middleware.message)  # fails the lifespan start-up with it
        handler = app.asgi_handler
        if isinstance(handler, ConsentMiddleware):
            return  # a second start-up of the same app (another TestClient block)
        # Litestar's ASGI types are TypedDicts; consentkit's are plain mappings.
        app.asgi_handler = cast("Any", self.around(cast("ASGIApp", handler)))
        ours = self._endpoint_paths()
        warn_unreachable_routes(
            middleware.settings.prefix, (r.path for r in app.routes if r.path not in ours)
        )

    async def _close(self) -> None:
        """At shutdown: deliver what ``on_consent`` still holds, close the statistics store."""
        if isinstance(self.middleware, MisconfiguredMiddleware):
            return
        if self.middleware.consent_log is not None:
            await self.middleware.consent_log.drain()
        self.middleware.engine.close()

    def __repr__(self) -> str:
        return f"<consentkit ConsentPlugin {self.middleware!r}>"


#: How the endpoints' route handler is registered: out of the OpenAPI schema, named.
_ENDPOINTS: dict[str, Any] = {"include_in_schema": False, "sync_to_thread": False}
_READ = [HttpMethod.GET, HttpMethod.HEAD]
_CHOICE = [*_READ, HttpMethod.POST]


class _RouteMiddleware:
    """consentkit as a route's outermost middleware: for a request that the whole-app wrap
    has not handled (no lifespan ran), the full middleware; otherwise a pass."""

    __slots__ = ("app", "consent", "plugin")

    def __init__(self, app: ASGIApp, consent: ConsentMiddleware, plugin: ConsentPlugin) -> None:
        self.app = app
        self.consent = consent
        self.plugin = plugin

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # A plain function returning the awaitable: no coroutine of ours on the usual path.
        if EXCHANGE_KEY in scope:
            return self.app(scope, receive, send)
        if not self.plugin.serving_routes_only:
            self.plugin.notice_routes_only()
        return self.consent(scope, receive, send)


__all__ = ["ConsentPlugin"]
