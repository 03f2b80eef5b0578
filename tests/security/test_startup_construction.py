"""A refused option stops the server at start-up however the middleware is built: outside an
event loop the constructor raises; inside one (Starlette's and FastAPI's lazy build, on the
first ASGI call) it returns an app that fails the lifespan start-up and answers 500."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from consentkit import ConsentMiddleware

from ..support.apps import OPTIONS, asgi_app

SHORT_KEY = {"secret_key": "สั้นไป"}


async def _drive(app: Any, scope: dict[str, Any], incoming: list[dict[str, Any]]) -> list[Any]:
    """Call an ASGI app with ``incoming`` messages; the messages it sent."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if incoming:
            return incoming.pop(0)
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await asyncio.wait_for(app(scope, receive, send), timeout=10)
    return sent


def _lifespan_startup(app: Any) -> list[Any]:
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    return asyncio.run(_drive(app, scope, [{"type": "lifespan.startup"}]))


def _http_get(app: Any) -> list[Any]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    return asyncio.run(_drive(app, scope, [{"type": "http.request", "body": b""}]))


def _built_in_a_running_loop(**options: Any) -> Any:
    async def build() -> Any:
        return ConsentMiddleware(asgi_app, **options)

    return asyncio.run(build())


def test_outside_a_loop_a_bad_option_raises_and_inside_one_it_fails_the_lifespan(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with pytest.raises(ValueError, match="secret_key is too short"):
        ConsentMiddleware(asgi_app, **SHORT_KEY)
    assert type(_built_in_a_running_loop(**OPTIONS)) is ConsentMiddleware  # good ones build
    with caplog.at_level(logging.ERROR, logger="consentkit"):
        app = _built_in_a_running_loop(**SHORT_KEY)
    assert isinstance(app, ConsentMiddleware)  # what the type says, and what frameworks see
    assert "secret_key is too short" in caplog.text  # logged once, when built
    (failed,) = _lifespan_startup(app)
    assert failed["type"] == "lifespan.startup.failed"
    assert "consentkit" in failed["message"] and "secret_key is too short" in failed["message"]


def test_inside_a_running_loop_each_request_is_a_500_that_names_the_option() -> None:
    app = _built_in_a_running_loop(**{**OPTIONS, "categories": ["necessary", "analitycs"]})
    start, body = _http_get(app)
    assert start["status"] == 500
    text = body["body"].decode()
    assert "its option 'categories' was refused" in text and "restart" in text
    assert "analitycs" not in text  # the message itself goes to the log, not to visitors


def test_starlettes_lazy_build_reports_the_error_through_the_lifespan() -> None:
    """Starlette builds its middleware on the first ASGI call: the lifespan scope."""

    async def home(request: Any) -> PlainTextResponse:
        return PlainTextResponse("สวัสดี")

    site = Starlette(
        routes=[Route("/", home)], middleware=[Middleware(ConsentMiddleware, **SHORT_KEY)]
    )
    (failed,) = _lifespan_startup(site)
    assert failed["type"] == "lifespan.startup.failed"
    assert "secret_key is too short" in failed["message"]


def test_an_unexpected_error_inside_a_running_loop_is_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug (not a refused option) while building the engine: the same stand-in, and the
    log keeps the traceback."""

    def broken_engine(settings: Any) -> None:
        raise RuntimeError("ฐานข้อมูลเสีย")

    monkeypatch.setattr("consentkit.asgi.Engine", broken_engine)
    with caplog.at_level(logging.ERROR, logger="consentkit"):
        app = _built_in_a_running_loop(**OPTIONS)
    (failed,) = _lifespan_startup(app)
    assert failed["type"] == "lifespan.startup.failed" and "ฐานข้อมูลเสีย" in failed["message"]
    assert "Traceback" in caplog.text and "RuntimeError: ฐานข้อมูลเสีย" in caplog.text
    start, body = _http_get(app)
    assert start["status"] == 500 and b"option '" not in body["body"]
