"""One request's exchange with consentkit: its facts, what its ``Cookie`` header says, and
what is worked out only when something needs it.

The adapter builds one :class:`Exchange` per request and keeps it in the ASGI scope or WSGI
environ, where :func:`consentkit.get_consent` finds it. Everything costly is lazy: the
consent cookie is verified only when a response has something to gate or the app asks for
the consent, and the banner's language is negotiated only for a banner.
"""

from __future__ import annotations

import datetime
import time
from typing import TYPE_CHECKING, Any

from ..consent import Consent
from .addresses import AddressSource
from .bounded import BoundedCache
from .codec import StoredConsent
from .cookie_header import UNVERIFIED, VerifiedConsent
from .request import RequestFacts

if TYPE_CHECKING:
    from .engine import Engine

_GPC_ON = frozenset({b"1", "1"})
_SECURE_SCHEMES = ("https", "wss")
_NOTHING: frozenset[str] = frozenset()


def _utc(timestamp: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc)


#: The UTC times of consent cookies' timestamps: a visitor sends the same one often.
utc_times: BoundedCache[int, datetime.datetime] = BoundedCache(_utc, 4096)


class Exchange:
    """One request as the core sees it, built by an adapter from the request's facts."""

    __slots__ = (
        "_consent",
        "_locale",
        "_verified",
        "cookies",
        "engine",
        "gpc",
        "is_endpoint",
        "masked_peer",
        "masking",
        "request",
        "secure",
    )

    def __init__(self, engine: Engine, request: RequestFacts) -> None:
        self.engine = engine
        #: The request's facts as it arrived.
        self.request = request
        cookie = request.cookie
        #: What the request's ``Cookie`` header says.
        self.cookies = cookies = engine.cookie_headers[cookie] if cookie else engine.no_cookies
        gpc = request.gpc
        #: The request carried ``Sec-GPC: 1``.
        self.gpc = gpc is not None and gpc.strip() in _GPC_ON
        #: The request came over HTTPS (as told by a trusted proxy, where there is one).
        self.secure = request.scheme in _SECURE_SCHEMES or (
            engine.trusts_proxies and request.is_secure(engine.settings.trusted_proxies)
        )
        path = request.path
        #: The request is for one of consentkit's own endpoints.
        self.is_endpoint = engine.prefix in path and (  # "in": the quick no for most paths
            path == engine.prefix or path.startswith(engine.prefix_slash)
        )
        self._verified: Any = UNVERIFIED
        self._consent: Consent | None = None
        self._locale: str | None = None
        #: Whether the app is shown only truncated addresses: the peer's and those in the
        #: address headers (``location`` not granted, and ``mask_client_ip`` on). It holds on
        #: every path (pages, consentkit's endpoints, WebSockets) so that the server, which
        #: logs from the same scope or environ, logs what the app is shown.
        self.masking = masking = cookies.masked or self._masks_claimed_location()
        peer = request.peer
        #: What the app is shown instead of the peer's address while :attr:`masking`: the
        #: address truncated, or a peer that is not an IP address (a unix socket's path, a test
        #: client's name) as it is, there being nothing in it to truncate; ``None`` when not
        #: masking or there is no peer.
        self.masked_peer = (engine.truncated[peer] or peer) if masking and peer else None

    def masks_after_withdrawal(self) -> bool:
        """Whether this request, which came with ``location`` granted, has just recorded a
        choice without it; if so it is masked from now on, like any other (the server then
        logs it masked too: the safe direction). For an endpoint, after its answer."""
        if (
            self.masking
            or self.request.method != "POST"
            or not self.engine.settings.mask_client_ip
            or "location" in self.consent.granted
        ):
            return False
        self.masking = True
        peer = self.request.peer
        self.masked_peer = (self.engine.truncated[peer] or peer) if peer else None
        return True

    def _masks_claimed_location(self) -> bool:
        """Whether a cookie that claims ``location`` still leaves the address masked (it does
        not grant it, after all); the usual cookie claims nothing and needs no verification."""
        return (
            self.cookies.claims_location
            and self.engine.settings.mask_client_ip
            and "location" not in self.granted()
        )

    def verified(self) -> VerifiedConsent | None:
        """The request's valid consent, with what it grants, or ``None``: verified once per
        distinct ``Cookie`` header and scheme, its age checked on every request."""
        verified = self._verified
        if verified is UNVERIFIED:
            cookies = self.cookies
            verified = cookies.over_https if self.secure else cookies.over_http
            if verified is UNVERIFIED:
                verified = cookies.verify(self.engine.cookie_rules, self.secure)
            if verified is not None and not (
                verified.valid_from <= time.time() <= verified.valid_until
            ):
                verified = None
            self._verified = verified
        return verified  # type: ignore[no-any-return]

    def stored(self) -> StoredConsent | None:
        """The valid stored choice for the current policy version, or ``None``."""
        verified = self.verified()
        return None if verified is None else verified.stored

    def granted(self) -> frozenset[str]:
        """The optional categories granted for this request (Global Privacy Control applied)."""
        verified = self.verified()
        if verified is None:
            return _NOTHING
        return verified.granted_gpc if self.gpc else verified.granted

    def refused_cookies(self) -> tuple[str, ...]:
        """The browser's cookies of optional categories not granted: to be expired."""
        cookies = self.cookies
        if not cookies.gated:  # nothing to gate: nothing to verify
            return ()
        verified = self.verified()
        if verified is None:
            return cookies.gated_names
        return verified.refused_gpc if self.gpc else verified.refused

    @property
    def consent(self) -> Consent:
        """The consent that applies to this request."""
        if self._consent is None:
            self._consent = self._consent_of(self.stored(), self.granted())
        return self._consent

    def decide(self, stored: StoredConsent) -> Consent:
        """Make ``stored``, the choice this request just made, the consent the rest of the
        request sees (Global Privacy Control applied)."""
        granted = self.engine.cookie_rules.granted(stored.granted, gpc=self.gpc)
        self._consent = consent = self._consent_of(stored, granted)
        return consent

    def _consent_of(self, stored: StoredConsent | None, granted: frozenset[str]) -> Consent:
        engine = self.engine
        settings = engine.settings
        return Consent(
            decided=stored is not None,
            granted=granted,
            required=settings.required_names,
            gpc=self.gpc,
            policy_version=settings.policy_version,
            consent_id=stored.consent_id if stored else None,
            decided_at=utc_times[stored.decided_at] if stored else None,
            source=AddressSource(engine.addresses, self.request),
        )

    @property
    def locale(self) -> str:
        """The banner language for this visitor."""
        if self._locale is None:
            self._locale = self.engine.catalogs.choose(
                self.cookies.language, self.request.header("accept-language")
            )
        return self._locale

    def expiring(self, names: tuple[str, ...]) -> tuple[tuple[bytes, bytes], ...]:
        """``Set-Cookie`` headers that expire the browser's cookies ``names``, for the host and
        its parent domains (see :func:`~.cookies.expiring_set_cookies`)."""
        return self.engine.expirations[names, self.request.header("host") or "", self.secure]
