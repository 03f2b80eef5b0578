"""The signed consent cookie.

Its value is ``<payload>.<timestamp>.<signature>`` made by itsdangerous' ``TimestampSigner``
with a salt of its own, where the payload is::

    1~<consent id>~<granted optional categories, '+'-joined>~<policy version>

``1`` is the format version. The signed timestamp is the time of the choice, so expiry is
checked on the server too, not only by the browser.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass

from itsdangerous import BadSignature, TimestampSigner
from itsdangerous.encoding import base64_decode, base64_encode

from .bounded import BoundedCache

FORMAT_VERSION = "1"
SALT = "consentkit.consent.v1"
MAX_COOKIE_VALUE = 1024
#: How far in the future (seconds) a consent's time may be: clocks differ a little.
FUTURE_SKEW = 60
_VERIFIED_CACHE_SIZE = 4096


@dataclass(frozen=True)
class StoredConsent:
    """What a valid consent cookie says: the visitor's choice and when it was made."""

    consent_id: str
    granted: frozenset[str]
    policy_version: str
    decided_at: int


class ConsentCodec:
    """Signs and verifies consent cookie values.

    Verification costs an HMAC, so verified values are remembered (bounded; their age is
    still checked on every use): a visitor sends the same cookie with every request.
    """

    def __init__(self, secret_keys: Iterable[str | bytes], max_age: int) -> None:
        keys = [key.encode("utf-8") if isinstance(key, str) else key for key in secret_keys]
        self._signer = TimestampSigner(keys, salt=SALT)
        self._max_age = max_age
        self._verified: BoundedCache[str, StoredConsent | None] = BoundedCache(
            self._unsign, _VERIFIED_CACHE_SIZE
        )

    def encode(
        self, granted: Iterable[str], policy_version: str, consent_id: str | None = None
    ) -> str:
        """A freshly signed cookie value for this choice: with ``consent_id`` (the visitor's
        earlier one, kept across changes and withdrawal), or a new random one."""
        if not consent_id or not _is_consent_id(consent_id):
            consent_id = new_consent_id()
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
        age (check that with :meth:`is_fresh`); ``None`` otherwise."""
        if not value or len(value) > MAX_COOKIE_VALUE:
            return None
        return self._verified[value]

    def is_fresh(self, stored: StoredConsent, now: float | None = None) -> bool:
        """Whether a verified consent is within ``max_age`` (and not from the future)."""
        current = time.time() if now is None else now
        decided_at = stored.decided_at
        return current - decided_at <= self._max_age and decided_at <= current + FUTURE_SKEW

    def valid_range(self, stored: StoredConsent) -> tuple[float, float]:
        """The times between which :meth:`is_fresh` holds for ``stored``: two comparisons for
        a caller that checks the same consent on every request."""
        # Floats, as time.time() is: a float compared with an int costs a conversion.
        return float(stored.decided_at - FUTURE_SKEW), float(stored.decided_at + self._max_age)

    def _unsign(self, value: str) -> StoredConsent | None:
        try:
            raw, timestamp = self._signer.unsign(value, return_timestamp=True)
            signature = value.rpartition(".")[2].encode("ascii")
        except (BadSignature, ValueError, TypeError, UnicodeError):
            return None
        # Base64 leaves spare bits in the last character: only the one spelling itsdangerous
        # writes is the value, so that a changed byte never passes for the same consent.
        if base64_encode(base64_decode(signature)) != signature:
            return None
        return _parse_payload(raw.decode("ascii", "replace"), int(timestamp.timestamp()))


def new_consent_id() -> str:
    """A random receipt code: 16 URL-safe characters (96 random bits, less the few codes that
    start with ``-``, which a command line reads as an option: ``consentkit records erase STORE
    ID`` takes the code as the visitor gives it)."""
    while True:
        consent_id = base64.urlsafe_b64encode(os.urandom(12)).decode("ascii")
        if consent_id[0] != "-":
            return consent_id


def _is_consent_id(text: str) -> bool:
    return len(text) <= 32 and text.isascii() and "~" not in text and text.isprintable()


def claimed_categories(value: str) -> list[str]:
    """The categories a consent cookie value claims, WITHOUT verifying it: only for deciding
    that there is nothing to verify (a cookie that claims nothing grants nothing)."""
    parts = value.split("~", 3)
    return parts[2].split("+") if len(parts) == 4 else []


def _parse_payload(raw: str, decided_at: int) -> StoredConsent | None:
    parts = raw.split("~", 3)
    # An empty consent id is a choice without a receipt code: the next choice gets one.
    if len(parts) != 4 or parts[0] != FORMAT_VERSION:
        return None
    granted = frozenset(name for name in parts[2].split("+") if name)
    return StoredConsent(parts[1], granted, parts[3], decided_at)
