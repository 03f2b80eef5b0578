"""Finding the client's IP address, and truncating it."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

IPV4_PREFIX = 24
IPV6_PREFIX = 48


def truncate_ip(address: str) -> str:
    """The address with its host part zeroed: IPv4 to /24, IPv6 to /48; ``""`` for garbage."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = IPV4_PREFIX if ip.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def client_ip(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    """The client's address: the peer, or from ``X-Forwarded-For`` when the peer is trusted."""
    if not peer:
        return ""
    if forwarded_for and trusted and is_trusted(peer, trusted):
        for hop in reversed(forwarded_for.split(",")):
            hop = hop.strip()
            if not is_trusted(hop, trusted):
                return hop
    return peer


def is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    """Whether ``address`` is in one of the ``trusted`` networks."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)
