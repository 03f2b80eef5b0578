"""Settings of the Django example "the Django way": consentkit is one ``MIDDLEWARE`` entry,
configured by ``CONSENTKIT`` below; ``wsgi.py`` and ``asgi.py`` are Django's own."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(40)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "consentkit.contrib.django",  # {% load consentkit %} and consentkit's `manage.py check`
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.gzip.GZipMiddleware",  # above consentkit: compresses after the banner
    "consentkit.contrib.django.middleware.ConsentMiddleware",  # ← the one line
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "baansuan.urls"
WSGI_APPLICATION = "baansuan.wsgi.application"
ASGI_APPLICATION = "baansuan.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The coffee shop's pages, shared with the other Django example (examples/django).
        "DIRS": [BASE_DIR.parent / "django" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "consentkit.contrib.django.context_processors.consent",
            ],
        },
    },
]

# The options of consentkit, spelled as everywhere else (docs/options.md). Set
# CONSENTKIT_SECRET_KEY (`consentkit keygen`) to keep consents across restarts.
CONSENTKIT = {
    "secret_key": os.environ.get("CONSENTKIT_SECRET_KEY") or secrets.token_urlsafe(32),
    "default_locale": "th",
    "locales": ["th", "en"],
}

LANGUAGE_CODE = "th"
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
