#!/usr/bin/env python
"""Django's command line for the middleware example:
``python examples/django_middleware/manage.py runserver 8000`` (and ``check``)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "baansuan.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
