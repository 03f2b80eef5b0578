"""The behaviour table's Django site (:mod:`tests.support.django_settings`) as Django's own
WSGI and ASGI applications, for real servers: ``gunicorn tests.support.django_serve:wsgi``,
``uvicorn tests.support.django_serve:asgi``. consentkit is in ``MIDDLEWARE``, nothing wraps
them."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.support.django_settings")

from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

wsgi = get_wsgi_application()
asgi = get_asgi_application()
