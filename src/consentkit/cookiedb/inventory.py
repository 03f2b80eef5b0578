"""The cookies a site really sets: every name seen in the app's ``Set-Cookie``, classified.

Each engine keeps one :class:`CookieInventory`, process-wide (every visitor's responses feed
it), bounded: past :data:`INVENTORY_LIMIT` names it stops adding, so an app that makes up
cookie names cannot grow it. The preferences page lists it, and ``consentkit audit`` and
``consentkit report`` read it (see :func:`consentkit.cookiedb.classify_cookies`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ..categories import Category
from ..core.bounded import BoundedCache
from .classifier import Classification, CookieClassifier

logger = logging.getLogger("consentkit")

#: The most cookie names an inventory holds.
INVENTORY_LIMIT = 512
_SEEN_CACHE_SIZE = 4096


class CookieInventory:
    """The classified names the app has set so far, in the order first seen."""

    def __init__(self, classifier: CookieClassifier, limit: int = INVENTORY_LIMIT) -> None:
        self._classifier = classifier
        self._limit = limit
        self._entries: dict[str, Classification] = {}
        self._lock = threading.Lock()
        self._cache: BoundedCache[str, Category | None] = BoundedCache(
            self._first_sight, _SEEN_CACHE_SIZE
        )
        #: The category that gates a name the app sets (as ``classifier.category_of``), which
        #: also records the name on its first sight: a name seen before costs one C subscript.
        self.set_cookie_category: Callable[[str], Category | None] = self._cache.__getitem__

    def _first_sight(self, name: str) -> Category | None:
        found = self._classifier.explain(name)
        with self._lock:
            if name in self._entries or len(self._entries) >= self._limit:
                return self._classifier.gate(found)
            self._entries[name] = found
        if found.source == "unknown" and not found.gated:
            logger.warning(
                "The app sets cookie %r, which no category names and %s; it passes "
                '(unknown_cookies="allow"). Put it in the '
                "category it belongs in, e.g. Category(%r, cookies=(..., %r)), or in a required "
                "one if the site cannot work without it.",
                name,
                self._why_unknown(found),
                found.suggested or "analytics",
                name,
            )
        return self._classifier.gate(found)

    def _why_unknown(self, found: Classification) -> str:
        if found.suggested:
            return f"the Open Cookie Database puts in {found.suggested!r}, which this site lacks"
        if self._classifier.database() is None:
            return "the Open Cookie Database is off (cookie_database=False)"
        return "the Open Cookie Database does not know"

    def entries(self) -> list[Classification]:
        """Every name seen so far, classified, in the order first seen."""
        with self._lock:
            return list(self._entries.values())

    def of_category(self, category: str | None) -> list[Classification]:
        """The names seen so far that are in ``category`` (``None``: the unknown ones)."""
        return [c for c in self.entries() if c.category == category]
