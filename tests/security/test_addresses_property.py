"""Hostile address headers, generated: for a visitor who has not granted ``location``, no full
address of the peer, nor of any address in any header, is anywhere the app can look (its
scope or environ, ``get_consent(...).client_ip``), in what the middleware sends back, or in
the scope or environ the server logs from. Through both adapters, over pages, endpoints and
WebSocket handshakes, with and without trusted proxies.

The header sets are what a client may send: any of the address headers, repeated, in any
case, each holding a list of addresses (IPv4, IPv6, with ports, brackets, quotes, RFC 7239
``for=``) among garbage, glued to it or not.
"""

from __future__ import annotations

import ipaddress
from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consentkit import ConsentMiddleware
from consentkit.core.request import ADDRESS_HEADERS

from .test_addresses_paths import (
    OPTIONS,
    ORIGIN,
    Seen,
    asgi,
    asgi_middleware,
    assert_no_full_address,
    cookie,
    wsgi,
    wsgi_middleware,
)

FORGED_KEY = "กุญแจปลอม-forged-key-0123456789abcdef"

ipv4 = st.ip_addresses(v=4)
ipv6 = st.ip_addresses(v=6)
address = st.one_of(ipv4, ipv6)
port = st.integers(min_value=0, max_value=65535)
#: Printable latin-1 without the comma (which separates elements), garbage around addresses.
junk = st.text(alphabet=st.sampled_from("abcdefxyzABCXYZ0123456789.:[]_-=;\"' /\\%éü"), max_size=12)


FORMS = ["bare", "exploded", "port", "bracketed", "quoted", "rfc7239", "glued", "spaced"]


@st.composite
def element(draw: st.DrawFn) -> tuple[str, list[str]]:
    """One list element of an address header, and the address written in it (if any)."""
    kind = draw(st.sampled_from([*FORMS, "garbage"]))
    if kind == "garbage":
        return draw(junk), []
    ip = draw(address)
    text, v6 = str(ip), ip.version == 6
    if kind == "bare":
        written = text
    elif kind == "exploded":
        written = ip.exploded
    elif kind == "port":
        written = f"[{text}]:{draw(port)}" if v6 else f"{text}:{draw(port)}"
    elif kind == "bracketed":
        written = f"[{text}]" if v6 else text
    elif kind == "quoted":
        written = f'"[{text}]"' if v6 else f'"{text}"'
    elif kind == "rfc7239":
        written = f'for="[{text}]:{draw(port)}"' if v6 else f"for={text}"
    elif kind == "glued":
        written = draw(junk) + text + draw(junk)
    else:
        written = f"  {text}\t"
    return written, [text]


#: How a client may write a header's name (ASGI servers lower it, WSGI servers upper it).
CASINGS = [str.lower, str.upper, str.title, lambda name: name.title().swapcase()]


@st.composite
def hostile_headers(draw: st.DrawFn) -> tuple[list[tuple[str, str]], list[str]]:
    """Address headers (names repeated, in odd case) and every address they hold."""
    headers: list[tuple[str, str]] = []
    addresses: list[str] = []
    names = draw(st.lists(st.sampled_from(list(ADDRESS_HEADERS)), min_size=1, max_size=4))
    for name in names:
        elements = draw(st.lists(element(), min_size=1, max_size=3))
        separator = draw(st.sampled_from([", ", ",", " , ", ",,", ", ,"]))
        casing = draw(st.sampled_from(CASINGS))
        headers.append((casing(name), separator.join(text for text, _ in elements)))
        addresses += [a for _, written in elements for a in written]
    return headers, addresses


def revealing(text: str) -> bool:
    """Whether the address says more than its truncation (its host part is not all zeros)."""
    ip = ipaddress.ip_address(text)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return ipaddress.ip_network((ip, prefix), strict=False).network_address != ip


@cache
def _cookies() -> dict[str, str | None]:
    forged = ConsentMiddleware(lambda *a: None, secret_key=FORGED_KEY).engine.codec  # type: ignore[arg-type]
    return {
        "undecided": None,
        "refused all": cookie([]),
        "granted all but location": cookie(["functional", "analytics", "marketing"]),
        "a forged claim of location": f"consentkit={forged.encode(['location'], '1')}",
    }


TRUSTED: dict[str, list[str]] = {
    "none": [],
    "a private network": ["10.0.0.0/8"],
    "everyone": ["0.0.0.0/0", "::/0"],
}


@cache
def _middleware(adapter: str, trusted: str) -> Any:
    options = {**OPTIONS, "trusted_proxies": TRUSTED[trusted]}
    del options["secret_key"]
    if adapter == "wsgi":
        return wsgi_middleware(**options)
    return asgi_middleware(**options)


REQUESTS = {
    "page": ("GET", "/", b""),
    "page, POST": ("POST", "/", b"x=1"),
    "choice": ("POST", "/_consent", b"choice=reject_all"),
    "choice saved": ("POST", "/_consent", b"choice=save&categories=analytics"),
    "consent as JSON": ("GET", "/_consent", b""),
    "preferences": ("GET", "/_consent/preferences?next=/", b""),
    "language": ("GET", "/_consent/language?locale=th&next=/", b""),
    "no such endpoint": ("GET", "/_consent/nothing", b""),
}
peers = st.one_of(
    address.map(str),
    st.sampled_from(["10.0.0.7", "127.0.0.1", "::1", "testclient", "/run/app.sock", None]),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    adapter=st.sampled_from(["asgi-http", "asgi-websocket", "wsgi"]),
    trusted=st.sampled_from(list(TRUSTED)),
    visitor=st.sampled_from(list(_cookies())),
    request=st.sampled_from(list(REQUESTS)),
    peer=peers,
    generated=hostile_headers(),
)
def test_no_full_address_reaches_the_app_the_response_or_the_log(
    adapter: str,
    trusted: str,
    visitor: str,
    request: str,
    peer: str | None,
    generated: tuple[list[tuple[str, str]], list[str]],
) -> None:
    headers, addresses = generated
    method, path, body = REQUESTS[request]
    headers = [*headers, ("Origin", ORIGIN), ("Content-Type", "application/x-www-form-urlencoded")]
    middleware = _middleware(adapter, trusted)
    cookie_header = _cookies()[visitor]
    seen: Seen
    if adapter == "wsgi":
        seen = wsgi(
            middleware,
            method=method,
            path=path,
            headers=headers,
            cookie=cookie_header,
            peer=peer,
            body=body,
        )
    else:
        kind = adapter.removeprefix("asgi-")
        seen = asgi(
            middleware,
            kind=kind,
            method=method,
            path=path,
            headers=headers,
            cookie=cookie_header,
            client=None if peer is None else (peer, 5555),
            body=body,
        )
    candidates = [*addresses, *([peer] if peer and _is_address(peer) else [])]
    assert_no_full_address(seen.everything(), *[a for a in candidates if revealing(a)])
    if seen.client_ip:
        assert not revealing(seen.client_ip)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
