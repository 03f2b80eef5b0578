"""Cookie syntax: the ``Cookie`` request header and ``Set-Cookie`` response headers.

Lenient where browsers are lenient (a malformed pair never hides the others), strict where a
header is built (only ``Path=/`` and ``SameSite=Lax`` cookies, attributes from the site's own
settings).
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


def parse_cookie_header(header: str) -> dict[str, str]:
    """Cookie pairs from a ``Cookie`` header (several headers joined with ``'; '``).

    Lenient like browsers and unlike ``http.cookies.SimpleCookie``: a malformed pair is skipped
    without losing the others; the first of duplicate names wins (the most specific path).
    Commas separate pairs too: WSGI servers join repeated ``Cookie`` headers with ``","``, and
    no valid cookie value holds one.
    """
    cookies: dict[str, str] = {}
    for part in header.replace(",", ";").split(";"):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or not name or not _TOKEN.match(name) or name in cookies:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        cookies[name] = value
    return cookies


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
    (a public suffix, say).
    """
    headers = [build_set_cookie(name, "", max_age=0, secure=secure, http_only=False)]
    hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else ""
    labels = hostname.split(".") if hostname and not _is_ip(hostname) else []
    for i in range(len(labels) - 1):
        domain = ".".join(labels[i:])
        headers.append(
            build_set_cookie(name, "", max_age=0, secure=secure, http_only=False, domain=domain)
        )
        if i >= 2:
            break
    return headers


def _is_ip(hostname: str) -> bool:
    return hostname.replace(".", "").isdigit() or ":" in hostname


def is_deletion(set_cookie: bytes) -> bool:
    """Whether a ``Set-Cookie`` value removes its cookie (``Max-Age`` of zero or less, or an
    ``Expires`` in 1970): an app's own deletions always pass, whatever the consent."""
    lowered = set_cookie.lower().replace(b" ", b"")
    return b"max-age=0" in lowered or b"max-age=-" in lowered or b"expires=thu,01jan1970" in lowered
