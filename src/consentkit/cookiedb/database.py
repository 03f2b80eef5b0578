"""The embedded Open Cookie Database: loaded once, on first use, and looked up by name.

The compact file ``data.json.gz`` beside this module is compiled from the database's CSV by
``scripts/build-cookie-database``; ``LICENSE`` is the database's (Apache-2.0) and
:data:`SOURCE_COMMIT`-style details are in the file itself (:attr:`CookieDatabase.commit`).
"""

from __future__ import annotations

import functools
import gzip
import json
from dataclasses import dataclass
from importlib import resources

#: The database's categories as consentkit gates them: the category name a cookie goes into,
#: or ``None`` for one that is never gated (Functional, Security, Necessary).
CATEGORY_MAP: dict[str, str | None] = {
    "Analytics": "analytics",
    "Marketing": "marketing",
    "Personalization": "functional",
    "Functional": None,
    "Security": None,
    "Necessary": None,
}


@dataclass(frozen=True, slots=True)
class DatabaseEntry:
    """One cookie of the Open Cookie Database (its text is English, as the database is)."""

    #: The name as listed: an exact name, or a prefix when :attr:`wildcard`.
    name: str
    wildcard: bool
    #: The database's category: Analytics, Marketing, Personalization, Functional, Security.
    category: str
    platform: str
    purpose: str
    retention: str
    provider: str

    @property
    def gated_category(self) -> str | None:
        """The consentkit category the entry's cookies go into (``None``: never gated)."""
        return CATEGORY_MAP.get(self.category)


class CookieDatabase:
    """The compiled database: exact names, then wildcard prefixes (the longest wins)."""

    def __init__(self, document: dict[str, object]) -> None:
        #: The source repository and the commit the copy was compiled from.
        self.source = str(document["source"])
        self.commit = str(document["commit"])
        self._names: dict[str, list[str]] = document["names"]  # type: ignore[assignment]
        self._prefixes: dict[str, list[str]] = document["prefixes"]  # type: ignore[assignment]
        self._longest = max((len(p) for p in self._prefixes), default=0)

    def __len__(self) -> int:
        return len(self._names) + len(self._prefixes)

    def lookup(self, name: str, *, prefixes: bool = True) -> DatabaseEntry | None:
        """The entry for cookie ``name``: its exact name, else the longest wildcard prefix
        it starts with (unless ``prefixes=False``); ``None`` when the database lacks it."""
        row = self._names.get(name)
        if row is not None:
            return DatabaseEntry(name, False, *row)
        if prefixes:
            for end in range(min(len(name), self._longest), 0, -1):
                row = self._prefixes.get(name[:end])
                if row is not None:
                    return DatabaseEntry(name[:end], True, *row)
        return None


@functools.cache
def load() -> CookieDatabase:
    """The embedded database, read and decompressed on the first call only."""
    data = resources.files(__package__).joinpath("data.json.gz").read_bytes()
    return CookieDatabase(json.loads(gzip.decompress(data)))
