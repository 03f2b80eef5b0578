"""A pytest plugin (``-p transparency_plugin``) for another project's test suite, used by
``test_transparency.py``: it records every response the suite's test clients get and, with
``CONSENTKIT_WRAP=1``, wraps consentkit around the app under test first, as the docs say.

- Flask: every ``Flask`` app gets ``app.wsgi_app = ConsentWSGIMiddleware(app.wsgi_app, ...)``
  at the end of its ``__init__`` (what the app factory would do).
- Starlette and FastAPI: the app given to ``TestClient`` is served as
  ``ConsentMiddleware(app, ...)``, the outermost layer, as a server would run it.

Recording sits outside consentkit (outside the bare app in the other run): a JSON line per
response in ``CONSENTKIT_RECORD``, with the test that made it. Nothing here changes a request
or a response.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

WRAP = os.environ.get("CONSENTKIT_WRAP") == "1"
#: ``flask`` or ``starlette``: which framework's apps to hook.
FRAMEWORK = os.environ["CONSENTKIT_FRAMEWORK"]
RECORD = os.environ["CONSENTKIT_RECORD"]
SECRET = "transparency-secret-key-0123456789abcdef"


def _write(method: str, target: str, status: int, headers: list[Any], body: bytes) -> None:
    line = {
        "test": os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0],
        "method": method,
        "target": target,
        "status": status,
        "headers": [[_text(k), _text(v)] for k, v in headers],
        "body": base64.b64encode(body).decode(),
    }
    with open(RECORD, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


class RecordWSGI:
    """Record every response of a WSGI app (the body joined once the iterable is consumed)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        seen: dict[str, Any] = {}

        def recording_start(status: str, headers: list[Any], exc_info: Any = None) -> Any:
            seen["status"], seen["headers"] = int(status.split()[0]), list(headers)
            return start_response(status, headers, exc_info)

        chunks: list[bytes] = []
        result = self.app(environ, recording_start)
        try:
            for chunk in result:
                chunks.append(chunk)
                yield chunk
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
            query = environ.get("QUERY_STRING")
            target = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
            _write(
                environ["REQUEST_METHOD"],
                target,
                seen.get("status", 0),
                seen.get("headers", []),
                b"".join(chunks),
            )


class RecordASGI:
    """Record every HTTP response of an ASGI app; everything else passes through untouched."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __getattr__(self, name: str) -> Any:  # app.state, app.dependency_overrides, ...
        return getattr(self.app, name)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen: dict[str, Any] = {"status": 0, "headers": [], "body": []}

        async def recording_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                seen["status"], seen["headers"] = message["status"], list(message["headers"])
            elif message["type"] == "http.response.body":
                seen["body"].append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            query = scope.get("query_string", b"").decode("latin-1")
            target = scope["path"] + (f"?{query}" if query else "")
            _write(scope["method"], target, seen["status"], seen["headers"], b"".join(seen["body"]))


def _patch_flask() -> None:
    import flask

    original = flask.Flask.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if WRAP:
            from consentkit import ConsentWSGIMiddleware

            self.wsgi_app = ConsentWSGIMiddleware(self.wsgi_app, secret_key=SECRET)
        self.wsgi_app = RecordWSGI(self.wsgi_app)

    flask.Flask.__init__ = __init__  # type: ignore[method-assign]


def _patch_starlette() -> None:
    import starlette.testclient

    original = starlette.testclient.TestClient.__init__

    def __init__(self: Any, app: Any, *args: Any, **kwargs: Any) -> None:
        if WRAP:
            from consentkit import ConsentMiddleware

            app = ConsentMiddleware(app, secret_key=SECRET)
        original(self, RecordASGI(app), *args, **kwargs)

    starlette.testclient.TestClient.__init__ = __init__  # type: ignore[method-assign]


def pytest_configure(config: Any) -> None:
    """Patch before the suite's conftest files import the apps."""
    _patch_flask() if FRAMEWORK == "flask" else _patch_starlette()
