"""What the app sees: ``consent.client_ip`` and ``consent.location``, through both adapters.

Each visit runs in-process with the connection's address set (the ASGI scope's ``client``, the
WSGI environ's ``REMOTE_ADDR``), so proxies, spoofing and IPv6 can be played out.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from consentkit import ConsentMiddleware, ConsentWSGIMiddleware, get_consent
from consentkit.location.geo import EmbeddedGeolocator, Location

from ..support import DATA

KEY = "กุญแจทดสอบ-location-0123456789ab"
PROXY = "10.0.0.1"


def _report(consent: Any) -> bytes:
    location = consent.location
    return json.dumps(
        {
            "ip": consent.client_ip,
            "location": [location.country, location.region] if location else None,
        }
    ).encode()


async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
    body = _report(get_consent(scope))
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    body = _report(get_consent(environ))
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


class CountingGeolocator:
    """Counts lookups, answers from a table (a lookup of anything else fails loudly)."""

    def __init__(self, table: dict[str, Location] | None = None, fail: bool = False) -> None:
        self.table = table or {}
        self.fail = fail
        self.looked_up: list[str] = []

    def lookup(self, ip: str) -> Location | None:
        self.looked_up.append(ip)
        if self.fail:
            raise RuntimeError("provider is down")
        return self.table.get(ip)


def visit(
    adapter: str,
    peer: str,
    *,
    choice: str | None = None,
    categories: Sequence[str] = (),
    headers: dict[str, str] | None = None,
    **options: Any,
) -> dict[str, Any]:
    """One visitor from ``peer``: records ``choice`` (if any), then reads what the app saw."""
    options.setdefault("trusted_proxies", [PROXY, "2001:db8:ffff::/48"])
    form: dict[str, Any] = {"choice": choice, "categories": list(categories)} if choice else {}
    if adapter == "asgi":
        app = ConsentMiddleware(asgi_app, secret_key=KEY, **options)

        async def run() -> httpx.Response:
            transport = httpx.ASGITransport(app=app, client=(peer, 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                if form:
                    assert (
                        await c.post(
                            "/_consent",
                            data=form,
                            headers={**(headers or {}), "Sec-Fetch-Site": "same-origin"},
                        )
                    ).status_code == 303
                return await c.get("/", headers=headers)

        response = asyncio.run(run())
    else:
        wsgi = ConsentWSGIMiddleware(wsgi_app, secret_key=KEY, **options)
        transport = httpx.WSGITransport(app=wsgi, remote_addr=peer)
        with httpx.Client(transport=transport, base_url="http://testserver") as c:
            if form:
                assert (
                    c.post(
                        "/_consent",
                        data=form,
                        headers={**(headers or {}), "Sec-Fetch-Site": "same-origin"},
                    ).status_code
                    == 303
                )
            response = c.get("/", headers=headers)
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


ADAPTERS = ["asgi", "wsgi"]


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize(
    ("peer", "choice", "categories", "headers", "expected"),
    [
        pytest.param("49.228.0.1", None, (), {}, ("49.228.0.0", None), id="undecided"),
        pytest.param("49.228.0.1", "reject_all", (), {}, ("49.228.0.0", None), id="rejected"),
        pytest.param(
            "49.228.0.1",
            "save",
            ("analytics", "functional"),
            {},
            ("49.228.0.0", None),
            id="other-categories-only",
        ),
        pytest.param("49.228.0.1", "accept_all", (), {}, ("49.228.0.1", ["TH", None]), id="all"),
        pytest.param(
            "8.8.8.8", "save", ("location",), {}, ("8.8.8.8", ["US", None]), id="location-only"
        ),
        pytest.param(
            "8.8.8.8",
            "accept_all",
            (),
            {"Sec-GPC": "1"},
            ("8.8.8.8", ["US", None]),
            id="gpc-does-not-refuse-location",
        ),
        pytest.param(
            "2001:44c8:1234:5678::1",
            None,
            (),
            {},
            ("2001:44c8:1234::", None),
            id="ipv6-undecided",
        ),
        pytest.param(
            "2001:44c8:1234:5678::1",
            "accept_all",
            (),
            {},
            ("2001:44c8:1234:5678::1", ["TH", None]),
            id="ipv6-consented",
        ),
        pytest.param(
            "::ffff:139.130.4.5", "accept_all", (), {}, ("139.130.4.5", ["AU", None]), id="mapped"
        ),
        pytest.param(
            "10.9.8.7", "accept_all", (), {}, ("10.9.8.7", None), id="private-no-location"
        ),
        pytest.param(
            PROXY,
            "accept_all",
            (),
            {"X-Forwarded-For": "8.8.8.8, 139.130.4.5"},
            ("139.130.4.5", ["AU", None]),
            id="trusted-proxy-xff",
        ),
        pytest.param(
            PROXY,
            None,
            (),
            {"X-Forwarded-For": "8.8.8.8, 139.130.4.5"},
            ("139.130.4.0", None),
            id="trusted-proxy-xff-undecided",
        ),
        pytest.param(
            PROXY,
            "accept_all",
            (),
            # No proto=https here: over HTTPS the consent cookie is __Host- and Secure, which
            # this plain-HTTP test client would not send back (tests/unit/core/test_request.py
            # covers the proto).
            {"Forwarded": 'for="[2001:44c8::9]:443";by=_proxy'},
            ("2001:44c8::9", ["TH", None]),
            id="trusted-proxy-forwarded",
        ),
        pytest.param(
            "203.150.0.1",
            "accept_all",
            (),
            {"X-Forwarded-For": "8.8.8.8", "Forwarded": "for=139.130.4.5"},
            ("203.150.0.1", ["TH", None]),
            id="spoofed-headers-ignored",
        ),
    ],
)
def test_what_the_app_sees(
    adapter: str,
    peer: str,
    choice: str | None,
    categories: tuple[str, ...],
    headers: dict[str, str],
    expected: tuple[str, list[str | None] | None],
) -> None:
    seen = visit(adapter, peer, choice=choice, categories=categories, headers=headers)
    assert (seen["ip"], seen["location"]) == expected


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_no_lookup_without_location_consent(adapter: str) -> None:
    geolocator = CountingGeolocator({"49.228.0.1": Location("TH", "10")})
    for choice, categories in ((None, ()), ("reject_all", ()), ("save", ("analytics",))):
        seen = visit(
            adapter, "49.228.0.1", choice=choice, categories=categories, geolocator=geolocator
        )
        assert seen["location"] is None
    assert geolocator.looked_up == []
    seen = visit(
        adapter, "49.228.0.1", choice="save", categories=("location",), geolocator=geolocator
    )
    assert seen["location"] == ["TH", "10"]
    assert geolocator.looked_up == ["49.228.0.1"]


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_failing_provider_is_an_unknown_location(adapter: str) -> None:
    geolocator = CountingGeolocator(fail=True)
    seen = visit(adapter, "49.228.0.1", choice="accept_all", geolocator=geolocator)
    assert seen == {"ip": "49.228.0.1", "location": None}
    assert geolocator.looked_up == ["49.228.0.1"]


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_no_geolocator_means_no_location(adapter: str) -> None:
    seen = visit(adapter, "49.228.0.1", choice="accept_all", geolocator=None)
    assert seen == {"ip": "49.228.0.1", "location": None}


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_maxmind_database_gives_the_region(adapter: str) -> None:
    city = DATA / "GeoLite2-City-Test.mmdb"
    seen = visit(adapter, "216.160.83.56", choice="accept_all", geolocator=str(city))
    assert seen == {"ip": "216.160.83.56", "location": ["US", "WA"]}


def test_the_default_provider_is_the_embedded_one() -> None:
    app = ConsentMiddleware(asgi_app, secret_key=KEY)
    assert isinstance(app.settings.geolocator, EmbeddedGeolocator)
