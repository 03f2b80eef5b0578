"""Cookie syntax: the ``Cookie`` request header and ``Set-Cookie`` response headers.

Lenient where browsers are lenient (a malformed pair never hides the others), strict where a
header is built (only ``Path=/`` and ``SameSite=Lax`` cookies, attributes from the site's own
settings).
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


def parse_cookie_pairs(header: str) -> list[tuple[str, str]]:
    """Cookie pairs from a ``Cookie`` header (several headers joined with ``'; '``), in order,
    repeated names included.

    Lenient like browsers and unlike ``http.cookies.SimpleCookie``: a malformed pair is skipped
    without losing the others. Commas separate pairs too: WSGI servers join repeated ``Cookie``
    headers with ``","``, and no valid cookie value holds one.
    """
    pairs = []
    for part in header.replace(",", ";").split(";"):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or not name or not _TOKEN.match(name):
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        pairs.append((name, value))
    return pairs


def first_of_each(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Cookie pairs as a dict in which the first of a repeated name wins (the browser sends
    the cookie with the most specific path first)."""
    cookies: dict[str, str] = {}
    for name, value in pairs:
        cookies.setdefault(name, value)
    return cookies


def parse_cookie_header(header: str) -> dict[str, str]:
    """Cookie pairs from a ``Cookie`` header, the first of a repeated name winning (see
    :func:`parse_cookie_pairs`)."""
    return first_of_each(parse_cookie_pairs(header))


def set_cookie_name(header_value: bytes) -> str:
    """The cookie name a ``Set-Cookie`` header value sets."""
    name, _, _ = header_value.partition(b"=")
    return name.strip().decode("latin-1")


def build_set_cookie(
    name: str,
    value: str,
    *,
    max_age: int,
    secure: bool,
    http_only: bool = True,
    domain: str | None = None,
) -> bytes:
    """A ``Set-Cookie`` header value with ``Path=/`` and ``SameSite=Lax``."""
    parts = [f"{name}={value}", "Path=/", f"Max-Age={max_age}"]
    if max_age <= 0:
        parts.append("Expires=Thu, 01 Jan 1970 00:00:00 GMT")
    if domain:
        parts.append(f"Domain={domain}")
    if http_only:
        parts.append("HttpOnly")
    parts.append("SameSite=Lax")
    if secure:
        parts.append("Secure")
    return "; ".join(parts).encode("latin-1")


def expiring_set_cookies(name: str, host: str, secure: bool) -> list[bytes]:
    """``Set-Cookie`` values that remove cookie ``name`` wherever the site may have set it.

    A cookie is removed only by a ``Set-Cookie`` with the same domain and path; analytics
    cookies are commonly set on the parent domain (``Domain=.example.com``), so the host-only
    cookie and the host's parent domains are expired too. Browsers ignore the ones they reject
    (a public suffix, say). ``host`` is the request's ``Host`` header: only a valid host name
    becomes a ``Domain`` attribute; anything else (an IP address, a value with ``;`` or spaces
    that would smuggle attributes in) gets the host-only removal alone.
    """
    headers = [build_set_cookie(name, "", max_age=0, secure=secure, http_only=False)]
    labels = host_name_labels(host)
    for i in range(len(labels) - 1):
        domain = ".".join(labels[i:])
        headers.append(
            build_set_cookie(name, "", max_age=0, secure=secure, http_only=False, domain=domain)
        )
        if i >= 2:
            break
    return headers


_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)\Z")
_PORT = re.compile(r":[0-9]{1,5}\Z")


def host_name_labels(host: str) -> list[str]:
    """The labels of the host name in a ``Host`` header value (port dropped, lower case), or
    ``[]`` when it is not a valid DNS host name: an IP address, or anything with other
    characters than letters, digits, ``-`` and ``.``."""
    host = _PORT.sub("", host.strip().lower()).rstrip(".")
    if not host or len(host) > 253 or not host.isascii():
        return []
    labels = host.split(".")
    if not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        return []
    return labels


def is_deletion(set_cookie: bytes) -> bool:
    """Whether a ``Set-Cookie`` value removes its cookie (``Max-Age`` of zero or less, or an
    ``Expires`` in 1970): an app's own deletions always pass, whatever the consent."""
    lowered = set_cookie.lower().replace(b" ", b"")
    return b"max-age=0" in lowered or b"max-age=-" in lowered or b"expires=thu,01jan1970" in lowered
