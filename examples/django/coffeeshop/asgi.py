"""ASGI entry point: ``uvicorn --app-dir examples/django coffeeshop.asgi:application``."""

import os

from django.core.asgi import get_asgi_application

from consentkit.contrib.django import wrap_asgi

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coffeeshop.settings")

application = wrap_asgi(get_asgi_application())  # ← the one line
