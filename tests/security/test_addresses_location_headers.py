"""Without ``location`` granted, the app gets no location: the headers in which a CDN or a
platform tells where the client is (``CF-IPCountry``, ``CloudFront-Viewer-City``,
``X-AppEngine-CityLatLong``, ``X-Vercel-IP-Country``…) are removed, on every path and in the
scope or environ the server logs from; with ``location`` granted they reach the app as sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from consentkit.core.request import ADDRESS_HEADERS, LOCATION_HEADERS, MASKED_HEADERS

from .test_addresses_paths import ADAPTERS, VISITOR, Seen, cookie, environ_key, through

#: Where a visitor in Chiang Mai is, as the CDNs write it (ASCII: a header is latin-1).
_VALUES = {
    "cf-ipcountry": "TH",
    "cf-ipcity": "Chiang Mai",
    "cf-iplatitude": "18.7883",
    "cf-iplongitude": "98.9853",
    "cloudfront-viewer-country": "TH",
    "cloudfront-viewer-city": "Chiang Mai",
    "x-appengine-citylatlong": "18.788300,98.985300",
    "x-vercel-ip-country": "TH",
    "x-vercel-ip-city": "Chiang%20Mai",
    "x-nf-geo": "eyJjaXR5IjoiQ2hpYW5nIE1haSIsImNvdW50cnkiOnsiY29kZSI6IlRIIn19",
    "x-akamai-edgescape": "georegion=211,country_code=TH,city=CHIANGMAI,lat=18.79,long=98.98",
}
_ALL = [(name.title(), _VALUES.get(name, "TH")) for name in LOCATION_HEADERS]
_SAME_ORIGIN = ("Sec-Fetch-Site", "same-origin")


def _header(seen: Seen, adapter: str, name: str) -> str | None:
    """Request header ``name`` in the scope or environ after the call: what the app was shown
    (it sees the masked mapping) and what the server logs from."""
    mapping: Mapping[str, Any] = seen.mapping
    if adapter == "wsgi":
        return mapping.get(environ_key(name))
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in mapping["headers"]}
    return headers.get(name)


def _shown(seen: Seen, adapter: str) -> dict[str, str]:
    """The location headers the app was shown."""
    values = {name: _header(seen, adapter, name) for name in LOCATION_HEADERS}
    return {name: value for name, value in values.items() if value is not None}


def test_the_table_holds_the_common_cdns_and_is_kept_apart_from_the_address_table() -> None:
    assert {
        "cf-ipcountry",
        "cloudfront-viewer-country",
        "x-appengine-country",
        "x-vercel-ip-country",
        "x-nf-geo",
        "x-akamai-edgescape",
    } <= set(LOCATION_HEADERS)
    assert all(name == name.lower() and name.strip() == name for name in LOCATION_HEADERS)
    assert set(LOCATION_HEADERS).isdisjoint(ADDRESS_HEADERS)
    assert set(ADDRESS_HEADERS) | set(LOCATION_HEADERS) == MASKED_HEADERS


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_no_location_header_reaches_the_app_without_location(adapter: str) -> None:
    for cookie_header in (None, cookie(["analytics", "marketing"]), cookie([])):
        seen = through(adapter, headers=_ALL, cookie=cookie_header)
        assert seen.app is not None
        assert _shown(seen, adapter) == {}
        assert "Chiang" not in seen.app and "18.78" not in seen.app
        assert "Chiang" not in seen.after  # the server's log view


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_location_headers_reach_the_app_as_sent_with_location(adapter: str) -> None:
    seen = through(adapter, headers=_ALL, cookie=cookie(["location"]))
    assert _shown(seen, adapter) == {name.lower(): value for name, value in _ALL}


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_location_header_alone_is_removed_and_the_other_headers_stay(adapter: str) -> None:
    shop = "ผ้าไหม".encode().decode("latin-1")  # UTF-8 bytes, as a server hands them over
    headers = [("CF-IPCountry", "TH"), ("Accept-Language", "th-TH,th;q=0.9"), ("X-Shop", shop)]
    seen = through(adapter, headers=headers)
    assert _shown(seen, adapter) == {}
    assert _header(seen, adapter, "accept-language") == "th-TH,th;q=0.9"
    assert _header(seen, adapter, "x-shop") == shop


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_mask_client_ip_off_leaves_the_location_headers_too(adapter: str) -> None:
    seen = through(adapter, {"mask_client_ip": False}, headers=_ALL)
    assert _shown(seen, adapter) == {name.lower(): value for name, value in _ALL}


@pytest.mark.parametrize("adapter", ["asgi-http", "wsgi"])
def test_a_withdrawal_of_location_removes_them_from_the_server_log_view(adapter: str) -> None:
    seen = through(
        adapter,
        method="POST",
        path="/_consent",
        headers=[*_ALL, ("Content-Type", "application/x-www-form-urlencoded"), _SAME_ORIGIN],
        cookie=cookie(["location"]),
        body=b"choice=reject_all",
    )
    assert "303" in seen.returned
    assert _shown(seen, adapter) == {}
    assert VISITOR not in seen.after


def test_a_non_text_environ_value_in_a_masked_key_is_removed() -> None:
    seen = through("wsgi", environ={"HTTP_CF_IPCOUNTRY": b"TH", "HTTP_X_REAL_IP": None})
    assert "HTTP_CF_IPCOUNTRY" not in seen.mapping
    assert "HTTP_X_REAL_IP" not in seen.mapping
