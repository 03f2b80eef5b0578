"""Geolocation providers: a small protocol and the two built-in ones.

- :class:`EmbeddedGeolocator`: the offline country data that ships inside the ``geoip2fast``
  wheel (IPv4 and IPv6; ``pip install consentkit[geoip]``). No download, no account.
- :class:`MaxMindGeolocator`: a MaxMind GeoIP2 / GeoLite2 City or Country ``.mmdb`` file through
  the ``geoip2`` package (``pip install consentkit[maxmind]``); City databases add the region.

Lookups are in memory (or memory-mapped) and take microseconds, so they run on the request path
without blocking an event loop; they never raise.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .ip import parse_address


@dataclass(frozen=True)
class Location:
    """An approximate location: ISO 3166 alpha-2 ``country`` and, where known, ``region``.

    ``region`` is the ISO 3166-2 subdivision code without the country (``"ENG"``, ``"WA"``,
    ``"10"`` for Bangkok) of the largest subdivision the data knows.
    """

    country: str
    region: str | None = None


@runtime_checkable
class Geolocator(Protocol):
    """Looks up the approximate location of an IP address; ``None`` when unknown.

    ``lookup`` runs on the request path (in an async app, on the event loop): it must be fast
    and in memory, and it must not raise. Wrap a provider that does I/O in a cache.
    """

    def lookup(self, ip: str) -> Location | None:
        """The location of ``ip``, or ``None``. Must not raise for any input."""
        ...


def _country_code(value: Any) -> str | None:
    """``value`` when it is an ISO 3166 alpha-2 code, else ``None`` ("--", "", garbage)."""
    if isinstance(value, str) and len(value) == 2 and value.isascii() and value.isalpha():
        return value.upper()
    return None


class EmbeddedGeolocator:
    """Country lookups from the data inside the ``geoip2fast`` wheel (IPv4 and IPv6).

    The data is loaded once per process, at start-up (about 0.1 s and 60 MiB): ``geoip2fast``
    keeps it in module globals, so every instance shares it. Loading lazily instead would stall
    the first consenting visitor's request (and an event loop) for that long.
    """

    DATA_FILE = "geoip2fast-ipv6.dat.gz"
    _lock = threading.Lock()
    _engine: Any = None

    def __init__(self) -> None:
        self._geoip = self._load()

    @classmethod
    def _load(cls) -> Any:
        with cls._lock:
            if cls._engine is None:
                # geoip2fast sets these at import for the whole process (and its children):
                # keep the application's own values.
                saved = {k: os.environ.get(k) for k in ("PYTHONWARNINGS", "PYTHONIOENCODING")}
                try:
                    from geoip2fast import GeoIP2Fast  # type: ignore[import-untyped]
                finally:
                    for key, value in saved.items():
                        if value is None:
                            os.environ.pop(key, None)
                        else:
                            os.environ[key] = value
                cls._engine = GeoIP2Fast(geoip2fast_data_file=cls.DATA_FILE)
            return cls._engine

    def lookup(self, ip: str) -> Location | None:
        """The country of ``ip``; ``None`` for private, reserved, unknown or invalid addresses."""
        try:
            address = parse_address(ip)
            if address is None:
                return None
            country = _country_code(self._geoip.lookup(str(address)).country_code)
            return Location(country) if country else None
        except Exception:  # the protocol promises no exceptions
            return None

    def __repr__(self) -> str:
        return "EmbeddedGeolocator()"


class MaxMindGeolocator:
    """Lookups in a MaxMind GeoIP2 or GeoLite2 City or Country ``.mmdb`` file.

    By default the file is memory-mapped (``geoip2``'s C extension when available): lookups cost
    a few microseconds once the pages are warm in the OS cache. ``in_memory=True`` reads the
    whole file into memory at start-up instead, so that no lookup can ever wait for the disk
    (a GeoLite2 City file is about 60 MB). The reader is thread-safe. A missing ``geoip2``
    package or a missing or unreadable file is a ``ValueError`` here, at start-up.
    """

    def __init__(self, path: str | Path, *, in_memory: bool = False) -> None:
        self.path = Path(path)
        try:
            import geoip2.database
        except ImportError:
            raise ValueError(
                f"geolocator={str(path)!r} needs the geoip2 package: "
                "pip install 'consentkit[maxmind]'."
            ) from None
        if not self.path.is_file():
            raise ValueError(
                f"geolocator: the MaxMind database {str(path)!r} does not exist; download a "
                "GeoLite2 City or Country .mmdb file from MaxMind, or use geolocator='auto'."
            )
        try:
            import maxminddb

            mode = maxminddb.MODE_MEMORY if in_memory else maxminddb.MODE_AUTO
            self._reader = geoip2.database.Reader(str(self.path), mode=mode)
        except Exception as error:
            raise ValueError(
                f"geolocator: {str(path)!r} is not a MaxMind .mmdb database ({error})."
            ) from None
        database_type = self._reader.metadata().database_type
        if "City" in database_type:
            self._city = True
        elif "Country" in database_type:
            self._city = False
        else:
            self._reader.close()
            raise ValueError(
                f"geolocator: {str(path)!r} is a {database_type} database; "
                "give a GeoIP2/GeoLite2 City or Country database."
            )

    def lookup(self, ip: str) -> Location | None:
        """The country, and with a City database the region, of ``ip``; ``None`` when unknown."""
        try:
            address = parse_address(ip)
            if address is None:
                return None
            if self._city:
                city = self._reader.city(str(address))
                country = _country_code(city.country.iso_code)
                subdivisions = city.subdivisions
                region = subdivisions[0].iso_code if len(subdivisions) else None
            else:
                country = _country_code(self._reader.country(str(address)).country.iso_code)
                region = None
            return Location(country, region or None) if country else None
        except Exception:  # not found, or a broken database: unknown, never an error
            return None

    def close(self) -> None:
        """Close the database file."""
        self._reader.close()

    def __repr__(self) -> str:
        return f"MaxMindGeolocator({str(self.path)!r})"


def embedded_available() -> bool:
    """Whether the embedded provider's package (``geoip2fast``) is installed."""
    return importlib.util.find_spec("geoip2fast") is not None


def resolve_geolocator(value: Any) -> Geolocator | None:
    """The ``geolocator`` option as a provider, or ``None`` for no geolocation.

    - ``"auto"`` (the default): the embedded provider when ``geoip2fast`` is installed, else none;
    - ``"embedded"``: the embedded provider, a ``ValueError`` when it is not installed;
    - a path to a ``.mmdb`` file (``str`` or ``Path``): :class:`MaxMindGeolocator`;
    - any object with a ``lookup(ip)`` method (a :class:`Geolocator`);
    - ``None``: no geolocation (``consent.location`` is always ``None``).
    """
    if value is None:
        return None
    if isinstance(value, str) and value in ("auto", "embedded"):
        if embedded_available():
            return EmbeddedGeolocator()
        if value == "auto":
            return None
        raise ValueError(
            "geolocator='embedded' needs the geoip2fast package: pip install 'consentkit[geoip]'."
        )
    if isinstance(value, (str, Path)):
        if not str(value).endswith(".mmdb"):
            raise ValueError(
                f"geolocator={str(value)!r}: give 'auto', 'embedded', the path of a MaxMind "
                ".mmdb file, or an object with a lookup(ip) method."
            )
        return MaxMindGeolocator(value)
    if not isinstance(value, Geolocator):
        raise ValueError(f"geolocator must have a lookup(ip) method, not {value!r}.")
    return value
