"""The Django app that makes ``{% load consentkit %}`` available."""

from __future__ import annotations

from django.apps import AppConfig  # type: ignore[import-untyped]


class ConsentKitConfig(AppConfig):  # type: ignore[misc]
    """``INSTALLED_APPS = [..., "consentkit.contrib.django"]``; label ``consentkit``."""

    name = "consentkit.contrib.django"
    label = "consentkit"
    verbose_name = "consentkit"
