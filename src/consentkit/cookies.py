"""The signed consent cookie, and cookie header parsing and building.

The consent cookie's value is ``<payload>.<timestamp>.<signature>`` made by itsdangerous'
``TimestampSigner`` with a salt of its own, where the payload is::

    1~<consent id>~<granted optional categories, '+'-joined>~<policy version>

``1`` is the format version. The signed timestamp is the time of the choice, so expiry is
checked on the server too, not only by the browser.
"""

from __future__ import annotations

import base64
import os
import re
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from itsdangerous import BadSignature, TimestampSigner

FORMAT_VERSION = "1"
SALT = "consentkit.consent.v1"
MAX_COOKIE_VALUE = 1024
_VERIFIED_CACHE_SIZE = 4096
#: How far in the future (seconds) a consent's time may be: clocks differ a little.
FUTURE_SKEW = 60


@dataclass(frozen=True)
class StoredConsent:
    """What a valid consent cookie says: the visitor's choice and when it was made."""

    consent_id: str
    granted: frozenset[str]
    policy_version: str
    decided_at: int


class ConsentCodec:
    """Signs and verifies consent cookie values.

    Verification costs an HMAC; tokens already verified are kept in a small bounded cache
    (their expiry is still checked on every hit), since a visitor sends the same cookie with
    every request.
    """

    def __init__(self, secret_keys: Iterable[str | bytes], max_age: int) -> None:
        keys = [key.encode("utf-8") if isinstance(key, str) else key for key in secret_keys]
        self._signer = TimestampSigner(keys, salt=SALT)
        self._max_age = max_age
        self._verified: OrderedDict[str, StoredConsent] = OrderedDict()

    def encode(self, granted: Iterable[str], policy_version: str) -> str:
        """A freshly signed cookie value for this choice, with a new random consent id."""
        consent_id = base64.urlsafe_b64encode(os.urandom(12)).decode("ascii")
        payload = "~".join((FORMAT_VERSION, consent_id, "+".join(granted), policy_version))
        return self._signer.sign(payload).decode("ascii")

    def decode(self, value: str, *, now: float | None = None) -> StoredConsent | None:
        """The consent a cookie value holds, or ``None`` when it is not valid for any reason."""
        stored = self.verify(value)
        if stored is None or not self.is_fresh(stored, now):
            return None
        return stored

    def verify(self, value: str) -> StoredConsent | None:
        """The consent a cookie value holds if its signature and payload are good, whatever its
        age (check that with :meth:`is_fresh`); ``None`` otherwise. Remembered (bounded)."""
        if not value or len(value) > MAX_COOKIE_VALUE:
            return None
        cached = self._verified.get(value)
        if cached is not None:
            return cached
        try:
            raw, timestamp = self._signer.unsign(value, return_timestamp=True)
        except (BadSignature, ValueError, TypeError):
            return None
        stored = _parse_payload(raw.decode("ascii", "replace"), int(timestamp.timestamp()))
        if stored is None:
            return None
        self._verified[value] = stored
        if len(self._verified) > _VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return stored

    def is_fresh(self, stored: StoredConsent, now: float | None = None) -> bool:
        """Whether a verified consent is within ``max_age`` (and not from the future)."""
        current = time.time() if now is None else now
        decided_at = stored.decided_at
        return current - decided_at <= self._max_age and decided_at <= current + FUTURE_SKEW


def claimed_categories(value: str) -> list[str]:
    """The categories a consent cookie value claims, WITHOUT verifying it: only for deciding
    that there is nothing to verify (a cookie that claims nothing grants nothing)."""
    parts = value.split("~", 3)
    return parts[2].split("+") if len(parts) == 4 else []


def _parse_payload(raw: str, decided_at: int) -> StoredConsent | None:
    parts = raw.split("~", 3)
    if len(parts) != 4 or parts[0] != FORMAT_VERSION or not parts[1]:
        return None
    granted = frozenset(name for name in parts[2].split("+") if name)
    return StoredConsent(parts[1], granted, parts[3], decided_at)


# -- Cookie request header -------------------------------------------------------------------

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
