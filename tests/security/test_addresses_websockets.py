"""WebSocket connections: the handshake gets its consent and the same masking as a page,
through :class:`ConsentMiddleware`; the app's messages go out as it sent them."""

from __future__ import annotations

import pytest

from consentkit.location import truncate_ip
from consentkit.lookup import find_exchange

from .test_addresses_paths import (
    PROXY,
    VISITOR,
    asgi,
    asgi_middleware,
    assert_no_full_address,
    cookie,
)

# -- WebSockets ----------------------------------------------------------------------------------


def test_a_websocket_handler_gets_the_consent_and_only_a_truncated_address() -> None:
    headers = [("X-Forwarded-For", VISITOR)]
    seen = asgi(asgi_middleware(), kind="websocket", headers=headers, client=(PROXY, 40000))
    assert seen.client_ip == truncate_ip(VISITOR)
    assert seen.mapping["client"] == (truncate_ip(PROXY), 40000)
    assert (b"x-forwarded-for", truncate_ip(VISITOR).encode()) in seen.mapping["headers"]
    assert_no_full_address(seen.everything(), VISITOR, PROXY)
    # The app's messages go out as it sent them.
    assert [m["type"] for m in seen.sent] == [
        "websocket.accept",
        "websocket.send",
        "websocket.close",
    ]

    granted = asgi(
        asgi_middleware(),
        kind="websocket",
        headers=headers,
        cookie=cookie(["location"]),
        client=(PROXY, 40000),
    )
    assert granted.client_ip == VISITOR
    assert granted.mapping["client"] == (PROXY, 40000)


@pytest.mark.parametrize(("scheme", "secure"), [(None, False), ("ws", False), ("wss", True)])
def test_a_websocket_exchange_has_its_scheme(scheme: str | None, secure: bool) -> None:
    seen = asgi(asgi_middleware(), kind="websocket", scheme=scheme)
    exchange = find_exchange(seen.mapping)
    assert exchange is not None
    assert exchange.request.scheme == (scheme or "ws")
    assert exchange.secure is secure


def test_a_websocket_under_the_prefix_is_the_apps_not_an_endpoint() -> None:
    seen = asgi(asgi_middleware(), kind="websocket", path="/_consent/preferences")
    assert seen.app is not None  # the app answered it
    assert seen.client_ip == truncate_ip(VISITOR)
    assert "http.response" not in seen.returned
