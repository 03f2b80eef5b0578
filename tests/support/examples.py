"""The examples and the commands examples/README.md documents for them, and running one."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .servers import free_port, serve_command

#: Where the virtualenv's executables are (uvicorn, flask, consentkit).
BIN = Path(sys.executable).parent

#: name -> the documented command, with PORT where the port goes.
EXAMPLES = {
    "fastapi": "uvicorn --app-dir examples/fastapi app:app --port PORT",
    "starlette": "uvicorn --app-dir examples/starlette app:app --port PORT",
    "litestar": "uvicorn --app-dir examples/litestar app:app --port PORT",
    "quart": "uvicorn --app-dir examples/quart app:app --port PORT",
    "flask": "flask --app examples/flask/app.py run --port PORT",
    "django-wsgi": "python examples/django/manage.py runserver PORT",
    "django-asgi": "uvicorn --app-dir examples/django coffeeshop.asgi:application --port PORT",
    "django-middleware-wsgi": "python examples/django_middleware/manage.py runserver PORT",
    "django-middleware-gunicorn": (
        "gunicorn --chdir examples/django_middleware baansuan.wsgi --bind 127.0.0.1:PORT"
    ),
    "django-middleware-asgi": (
        "uvicorn --app-dir examples/django_middleware baansuan.asgi:application --port PORT"
    ),
}


def _argv(command: str, port: int) -> list[str]:
    """The documented command with the venv's executables, on ``port`` of 127.0.0.1."""
    argv = command.replace("PORT", str(port)).split()
    if argv[0] == "python":
        argv[0] = sys.executable
    else:
        argv[0] = str(BIN / argv[0])
    if "runserver" in argv:
        argv[argv.index("runserver") + 1] = f"127.0.0.1:{port}"
    elif "--bind" not in argv:
        argv += ["--host", "127.0.0.1"]
    return argv


@contextmanager
def running(name: str, log_dir: Path) -> Iterator[str]:
    """Example ``name`` started with its documented command on a free port."""
    port = free_port()
    with serve_command(_argv(EXAMPLES[name], port), port, log_dir / "server.log") as base_url:
        yield base_url
