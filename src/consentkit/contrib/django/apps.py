"""The Django app: ``{% load consentkit %}``, consentkit's system checks, and a
``request.consent`` that says how to install the middleware when it is missing."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig  # type: ignore[import-untyped]

from ...lookup import DJANGO_FIX


class MissingConsent:
    """``HttpRequest.consent`` until the middleware sets the request's own: an
    ``AttributeError`` that names the ``MIDDLEWARE`` line (a non-data descriptor, so the
    attribute the middleware sets on each request wins)."""

    def __get__(self, request: Any, owner: Any = None) -> Any:
        if request is None:
            return self
        raise AttributeError(DJANGO_FIX)


class ConsentKitConfig(AppConfig):  # type: ignore[misc]
    """``INSTALLED_APPS = [..., "consentkit.contrib.django"]``; label ``consentkit``."""

    name = "consentkit.contrib.django"
    label = "consentkit"
    verbose_name = "consentkit"

    def ready(self) -> None:
        """Register the system checks, and ``HttpRequest.consent``'s explanation."""
        from django.core import checks  # type: ignore[import-untyped]
        from django.http import HttpRequest  # type: ignore[import-untyped]

        from . import checks as consentkit_checks

        for check in consentkit_checks.ALL:
            checks.register(check)
        if not hasattr(HttpRequest, "consent"):
            HttpRequest.consent = MissingConsent()
