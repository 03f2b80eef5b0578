"""The one cache rule of consentkit: a dict that forgets everything when it is full.

Every per-process cache (parsed ``Cookie`` headers, verified tokens, truncated addresses,
rendered snippets, classified cookie names, negotiated languages) is one of these. A hit is a
plain dict subscript, done in C, so callers on the hot path write ``cache[key]`` and pay no
Python call; only a miss runs ``make``. Clearing everything when full, rather than evicting one
entry at a time, keeps a hit free of bookkeeping; the caches are sized so that a clear is rare
and cheap to refill.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(dict[K, V]):
    """A dict of at most ``limit`` entries that fills itself: ``cache[key]`` returns the
    remembered value, or ``make(key)`` remembered (after forgetting everything if full).

    With ``longest_key``, a key longer than that (a ``len()``) is worked out for its caller
    only, never remembered: so that a few huge keys cannot crowd the memory, with no check on
    a hit."""

    __slots__ = ("limit", "longest_key", "make")

    def __init__(self, make: Callable[[K], V], limit: int, longest_key: int | None = None) -> None:
        super().__init__()
        #: The most entries kept; reaching it clears the cache.
        self.limit = limit
        #: The longest key remembered (``None``: any).
        self.longest_key = longest_key
        #: Computes the value of a key not yet remembered.
        self.make = make

    def __missing__(self, key: K) -> V:
        value = self.make(key)
        if self.longest_key is not None and len(key) > self.longest_key:  # type: ignore[arg-type]
            return value
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value
