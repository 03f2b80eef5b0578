"""WSGI entry point: ``python examples/django/manage.py runserver 8000`` serves it."""

import os

from django.core.wsgi import get_wsgi_application

from consentkit.contrib.django import wrap_wsgi

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coffeeshop.settings")

application = wrap_wsgi(get_wsgi_application())  # ← the one line
