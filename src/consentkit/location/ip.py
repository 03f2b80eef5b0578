"""Finding the client's IP address, and truncating it.

:func:`client_ip` believes ``X-Forwarded-For`` or ``Forwarded`` (RFC 7239) only when the
immediate peer is a trusted proxy, and walks the chain from the right, stopping at the first
hop that is not a trusted proxy: everything to the left of it could be forged by the client.

:func:`truncate_ip` is the one function through which an address leaves a request without the
visitor's ``location`` consent.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

#: The default (and finest allowed) truncation prefixes: IPv4 to /24, IPv6 to /48.
IPV4_PREFIX = 24
IPV6_PREFIX = 48

#: At most this many hops of a forwarding header are examined (a longer chain is not believed).
MAX_HOPS = 32
_ADDRESS_CHARS = re.compile(r"[0-9A-Fa-f.:]+\Z").match
_MAX_NODE = 64  # the longest node text worth parsing: "[IPv6]:port" with a zone id fits


def parse_address(text: str) -> Address | None:
    """An address from a node as proxies write it, or ``None`` for anything else.

    Accepts ``1.2.3.4``, ``1.2.3.4:5678``, ``2001:db8::1``, ``[2001:db8::1]``,
    ``[2001:db8::1]:443``, surrounding double quotes (RFC 7239 ``for="[...]"``) and a zone id
    (dropped). An IPv4-mapped IPv6 address (``::ffff:1.2.3.4``) is returned as the IPv4 address.
    ``unknown``, obfuscated identifiers (``_hidden``) and garbage give ``None``.
    """
    text = text.strip()
    if len(text) > _MAX_NODE:
        return None
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1].replace('\\"', '"').replace("\\\\", "\\").strip()
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return None
        rest = text[end + 1 :]
        if rest and not (rest[0] == ":" and _is_port(rest[1:])):
            return None
        text = text[1:end]
        if ":" not in text:  # brackets are for IPv6 only
            return None
    elif text.count(":") == 1:  # IPv4 with a port
        host, _, port = text.partition(":")
        if not _is_port(port):
            return None
        text = host
    text = text.split("%", 1)[0]  # an IPv6 zone id says nothing about the visitor
    if not _ADDRESS_CHARS(text):
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_port(text: str) -> bool:
    # RFC 7239 also allows an obfuscated port ("_abc"): not a number, but not garbage either.
    return (text.isdigit() and len(text) <= 5) or (text.startswith("_") and len(text) > 1)


def truncate_ip(
    address: str, *, ipv4_prefix: int = IPV4_PREFIX, ipv6_prefix: int = IPV6_PREFIX
) -> str:
    """The address with its host part zeroed: IPv4 to /24, IPv6 to /48; ``""`` for garbage.

    Coarser prefixes may be asked for (``ipv4_prefix=16``); finer ones than the defaults are a
    ``ValueError``, since they would identify a visitor more closely than the policy allows.
    """
    _check_prefixes(ipv4_prefix, ipv6_prefix)
    ip = parse_address(address) if isinstance(address, str) else None
    if ip is None:
        return ""
    return _network(ip, ipv4_prefix, ipv6_prefix)


def _check_prefixes(ipv4_prefix: int, ipv6_prefix: int) -> None:
    if not 0 <= ipv4_prefix <= IPV4_PREFIX or not 0 <= ipv6_prefix <= IPV6_PREFIX:
        raise ValueError(
            f"truncation prefixes must be at most /{IPV4_PREFIX} (IPv4) and /{IPV6_PREFIX} "
            f"(IPv6), not /{ipv4_prefix} and /{ipv6_prefix}: a finer prefix identifies visitors."
        )


def _network(ip: Address, ipv4_prefix: int, ipv6_prefix: int) -> str:
    """The network address of ``ip`` at the prefix for its version, as text."""
    prefix = ipv4_prefix if ip.version == 4 else ipv6_prefix
    return str(ipaddress.ip_network((ip, prefix), strict=False).network_address)


def truncate_addresses_in(
    text: str, *, ipv4_prefix: int = IPV4_PREFIX, ipv6_prefix: int = IPV6_PREFIX
) -> str:
    """``text`` with every IPv4 and IPv6 address in it truncated as :func:`truncate_ip` does;
    everything else as it is.

    Meant for text that may hold anyone's address, such as a server's log lines: it cannot
    know whose address it is, so it truncates them all (the server's own too). Addresses are
    found wherever they stand, glued to other text or not, with a port (``1.2.3.4:80``,
    ``[2001:db8::1]:443``, which keep it), IPv4-mapped (``::ffff:1.2.3.4``, written as the
    IPv4 address), or with leading zeros (``010.001.002.003``). An IPv6 address followed by
    ``:port`` without brackets (``2001:db8::1:5555``, as uvicorn logs one) cannot be told from
    a longer address: the last group is dropped then, whichever it was. Text that only looks
    like an address may change too (``abc::def`` is one): the safe direction.
    """
    _check_prefixes(ipv4_prefix, ipv6_prefix)

    def truncated(match: re.Match[str]) -> str:
        found = match.group()
        if ":" not in found:
            return _network(_ipv4_of(found), ipv4_prefix, ipv6_prefix)
        return _truncated_ipv6_candidate(found, ipv4_prefix, ipv6_prefix)

    return _ADDRESS_IN_TEXT.sub(truncated, text)


_IPV4_OCTET = r"(?:25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])"
_IPV4_IN_TEXT = rf"(?:{_IPV4_OCTET}\.){{3}}{_IPV4_OCTET}"
#: An IPv6 address or something shaped like one (groups of at most four hex digits, two to
#: eight colons, perhaps an IPv4 tail, perhaps a longer port), else an IPv4 address. Each
#: repetition is bounded, so a long hostile string costs linear time.
_ADDRESS_IN_TEXT = re.compile(
    rf"(?:[0-9A-Fa-f]{{1,4}})?(?::[0-9A-Fa-f]{{0,4}}){{2,8}}(?:\.[0-9]{{1,3}}){{0,3}}[0-9]*"
    rf"|{_IPV4_IN_TEXT}"
)
_IPV4_ONLY_IN_TEXT = re.compile(_IPV4_IN_TEXT)


def _ipv4_of(text: str) -> ipaddress.IPv4Address:
    """The IPv4 address of four octets (at most 255 each, as the pattern matched them)."""
    return ipaddress.IPv4Address(".".join(str(int(octet)) for octet in text.split(".")))


def _ipv6_of(text: str) -> Address | None:
    try:
        ip = ipaddress.IPv6Address(text)
    except ValueError:
        return None
    return ip.ipv4_mapped or ip


def _truncated_ipv6_candidate(found: str, ipv4_prefix: int, ipv6_prefix: int) -> str:
    """An IPv6-shaped match truncated: the longest address it starts with, and the rest as
    it is (a port); or, when it starts with none, the IPv4 addresses in it truncated."""
    ip = _ipv6_of(found)
    head, _, last = found.rpartition(":")
    port_less = _ipv6_of(head) if last.isdigit() else None
    if ip is not None:
        # "address:port", or a longer address: keep no more than either would.
        return _network(port_less or ip, ipv4_prefix, ipv6_prefix)
    if port_less is not None:  # "address:port", plainly (the port is no group)
        return _network(port_less, ipv4_prefix, ipv6_prefix) + ":" + last
    end = len(found)
    while True:
        end = max(found.rfind(":", 0, end), found.rfind(".", 0, end))
        if end <= 0:
            break
        ip = _ipv6_of(found[:end])
        if ip is not None:
            return _network(ip, ipv4_prefix, ipv6_prefix) + found[end:]
    return _IPV4_ONLY_IN_TEXT.sub(
        lambda match: _network(_ipv4_of(match.group()), ipv4_prefix, ipv6_prefix), found
    )


def client_ip(
    peer: str | None,
    forwarded_for: str | None,
    trusted: Sequence[Network],
    forwarded: str | None = None,
) -> str:
    """The client's address, normalised (``"1.2.3.4"``, ``"2001:db8::1"``), or ``""``.

    ``peer`` is the address of the connection. Only when it is in ``trusted`` is a forwarding
    header believed: ``X-Forwarded-For`` (``forwarded_for``) when present, else RFC 7239
    ``Forwarded`` (``forwarded``). The chain is walked from the right; the first hop that is not
    a trusted proxy is the client. A hop that is not an address (``unknown``, an obfuscated
    identifier, garbage) ends the walk with ``""``: the client is unknown, and the proxy's own
    address would be wrong. When every hop is trusted, the leftmost is the client.
    """
    address = parse_address(peer) if peer else None
    if address is None:
        return ""
    if not trusted or not _in(address, trusted):
        return str(address)
    if forwarded_for and forwarded_for.strip():
        hops = _xff_hops(forwarded_for)
    elif forwarded and forwarded.strip():
        hops = _forwarded_hops(forwarded)
    else:
        return str(address)
    client = address
    for count, hop in enumerate(hops):
        if count >= MAX_HOPS:
            return ""
        if hop is None:
            return ""
        client = hop
        if not _in(hop, trusted):
            break
    return str(client)


def is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    """Whether ``address`` (as :func:`parse_address` reads it) is in a ``trusted`` network."""
    ip = parse_address(address) if address else None
    return ip is not None and _in(ip, trusted)


def _in(ip: Address, trusted: Sequence[Network]) -> bool:
    return any(ip.version == network.version and ip in network for network in trusted)


def _xff_hops(header: str) -> Iterator[Address | None]:
    """The hops of ``X-Forwarded-For``, right to left; empty list elements skipped."""
    for part in reversed(header.split(",")):
        if part.strip():
            yield parse_address(part)


def _forwarded_hops(header: str) -> Iterator[Address | None]:
    """The ``for=`` nodes of RFC 7239 ``Forwarded``, right to left (``None`` when absent)."""
    for element in reversed(_split_quoted(header, ",")):
        if not element.strip():
            continue
        node: Address | None = None
        for pair in _split_quoted(element, ";"):
            name, sep, value = pair.partition("=")
            if sep and name.strip().lower() == "for":
                node = parse_address(value)
                break
        yield node


def _split_quoted(text: str, separator: str) -> list[str]:
    """``text`` split at ``separator`` outside double-quoted strings (with ``\\`` escapes)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif quoted and ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == separator and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts
