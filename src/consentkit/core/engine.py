"""The engine: consentkit's decisions for one configuration, with no protocol and no I/O.

An adapter builds one :class:`Engine` from the validated options, then, per request, an
:class:`~.exchange.Exchange` from the request's facts. For a request to one of consentkit's
endpoints it asks :meth:`Engine.answer` for the complete response; otherwise it calls the app
and asks :meth:`Engine.plan` what to do to the app's response. :meth:`Engine.close` flushes
what the engine holds open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..banner import BannerRenderer
from ..cookiedb.classifier import CookieClassifier
from ..cookiedb.inventory import CookieInventory
from ..options import Settings
from .addresses import Addresses
from .bounded import BoundedCache
from .codec import ConsentCodec
from .cookie_header import CookieHeader, CookieRules
from .cookies import expiring_set_cookies
from .endpoints import Endpoints
from .planning import Planner
from .snippets import Snippets

if TYPE_CHECKING:
    from ..location.stats import LocationStatistics
    from ..records.recorder import Recorder

#: Distinct ``Cookie`` headers remembered.
_COOKIE_HEADER_CACHE_SIZE = 1024
#: The longest ``Cookie`` header remembered; a longer one is parsed for its request only.
COOKIE_HEADER_LIMIT = 4096
_EXPIRATION_CACHE_SIZE = 1024
Header = tuple[bytes, bytes]
_ExpiryKey = tuple[tuple[str, ...], str, bool]


def _expiring_headers(key: _ExpiryKey) -> tuple[Header, ...]:
    names, host, secure = key
    return tuple(
        (b"set-cookie", value)
        for name in names
        for value in expiring_set_cookies(name, host, secure)
    )


class Engine:
    """Every part consentkit needs for one configuration, built once at start-up."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.prefix = settings.prefix
        self.prefix_slash = settings.prefix + "/"
        #: Forwarding headers are believed from some peers (``trusted_proxies`` is set).
        self.trusts_proxies = bool(settings.trusted_proxies)
        self.codec = ConsentCodec(settings.secret_keys, settings.max_age)
        self.classifier = CookieClassifier(
            settings.categories,
            database=settings.cookie_database,
            unknown=settings.unknown_cookies,
            own_cookies=(
                settings.cookie_name,
                "__Host-" + settings.cookie_name,
                settings.language_cookie_name,
            ),
        )
        #: The cookies the app has set so far, classified (the preferences page lists them).
        self.inventory = CookieInventory(self.classifier)
        self.cookie_rules = CookieRules(settings, self.codec, self.classifier)
        #: What each distinct ``Cookie`` header says (see :mod:`.cookie_header`).
        self.cookie_headers: BoundedCache[str | bytes, CookieHeader] = BoundedCache(
            self.cookie_rules.parse, _COOKIE_HEADER_CACHE_SIZE, COOKIE_HEADER_LIMIT
        )
        #: What a request without a ``Cookie`` header says.
        self.no_cookies = self.cookie_rules.parse("")
        #: ``Set-Cookie`` headers expiring cookies, per (names, host, HTTPS): a visitor who
        #: keeps sending refused cookies gets the same headers on every response.
        self.expirations: BoundedCache[_ExpiryKey, tuple[Header, ...]] = BoundedCache(
            _expiring_headers, _EXPIRATION_CACHE_SIZE
        )
        self.addresses = Addresses(settings)
        #: Peer addresses seen lately, truncated.
        self.truncated = self.addresses.truncated
        self.renderer = BannerRenderer(settings)
        self.catalogs = self.renderer.catalogs
        self.snippets = Snippets(self.renderer, settings.optional_names)
        self.statistics: LocationStatistics | None = None
        if settings.statistics is not None:
            from ..location.stats import open_statistics

            self.statistics = open_statistics(settings)
        #: Records each choice in the ``records`` store (``None`` without one); the adapters
        #: call it for an endpoint's answer that carries a record, never for a page.
        self.recorder: Recorder | None = None
        if settings.records is not None:
            from ..records.recorder import open_recorder

            self.recorder = open_recorder(settings, self.renderer.shown_text)
        self.endpoints = Endpoints(self)
        #: See :meth:`.endpoints.Endpoints.reads_body`.
        self.reads_body = self.endpoints.reads_body
        #: See :meth:`.endpoints.Endpoints.answer`.
        self.answer = self.endpoints.answer
        #: See :meth:`.planning.Planner.plan`.
        self.plan = Planner(self).plan

    def close(self) -> None:
        """Flush and close what the engine holds open (the statistics and record stores)."""
        if self.statistics is not None:
            self.statistics.close()
        if self.recorder is not None:
            self.recorder.close()

    def __repr__(self) -> str:
        return f"<consentkit Engine prefix={self.prefix!r}>"
