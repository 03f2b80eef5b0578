"""Driving an app a README block made, through its framework's test client, as a first-time
visitor who then accepts all: used in-process by ``tests/e2e/test_readme.py`` and in the
subprocess that runs a Django block inside a minimal project."""

from __future__ import annotations

import asyncio
import inspect
import json
from dataclasses import asdict, dataclass
from typing import Any

#: Where a POST to the consent endpoint comes from, as a browser says it (no Origin needed).
SAME_ORIGIN = {"sec-fetch-site": "same-origin", "accept": "application/json"}
BANNER = 'id="consentkit-banner"'


@dataclass(frozen=True)
class Visit:
    """What the visitor saw: the home page before and after accepting all, and the consent
    endpoint's answers."""

    client: str
    status_before: int
    before: str
    decided_before: bool
    choice_status: int
    decided_after: bool
    status_after: int
    after: str

    def as_json(self) -> str:
        """This visit as one line of JSON (the Django subprocess prints it)."""
        return json.dumps(asdict(self), ensure_ascii=False)


class _Client:
    """One interface over the test clients: ``get``/``post`` giving ``(status, text)``."""

    def __init__(self, name: str, client: Any) -> None:
        self.name = name
        self._client = client

    def close(self) -> None:
        """Let go of what the client holds."""

    def get(self, path: str) -> tuple[int, str]:
        response = self._client.get(path, headers={"accept-language": "th"})
        return self._answer(response)

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        return self._answer(self._client.post(path, data=data, headers=SAME_ORIGIN))

    @staticmethod
    def _answer(response: Any) -> tuple[int, str]:
        if hasattr(response, "get_data"):  # werkzeug, Flask
            return response.status_code, response.get_data(as_text=True)
        if hasattr(response, "text"):  # httpx (Starlette's TestClient)
            return response.status_code, response.text
        return response.status_code, response.content.decode()  # Django's test Client


class _ASGIClient(_Client):
    """httpx's ASGI transport, on one event loop of its own for the whole visit (the app may
    start tasks on the first request's loop), cookies kept between requests."""

    def __init__(self, app: Any) -> None:
        import httpx

        self._loop = asyncio.new_event_loop()
        transport = httpx.ASGITransport(app=app)
        super().__init__(
            "asgi", httpx.AsyncClient(transport=transport, base_url="http://testserver")
        )

    def get(self, path: str) -> tuple[int, str]:
        call = self._client.get(path, headers={"accept-language": "th"})
        return self._answer(self._loop.run_until_complete(call))

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        call = self._client.post(path, data=data, headers=SAME_ORIGIN)
        return self._answer(self._loop.run_until_complete(call))

    def close(self) -> None:
        """Close the client and its loop."""
        self._loop.run_until_complete(self._client.aclose())
        self._loop.close()


def _is_asgi(app: Any) -> bool:
    call = app if inspect.isfunction(app) else type(app).__call__
    return inspect.iscoroutinefunction(call)


def client_for(app: Any) -> _Client:
    """The test client of ``app``'s framework: Flask's for a Flask app, werkzeug's for any
    other WSGI app, httpx's ASGI transport for an ASGI app (Starlette's ``TestClient`` is
    httpx's too)."""
    if _is_asgi(app):
        return _ASGIClient(app)
    if type(app).__module__.split(".")[0] == "flask":
        return _Client("flask", app.test_client())
    if callable(app):
        from werkzeug.test import Client

        return _Client("wsgi", Client(app))
    raise TypeError(f"{app!r} is neither a WSGI nor an ASGI app")


def visit(client: _Client) -> Visit:
    """A first visit, the consent endpoint, accept all, and the home page again."""
    try:
        status_before, before = client.get("/")
        decided_before = json.loads(client.get("/_consent")[1])["decided"]
        choice_status, chosen = client.post("/_consent", {"choice": "accept_all"})
        decided_after = json.loads(chosen)["decided"] if choice_status == 200 else False
        status_after, after = client.get("/")
    finally:
        client.close()
    return Visit(
        client.name,
        status_before,
        before,
        decided_before,
        choice_status,
        decided_after,
        status_after,
        after,
    )
