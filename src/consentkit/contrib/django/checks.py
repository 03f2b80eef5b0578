"""Django system checks (``manage.py check``): the set-up mistakes that would otherwise fail
at the first request or, worse, silently lose the banner or the gating.

========================  =====================================================================
``consentkit.E001``       a ``CONSENTKIT`` key that is not an option (the nearest one named)
``consentkit.E002``       a bad ``CONSENTKIT`` value (the option's own message), or not a dict
``consentkit.E003``       no ``secret_key``
``consentkit.E004``       consentkit twice: in ``MIDDLEWARE`` and around the application
``consentkit.W001``       ``GZipMiddleware`` compressing pages before consentkit sees them
``consentkit.W002``       consentkit neither in ``MIDDLEWARE`` nor around the application
========================  =====================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core import checks  # type: ignore[import-untyped]

from ...options import Settings, did_you_mean, option
from . import SETTING, option_names

MIDDLEWARE_PATH = "consentkit.contrib.django.middleware.ConsentMiddleware"
_COMPRESSORS = ("django.middleware.gzip.GZipMiddleware",)
#: The settings naming an application object that consentkit may wrap.
_APPLICATIONS = ("WSGI_APPLICATION", "ASGI_APPLICATION")
#: Where a wrapping middleware keeps the application it wraps (consentkit's, whitenoise's,
#: Sentry's and most others'), followed when looking for consentkit around the application.
_INNER = ("app", "application", "wsgi_app", "asgi_app", "_app", "get_response")
_DEPTH = 8
_EXAMPLE = f"{SETTING} = {{'secret_key': os.environ['CONSENTKIT_SECRET_KEY']}}"


def _settings() -> Any:
    from django.conf import settings  # type: ignore[import-untyped]

    return settings


def check_options(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """``E001``-``E003``: ``settings.CONSENTKIT`` holds only options, each a good value, and
    a ``secret_key``."""
    raw = getattr(_settings(), SETTING, None)
    if raw is None:
        return [_no_secret_key(f"settings.{SETTING} is missing")]
    if not isinstance(raw, Mapping):
        return [
            checks.Error(
                f"settings.{SETTING} must be a dict of consentkit options; got {raw!r}.",
                hint=_EXAMPLE,
                id="consentkit.E002",
            )
        ]
    found: list[Any] = []
    given: dict[str, Any] = {}
    known = option_names()
    for key, value in raw.items():
        name = str(key).lower()
        if name in known:
            given[name] = value
        else:
            found.append(
                checks.Error(
                    f"settings.{SETTING}: {key!r} is not a consentkit option.",
                    hint=did_you_mean(name).capitalize(),
                    id="consentkit.E001",
                )
            )
    if given.get("secret_key") is None:
        found.append(_no_secret_key(f"settings.{SETTING} has no 'secret_key'"))
        given.pop("secret_key", None)
    bad = [*(_bad_value(n, v) for n, v in given.items())]
    found.extend(error for error in bad if error is not None)
    if not found:
        try:
            Settings.from_options(**given)
        except ValueError as error:  # a rule that ties one option to another
            found.append(checks.Error(f"settings.{SETTING}: {error}", id="consentkit.E002"))
    return found


def _no_secret_key(what: str) -> Any:
    return checks.Error(
        f"{what}: consentkit needs a secret key to sign the consent cookie.",
        hint=f"{_EXAMPLE} (`consentkit keygen` makes one).",
        id="consentkit.E003",
    )


def _bad_value(name: str, value: Any) -> Any:
    try:
        option(name).check(value)
    except ValueError as error:
        return checks.Error(f"settings.{SETTING}[{name!r}]: {error}", id="consentkit.E002")
    return None


def check_installed(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """``W002`` and ``E004``: consentkit runs exactly once, as a ``MIDDLEWARE`` entry or
    around ``WSGI_APPLICATION`` / ``ASGI_APPLICATION``."""
    settings = _settings()
    in_middleware = MIDDLEWARE_PATH in list(getattr(settings, "MIDDLEWARE", None) or [])
    wrapped = [name for name in _APPLICATIONS if _wrapped(getattr(settings, name, None))]
    if in_middleware and wrapped:
        return [
            checks.Error(
                f"consentkit runs twice: in MIDDLEWARE and around {' and '.join(wrapped)}.",
                hint=f"Keep one: remove {MIDDLEWARE_PATH} from MIDDLEWARE, or the "
                "wrap_wsgi()/wrap_asgi() call from wsgi.py/asgi.py.",
                id="consentkit.E004",
            )
        ]
    if in_middleware or wrapped or _unknown(settings):
        return []
    return [
        checks.Warning(
            "consentkit is neither in MIDDLEWARE nor around the application: no banner, "
            "no consent endpoints, and every cookie passes ungated.",
            hint=f'Add "{MIDDLEWARE_PATH}" to MIDDLEWARE.',
            id="consentkit.W002",
        )
    ]


def _application(path: object) -> object:
    """The application object a setting names; ``ImportError`` and the rest as raised."""
    from django.utils.module_loading import import_string  # type: ignore[import-untyped]

    return import_string(path)


def _unknown(settings: Any) -> bool:
    """Whether an application setting names an object that cannot be imported: consentkit
    may then be around it, and Django's own start-up reports the import."""
    for name in _APPLICATIONS:
        path = getattr(settings, name, None)
        if path:
            try:
                _application(path)
            except Exception:
                return True
    return False


def _wrapped(path: object) -> bool:
    """Whether consentkit's WSGI or ASGI middleware is around the application at ``path``."""
    if not path:
        return False
    try:
        app = _application(path)
    except Exception:
        return False
    return _consentkit_in(app)


def _consentkit_in(app: object) -> bool:
    from ...asgi import ConsentMiddleware
    from ...startup import MisconfiguredMiddleware
    from ...wsgi import ConsentWSGIMiddleware

    kinds = (ConsentMiddleware, ConsentWSGIMiddleware, MisconfiguredMiddleware)
    for _ in range(_DEPTH):
        if isinstance(app, kinds):
            return True
        inner = next((getattr(app, a) for a in _INNER if getattr(app, a, None) is not None), None)
        if inner is None:
            return False
        app = inner
    return False


def check_compression_outside(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """``W001``: a compression middleware that compresses pages before consentkit sees them
    (browsers then get compressed pages and no banner): any in ``MIDDLEWARE`` when
    consentkit wraps the application, one listed below consentkit's middleware otherwise
    (Django hands the response to ``MIDDLEWARE`` from the bottom up)."""
    middleware = list(getattr(_settings(), "MIDDLEWARE", None) or [])
    if MIDDLEWARE_PATH in middleware:
        below = middleware[middleware.index(MIDDLEWARE_PATH) + 1 :]
        return [
            checks.Warning(
                f"{name} is below {MIDDLEWARE_PATH} in MIDDLEWARE: it runs inside it and "
                "compresses pages before consentkit sees them, so no consent banner is "
                "injected for browsers that accept gzip.",
                hint=f"Move {name} above {MIDDLEWARE_PATH} in MIDDLEWARE.",
                id="consentkit.W001",
            )
            for name in below
            if name in _COMPRESSORS
        ]
    return [
        checks.Warning(
            f"{name} compresses pages before consentkit sees them, so no consent banner is "
            "injected for browsers that accept gzip.",
            hint=f"Use {MIDDLEWARE_PATH} in MIDDLEWARE, below {name}, instead of wrapping the "
            "application; or compress in the web server or proxy (nginx `gzip on;`).",
            id="consentkit.W001",
        )
        for name in middleware
        if name in _COMPRESSORS
    ]


#: Every check, as the app config registers them.
ALL: tuple[Callable[..., list[Any]], ...] = (
    check_options,
    check_installed,
    check_compression_outside,
)
