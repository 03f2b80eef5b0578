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
from .cookies import first_of_each, parse_cookie_pairs

if TYPE_CHECKING:
    from ..cookiedb.classifier import CookieClassifier
    from ..options import Settings

#: A :class:`CookieHeader`'s verified consent before verification (``None`` means "verified:
#: not valid").
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
        #: The consent cookie's name over HTTPS (the only one read there) and over HTTP.
        self.https_name = "__Host-" + settings.cookie_name
        self.http_name = settings.cookie_name
        self.language_name = settings.language_cookie_name
        self._optional = frozenset(settings.optional_names)
        self._gpc_refused = (
            frozenset(settings.gpc_refused_names) if settings.honor_gpc else _NOTHING
        )

    def parse(self, header: str | bytes) -> CookieHeader:
        """A new :class:`CookieHeader` for ``header`` (latin-1 when bytes, as HTTP is)."""
        text = header.decode("latin-1") if isinstance(header, bytes) else header
        return CookieHeader(text, self)

    def read(self, values: tuple[str, ...]) -> StoredConsent | None:
        """The consent that the consent cookie's ``values`` hold for this policy version,
        whatever its age; or ``None``.

        Several values mean a cookie of the same name was planted beside the visitor's own (by
        a sibling subdomain, or a plain-HTTP page of the domain, with a longer ``Path`` so that
        it is sent first): then only what every valid one grants counts, so a planted cookie
        can take consent away but never add to it. The receipt is the newest one's.
        """
        found = [stored for value in values if (stored := self._read_one(value)) is not None]
        if len(found) <= 1:
            return found[0] if found else None
        newest = max(found, key=lambda stored: stored.decided_at)
        granted = frozenset.intersection(*(stored.granted for stored in found))
        return StoredConsent(newest.consent_id, granted, newest.policy_version, newest.decided_at)

    def _read_one(self, value: str) -> StoredConsent | None:
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


class VerifiedConsent:
    """A ``Cookie`` header's verified consent over one scheme, with its precomputed answers."""

    __slots__ = (
        "granted",
        "granted_gpc",
        "refused",
        "refused_gpc",
        "stored",
        "valid_from",
        "valid_until",
    )

    def __init__(self, stored: StoredConsent, cookies: CookieHeader, rules: CookieRules) -> None:
        #: The verified choice.
        self.stored = stored
        #: When it is fresh (see :meth:`ConsentCodec.valid_range`): checked on every request.
        self.valid_from, self.valid_until = rules.codec.valid_range(stored)
        #: What it grants, without and with Global Privacy Control.
        self.granted = granted = rules.granted(stored.granted, gpc=False)
        self.granted_gpc = granted_gpc = rules.granted(stored.granted, gpc=True)
        #: The browser's gated cookies to expire, without and with Global Privacy Control.
        self.refused = tuple(n for n, c in cookies.gated if c not in granted)
        self.refused_gpc = tuple(n for n, c in cookies.gated if c not in granted_gpc)


class CookieHeader:
    """One parsed ``Cookie`` header and its precomputed answers. Shared between requests (and
    threads): read, never changed, but for :meth:`verify`, which publishes its result last."""

    __slots__ = (
        "claims_location",
        "cookies",
        "gated",
        "gated_names",
        "http_values",
        "https_values",
        "language",
        "masked",
        "over_http",
        "over_https",
    )

    def __init__(self, header: str, rules: CookieRules) -> None:
        pairs = parse_cookie_pairs(header)
        #: The cookie pairs, parsed leniently; the first of a repeated name wins.
        self.cookies = cookies = first_of_each(pairs)
        #: The consent cookie's values, unverified: over HTTPS only ``__Host-`` ones count
        #: (a plain one can be planted by a sibling subdomain or a plain-HTTP page).
        self.https_values = tuple(value for name, value in pairs if name == rules.https_name)
        self.http_values = tuple(value for name, value in pairs if name == rules.http_name)
        #: Whether any of them claims ``location``, WITHOUT verifying it: a cookie that does
        #: not claim it cannot grant it, so masking the address needs no verification.
        self.claims_location = any(
            "location" in claimed_categories(value)
            for value in (*self.https_values, *self.http_values)
        )
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
        #: The verified consent over HTTPS and over HTTP (``None``: not valid), or
        #: :data:`UNVERIFIED`.
        self.over_https: VerifiedConsent | None = UNVERIFIED
        self.over_http: VerifiedConsent | None = UNVERIFIED

    def verify(self, rules: CookieRules, secure: bool) -> VerifiedConsent | None:
        """Verify the consent cookie for the scheme (once) and work out what it grants."""
        stored = rules.read(self.https_values if secure else self.http_values)
        verified = None if stored is None else VerifiedConsent(stored, self, rules)
        # Set last: another thread (WSGI) that sees it set sees a complete object.
        if secure:
            self.over_https = verified
        else:
            self.over_http = verified
        return verified
