"""Geolocation providers: a small protocol and the built-in ones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class Location:
    """An approximate location: ISO 3166 alpha-2 ``country`` and, where known, ``region``."""

    country: str
    region: str | None = None


@runtime_checkable
class Geolocator(Protocol):
    """Looks up the approximate location of an IP address; ``None`` when unknown."""

    def lookup(self, ip: str) -> Location | None:
        """The location of ``ip``, or ``None``. Must not raise for any input."""
        ...


def resolve_geolocator(value: Any) -> Geolocator | None:
    """The ``geolocator`` option: ``"auto"`` (the embedded one when installed), ``None``, or a
    :class:`Geolocator`."""
    if value is None:
        return None
    if value == "auto":
        return None
    if not isinstance(value, Geolocator):
        raise ValueError(f"geolocator must have a lookup(ip) method, not {value!r}.")
    return value
