"""Which category a cookie name belongs to, and where that answer came from.

The order, first match wins: a category's own exact names, then its patterns; consentkit's own
cookies; the frameworks' session and CSRF cookies (:mod:`.frameworks`); the Open Cookie
Database (exact names, then the longest wildcard prefix); else the cookie is unknown, and
``unknown_cookies`` decides (``"allow"``: kept; ``"block"``: always removed).

:meth:`CookieClassifier.explain` gives the whole answer (a :class:`Classification`);
:attr:`CookieClassifier.category_of` gives only what gating needs, remembered per name in a
:class:`~consentkit.core.bounded.BoundedCache`, so a name seen before costs one C subscript.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..categories import Category
from ..core.bounded import BoundedCache
from .database import CookieDatabase, DatabaseEntry, load
from .frameworks import framework_of

#: Where a cookie's category came from.
SOURCES = ("category", "consentkit", "framework", "database", "unknown")
_CACHE_SIZE = 4096


class _Blocked(Category):
    """The category of unknown cookies under ``unknown_cookies="block"``: never granted (its
    name cannot be a category's, so no stored choice can hold it)."""

    def __post_init__(self) -> None:  # the name is invalid on purpose
        pass


#: Unknown cookies under ``unknown_cookies="block"`` are this category's.
BLOCKED = _Blocked("<unknown>")


@dataclass(frozen=True, slots=True)
class Classification:
    """What consentkit knows about one cookie name.

    ``category`` is the category the cookie is in: a gated one, or the required one for a
    cookie that is never gated (``None`` for an unknown cookie, or when no category is
    required). ``source`` is one of :data:`SOURCES`. ``provider``, ``purpose``, ``retention``
    and ``platform`` are the Open Cookie Database's (English), when it lists the cookie.
    ``suggested`` is the category an unknown cookie probably belongs in, when one is known.
    """

    name: str
    category: str | None
    source: str
    gated: bool
    provider: str | None = None
    purpose: str | None = None
    retention: str | None = None
    platform: str | None = None
    suggested: str | None = None

    def as_json(self) -> dict[str, object]:
        """The classification as a JSON object."""
        return {
            "name": self.name,
            "category": self.category,
            "source": self.source,
            "gated": self.gated,
            "provider": self.provider,
            "purpose": self.purpose,
            "retention": self.retention,
            "platform": self.platform,
        }


class CookieClassifier:
    """Maps a cookie name to the category that gates it, for one configuration."""

    def __init__(
        self,
        categories: Iterable[Category],
        *,
        database: bool = True,
        unknown: str = "allow",
        own_cookies: Iterable[str] = (),
    ) -> None:
        categories = tuple(categories)
        self._by_name = {c.name: c for c in categories}
        self._required = next((c.name for c in categories if c.required), None)
        self._exact: dict[str, Category] = {}
        self._patterns: list[tuple[re.Pattern[str], Category]] = []
        for category in categories:
            for cookie in category.cookies:
                if any(ch in cookie for ch in "*?["):
                    self._patterns.append((re.compile(fnmatch.translate(cookie)), category))
                else:
                    self._exact[cookie] = category
        self._own = frozenset(own_cookies)
        self._database = database
        #: ``"allow"`` or ``"block"``: what happens to a cookie nobody knows.
        self.unknown = unknown
        self._cache: BoundedCache[str, Category | None] = BoundedCache(self._gate, _CACHE_SIZE)
        #: The category that gates a cookie name, or ``None`` for one never gated: the cache's
        #: own lookup, so a name seen before costs no Python call.
        self.category_of: Callable[[str], Category | None] = self._cache.__getitem__

    def database(self) -> CookieDatabase | None:
        """The Open Cookie Database when this configuration uses it (loaded on first use)."""
        return load() if self._database else None

    def explain(self, name: str) -> Classification:
        """The whole answer for ``name``: its category, where it came from, and the
        database's details when it lists the cookie."""
        category = self._exact.get(name)
        if category is None:
            category = next((c for p, c in self._patterns if p.match(name)), None)
        database = self.database()
        entry = database.lookup(name) if database is not None else None
        if category is not None:
            return self._result(name, category.name, "category", entry)
        if name in self._own:
            return Classification(name, self._required, "consentkit", False, "consentkit")
        framework = framework_of(name, patterns=entry is None or entry.wildcard)
        if framework is not None:
            return Classification(name, self._required, "framework", False, framework)
        if entry is not None:
            mapped = entry.gated_category
            if mapped is None:
                return self._result(name, self._required, "database", entry)
            if mapped in self._by_name:
                return self._result(name, mapped, "database", entry)
            # The database gates it, but this site has no such category: nobody knows it.
            return self._unknown(name, entry, mapped)
        return self._unknown(name, None, None)

    def _unknown(
        self, name: str, entry: DatabaseEntry | None, suggested: str | None
    ) -> Classification:
        blocked = self.unknown == "block"
        known = _details(entry)
        return Classification(name, None, "unknown", blocked, *known, suggested=suggested)

    def _result(
        self, name: str, category: str | None, source: str, entry: DatabaseEntry | None
    ) -> Classification:
        found = self._by_name.get(category) if category is not None else None
        gated = found is not None and not found.required
        return Classification(name, category, source, gated, *_details(entry))

    def _gate(self, name: str) -> Category | None:
        return self.gate(self.explain(name))

    def gate(self, found: Classification) -> Category | None:
        """The category that gates a classified cookie (what :attr:`category_of` gives)."""
        if found.source == "unknown":
            return BLOCKED if found.gated else None
        category = self._by_name.get(found.category) if found.category is not None else None
        return category if category is not None and not category.required else None


def _details(entry: DatabaseEntry | None) -> tuple[str | None, str | None, str | None, str | None]:
    if entry is None:
        return None, None, None, None
    return entry.provider or None, entry.purpose or None, entry.retention or None, entry.platform
