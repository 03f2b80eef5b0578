"""The client's address for one configuration: found through trusted proxies, truncated for
visitors without ``location`` consent, and located for those with it.

Every address that leaves a request without that consent goes through
:meth:`Addresses.truncate`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..location.ip import MAX_HOPS, client_ip, parse_address, truncate_ip
from .bounded import BoundedCache
from .request import LOCATION_HEADERS, RequestFacts

if TYPE_CHECKING:
    from ..location.geo import Location
    from ..options import Settings

_TRUNCATED_CACHE_SIZE = 4096
logger = logging.getLogger("consentkit")

#: What the warning of :meth:`Addresses.notice_server_proxy` says.
SERVER_PROXY_WARNING = (
    "The server (or a middleware in front of consentkit) has already replaced the client's "
    "address with one taken from X-Forwarded-For, while consentkit's trusted_proxies is "
    "empty. uvicorn does so by default for connections from 127.0.0.1 (--proxy-headers, "
    "--forwarded-allow-ips), werkzeug's ProxyFix for any. If no proxy of yours sets that "
    "header, any client that can send one chooses the address your app sees: run uvicorn with "
    "--no-proxy-headers (or drop ProxyFix). If one does, name it in consentkit's "
    "trusted_proxies and in --forwarded-allow-ips alike. See consentkit's docs/deployment.md."
)


class Addresses:
    """Address rules of one configuration: ``trusted_proxies``, ``ip_prefixes`` and the
    ``geolocator``."""

    def __init__(self, settings: Settings) -> None:
        self._trusted = settings.trusted_proxies
        self._geolocator = settings.geolocator
        self._ipv4_prefix, self._ipv6_prefix = settings.ip_prefixes
        #: Addresses seen lately, truncated (``""`` for one that is not an address).
        self.truncated: BoundedCache[str, str] = BoundedCache(self._truncate, _TRUNCATED_CACHE_SIZE)
        #: Whether a request with ``X-Forwarded-For`` is still to be looked at by
        #: :meth:`notice_server_proxy`: only without ``trusted_proxies``, until it has warned.
        self.watches_server_proxy = not self._trusted

    def _truncate(self, address: str) -> str:
        return truncate_ip(address, ipv4_prefix=self._ipv4_prefix, ipv6_prefix=self._ipv6_prefix)

    def truncate(self, address: str) -> str:
        """``address`` truncated to the configured prefixes (``""`` for garbage)."""
        return self.truncated[address]

    def client_address(self, request: RequestFacts, full: bool) -> str:
        """The client's address (through trusted proxies), in full or truncated."""
        address = client_ip(
            request.peer,
            request.header("x-forwarded-for"),
            self._trusted,
            request.header("forwarded"),
        )
        return address if full else self.truncated[address]

    def locate(self, request: RequestFacts) -> Location | None:
        """The approximate location of the client's full address; ``None`` on any failure."""
        geolocator = self._geolocator
        if geolocator is None:
            return None
        try:
            return geolocator.lookup(self.client_address(request, True))
        except Exception:  # a provider's failure must never reach the request
            return None

    def masked_header(self, name: str, value: str) -> str | None:
        """The value of one of :data:`~.request.MASKED_HEADERS` as a masked request shows it:
        for an address header, each element that is an address truncated and every other one
        ``unknown`` (so that nothing of an address can stay, whatever the syntax); ``None`` to
        drop the header (``Forwarded``, whose syntax is not worth rewriting, and every one of
        :data:`~.request.LOCATION_HEADERS`: no location without ``location`` granted)."""
        if name == "forwarded" or name in LOCATION_HEADERS:
            return None
        truncated = self.truncated
        return ", ".join(truncated[part.strip()] or "unknown" for part in value.split(","))

    def notice_server_proxy(self, request: RequestFacts) -> None:
        """Warn once, in the ``consentkit`` logger, when the peer the server gave is one of the
        addresses in the request's ``X-Forwarded-For`` while ``trusted_proxies`` is empty: the
        server has resolved the header itself (uvicorn's default ``--proxy-headers`` for
        connections from 127.0.0.1), which lets any client that reaches it that way choose its
        address. Called by the adapters only while :attr:`watches_server_proxy`."""
        peer = parse_address(request.peer) if request.peer else None
        forwarded_for = request.header("x-forwarded-for")
        if peer is None or not forwarded_for:
            return
        hops = forwarded_for.split(",")[-MAX_HOPS:]
        if any(parse_address(hop) == peer for hop in hops):
            self.watches_server_proxy = False
            logger.warning(SERVER_PROXY_WARNING)


class AddressSource:
    """How a :class:`~consentkit.Consent` reaches its request's address and location: the
    rules and the request's facts, not the exchange that holds the consent, so that no
    reference cycle is left for the garbage collector after every request."""

    __slots__ = ("addresses", "request")

    def __init__(self, addresses: Addresses, request: RequestFacts) -> None:
        self.addresses = addresses
        self.request = request

    def client_ip(self, full: bool) -> str:
        """The client's address: in full, or truncated."""
        return self.addresses.client_address(self.request, full)

    def locate(self) -> Location | None:
        """The approximate location of the client's full address."""
        return self.addresses.locate(self.request)
