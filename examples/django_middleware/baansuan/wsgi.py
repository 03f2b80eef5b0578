"""WSGI entry point, Django's own (consentkit is in ``MIDDLEWARE``):
``gunicorn --chdir examples/django_middleware baansuan.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "baansuan.settings")

application = get_wsgi_application()
