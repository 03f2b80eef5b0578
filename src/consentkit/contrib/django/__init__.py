"""Django: ``CONSENTKIT = {...}`` settings, read by consentkit's ``MIDDLEWARE`` entry or by
consentkit around Django's application object.

In ``settings.py``::

    INSTALLED_APPS = [..., "consentkit.contrib.django"]  # {% load consentkit %}, manage.py check
    MIDDLEWARE = [..., "consentkit.contrib.django.middleware.ConsentMiddleware", ...]
    TEMPLATES[0]["OPTIONS"]["context_processors"].append(
        "consentkit.contrib.django.context_processors.consent"
    )
    CONSENTKIT = {"secret_key": os.environ["CONSENTKIT_SECRET_KEY"], "policy_url": "/privacy/"}

(see :mod:`.middleware`). Or, instead of the ``MIDDLEWARE`` entry, in ``wsgi.py`` /
``asgi.py``::

    application = wrap_wsgi(get_wsgi_application())
    application = wrap_asgi(get_asgi_application())

Each key of ``CONSENTKIT`` is one keyword option of the middlewares, spelled the same (upper
case is accepted too, Django style); an unknown key is a ``ValueError`` at start-up, and
``manage.py check`` reports it (:mod:`.checks`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...asgi import ASGIApp, ConsentMiddleware
from ...options import OPTIONS, did_you_mean, option
from ...wsgi import ConsentWSGIMiddleware, WSGIApp

#: The name of the Django setting consentkit reads.
SETTING = "CONSENTKIT"


def options_from_settings(settings: Any = None) -> dict[str, Any]:
    """The middleware options given by Django's ``settings.CONSENTKIT``.

    ``settings`` defaults to ``django.conf.settings``. A missing setting gives no options (the
    middleware then asks for ``secret_key``); one that is not a mapping, or a key that is not an
    option, is a ``ValueError``.
    """
    if settings is None:
        from django.conf import settings as django_settings  # type: ignore[import-untyped]

        settings = django_settings
    raw = getattr(settings, SETTING, None)
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ValueError(
            f"settings.{SETTING} must be a dict of consentkit options, e.g. "
            f"{SETTING} = {{'secret_key': os.environ['CONSENTKIT_SECRET_KEY']}}; got {raw!r}."
        )
    known = option_names()
    options: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key).lower()
        if name not in known:
            raise ValueError(
                f"settings.{SETTING}: {key!r} is not a consentkit option; {did_you_mean(name)}"
            )
        options[name] = value
    return options


def option_names() -> frozenset[str]:
    """The names of the middlewares' keyword options (:data:`consentkit.options.OPTIONS`)."""
    return frozenset(o.name for o in OPTIONS)


def configured_prefix(settings: Any = None) -> str:
    """Where consentkit's endpoints live by ``settings.CONSENTKIT`` (or the default there).

    For a template rendered without consentkit's middleware around it, so it has no request
    state to ask; a request that went through the middleware knows the prefix itself.
    """
    prefix = option("prefix")
    value = options_from_settings(settings).get("prefix", prefix.default)
    return str(prefix.check(value))


def wrap_wsgi(application: WSGIApp, **overrides: Any) -> ConsentWSGIMiddleware:
    """Django's WSGI application (``get_wsgi_application()``) with consentkit around it,
    configured by ``settings.CONSENTKIT`` and then ``overrides``."""
    return ConsentWSGIMiddleware(application, **{**options_from_settings(), **overrides})


def wrap_asgi(application: ASGIApp, **overrides: Any) -> ConsentMiddleware:
    """Django's ASGI application (``get_asgi_application()``) with consentkit around it,
    configured by ``settings.CONSENTKIT`` and then ``overrides``."""
    return ConsentMiddleware(application, **{**options_from_settings(), **overrides})


__all__ = [
    "SETTING",
    "configured_prefix",
    "option_names",
    "options_from_settings",
    "wrap_asgi",
    "wrap_wsgi",
]
