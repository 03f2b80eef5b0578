"""The parts of the WSGI adapter that read and mask an environ-shaped mapping.

A WSGI environ and a Django request's ``META`` have the same shape (``HTTP_*`` keys,
``REMOTE_ADDR``, ``CONTENT_TYPE``), so the WSGI adapter and the Django middleware share these:
where each header the core reads is found, and how a visitor's address is masked in place.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from .core.exchange import Exchange
from .core.request import MASKED_HEADERS, REQUEST_HEADERS

Environ = MutableMapping[str, Any]

#: Where each header the core reads is found in an environ.
ENVIRON_KEYS = {
    name: (
        name.upper().replace("-", "_")
        if name in ("content-type", "content-length")
        else "HTTP_" + name.upper().replace("-", "_")
    )
    for name in REQUEST_HEADERS
}
#: Environ key -> header name, for every header that carries a client's address or location
#: (:data:`~.core.request.MASKED_HEADERS`).
MASKED_KEYS = {"HTTP_" + n.upper().replace("-", "_"): n for n in MASKED_HEADERS}
#: Where werkzeug's ProxyFix, in front of consentkit, keeps the environ's values it replaced.
PROXY_FIX_ORIGINALS = "werkzeug.proxy_fix.orig"
#: Environ keys that may hold a client's address (or location) besides REMOTE_ADDR.
OTHER_COPIES = frozenset({*MASKED_KEYS, "REMOTE_HOST", PROXY_FIX_ORIGINALS})


def mask_address_headers(environ: Environ, x: Exchange) -> None:
    """Show the app only truncated addresses in the headers that carry the client's, and none
    of the headers that tell its location."""
    masked_header = x.engine.addresses.masked_header
    for key in MASKED_KEYS.keys() & environ.keys():  # those present: usually one or two
        value = environ[key]
        new = masked_header(MASKED_KEYS[key], value) if isinstance(value, str) else None
        if new is None:
            del environ[key]
        else:
            environ[key] = new


def mask_peer_copies(environ: Environ, x: Exchange, masked_peer: str | None) -> None:
    """Mask the other copies of the peer's address an environ may hold: ``REMOTE_HOST`` (the
    peer's name or address, when the server looked it up) and the original ``REMOTE_ADDR``
    that werkzeug's ProxyFix keeps when it sits in front of consentkit."""
    if "REMOTE_HOST" in environ:
        environ["REMOTE_HOST"] = masked_peer or ""
    originals = environ.get(PROXY_FIX_ORIGINALS)
    if isinstance(originals, dict) and originals.get("REMOTE_ADDR"):
        address = originals["REMOTE_ADDR"]
        truncated = x.engine.truncated[address] or address
        environ[PROXY_FIX_ORIGINALS] = {**originals, "REMOTE_ADDR": truncated}


def mask(environ: Environ, x: Exchange) -> None:
    """Show the app (and the server's log) only what the exchange says: the masked peer,
    truncated addresses in the address headers and the server's other copies of the peer, and
    no location header."""
    if x.masked_peer is not None:
        environ["REMOTE_ADDR"] = x.masked_peer
    if not MASKED_KEYS.keys().isdisjoint(environ):
        mask_address_headers(environ, x)
    if "REMOTE_HOST" in environ or PROXY_FIX_ORIGINALS in environ:
        mask_peer_copies(environ, x, x.masked_peer)
