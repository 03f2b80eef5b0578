"""The Django settings of the tests (``DJANGO_SETTINGS_MODULE=tests.support.django_settings``):
the behaviour table's site (:mod:`tests.support.django_site`) behind consentkit's Django
middleware, configured like the other adapters (:data:`tests.support.apps.OPTIONS`, and
the behaviour table's record store)."""

from tests.behaviour.helpers import RECORDS
from tests.support.apps import OPTIONS

SECRET_KEY = "django-ทดสอบ-not-secret-0123456789abcdefghij"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "tests.support.django_site"
INSTALLED_APPS = ["consentkit.contrib.django"]
MIDDLEWARE = ["consentkit.contrib.django.middleware.ConsentMiddleware"]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "consentkit.contrib.django.context_processors.consent",
            ]
        },
    }
]
CONSENTKIT = {**OPTIONS, "records": str(RECORDS)}  # the same store as the other adapters
USE_TZ = True
WSGI_APPLICATION = None
