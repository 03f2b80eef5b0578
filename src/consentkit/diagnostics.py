"""What consentkit says in the ``consentkit`` logger about its own set-up, each thing once.

- At start-up, one INFO line naming the options in force (the key only as ``<N keys>``), and
  a WARNING when ``statistics`` is set while no geolocator is installed: every page view is
  then counted without a country. Called by each middleware once it is built.
- On the first HTML response that reaches consentkit already compressed (a compression
  middleware inside it), a WARNING naming the fix. The planner calls
  :func:`warn_compressed_page` only for an HTML response with a ``Content-Encoding``, which
  has left the usual path already, and only until it has warned once.
- :func:`warn_unreachable_routes`: the app's own routes under ``prefix``, which consentkit
  answers itself, so the app never sees those requests (the Flask extension and the
  Litestar plugin know the app's routes and call it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .options import Settings

logger = logging.getLogger("consentkit")

#: Options always named in the start-up line, whatever their value.
_ALWAYS_SHOWN = ("secret_key", "prefix", "geolocator")


def _shown(name: str, value: Any) -> str:
    """An option's value as the start-up line writes it: never a key, never a long repr."""
    if name == "secret_key":
        count = len(value)
        return f"<{count} key{'s' if count != 1 else ''}>"
    if name == "categories":
        return "(" + ", ".join(category.name for category in value) + ")"
    if name == "geolocator":
        return "none" if value is None else type(value).__name__
    if callable(value):
        return str(getattr(value, "__qualname__", type(value).__name__))
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple) and value and isinstance(value[0], Path):
        return "(" + ", ".join(map(str, value)) + ")"
    return repr(value)


def options_in_force(settings: Settings) -> str:
    """The options of ``settings`` that differ from their defaults (and the key, the prefix
    and the geolocator, always), as ``name=value`` pairs; the key only as a count."""
    from .options import OPTIONS

    pairs = []
    for option in OPTIONS:
        value = getattr(settings, option.attribute)
        if option.name in _ALWAYS_SHOWN or value != option.default:
            pairs.append(f"{option.name}={_shown(option.name, value)}")
    return ", ".join(pairs)


def log_start(settings: Settings, kind: str) -> None:
    """What a middleware says once it is built: the options in force (INFO), and the warnings
    about its set-up. ``kind`` names the middleware (``"ASGI"``, ``"WSGI"``)."""
    logger.info("consentkit started (%s): %s", kind, options_in_force(settings))
    if settings.statistics is not None and settings.geolocator is None:
        logger.warning(
            "consentkit: statistics=%s is set but no geolocator is installed, so every page "
            "view is counted without a country. Install the embedded one "
            "(pip install 'consentkit[geoip]'), or pass geolocator=... (a MaxMind .mmdb "
            "file with 'consentkit[maxmind]').",
            settings.statistics,
        )


def warn_compressed_page(method: str, path: str, encoding: str) -> None:
    """The first HTML response that reached consentkit already compressed."""
    logger.warning(
        "consentkit: the HTML response to %s %s reached consentkit already compressed "
        "(Content-Encoding: %s), so it cannot get the consent banner: a compression "
        "middleware runs inside consentkit. Put compression outside consentkit: register the "
        "compression middleware so that it wraps consentkit's (the outer one), or compress in "
        "the web server or proxy (nginx: gzip on). Said once; later compressed pages pass "
        "without a banner too.",
        method,
        path,
        encoding,
    )


def warn_unreachable_routes(prefix: str, paths: Iterable[str]) -> None:
    """The app's own routes under ``prefix``, which consentkit answers instead of the app."""
    shadowed = sorted({p for p in paths if p == prefix or p.startswith(prefix + "/")})
    if shadowed:
        logger.warning(
            "consentkit answers every request under prefix %r itself, so the app's own "
            "route%s %s never reached: give consentkit another prefix (the prefix option) or "
            "move the route%s.",
            prefix,
            "s" if len(shadowed) > 1 else "",
            ", ".join(shadowed) + (" are" if len(shadowed) > 1 else " is"),
            "s" if len(shadowed) > 1 else "",
        )
