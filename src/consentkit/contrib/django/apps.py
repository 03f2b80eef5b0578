"""The Django app: ``{% load consentkit %}`` and consentkit's system checks."""

from __future__ import annotations

from django.apps import AppConfig  # type: ignore[import-untyped]


class ConsentKitConfig(AppConfig):  # type: ignore[misc]
    """``INSTALLED_APPS = [..., "consentkit.contrib.django"]``; label ``consentkit``."""

    name = "consentkit.contrib.django"
    label = "consentkit"
    verbose_name = "consentkit"

    def ready(self) -> None:
        """Register the system checks."""
        from django.core import checks  # type: ignore[import-untyped]

        from .checks import check_compression_outside

        checks.register(check_compression_outside)
