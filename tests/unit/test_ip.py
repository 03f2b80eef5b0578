"""The client's IP: parsing nodes, walking forwarding chains from trusted proxies, truncation."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consentkit.location import truncate_ip
from consentkit.location.ip import MAX_HOPS, client_ip, is_trusted, parse_address

PROXIES = (
    ipaddress.ip_network("10.0.0.0/8"),
    ipaddress.ip_network("192.0.2.7/32"),
    ipaddress.ip_network("2001:db8:ffff::/48"),
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("203.0.113.77", "203.0.113.77", id="ipv4"),
        pytest.param("  203.0.113.77 ", "203.0.113.77", id="ipv4-spaces"),
        pytest.param("203.0.113.77:5678", "203.0.113.77", id="ipv4-port"),
        pytest.param("203.0.113.77:_gazonk", "203.0.113.77", id="ipv4-obfuscated-port"),
        pytest.param("2001:db8::1", "2001:db8::1", id="ipv6"),
        pytest.param("2001:DB8:0:0::1", "2001:db8::1", id="ipv6-normalised"),
        pytest.param("[2001:db8::1]", "2001:db8::1", id="ipv6-brackets"),
        pytest.param("[2001:db8::1]:443", "2001:db8::1", id="ipv6-port"),
        pytest.param('"[2001:db8:cafe::17]:4711"', "2001:db8:cafe::17", id="rfc7239-quoted"),
        pytest.param('"192.0.2.43"', "192.0.2.43", id="quoted-ipv4"),
        pytest.param("::ffff:198.51.100.9", "198.51.100.9", id="ipv4-mapped"),
        pytest.param("[::ffff:198.51.100.9]:80", "198.51.100.9", id="ipv4-mapped-port"),
        pytest.param("fe80::1%eth0", "fe80::1", id="zone-id-dropped"),
        pytest.param("unknown", None, id="unknown"),
        pytest.param("_hidden", None, id="obfuscated"),
        pytest.param("", None, id="empty"),
        pytest.param("203.0.113", None, id="short-ipv4"),
        pytest.param("203.0.113.256", None, id="octet-over"),
        pytest.param("203.0.113.77:99999999", None, id="port-too-long"),
        pytest.param("203.0.113.77:http", None, id="port-name"),
        pytest.param("[203.0.113.77]", None, id="ipv4-in-brackets"),
        pytest.param("[2001:db8::1", None, id="unclosed-bracket"),
        pytest.param("[2001:db8::1]x", None, id="junk-after-bracket"),
        pytest.param("สวัสดี", None, id="thai-text"),
        pytest.param("1" * 200, None, id="very-long"),
        pytest.param("0x7f.1", None, id="inet-aton-shorthand"),
        pytest.param("127.1", None, id="short-loopback"),
    ],
)
def test_parse_address(text: str, expected: str | None) -> None:
    parsed = parse_address(text)
    assert (str(parsed) if parsed is not None else None) == expected


@pytest.mark.parametrize(
    ("peer", "xff", "forwarded", "expected"),
    [
        pytest.param("203.0.113.5", None, None, "203.0.113.5", id="direct"),
        pytest.param("203.0.113.5", "198.51.100.1", None, "203.0.113.5", id="untrusted-peer-xff"),
        pytest.param(
            "203.0.113.5", None, "for=198.51.100.1", "203.0.113.5", id="untrusted-peer-forwarded"
        ),
        pytest.param("10.1.1.1", "198.51.100.1", None, "198.51.100.1", id="trusted-peer"),
        pytest.param("10.1.1.1", None, None, "10.1.1.1", id="trusted-peer-no-header"),
        pytest.param("10.1.1.1", "  ", None, "10.1.1.1", id="trusted-peer-blank-header"),
        pytest.param(
            "10.1.1.1",
            "1.1.1.1, 198.51.100.1, 10.2.2.2",
            None,
            "198.51.100.1",
            id="spoofed-left-ignored",
        ),
        pytest.param(
            "10.1.1.1", "198.51.100.1, 192.0.2.7", None, "198.51.100.1", id="two-trusted-hops"
        ),
        pytest.param("10.1.1.1", "10.3.3.3, 10.2.2.2", None, "10.3.3.3", id="all-trusted"),
        pytest.param("10.1.1.1", "198.51.100.1,,", None, "198.51.100.1", id="empty-elements"),
        pytest.param("10.1.1.1", "198.51.100.1:5678", None, "198.51.100.1", id="xff-port"),
        pytest.param("10.1.1.1", "2001:db8::99", None, "2001:db8::99", id="xff-ipv6"),
        pytest.param("10.1.1.1", "[2001:db8::99]:1234", None, "2001:db8::99", id="xff-ipv6-port"),
        pytest.param("10.1.1.1", "::ffff:198.51.100.1", None, "198.51.100.1", id="xff-mapped"),
        pytest.param("10.1.1.1", "198.51.100.1, unknown", None, "", id="unknown-hop"),
        pytest.param("10.1.1.1", "198.51.100.1, garbage", None, "", id="garbage-hop"),
        pytest.param("::ffff:10.1.1.1", "198.51.100.1", None, "198.51.100.1", id="mapped-peer"),
        pytest.param(
            "2001:db8:ffff::1", "198.51.100.1", None, "198.51.100.1", id="ipv6-trusted-peer"
        ),
        pytest.param(
            "10.1.1.1",
            None,
            'for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711"',
            "2001:db8:cafe::17",
            id="forwarded-rfc7239",
        ),
        pytest.param(
            "10.1.1.1",
            None,
            "for=198.51.100.1, FOR=10.2.2.2",
            "198.51.100.1",
            id="forwarded-case-insensitive",
        ),
        pytest.param(
            "10.1.1.1",
            None,
            'for="_gazonk", for=198.51.100.1;by=10.0.0.1',
            "198.51.100.1",
            id="forwarded-stops-at-client",
        ),
        pytest.param("10.1.1.1", None, 'for="_gazonk"', "", id="forwarded-obfuscated"),
        pytest.param("10.1.1.1", None, "for=unknown", "", id="forwarded-unknown"),
        pytest.param("10.1.1.1", None, "proto=https", "", id="forwarded-no-for"),
        pytest.param(
            "10.1.1.1",
            None,
            'for="198.51.100.1";by="x,y", for=10.2.2.2',
            "198.51.100.1",
            id="forwarded-comma-in-quotes",
        ),
        pytest.param("10.1.1.1", "198.51.100.1", "for=203.0.113.9", "198.51.100.1", id="xff-first"),
        pytest.param("", "198.51.100.1", None, "", id="no-peer"),
        pytest.param(None, None, None, "", id="none-peer"),
        pytest.param("/run/app.sock", "198.51.100.1", None, "", id="unix-socket-peer"),
        pytest.param("203.0.113.5:5555", None, None, "203.0.113.5", id="peer-with-port"),
    ],
)
def test_client_ip(peer: str | None, xff: str | None, forwarded: str | None, expected: str) -> None:
    assert client_ip(peer, xff, PROXIES, forwarded) == expected


def test_no_trusted_proxies_means_headers_are_ignored() -> None:
    assert client_ip("10.1.1.1", "198.51.100.1", ()) == "10.1.1.1"


def test_a_chain_longer_than_the_limit_is_not_believed() -> None:
    chain = ", ".join(["10.9.9.9"] * (MAX_HOPS + 5))
    assert client_ip("10.1.1.1", chain, PROXIES) == ""
    shorter = ", ".join(["198.51.100.1"] + ["10.9.9.9"] * (MAX_HOPS - 1))
    assert client_ip("10.1.1.1", shorter, PROXIES) == "198.51.100.1"


def test_is_trusted() -> None:
    assert is_trusted("10.200.0.1", PROXIES)
    assert is_trusted("::ffff:10.200.0.1", PROXIES)
    assert is_trusted("[2001:db8:ffff::9]:443", PROXIES)
    assert not is_trusted("11.0.0.1", PROXIES)
    assert not is_trusted("garbage", PROXIES)
    assert not is_trusted("", PROXIES)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        pytest.param("203.0.113.77", "203.0.113.0", id="contract"),
        pytest.param("203.0.113.0", "203.0.113.0", id="already-truncated"),
        pytest.param("2001:db8:1234:5678::1", "2001:db8:1234::", id="ipv6-48"),
        pytest.param("::ffff:203.0.113.77", "203.0.113.0", id="mapped"),
        pytest.param("[2001:db8:1234:5678::1]:443", "2001:db8:1234::", id="ipv6-port"),
        pytest.param("203.0.113.77:8080", "203.0.113.0", id="ipv4-port"),
        pytest.param("garbage", "", id="garbage"),
        pytest.param("", "", id="empty"),
    ],
)
def test_truncate_ip(address: str, expected: str) -> None:
    assert truncate_ip(address) == expected


def test_truncation_can_be_coarser_but_never_finer() -> None:
    assert truncate_ip("203.0.113.77", ipv4_prefix=16) == "203.0.0.0"
    assert truncate_ip("2001:db8:1234::1", ipv6_prefix=32) == "2001:db8::"
    for kwargs in ({"ipv4_prefix": 25}, {"ipv6_prefix": 64}, {"ipv4_prefix": -1}):
        with pytest.raises(ValueError, match="at most /24"):
            truncate_ip("203.0.113.77", **kwargs)


ipv4 = st.ip_addresses(v=4).map(str)
ipv6 = st.ip_addresses(v=6).map(str)


@given(st.ip_addresses())
def test_truncated_address_is_its_own_network(address: ipaddress._BaseAddress) -> None:
    truncated = truncate_ip(str(address))
    ip = ipaddress.ip_address(truncated)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    assert ip.version == address.version
    assert ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address == ip
    assert truncate_ip(truncated) == truncated


@given(st.text(max_size=80))
def test_any_text_is_an_address_or_nothing(text: str) -> None:
    parsed = parse_address(text)
    truncated = truncate_ip(text)
    assert (parsed is None) == (truncated == "")
    result = client_ip("10.0.0.1", text, PROXIES)
    assert result == "" or str(parse_address(result)) == result
    if "," not in text and text.strip():
        assert result == (str(parsed) if parsed is not None else "")


@given(st.lists(st.one_of(ipv4, ipv6), min_size=1, max_size=6), st.one_of(ipv4, ipv6))
def test_spoofed_headers_never_win_from_an_untrusted_peer(chain: list[str], peer: str) -> None:
    expected = str(parse_address(peer))
    if is_trusted(peer, PROXIES):
        return
    assert client_ip(peer, ", ".join(chain), PROXIES, f"for={chain[0]}") == expected
    assert client_ip(peer, None, PROXIES, ", ".join(f'for="{hop}"' for hop in chain)) == expected


@given(
    st.lists(ipv4, max_size=4),
    st.ip_addresses(v=4, network="198.51.100.0/24").map(str),
    st.lists(st.ip_addresses(network="10.0.0.0/8").map(str), max_size=4),
    st.booleans(),
)
def test_the_rightmost_untrusted_hop_is_the_client(
    spoofed: list[str], client: str, proxies: list[str], use_forwarded: bool
) -> None:
    hops = [*spoofed, client, *proxies]
    if use_forwarded:
        header = ", ".join(f'for="{hop}:1234"' for hop in hops)
        assert client_ip("10.0.0.1", None, PROXIES, header) == client
    else:
        assert client_ip("10.0.0.1", ", ".join(hops), PROXIES) == client
