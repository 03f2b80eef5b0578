"""consentkit's own endpoints leave the scope or environ masked for the server to log, while
their own logic reads the request as it arrived."""

from __future__ import annotations

import re

import pytest

from consentkit.location import truncate_ip
from consentkit.lookup import find_exchange

from .test_addresses_paths import (
    ORIGIN,
    PROXY,
    VISITOR,
    VISITOR6,
    assert_no_full_address,
    cookie,
    through,
)

# -- consentkit's own endpoints ------------------------------------------------------------------


ENDPOINTS = {
    "choice": ("POST", "/_consent", b"choice=reject_all"),
    "consent as JSON": ("GET", "/_consent", b""),
    "preferences": ("GET", "/_consent/preferences", b""),
    "language": ("GET", "/_consent/language?locale=en&next=/", b""),
    "static file": ("GET", "static", b""),
    "not found": ("GET", "/_consent/ไม่มี", b""),
}
FORM = ("Content-Type", "application/x-www-form-urlencoded")


def _static_path() -> str:
    found = re.search(r"/_consent/static/[^\"']+", through("wsgi").returned)
    assert found is not None
    return found[0]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("adapter", ["asgi-http", "wsgi"])
def test_an_endpoint_leaves_the_scope_masked_for_the_server_to_log(
    adapter: str, endpoint: str
) -> None:
    method, path, body = ENDPOINTS[endpoint]
    path = _static_path() if path == "static" else path
    headers = [("X-Forwarded-For", VISITOR), ("X-Client-IP", VISITOR6), ("Origin", ORIGIN), FORM]
    seen = through(adapter, method=method, path=path, headers=headers, body=body, client=PROXY)
    assert seen.app is None  # answered by consentkit
    assert_no_full_address(seen.everything(), VISITOR, VISITOR6, PROXY)
    assert truncate_ip(PROXY) in seen.after and truncate_ip(VISITOR) in seen.after


@pytest.mark.parametrize("adapter", ["asgi-http", "wsgi"])
def test_a_choice_that_grants_location_is_masked_yet_sees_the_full_address(adapter: str) -> None:
    headers = [("X-Forwarded-For", VISITOR), ("Origin", ORIGIN), FORM]
    seen = through(
        adapter,
        method="POST",
        path="/_consent",
        headers=headers,
        body=b"choice=accept_all",
        client=PROXY,
    )
    assert "303" in seen.returned
    assert_no_full_address(seen.after, VISITOR, PROXY)  # logged as it arrived: undecided
    exchange = find_exchange(seen.mapping)
    assert exchange is not None
    assert exchange.consent.allows("location")
    assert exchange.consent.client_ip == VISITOR  # from the facts, which keep the original


@pytest.mark.parametrize("adapter", ["asgi-http", "wsgi"])
def test_a_choice_that_withdraws_location_is_logged_masked(adapter: str) -> None:
    headers = [("X-Forwarded-For", VISITOR), ("X-Real-IP", VISITOR), ("Origin", ORIGIN), FORM]
    seen = through(
        adapter,
        method="POST",
        path="/_consent",
        headers=headers,
        body=b"choice=reject_all",
        cookie=cookie(["location", "analytics"]),
        client=PROXY,
    )
    assert "303" in seen.returned
    assert_no_full_address(seen.after, VISITOR, PROXY)
    # A visitor who keeps location (or has masking off) is left as they came.
    for options, body in (({}, b"choice=accept_all"), ({"mask_client_ip": False}, b"")):
        kept = through(
            adapter,
            options,
            method="POST",
            path="/_consent",
            headers=headers,
            body=body or b"choice=reject_all",
            cookie=cookie(["location"]),
            client=PROXY,
        )
        assert VISITOR in kept.after and PROXY in kept.after
