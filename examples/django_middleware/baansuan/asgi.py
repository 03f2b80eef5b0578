"""ASGI entry point, Django's own (consentkit is in ``MIDDLEWARE``, async there):
``uvicorn --app-dir examples/django_middleware baansuan.asgi:application``."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "baansuan.settings")

application = get_asgi_application()
