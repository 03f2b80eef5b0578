"""Location statistics: page views per day and per country (and region), consent-gated.

What is counted, and nothing more:

- a page view of a visitor who granted ``location``: under ``(day, country, region)`` from the
  approximate location (country ``None`` when it is unknown, e.g. a private address);
- a page view of any other visitor: under ``(day, None, None)``, a bare total.

No IP address, full or truncated, reaches this module: :meth:`LocationStatistics.record` reads
only ``consent.allows("location")`` and ``consent.location``. ``day`` is the UTC date.

Recording is an increment of an in-memory counter under a lock (a fraction of a microsecond
beside the location lookup); a background thread writes the counts in one transaction every
``interval`` seconds, on :meth:`LocationStatistics.flush` and on
:meth:`LocationStatistics.close` (called at ASGI lifespan shutdown, by the WSGI middleware's
``close()``, and at interpreter exit). A burst of requests therefore costs one commit. Pending
counts are bounded by :data:`MAX_PENDING_KEYS` distinct keys; beyond that, views are dropped
and counted in ``dropped``.
"""

from __future__ import annotations

import atexit
import datetime
import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from ..consent import Consent
    from ..options import Settings

logger = logging.getLogger("consentkit.statistics")

#: How often (seconds) the background thread writes pending counts.
FLUSH_INTERVAL = 5.0
#: At most this many distinct ``(day, country, region)`` keys wait in memory for a write.
MAX_PENDING_KEYS = 10_000

#: ``(day, country, region)``: the day as days since 1970-01-01 (UTC).
Key = tuple[int, str | None, str | None]

_EPOCH = datetime.date(1970, 1, 1)
_SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class StatisticsRow:
    """The page views of one day from one country and region (``None`` when unknown)."""

    day: datetime.date
    country: str | None
    region: str | None
    views: int


@runtime_checkable
class StatisticsStore(Protocol):
    """Where counts are kept. Another database can implement these three methods."""

    def add(self, counts: Mapping[Key, int]) -> None:
        """Add ``counts`` to the stored ones, atomically (one transaction)."""
        ...

    def rows(self) -> list[StatisticsRow]:
        """Every stored count, by day, then country, then region."""
        ...

    def close(self) -> None:
        """Release the store's resources."""
        ...


_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS location_views (
    day     TEXT    NOT NULL,            -- ISO date, UTC
    country TEXT    NOT NULL DEFAULT '', -- ISO 3166 alpha-2; '' when unknown or not consented
    region  TEXT    NOT NULL DEFAULT '', -- ISO 3166-2 subdivision code; '' when unknown
    views   INTEGER NOT NULL,
    PRIMARY KEY (day, country, region)
) WITHOUT ROWID
"""
_UPSERT = (
    "INSERT INTO location_views (day, country, region, views) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (day, country, region) DO UPDATE SET views = views + excluded.views"
)


class SQLiteStatisticsStore:
    """The embedded store: one SQLite file, one table ``location_views``.

    The file is opened (and created) here, so a bad path is a ``ValueError`` at start-up. The
    connection is reopened after a ``fork`` (a pre-forking server's workers each get their own).
    Writes wait up to 10 s for another writer (another worker process) to finish.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._inherited: list[sqlite3.Connection] = []
        try:
            self._connection: sqlite3.Connection | None = self._connect()
            with self._connection:
                version = self._connection.execute("PRAGMA user_version").fetchone()[0]
                if version > _SCHEMA_VERSION:
                    raise ValueError(
                        f"statistics: {str(self.path)!r} was written by a newer consentkit "
                        f"(schema {version}); upgrade consentkit or give another file."
                    )
                self._connection.execute(_SCHEMA)
                self._connection.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
        except sqlite3.Error as error:
            raise ValueError(
                f"statistics: cannot use {str(self.path)!r} as an SQLite statistics file "
                f"({error}); give the path of a new or existing statistics file."
            ) from None

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, timeout=10.0, check_same_thread=False, isolation_level="DEFERRED"
        )
        try:
            connection.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
        except sqlite3.Error:
            connection.close()
            raise
        return connection

    def _after_fork_in_child(self) -> None:
        """In a forked worker: a connection of its own. The parent's is kept, unused and
        unclosed (closing it here would release the parent's file locks)."""
        self._lock = threading.Lock()
        if self._connection is not None:
            self._inherited.append(self._connection)
        self._connection = None

    def _current(self) -> sqlite3.Connection:
        if self._connection is None:
            self._connection = self._connect()
        return self._connection

    def add(self, counts: Mapping[Key, int]) -> None:
        """Add ``counts`` in one transaction."""
        rows = [
            ((_EPOCH + datetime.timedelta(days=day)).isoformat(), country or "", region or "", n)
            for (day, country, region), n in counts.items()
            if n > 0
        ]
        if not rows:
            return
        with self._lock:
            connection = self._current()
            with connection:
                connection.executemany(_UPSERT, rows)

    def rows(self) -> list[StatisticsRow]:
        """Every stored count."""
        with self._lock:
            cursor = self._current().execute(
                "SELECT day, country, region, views FROM location_views "
                "ORDER BY day, country = '', country, region"
            )
            return [_row(*values) for values in cursor.fetchall()]

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
            self._connection = None


def _row(day: str, country: str, region: str, views: int) -> StatisticsRow:
    return StatisticsRow(datetime.date.fromisoformat(day), country or None, region or None, views)


def read_statistics(path: str | Path) -> list[StatisticsRow]:
    """The rows of a statistics file (a path or ``sqlite:///path``) or PostgreSQL database (a
    ``postgresql://`` URL), read only (never created or changed).

    A missing file or one that is not a statistics file is a ``ValueError`` saying so.
    """
    from ..postgresql import is_postgresql_url

    if is_postgresql_url(path):
        from .stats_postgres import read_postgres_statistics

        return read_postgres_statistics(str(path))
    if isinstance(path, str):
        path = path.removeprefix("sqlite:///")
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no statistics file at {str(path)!r}")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10.0)
    except sqlite3.Error as error:
        raise ValueError(f"cannot open {str(path)!r}: {error}") from None
    try:
        cursor = connection.execute(
            "SELECT day, country, region, views FROM location_views "
            "ORDER BY day, country = '', country, region"
        )
        return [_row(*values) for values in cursor.fetchall()]
    except (sqlite3.Error, ValueError, TypeError) as error:
        raise ValueError(f"{str(path)!r} is not a consentkit statistics file ({error})") from None
    finally:
        connection.close()


class LocationStatistics:
    """The recorder the core calls for each HTML ``GET`` page view answered ``200``.

    :meth:`record` never blocks on I/O and never raises. Counts reach the ``store`` from a
    background thread at most every ``interval`` seconds, and on :meth:`flush` and
    :meth:`close`.
    """

    def __init__(self, store: StatisticsStore, *, interval: float = FLUSH_INTERVAL) -> None:
        self.store = store
        self.interval = interval
        #: Page views dropped because too many distinct keys were waiting for a write.
        self.dropped = 0
        #: Page views that could not be recorded or written (an error was logged).
        self.failed = 0
        #: Transactions written to the store.
        self.commits = 0
        #: Whether the last write failed (the outage is logged once, and its end).
        self.failing = False
        self._pending: dict[Key, int] = {}
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        _open_recorders.add(self)

    def _after_fork_in_child(self) -> None:
        """A forked worker starts afresh: the parent's thread did not come along, its locks
        may have been held, and its pending counts are the parent's to write (not twice)."""
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._thread = None
        self._pending = {}
        after_fork = getattr(self.store, "_after_fork_in_child", None)
        if after_fork is not None:
            after_fork()

    def record(self, consent: Consent) -> None:
        """Count one page view of the visitor whose consent this is."""
        if self._closed:
            self.dropped += 1
            return
        try:
            if consent.allows("location"):
                location = consent.location
                key: Key = (
                    int(time.time() // _SECONDS_PER_DAY),
                    location.country if location is not None else None,
                    location.region if location is not None else None,
                )
            else:
                key = (int(time.time() // _SECONDS_PER_DAY), None, None)
            with self._lock:
                pending = self._pending
                if key in pending:
                    pending[key] += 1
                elif len(pending) < MAX_PENDING_KEYS:
                    pending[key] = 1
                else:
                    self.dropped += 1
                    return
            if self._thread is None:
                self._start()
        except Exception:
            self.failed += 1

    def _start(self) -> None:
        with self._lock:
            if self._closed or self._thread is not None:
                return
            self._thread = threading.Thread(
                target=self._run, name="consentkit-statistics", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            self.flush()
            if self._closed:
                return

    def flush(self) -> None:
        """Write the pending counts now, in one transaction."""
        with self._write_lock:
            with self._lock:
                pending, self._pending = self._pending, {}
            if not pending:
                return
            try:
                self.store.add(pending)
                self.commits += 1
            except Exception as error:
                self._log_failure(error)
                with self._lock:  # keep them for the next write, within the bound
                    for key, count in pending.items():
                        if key in self._pending:
                            self._pending[key] += count
                        elif len(self._pending) < MAX_PENDING_KEYS:
                            self._pending[key] = count
                        else:
                            self.failed += count
            else:
                if self.failing:
                    self.failing = False
                    logger.warning("consentkit: location statistics are written again")

    def _log_failure(self, error: Exception) -> None:
        """Log the first failed write of an outage (the next ones only at debug level)."""
        if self.failing:
            logger.debug("consentkit: still cannot write location statistics: %s", error)
            return
        self.failing = True
        where = getattr(self.store, "location", "")
        logger.warning(
            "consentkit: could not write location statistics%s: %s; the counts wait in "
            "memory (up to %d distinct days and places) and are written when the store is back",
            f" to {where}" if where else "",
            error,
            MAX_PENDING_KEYS,
        )

    def close(self) -> None:
        """Write what is pending, stop the background thread and close the store."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
        _open_recorders.discard(self)
        if thread is not None:
            self._wake.set()
            thread.join(timeout=30)
        self.flush()
        self.store.close()


_open_recorders: weakref.WeakSet[LocationStatistics] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    """At interpreter exit, write what every open recorder still holds."""
    for recorder in list(_open_recorders):
        try:
            recorder.close()
        except Exception as error:  # exit must go on
            logger.warning("consentkit: could not close location statistics: %s", error)


def _reset_after_fork() -> None:
    for recorder in list(_open_recorders):
        recorder._after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def open_statistics(settings: Settings) -> LocationStatistics:
    """The recorder for ``settings.statistics`` (an SQLite file, or a ``postgresql://`` URL);
    ``ValueError`` when unusable."""
    if settings.statistics is None:
        raise ValueError("open_statistics needs the statistics option (a file path or URL)")
    if isinstance(settings.statistics, str):
        from .stats_postgres import PostgresStatisticsStore

        return LocationStatistics(PostgresStatisticsStore(settings.statistics))
    return LocationStatistics(SQLiteStatisticsStore(settings.statistics))
