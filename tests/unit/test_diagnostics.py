"""What consentkit says about its own set-up in the ``consentkit`` logger, through both
adapters: the start-up line, statistics without a geolocator, a page that arrives compressed;
each said once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from consentkit import ConsentMiddleware, ConsentWSGIMiddleware
from consentkit.diagnostics import warn_unreachable_routes

from ..support.harness import AsgiClient, Result, WsgiClient

KEY = "กุญแจลับของร้านผ้าไหม-0123456789abcdef"
OLD_KEY = "กุญแจเก่าของร้านผ้าไหม-0123456789abcdef"
PAGE = "<!doctype html><html><body><p>ผ้าไหมมัดหมี่</p></body></html>".encode()


def _site(content_type: str, encoding: str | None) -> tuple[Any, Any]:
    """An ASGI app and a WSGI app answering every request with ``PAGE`` and these headers."""
    headers = [("Content-Type", content_type), ("Content-Length", str(len(PAGE)))]
    if encoding is not None:
        headers.append(("Content-Encoding", encoding))
    raw = [(k.lower().encode(), v.encode()) for k, v in headers]

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": raw})
        await send({"type": "http.response.body", "body": PAGE})

    def wsgi(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", headers)
        return [PAGE]

    return asgi, wsgi


Get = Callable[[str], Result]


def _client(kind: str, content_type: str, encoding: str | None, **options: Any) -> Get:
    asgi, wsgi = _site(content_type, encoding)
    options = {"secret_key": KEY, **options}
    if kind == "asgi":
        client: Any = AsgiClient(ConsentMiddleware(asgi, **options))
    else:
        client = WsgiClient(ConsentWSGIMiddleware(wsgi, **options), lint=False)
    return lambda path: client.request("GET", path)


def _messages(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "consentkit" and r.levelno == level]


KINDS = ["asgi", "wsgi"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_start_up_line_names_the_options_in_force_and_never_the_key(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "consentkit")
    _client(kind, "text/html", None, secret_key=[OLD_KEY, KEY], policy_url="/นโยบาย")
    (line,) = [m for m in _messages(caplog, logging.INFO) if "started" in m]
    assert f"consentkit started ({kind.upper()})" in line
    assert "secret_key=<2 keys>" in line
    assert "policy_url='/นโยบาย'" in line
    assert "prefix='/_consent'" in line
    assert "max_age" not in line  # a default is not named
    assert KEY not in line and OLD_KEY not in line
    assert KEY not in caplog.text and OLD_KEY not in caplog.text


@pytest.mark.parametrize("kind", KINDS)
def test_statistics_without_a_geolocator_warns_at_start_up_once(
    kind: str, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.INFO, "consentkit")
    get = _client(kind, "text/html", None, statistics=tmp_path / "สถิติ.sqlite3", geolocator=None)
    warnings = _messages(caplog, logging.WARNING)
    assert len(warnings) == 1, warnings
    assert "no geolocator is installed" in warnings[0]
    assert "consentkit[geoip]" in warnings[0]
    get("/")
    get("/")
    assert len(_messages(caplog, logging.WARNING)) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_statistics_with_a_geolocator_says_nothing(
    kind: str, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.INFO, "consentkit")
    _client(kind, "text/html", None, statistics=tmp_path / "stats.sqlite3", geolocator="auto")
    assert _messages(caplog, logging.WARNING) == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_compressed_page_warns_on_the_first_one_only(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    get = _client(kind, "text/html; charset=utf-8", "gzip")
    caplog.set_level(logging.WARNING, "consentkit")
    first = get("/ร้าน")
    assert first.status == 200 and first.body == PAGE  # untouched: no banner in a gzip body
    (warning,) = _messages(caplog, logging.WARNING)
    assert "GET /ร้าน" in warning
    assert "Content-Encoding: gzip" in warning
    assert "Put compression outside consentkit" in warning
    get("/")
    get("/อื่น")
    assert len(_messages(caplog, logging.WARNING)) == 1


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("content_type", "encoding"),
    [
        pytest.param("text/html; charset=utf-8", None, id="plain page"),
        pytest.param("text/html; charset=utf-8", "identity", id="identity"),
        pytest.param("application/json", "gzip", id="compressed JSON"),
    ],
)
def test_no_warning_for_a_plain_page_or_a_compressed_non_page(
    kind: str, content_type: str, encoding: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    get = _client(kind, content_type, encoding)
    caplog.set_level(logging.WARNING, "consentkit")
    get("/")
    assert _messages(caplog, logging.WARNING) == []


def test_routes_under_the_prefix_are_named(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "consentkit")
    warn_unreachable_routes("/_consent", ["/", "/_consentx", "/_consent/ของฉัน", "/_consent"])
    (warning,) = _messages(caplog, logging.WARNING)
    assert "/_consent, /_consent/ของฉัน are never reached" in warning
    assert "/_consentx" not in warning
    caplog.clear()
    warn_unreachable_routes("/_consent", ["/", "/shop"])
    assert _messages(caplog, logging.WARNING) == []
