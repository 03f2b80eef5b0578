"""Flask: the ``ConsentKit`` extension, configured by ``app.config["CONSENTKIT_<OPTION>"]``.

::

    from consentkit.contrib.flask import ConsentKit

    app.config["CONSENTKIT_SECRET_KEY"] = os.environ["CONSENTKIT_SECRET_KEY"]
    app.config["CONSENTKIT_POLICY_URL"] = "/privacy"
    ConsentKit(app)

    # or, in an app factory (one extension object for any number of apps):
    consentkit = ConsentKit()

    def create_app():
        app = Flask(__name__)
        app.config.from_prefixed_env()      # FLASK_CONSENTKIT_SECRET_KEY=... in the environment
        consentkit.init_app(app)
        return app

:meth:`ConsentKit.init_app` wraps ``app.wsgi_app`` in a
:class:`~consentkit.ConsentWSGIMiddleware` (so the test client, ``flask run``, gunicorn and
every other server see the same thing), keeps it as ``app.extensions["consentkit"]``, and adds
a context processor: every template gets ``consent``, ``consent_preferences_url``,
``csp_nonce`` and the snippet functions of :mod:`consentkit.contrib.templating`. In a view,
``get_consent(request)``.

Each option of :data:`consentkit.options.OPTIONS` is read from ``CONSENTKIT_`` and its name in
upper case; keyword arguments to ``ConsentKit(...)`` are the defaults of every app it is
registered on, and ``app.config`` wins. A ``CONSENTKIT_`` key that is not an option fails at
``init_app``, naming the nearest one. Nothing here imports Starlette.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, has_request_context, request

from ..diagnostics import warn_unreachable_routes
from ..lookup import find_exchange
from ..option_checks import OptionError
from ..options import did_you_mean, nearest_option, option
from ..wsgi import ConsentWSGIMiddleware
from .templating import consent_context

#: Where the options are in ``app.config``: this prefix, then the option's name in upper case.
CONFIG_PREFIX = "CONSENTKIT_"
#: The key of ``app.extensions`` under which each app keeps its middleware.
EXTENSION_KEY = "consentkit"


def options_from_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The middleware options in a Flask config: each ``CONSENTKIT_<OPTION>`` key, by option
    name. A ``CONSENTKIT_`` key that is not an option is a ``ValueError`` naming the nearest."""
    options: dict[str, Any] = {}
    for key, value in config.items():
        if not key.startswith(CONFIG_PREFIX):
            continue
        name = key[len(CONFIG_PREFIX) :].lower()
        try:
            option(name)
        except TypeError:
            nearest = nearest_option(name)
            hint = (
                f"did you mean {config_key(nearest)!r}?"
                if nearest is not None
                else did_you_mean(name)
            )
            raise ValueError(f"app.config[{key!r}] is not a consentkit option; {hint}") from None
        options[name] = value
    return options


def config_key(name: str) -> str:
    """The ``app.config`` key of option ``name``: ``secret_key`` → ``CONSENTKIT_SECRET_KEY``."""
    return CONFIG_PREFIX + name.upper()


class ConsentKit:
    """The Flask extension: ``ConsentKit(app)``, or ``ext = ConsentKit()`` then
    ``ext.init_app(app)`` for each app an app factory makes.

    ``options`` are middleware options (:data:`consentkit.options.OPTIONS`) given to every app;
    each app's ``CONSENTKIT_<OPTION>`` config keys win over them. A misspelt keyword is a
    ``TypeError`` here, naming the nearest option.
    """

    def __init__(self, app: Flask | None = None, **options: Any) -> None:
        for name in options:
            option(name)
        #: The options given to every app, before its own config.
        self.options = options
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> ConsentWSGIMiddleware:
        """Register consentkit on ``app`` (see the module) and return its middleware, also kept
        as ``app.extensions["consentkit"]``. A bad option raises here, at start-up, with the
        config key to change."""
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError(
                "consentkit is already registered on this Flask app: call ConsentKit(app) or "
                "init_app(app) once per app."
            )
        if isinstance(app.wsgi_app, ConsentWSGIMiddleware):
            raise RuntimeError(
                "app.wsgi_app is already wrapped in ConsentWSGIMiddleware: keep either that "
                "line or ConsentKit(app), not both."
            )
        from_config = options_from_config(app.config)
        try:
            middleware = ConsentWSGIMiddleware(app.wsgi_app, **{**self.options, **from_config})
        except OptionError as error:
            raise OptionError(error.option, _with_source(error, from_config)) from None
        app.wsgi_app = middleware  # type: ignore[method-assign]
        app.extensions[EXTENSION_KEY] = middleware
        app.context_processor(_template_context)
        # The routes registered so far: a blueprint registered later is not looked at.
        warn_unreachable_routes(
            middleware.settings.prefix, (rule.rule for rule in app.url_map.iter_rules())
        )
        return middleware

    def __repr__(self) -> str:
        return f"<consentkit ConsentKit options={sorted(self.options)}>"


def _with_source(error: OptionError, from_config: Mapping[str, Any]) -> str:
    """The message of a refused option, saying where the value came from."""
    key = config_key(error.option)
    if error.option in from_config:
        return f"{error} (from app.config[{key!r}])"
    return f"{error} (set app.config[{key!r}], or ConsentKit({error.option}=...))"


def _template_context() -> dict[str, Any]:
    """The context processor: consentkit's template variables for a request that went through
    the middleware; none for a template rendered outside one (``app.test_request_context()``
    and a CLI command do not run the WSGI app)."""
    if not has_request_context() or find_exchange(request) is None:
        return {}
    return consent_context(request)


__all__ = ["CONFIG_PREFIX", "EXTENSION_KEY", "ConsentKit", "config_key", "options_from_config"]
