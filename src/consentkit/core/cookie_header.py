"""What one ``Cookie`` request header says, worked out once per distinct header.

A browser sends the same ``Cookie`` header with request after request, so the engine keeps a
:class:`CookieHeader` per distinct header (bounded): the cookie pairs, which of them belong to
an optional category, whether the consent cookie claims ``location`` and, once a request
needs it, the verified consent with what it grants with and without Global Privacy Control.
The consent's age is not part of it: that is checked on every request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .codec import ConsentCodec, StoredConsent, claimed_categories
from .cookies import parse_cookie_header

if TYPE_CHECKING:
    from ..categories import CookieClassifier
    from ..options import Settings

#: ``CookieHeader.verified`` before verification (``None`` means "verified: not valid").
UNVERIFIED: Any = object()
_NOTHING: frozenset[str] = frozenset()


class CookieRules:
    """What one configuration needs to read a ``Cookie`` header: the names of its own cookies,
    the classifier of gated cookies, the codec, and what a stored choice grants."""

    def __init__(
        self, settings: Settings, codec: ConsentCodec, classifier: CookieClassifier
    ) -> None:
        self.settings = settings
        self.codec = codec
        self.classifier = classifier
        #: The consent cookie's names, the ``__Host-`` one first (see :attr:`consent_value`).
        self.consent_names = ("__Host-" + settings.cookie_name, settings.cookie_name)
        self.language_name = settings.language_cookie_name
        self._optional = frozenset(settings.optional_names)
        self._gpc_refused = (
            frozenset(settings.gpc_refused_names) if settings.honor_gpc else _NOTHING
        )

    def parse(self, header: str | bytes) -> CookieHeader:
        """A new :class:`CookieHeader` for ``header`` (latin-1 when bytes, as HTTP is)."""
        text = header.decode("latin-1") if isinstance(header, bytes) else header
        return CookieHeader(text, self)

    def read(self, value: str) -> StoredConsent | None:
        """The consent a cookie value holds for this policy version, whatever its age; or
        ``None``."""
        if not value:
            return None
        stored = self.codec.verify(value)
        if stored is None or stored.policy_version != self.settings.policy_version:
            return None
        return stored

    def granted(self, stored: frozenset[str], *, gpc: bool) -> frozenset[str]:
        """The optional categories a stored choice grants, less those Global Privacy Control
        refuses when the request carries ``Sec-GPC: 1`` (and ``honor_gpc`` is on)."""
        granted = stored & self._optional
        return granted - self._gpc_refused if gpc else granted


class CookieHeader:
    """One parsed ``Cookie`` header and its precomputed answers. Shared between requests (and
    threads): read, never changed, but for :meth:`verify`, which publishes its result last."""

    __slots__ = (
        "claims_location",
        "consent_value",
        "cookies",
        "gated",
        "gated_names",
        "granted",
        "granted_gpc",
        "language",
        "masked",
        "refused",
        "refused_gpc",
        "valid_from",
        "valid_until",
        "verified",
    )

    def __init__(self, header: str, rules: CookieRules) -> None:
        #: The cookie pairs, parsed leniently.
        self.cookies = cookies = parse_cookie_header(header)
        host_name, plain_name = rules.consent_names
        #: The consent cookie's value (``__Host-`` first), unverified.
        self.consent_value = cookies.get(host_name) or cookies.get(plain_name) or ""
        #: Whether that value claims ``location``, WITHOUT verifying it: a cookie that does not
        #: claim it cannot grant it, so masking the address needs no verification.
        self.claims_location = "location" in claimed_categories(self.consent_value)
        #: The app is shown a truncated address, whatever the cookie turns out to be worth.
        self.masked = rules.settings.mask_client_ip and not self.claims_location
        category_of = rules.classifier.category_of
        #: The browser's cookies that belong to an optional category, with that category.
        self.gated = tuple(
            (name, category.name)
            for name in cookies
            if (category := category_of(name)) is not None and not category.required
        )
        self.gated_names = tuple(name for name, _ in self.gated)
        #: The banner language the visitor picked, if any.
        self.language = cookies.get(rules.language_name)
        #: The verified consent (``None`` when not valid), or :data:`UNVERIFIED`.
        self.verified: StoredConsent | None = UNVERIFIED
        #: When the verified consent is fresh (see :meth:`ConsentCodec.valid_range`).
        self.valid_from = self.valid_until = 0.0
        #: What the verified consent grants, without and with Global Privacy Control.
        self.granted = self.granted_gpc = _NOTHING
        #: The gated cookies to expire, without and with Global Privacy Control.
        self.refused = self.refused_gpc = self.gated_names

    def verify(self, rules: CookieRules) -> StoredConsent | None:
        """Verify the consent cookie (once) and work out what it grants."""
        stored = rules.read(self.consent_value)
        if stored is not None:
            self.valid_from, self.valid_until = rules.codec.valid_range(stored)
            self.granted = granted = rules.granted(stored.granted, gpc=False)
            self.granted_gpc = granted_gpc = rules.granted(stored.granted, gpc=True)
            self.refused = tuple(n for n, c in self.gated if c not in granted)
            self.refused_gpc = tuple(n for n, c in self.gated if c not in granted_gpc)
        # Last: another thread (WSGI) that sees it set must see the rest set too.
        self.verified = stored
        return stored
