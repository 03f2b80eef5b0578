"""``on_consent`` gets every record: a coroutine function is awaited, a failing callback is
retried and then reported with the whole record, on both adapters."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import httpx
import pytest

from consentkit import ConsentMiddleware, ConsentRecord, ConsentWSGIMiddleware

from ..support.apps import OPTIONS, asgi_app, wsgi_app
from ..support.harness import AsgiClient, WsgiClient
from ..support.servers import serve_asgi

FORM = [("Content-Type", "application/x-www-form-urlencoded"), ("Origin", "http://testserver")]
THAI = [*FORM, ("Accept-Language", "th-TH")]


def _client(adapter: str, on_consent: Any) -> tuple[Any, Any]:
    """An in-process client of the site with ``on_consent``, and its middleware (its retries
    made without pauses, so a test does not wait on the back-off)."""
    options = {**OPTIONS, "on_consent": on_consent}
    if adapter == "asgi":
        middleware: Any = ConsentMiddleware(asgi_app, **options)
        client: Any = AsgiClient(middleware)
    else:
        middleware = ConsentWSGIMiddleware(wsgi_app, **options)
        client = WsgiClient(middleware)
    middleware.consent_log.retry_delays = (0.0, 0.0)
    return client, middleware


@pytest.mark.parametrize("adapter", ["asgi", "wsgi"])
def test_a_coroutine_function_is_awaited_before_the_response(adapter: str) -> None:
    records: list[ConsentRecord] = []

    async def on_consent(record: ConsentRecord) -> None:
        records.append(record)

    client, _ = _client(adapter, on_consent)
    response = client.request("POST", "/_consent", headers=THAI, body=b"choice=accept_all")
    assert response.status == 303
    (record,) = records
    assert record.choice == "accept_all" and record.locale == "th"
    assert record.consent_id and response.cookie_value("consentkit")


@pytest.mark.server
def test_a_coroutine_function_is_awaited_behind_a_real_uvicorn() -> None:
    records: list[ConsentRecord] = []
    delivered = threading.Event()

    async def on_consent(record: ConsentRecord) -> None:
        records.append(record)
        delivered.set()

    app = ConsentMiddleware(asgi_app, **{**OPTIONS, "on_consent": on_consent})
    with serve_asgi(app) as base:
        headers = {**dict(THAI), "Origin": base}
        response = httpx.post(
            base + "/_consent", headers=headers, content=b"choice=reject_all", timeout=10
        )
        assert response.status_code == 303
        assert delivered.wait(timeout=10)
    (record,) = records
    assert record.choice == "reject_all" and record.granted == ("necessary",)


@pytest.mark.parametrize("adapter", ["asgi", "wsgi"])
def test_a_failing_callback_is_retried_then_reported_with_the_whole_record(
    adapter: str, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[ConsentRecord] = []

    def on_consent(record: ConsentRecord) -> None:
        calls.append(record)
        raise OSError("ดิสก์เต็ม")

    client, _ = _client(adapter, on_consent)
    with caplog.at_level(logging.WARNING, logger="consentkit"):
        response = client.request(
            "POST", "/_consent", headers=THAI, body=b"choice=save&categories=analytics"
        )
    assert response.status == 303 and response.cookie_value("consentkit")
    assert len(calls) == 3 and calls[0] == calls[1] == calls[2]
    (report,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert report.name == "consentkit" and "on_consent failed 3 times" in report.getMessage()
    assert report.exc_info is not None and "ดิสก์เต็ม" in str(report.exc_info[1])
    logged = json.loads(report.getMessage().split(" by hand: ", 1)[1])
    assert logged == {
        "consent_id": calls[0].consent_id,
        "choice": "save",
        "granted": ["necessary", "analytics"],
        "policy_version": "1",
        "decided_at": calls[0].decided_at.isoformat(),
        "gpc": False,
        "locale": "th",
        "refused": ["functional", "location", "marketing"],
        "banner_sha256": calls[0].banner_sha256,
    }
    retries = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage().split(" (attempt ")[1][:6] for r in retries] == ["1 of 3", "2 of 3"]


@pytest.mark.parametrize("adapter", ["asgi", "wsgi"])
def test_a_callback_that_fails_once_gets_the_record_on_the_retry(
    adapter: str, caplog: pytest.LogCaptureFixture
) -> None:
    records: list[ConsentRecord] = []
    failures = ["ฐานข้อมูลไม่ว่าง"]

    async def on_consent(record: ConsentRecord) -> None:
        if failures:
            raise ConnectionError(failures.pop())
        records.append(record)

    client, _ = _client(adapter, on_consent)
    with caplog.at_level(logging.WARNING, logger="consentkit"):
        client.request("POST", "/_consent", headers=FORM, body=b"choice=reject_all")
    assert [r.choice for r in records] == ["reject_all"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_wsgi_calls_a_plain_function_in_the_thread_that_serves_the_request() -> None:
    threads: list[int] = []

    def on_consent(record: ConsentRecord) -> None:
        threads.append(threading.get_ident())

    def calls_it_async(record: ConsentRecord) -> Any:
        async def later() -> None:
            threads.append(threading.get_ident())

        return later()  # a plain function that returns a coroutine: run, not dropped

    for callback in (on_consent, calls_it_async):
        client, _ = _client("wsgi", callback)
        client.request("POST", "/_consent", headers=FORM, body=b"choice=accept_all")
    assert threads == [threading.get_ident()] * 2
