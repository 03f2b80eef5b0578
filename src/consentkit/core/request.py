"""The facts of a request that the core reads, as an adapter hands them down.

An adapter builds one :class:`RequestFacts` when a request arrives, from its scope or environ,
and passes it to the core; nothing in the core reads a scope or an environ. The facts are
taken at arrival on purpose: an app may change its scope or environ in place afterwards
(Starlette's ``Mount`` changes ``root_path``, a WSGI dispatcher ``SCRIPT_NAME``), while the
banner's ``next`` link and the preferences page must point where the visitor really is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..location.ip import Network, is_trusted

#: Request headers the core reads; an adapter's header keys cover exactly these.
REQUEST_HEADERS = frozenset(
    {
        "accept",
        "accept-language",
        "cf-connecting-ip",
        "content-length",
        "content-type",
        "cookie",
        "forwarded",
        "host",
        "hx-request",
        "origin",
        "referer",
        "sec-fetch-site",
        "sec-gpc",
        "true-client-ip",
        "turbo-frame",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-real-ip",
    }
)

#: Every request header that carries a client's address, and who sends it: the one table both
#: adapters mask for a visitor without ``location`` consent, like the peer's address. In each,
#: every comma-separated element that is an address is truncated and any other becomes
#: ``unknown``; ``Forwarded`` (RFC 7239), whose syntax is not worth rewriting, is removed. The
#: names are lower case, as ASGI servers hand them over (the spec asks it of them).
ADDRESS_HEADERS: dict[str, str] = {
    "x-forwarded-for": "most proxies and load balancers",
    "forwarded": "RFC 7239 proxies (removed, not rewritten)",
    "x-real-ip": "nginx, Traefik, Vercel",
    "x-client-ip": "Apache, many load balancers",
    "client-ip": "some proxies and caches",
    "true-client-ip": "Akamai, Cloudflare Enterprise",
    "cf-connecting-ip": "Cloudflare",
    "cf-connecting-ipv6": "Cloudflare (pseudo IPv4 on)",
    "cf-pseudo-ipv4": "Cloudflare (pseudo IPv4 on)",
    "fastly-client-ip": "Fastly",
    "x-cluster-client-ip": "Rackspace, Riverbed and other load balancers",
    "x-original-forwarded-for": "ingress-nginx (Kubernetes)",
    "x-forwarded": "older proxies",
    "forwarded-for": "older proxies",
    "fly-client-ip": "Fly.io",
    "x-envoy-external-address": "Envoy, Istio",
    "x-appengine-user-ip": "Google App Engine",
    "x-azure-clientip": "Azure Front Door",
    "x-azure-socketip": "Azure Front Door",
    "x-vercel-forwarded-for": "Vercel",
    "x-nf-client-connection-ip": "Netlify",
    "cloudfront-viewer-address": "Amazon CloudFront",
    "incap-client-ip": "Imperva",
    "x-sucuri-clientip": "Sucuri",
    "x-originating-ip": "Microsoft services",
    "x-remote-ip": "some proxies",
    "x-remote-addr": "some proxies",
    "x-proxyuser-ip": "Google services",
}

#: Every request header in which a CDN or platform tells the app where the client is (its
#: country, region, city, coordinates, time zone), worked out from the client's address, and
#: who sends it. Without ``location`` granted the app gets no location (the contract's "IP and
#: location"), so while a request is masked these are removed, like ``Forwarded``.
LOCATION_HEADERS: dict[str, str] = {
    "cf-ipcountry": "Cloudflare (on by default)",
    "cf-ipcity": "Cloudflare (visitor location headers)",
    "cf-ipcontinent": "Cloudflare (visitor location headers)",
    "cf-iplatitude": "Cloudflare (visitor location headers)",
    "cf-iplongitude": "Cloudflare (visitor location headers)",
    "cf-region": "Cloudflare (visitor location headers)",
    "cf-region-code": "Cloudflare (visitor location headers)",
    "cf-metro-code": "Cloudflare (visitor location headers)",
    "cf-postal-code": "Cloudflare (visitor location headers)",
    "cf-timezone": "Cloudflare (visitor location headers)",
    "cloudfront-viewer-country": "Amazon CloudFront",
    "cloudfront-viewer-country-name": "Amazon CloudFront",
    "cloudfront-viewer-country-region": "Amazon CloudFront",
    "cloudfront-viewer-country-region-name": "Amazon CloudFront",
    "cloudfront-viewer-city": "Amazon CloudFront",
    "cloudfront-viewer-postal-code": "Amazon CloudFront",
    "cloudfront-viewer-time-zone": "Amazon CloudFront",
    "cloudfront-viewer-latitude": "Amazon CloudFront",
    "cloudfront-viewer-longitude": "Amazon CloudFront",
    "cloudfront-viewer-metro-code": "Amazon CloudFront",
    "x-appengine-country": "Google App Engine",
    "x-appengine-region": "Google App Engine",
    "x-appengine-city": "Google App Engine",
    "x-appengine-citylatlong": "Google App Engine",
    "x-client-geo-location": "Google Cloud load balancers (the name their docs suggest)",
    "x-vercel-ip-country": "Vercel",
    "x-vercel-ip-country-region": "Vercel",
    "x-vercel-ip-city": "Vercel",
    "x-vercel-ip-continent": "Vercel",
    "x-vercel-ip-latitude": "Vercel",
    "x-vercel-ip-longitude": "Vercel",
    "x-vercel-ip-postal-code": "Vercel",
    "x-vercel-ip-timezone": "Vercel",
    "x-nf-geo": "Netlify",
    "x-country": "Netlify and others",
    "x-akamai-edgescape": "Akamai EdgeScape",
    "x-country-code": "nginx GeoIP set-ups and others",
}

#: The headers a masked request does not show the app as they came: those of
#: :data:`ADDRESS_HEADERS` (rewritten) and of :data:`LOCATION_HEADERS` (removed).
MASKED_HEADERS = frozenset({*ADDRESS_HEADERS, *LOCATION_HEADERS})


class RequestFacts:
    """One request's method, paths, scheme, peer and headers, as it arrived.

    ``headers`` is the adapter's own mapping (bytes to bytes for ASGI, a copy of the environ for
    WSGI) and ``header_keys`` says, once per adapter, under which key each name of
    :data:`REQUEST_HEADERS` is found in it; :meth:`header` reads through them, so a request
    costs no translation of its headers. Repeated headers are already joined (``Cookie`` with
    ``"; "``, others with ``", "``).
    """

    __slots__ = (
        "cookie",
        "gpc",
        "header_keys",
        "headers",
        "is_partial",
        "method",
        "path",
        "peer",
        "query",
        "root_path",
        "scheme",
    )

    def __init__(
        self,
        method: str,
        root_path: str,
        path: str,
        query: str,
        scheme: str,
        peer: str | None,
        headers: Mapping[Any, Any],
        header_keys: Mapping[str, Any],
    ) -> None:
        #: The request method, upper case.
        self.method = method
        #: Where the app is mounted (ASGI ``root_path``, WSGI ``SCRIPT_NAME``), or ``""``.
        self.root_path = root_path
        #: The path below the root path.
        self.path = path
        #: The query string, without ``?``.
        self.query = query
        #: ``http``, ``https``, ``ws`` or ``wss`` as the server saw the connection.
        self.scheme = scheme
        #: The immediate peer's address as the server gave it, or ``None``.
        self.peer = peer
        #: The adapter's own mapping of the request's headers.
        self.headers = headers
        #: Under which key of :attr:`headers` each name of :data:`REQUEST_HEADERS` is found.
        self.header_keys = header_keys
        #: The ``Cookie`` and ``Sec-GPC`` headers as the server gave them (str or bytes): read
        #: on every request, so taken out once.
        self.cookie: str | bytes | None = headers.get(header_keys["cookie"])
        self.gpc: str | bytes | None = headers.get(header_keys["sec-gpc"])
        #: Whether this is an htmx or Turbo Frame request for part of a page.
        self.is_partial = (
            header_keys["hx-request"] in headers or header_keys["turbo-frame"] in headers
        )

    def header(self, name: str) -> str | None:
        """The value of request header ``name`` (lower case, one of :data:`REQUEST_HEADERS`),
        or ``None``."""
        value = self.headers.get(self.header_keys[name])
        if value is None or isinstance(value, str):
            return value
        return value.decode("latin-1")  # type: ignore[no-any-return]

    @property
    def url(self) -> str:
        """The page's path and query from the site's root: where ``next`` leads back to."""
        return page_url(self.root_path, self.path, self.query)

    def is_secure(self, trusted_proxies: Sequence[Network]) -> bool:
        """Whether the visitor's connection is HTTPS: the server's scheme, or what a trusted
        proxy says in ``X-Forwarded-Proto`` or RFC 7239 ``Forwarded: proto``."""
        if self.scheme in ("https", "wss"):
            return True
        if not trusted_proxies or self.peer is None:
            return False
        proto = self.header("x-forwarded-proto")
        forwarded = self.header("forwarded") if proto is None else None
        if forwarded is not None:
            last = forwarded.split(",")[-1]  # the element our trusted proxy added
            for pair in last.split(";"):
                key, _, value = pair.strip().partition("=")
                if key.lower() == "proto":
                    proto = value.strip('"')
        if not proto or not is_trusted(self.peer, trusted_proxies):
            return False
        return proto.split(",")[-1].strip().lower() == "https"


def page_url(root_path: str, path: str, query: str) -> str:
    """A page's path and query from the site's root."""
    here = root_path + path
    return here + "?" + query if query else here
