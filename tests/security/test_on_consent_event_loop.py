"""A plain ``on_consent`` never runs on the event loop's thread: a slow one does not hold up
other visitors, and a delivery that outlasts the response's wait goes on in the background
until it ends (or is reported, at shutdown). "Not blocked" is shown by order of events, never
by durations."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import httpx
import pytest

from consentkit import ConsentMiddleware, ConsentRecord

from ..support.apps import OPTIONS, asgi_app
from ..support.servers import serve_asgi

#: Generous bounds, only so that a broken build fails instead of hanging.
BOUND = 10.0
FORM = [(b"content-type", b"application/x-www-form-urlencoded"), (b"origin", b"http://testserver")]


class SlowCallback:
    """A plain ``on_consent`` that holds each record until released, and says when it is
    holding one (``started``) and when it has let go (``finished``)."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.finished = threading.Event()
        self.threads: list[int] = []
        self.records: list[ConsentRecord] = []

    def __call__(self, record: ConsentRecord) -> None:
        self.threads.append(threading.get_ident())
        self.started.set()
        self.release.wait(BOUND)
        self.records.append(record)
        self.finished.set()


async def _request(
    app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]] = (), body: bytes = b""
) -> tuple[int, bytes]:
    """One in-process request on the running loop: (status, body)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    pieces = [{"type": "http.request", "body": body}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if pieces:
            return pieces.pop()
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def test_a_slow_plain_callback_does_not_hold_up_an_unrelated_request_on_the_same_loop() -> None:
    callback = SlowCallback()
    app = ConsentMiddleware(asgi_app, **{**OPTIONS, "on_consent": callback})
    order: list[str] = []

    async def visit() -> None:
        choice = asyncio.create_task(_request(app, "POST", "/_consent", FORM, b"choice=reject_all"))
        assert await asyncio.to_thread(callback.started.wait, BOUND)
        status, body = await asyncio.wait_for(_request(app, "GET", "/"), BOUND)
        assert status == 200 and "สวัสดีครับ" in body.decode()
        order.append("the other visitor got the page")
        if not callback.finished.is_set():
            order.append("while on_consent still held the record")
        callback.release.set()
        assert (await asyncio.wait_for(choice, BOUND))[0] == 303

    asyncio.run(visit())
    assert order == ["the other visitor got the page", "while on_consent still held the record"]
    assert callback.threads and callback.threads[0] != threading.get_ident()  # not the loop's
    assert [r.choice for r in callback.records] == ["reject_all"]


@pytest.mark.server
def test_a_slow_plain_callback_does_not_hold_up_a_real_uvicorn() -> None:
    callback = SlowCallback()
    app = ConsentMiddleware(asgi_app, **{**OPTIONS, "on_consent": callback})
    with serve_asgi(app) as base:
        form = {"Content-Type": "application/x-www-form-urlencoded", "Origin": base}
        posted: list[int] = []
        chooser = threading.Thread(
            target=lambda: posted.append(
                httpx.post(
                    base + "/_consent", headers=form, content=b"choice=accept_all", timeout=BOUND
                ).status_code
            )
        )
        chooser.start()
        try:
            assert callback.started.wait(BOUND)
            page = httpx.get(base + "/", timeout=BOUND)
            still_held = not callback.finished.is_set()
        finally:
            callback.release.set()
            chooser.join(BOUND)
    assert page.status_code == 200 and still_held
    assert posted == [303] and [r.choice for r in callback.records] == ["accept_all"]


def test_past_the_wait_the_response_goes_and_the_delivery_ends_in_the_background(
    caplog: pytest.LogCaptureFixture,
) -> None:
    callback = SlowCallback()
    app = ConsentMiddleware(asgi_app, **{**OPTIONS, "on_consent": callback})
    app.consent_log.response_wait = 0.0  # the response waits for nothing
    shutdown: list[str] = []

    async def visit() -> None:
        status, _ = await _request(app, "POST", "/_consent", FORM, b"choice=accept_all")
        assert status == 303 and not callback.finished.is_set()  # answered, record held
        messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]

        async def receive() -> dict[str, Any]:
            return messages.pop(0)

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "lifespan.shutdown.complete":
                shutdown.append("finished" if callback.finished.is_set() else "still held")

        await asyncio.wait_for(app({"type": "lifespan", "state": {}}, receive, send), BOUND)

    async def lifespan_app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].rsplit(".", 1)[1]
                if kind == "shutdown":
                    callback.release.set()  # the delivery can end now: the shutdown waits
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        else:
            await asgi_app(scope, receive, send)

    app.app = lifespan_app
    with caplog.at_level(logging.WARNING, logger="consentkit"):
        asyncio.run(visit())
    assert shutdown == ["finished"]
    assert [r.choice for r in callback.records] == ["accept_all"]
    assert "goes on in the background" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_delivery_still_running_at_shutdown_is_reported_with_its_record(
    caplog: pytest.LogCaptureFixture,
) -> None:
    callback = SlowCallback()
    app = ConsentMiddleware(asgi_app, **{**OPTIONS, "on_consent": callback})
    app.consent_log.response_wait = 0.0

    async def visit() -> None:
        await _request(app, "POST", "/_consent", FORM, b"choice=reject_all")
        assert await asyncio.to_thread(callback.started.wait, BOUND)
        await app.consent_log.drain(timeout=0.0)
        callback.release.set()

    with caplog.at_level(logging.ERROR, logger="consentkit"):
        asyncio.run(visit())
    # Only the errors: the start-up line is INFO (kept or not, by the logger levels other tests
    # leave behind).
    (report,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "cancelled" in report.getMessage() and '"choice": "reject_all"' in report.getMessage()
