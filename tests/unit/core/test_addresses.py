"""Addresses: truncation, the client's address through trusted proxies, masked forwarding
headers, and the location of visitors who granted it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consentkit.core.engine import Engine
from consentkit.core.exchange import Exchange
from consentkit.core.request import RequestFacts
from consentkit.location.geo import Location

Facts = Callable[..., RequestFacts]
MakeExchange = Callable[..., Exchange]
PROXY = "10.0.0.5"


class FakeGeolocator:
    """Answers Bangkok for every address, and remembers what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def lookup(self, ip: str) -> Location | None:
        self.asked.append(ip)
        return Location("TH", "10")


class BrokenGeolocator:
    def lookup(self, ip: str) -> Location | None:
        raise OSError("ฐานข้อมูลที่ตั้งเสีย")


# -- truncate ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "truncated"),
    [
        pytest.param("203.0.113.77", "203.0.113.0", id="v4"),
        pytest.param("203.0.113.77:4711", "203.0.113.0", id="v4-port"),
        pytest.param("2001:db8:abcd:1234::1", "2001:db8:abcd::", id="v6"),
        pytest.param("[2001:db8:abcd:1234::1]:443", "2001:db8:abcd::", id="v6-port"),
        pytest.param("::ffff:198.51.100.9", "198.51.100.0", id="v4-mapped"),
        pytest.param("ร้านกาแฟ", "", id="thai-garbage"),
        pytest.param("unknown", "", id="unknown"),
        pytest.param("", "", id="empty"),
    ],
)
def test_truncate(engine: Engine, address: str, truncated: str) -> None:
    assert engine.addresses.truncate(address) == truncated


def test_truncate_to_coarser_prefixes(make_engine: Callable[..., Engine]) -> None:
    addresses = make_engine(ip_prefixes=(16, 32)).addresses
    assert addresses.truncate("203.0.113.77") == "203.0.0.0"
    assert addresses.truncate("2001:db8:abcd:1234::1") == "2001:db8::"


def test_truncate_remembers(engine: Engine) -> None:
    engine.addresses.truncate("198.51.100.201")
    assert engine.truncated is engine.addresses.truncated
    assert engine.truncated["198.51.100.201"] == "198.51.100.0"
    assert "198.51.100.201" in engine.truncated


# -- client_address ------------------------------------------------------------------------


def test_client_address_through_a_trusted_proxy(engine: Engine, facts: Facts) -> None:
    request = facts(peer=PROXY, x_forwarded_for="192.0.2.1, 198.51.100.23, 10.0.0.9")
    assert engine.addresses.client_address(request, True) == "198.51.100.23"
    assert engine.addresses.client_address(request, False) == "198.51.100.0"


def test_client_address_from_forwarded_without_x_forwarded_for(
    engine: Engine, facts: Facts
) -> None:
    request = facts(peer=PROXY, forwarded='for="[2001:db8:cafe::17]:4711";proto=https')
    assert engine.addresses.client_address(request, True) == "2001:db8:cafe::17"
    assert engine.addresses.client_address(request, False) == "2001:db8:cafe::"


def test_client_address_of_an_untrusted_peer_ignores_the_headers(
    engine: Engine, facts: Facts
) -> None:
    request = facts(peer="203.0.113.77", x_forwarded_for="198.51.100.23")
    assert engine.addresses.client_address(request, True) == "203.0.113.77"


def test_client_address_without_trusted_proxies(
    make_engine: Callable[..., Engine], facts: Facts
) -> None:
    request = facts(peer=PROXY, x_forwarded_for="198.51.100.23")
    assert make_engine().addresses.client_address(request, True) == PROXY


def test_client_address_without_a_peer(engine: Engine, facts: Facts) -> None:
    assert engine.addresses.client_address(facts(peer=None), True) == ""


def test_a_consent_reaches_the_address_through_its_request(
    engine: Engine, exchange: MakeExchange, consent_cookie: Callable[..., str]
) -> None:
    forwarded = {"peer": PROXY, "x_forwarded_for": "198.51.100.23"}
    assert exchange(**forwarded).consent.client_ip == "198.51.100.0"
    granted = exchange(cookie=consent_cookie("location"), **forwarded)
    assert granted.consent.client_ip == "198.51.100.23"


# -- masked_header -------------------------------------------------------------------------


def test_masked_header_truncates_each_address(engine: Engine) -> None:
    masked = engine.addresses.masked_header(
        "x-forwarded-for", "198.51.100.23, 2001:db8:abcd:12::7 ,10.0.0.9"
    )
    assert masked == "198.51.100.0, 2001:db8:abcd::, 10.0.0.0"


@pytest.mark.parametrize("value", ["ร้านกาแฟ", "unknown", "_hidden", ""])
def test_masked_header_writes_unknown_for_garbage(engine: Engine, value: str) -> None:
    assert engine.addresses.masked_header("x-real-ip", value) == "unknown"
    assert engine.addresses.masked_header("x-forwarded-for", f"198.51.100.23, {value}") == (
        "198.51.100.0, unknown"
    )


def test_masked_header_drops_forwarded(engine: Engine) -> None:
    assert engine.addresses.masked_header("forwarded", "for=198.51.100.23;proto=https") is None


# -- locate --------------------------------------------------------------------------------


def test_locate_asks_the_geolocator_with_the_full_address(
    make_engine: Callable[..., Engine], facts: Facts
) -> None:
    geolocator = FakeGeolocator()
    engine = make_engine(geolocator=geolocator, trusted_proxies=["10.0.0.0/8"])
    request = facts(peer=PROXY, x_forwarded_for="198.51.100.23")
    assert engine.addresses.locate(request) == Location("TH", "10")
    assert geolocator.asked == ["198.51.100.23"]


def test_locate_with_a_failing_geolocator_is_none(
    make_engine: Callable[..., Engine], facts: Facts
) -> None:
    engine = make_engine(geolocator=BrokenGeolocator())
    assert engine.addresses.locate(facts()) is None


def test_locate_without_a_geolocator_is_none(engine: Engine, facts: Facts) -> None:
    assert engine.settings.geolocator is None
    assert engine.addresses.locate(facts()) is None


def test_a_consent_is_located_only_with_location_granted(
    make_engine: Callable[..., Engine],
    exchange: MakeExchange,
    consent_cookie: Callable[..., str],
) -> None:
    geolocator = FakeGeolocator()
    engine = make_engine(geolocator=geolocator)
    assert exchange(engine=engine).consent.location is None
    assert geolocator.asked == []
    cookie = consent_cookie("location", engine=engine)
    consent = exchange(engine=engine, peer="198.51.100.23", cookie=cookie).consent
    assert consent.location == Location("TH", "10")
    assert consent.location == Location("TH", "10")
    assert geolocator.asked == ["198.51.100.23"]  # looked up once
