"""Django system checks (``manage.py check``) for a setup that would silently lose the banner."""

from __future__ import annotations

from typing import Any

from django.core import checks  # type: ignore[import-untyped]

_COMPRESSORS = ("django.middleware.gzip.GZipMiddleware",)


def check_compression_outside(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """``consentkit.W001``: a compression middleware in ``MIDDLEWARE`` runs inside consentkit
    (which wraps the whole application), so browsers get compressed pages and no banner."""
    from django.conf import settings  # type: ignore[import-untyped]

    found = [name for name in getattr(settings, "MIDDLEWARE", []) if name in _COMPRESSORS]
    return [
        checks.Warning(
            f"{name} compresses pages before consentkit sees them, so no consent banner is "
            "injected for browsers that accept gzip.",
            hint="Remove it from MIDDLEWARE and compress in the web server or proxy "
            "(nginx `gzip on;`), outside consentkit.",
            id="consentkit.W001",
        )
        for name in found
    ]
