"""A server (or a middleware in front) that resolved ``X-Forwarded-For`` itself while
``trusted_proxies`` is empty: one warning, in the ``consentkit`` logger, naming the fix."""

from __future__ import annotations

import logging

import pytest

from consentkit import ConsentMiddleware, ConsentWSGIMiddleware
from consentkit.core.addresses import SERVER_PROXY_WARNING
from consentkit.location import truncate_ip

from .test_addresses_paths import (
    KEY,
    PROXY,
    VISITOR,
    asgi,
    asgi_app,
    assert_no_full_address,
    through,
    wsgi,
    wsgi_app,
)

# -- a server that resolved X-Forwarded-For itself -----------------------------------------------


def _warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "consentkit" and r.levelno == logging.WARNING]


def _no_warning_for_a_proxy_or_trusted_proxies(adapter: str) -> None:
    """Requests that must not warn: the peer is a proxy (not in the header it sent), or
    consentkit resolves the header itself (``trusted_proxies`` set), or there is none."""
    forwarded = [("X-Forwarded-For", f"{VISITOR}, {PROXY}")]
    through(adapter, {"trusted_proxies": []}, headers=forwarded, client="192.0.2.1")
    through(adapter, headers=forwarded, client=PROXY)
    through(adapter, {"trusted_proxies": []}, headers=[("X-Real-IP", VISITOR)], client=VISITOR)


def test_uvicorns_proxy_headers_without_trusted_proxies_warn_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    caplog.set_level(logging.WARNING, logger="consentkit")
    _no_warning_for_a_proxy_or_trusted_proxies("asgi-http")
    assert _warnings(caplog) == []
    served = ProxyHeadersMiddleware(ConsentMiddleware(asgi_app, secret_key=KEY), "127.0.0.1")
    for kind in ("http", "websocket", "http"):
        seen = asgi(
            served, kind=kind, headers=[("X-Forwarded-For", VISITOR)], client=("127.0.0.1", 1)
        )
        assert seen.client_ip == truncate_ip(VISITOR)
    (warning,) = _warnings(caplog)
    message = warning.getMessage()
    assert message == SERVER_PROXY_WARNING
    assert "--no-proxy-headers" in message and "trusted_proxies" in message
    assert_no_full_address(message, VISITOR)  # a log line of consentkit's own: no visitor in it


def test_werkzeugs_proxy_fix_in_front_without_trusted_proxies_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from werkzeug.middleware.proxy_fix import ProxyFix

    caplog.set_level(logging.WARNING, logger="consentkit")
    _no_warning_for_a_proxy_or_trusted_proxies("wsgi")
    assert _warnings(caplog) == []
    served = ProxyFix(ConsentWSGIMiddleware(wsgi_app, secret_key=KEY))
    for _ in range(2):
        wsgi(served, headers=[("X-Forwarded-For", VISITOR)], peer="127.0.0.1")
    assert len(_warnings(caplog)) == 1
