"""Geolocation providers: the embedded geoip2fast data, MaxMind .mmdb files, and the option."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consentkit import ConsentMiddleware, ConsentWSGIMiddleware
from consentkit.location import geo
from consentkit.location.geo import (
    EmbeddedGeolocator,
    Geolocator,
    Location,
    MaxMindGeolocator,
    resolve_geolocator,
)

from ..support import DATA

CITY = DATA / "GeoLite2-City-Test.mmdb"
COUNTRY = DATA / "GeoLite2-Country-Test.mmdb"
KEY = "กุญแจทดสอบ-geo-0123456789abcdef"


async def _asgi_app(scope: Any, receive: Any, send: Any) -> None:  # pragma: no cover - unused
    raise AssertionError("not called")


@pytest.fixture(scope="module")
def embedded() -> EmbeddedGeolocator:
    return EmbeddedGeolocator()


@pytest.mark.parametrize(
    ("ip", "country"),
    [
        pytest.param("49.228.0.1", "TH", id="th-ais"),
        pytest.param("203.150.0.1", "TH", id="th-csloxinfo"),
        pytest.param("8.8.8.8", "US", id="us"),
        pytest.param("139.130.4.5", "AU", id="au-telstra"),
        pytest.param("::ffff:49.228.0.1", "TH", id="ipv4-mapped"),
        pytest.param("2001:44c8::1", "TH", id="ipv6-th"),
        pytest.param("2001:4860:4860::8888", "US", id="ipv6-us"),
        pytest.param("[2001:4479::1]:443", "AU", id="ipv6-au-port"),
        pytest.param("10.1.2.3", None, id="private"),
        pytest.param("127.0.0.1", None, id="loopback"),
        pytest.param("fe80::1", None, id="link-local"),
        pytest.param("garbage", None, id="garbage"),
        pytest.param("", None, id="empty"),
    ],
)
def test_embedded_lookup(embedded: EmbeddedGeolocator, ip: str, country: str | None) -> None:
    location = embedded.lookup(ip)
    assert location == (Location(country) if country else None)


def test_embedded_data_is_loaded_once_per_process() -> None:
    first, second = EmbeddedGeolocator(), EmbeddedGeolocator()
    assert first._geoip is second._geoip


def test_loading_the_embedded_data_keeps_the_environment() -> None:
    # geoip2fast sets PYTHONWARNINGS=ignore for the whole process at import; we undo it.
    code = (
        "import os\n"
        "from consentkit.location.geo import EmbeddedGeolocator\n"
        "EmbeddedGeolocator()\n"
        "print(repr(os.environ.get('PYTHONWARNINGS')), repr(os.environ.get('PYTHONIOENCODING')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONWARNINGS", "PYTHONIOENCODING")}
    env["PYTHONIOENCODING"] = "ascii"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "None 'ascii'"


@pytest.mark.parametrize(
    ("path", "ip", "expected"),
    [
        pytest.param(CITY, "81.2.69.160", Location("GB", "ENG"), id="city-gb"),
        pytest.param(CITY, "2.125.160.216", Location("GB", "ENG"), id="city-largest-subdivision"),
        pytest.param(CITY, "216.160.83.56", Location("US", "WA"), id="city-us"),
        pytest.param(CITY, "::ffff:216.160.83.56", Location("US", "WA"), id="city-mapped"),
        pytest.param(CITY, "2001:218::1", Location("JP"), id="city-ipv6-no-region"),
        pytest.param(CITY, "1.1.1.1", None, id="city-not-found"),
        pytest.param(CITY, "10.0.0.1", None, id="city-private"),
        pytest.param(CITY, "ไม่ใช่ไอพี", None, id="city-garbage"),
        pytest.param(COUNTRY, "81.2.69.160", Location("GB"), id="country-gb"),
        pytest.param(COUNTRY, "[2001:218::1]:443", Location("JP"), id="country-ipv6"),
        pytest.param(COUNTRY, "1.1.1.1", None, id="country-not-found"),
    ],
)
@pytest.mark.parametrize("in_memory", [False, True], ids=["mmap", "in-memory"])
def test_maxmind_lookup(path: Path, ip: str, expected: Location | None, in_memory: bool) -> None:
    geolocator = MaxMindGeolocator(path, in_memory=in_memory)
    try:
        assert geolocator.lookup(ip) == expected
    finally:
        geolocator.close()


@given(st.one_of(st.text(max_size=60), st.ip_addresses().map(str)))
def test_lookups_never_raise(text: str) -> None:
    for geolocator in (_EMBEDDED, _CITY):
        result = geolocator.lookup(text)
        assert result is None or (len(result.country) == 2 and result.country.isupper())


_EMBEDDED = EmbeddedGeolocator()
_CITY = MaxMindGeolocator(CITY)


def test_a_closed_maxmind_reader_gives_none_not_an_error() -> None:
    geolocator = MaxMindGeolocator(CITY)
    geolocator.close()
    assert geolocator.lookup("81.2.69.160") is None


class _Fixed:
    def lookup(self, ip: str) -> Location | None:
        return Location("TH", "10")


def test_resolve_geolocator() -> None:
    assert isinstance(resolve_geolocator("auto"), EmbeddedGeolocator)
    assert isinstance(resolve_geolocator("embedded"), EmbeddedGeolocator)
    assert resolve_geolocator(None) is None
    city = resolve_geolocator(str(CITY))
    assert isinstance(city, MaxMindGeolocator) and city.lookup("81.2.69.160") == Location(
        "GB", "ENG"
    )
    assert isinstance(resolve_geolocator(COUNTRY), MaxMindGeolocator)
    custom = _Fixed()
    assert resolve_geolocator(custom) is custom
    assert isinstance(custom, Geolocator)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("/nowhere/GeoLite2-City.mmdb", "does not exist", id="missing-file"),
        pytest.param("geoip.dat", "give 'auto', 'embedded'", id="not-mmdb"),
        pytest.param(object(), "lookup", id="no-lookup-method"),
        pytest.param(42, "lookup", id="number"),
    ],
)
def test_bad_geolocator_is_a_clear_error(value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        resolve_geolocator(value)


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    bogus = tmp_path / "ข้อมูล.mmdb"
    bogus.write_bytes(b"not a maxmind database " * 50)
    with pytest.raises(ValueError, match=r"not a MaxMind \.mmdb database"):
        resolve_geolocator(str(bogus))


def test_missing_geoip2_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "geoip2", None)
    monkeypatch.setitem(sys.modules, "geoip2.database", None)
    with pytest.raises(ValueError, match=r"consentkit\[maxmind\]"):
        resolve_geolocator(str(CITY))


def test_without_geoip2fast_auto_is_none_and_embedded_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(geo, "embedded_available", lambda: False)
    assert resolve_geolocator("auto") is None
    with pytest.raises(ValueError, match=r"consentkit\[geoip\]"):
        resolve_geolocator("embedded")


@pytest.mark.parametrize("middleware", [ConsentMiddleware, ConsentWSGIMiddleware])
def test_the_middlewares_refuse_a_missing_database_at_start_up(middleware: Any) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        middleware(_asgi_app, secret_key=KEY, geolocator="/nowhere/GeoLite2-City.mmdb")


@pytest.mark.parametrize("middleware", [ConsentMiddleware, ConsentWSGIMiddleware])
def test_the_default_geolocator_is_the_embedded_one(middleware: Any) -> None:
    assert isinstance(middleware(_asgi_app, secret_key=KEY).settings.geolocator, EmbeddedGeolocator)
