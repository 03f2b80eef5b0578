"""Location statistics in PostgreSQL (``statistics="postgresql://…"``): one set of counts for
a site on several hosts, each with several worker processes.

Two tables, created on first use (under an advisory lock, so workers starting together create
them once):

- ``location_views (day, country, region, views)``, as in the SQLite file: ``country`` and
  ``region`` are ``''`` when unknown or not consented;
- ``statistics_schema_version (version)``: one row, the version of these tables, so a later
  consentkit can migrate them (a database written by a newer one is refused).

Each flush is one transaction of ``INSERT … ON CONFLICT DO UPDATE SET views = views + …``:
PostgreSQL adds concurrent upserts of the same row one after the other, so writers on many
processes and hosts never lose a count. The rows are written in key order, so two writers
lock the rows they share in the same order and never deadlock.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from ..postgresql import CONNECTION_TIMEOUT, Pool, check_url, schema_lock, unavailable_errors
from ..records.store import describe
from .stats import Key, StatisticsRow

SCHEMA_VERSION = 1
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS statistics_schema_version (version INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS location_views (
    day     DATE   NOT NULL,            -- UTC
    country TEXT   NOT NULL DEFAULT '', -- ISO 3166 alpha-2; '' when unknown or not consented
    region  TEXT   NOT NULL DEFAULT '', -- ISO 3166-2 subdivision code; '' when unknown
    views   BIGINT NOT NULL,
    PRIMARY KEY (day, country, region)
)""",
)
_UPSERT = (
    "INSERT INTO location_views AS stored (day, country, region, views) "
    "VALUES (%s, %s, %s, %s) "
    "ON CONFLICT (day, country, region) DO UPDATE SET views = stored.views + excluded.views"
)
_SELECT = (
    "SELECT day, country, region, views FROM location_views "
    "ORDER BY day, country = '', country, region"
)
_EPOCH = datetime.date(1970, 1, 1)


def _create_schema(connection: Any) -> None:
    with schema_lock(connection, "statistics schema"):
        for statement in _SCHEMA:
            connection.execute(statement)
        found = connection.execute("SELECT version FROM statistics_schema_version").fetchall()
        if not found:
            connection.execute(
                "INSERT INTO statistics_schema_version (version) VALUES (%s)", (SCHEMA_VERSION,)
            )
        elif found[0][0] > SCHEMA_VERSION:
            raise ValueError(
                f"statistics: the database was written by a newer consentkit (schema "
                f"{found[0][0]}); upgrade consentkit"
            )


def _row(day: datetime.date, country: str, region: str, views: int) -> StatisticsRow:
    return StatisticsRow(day, country or None, region or None, int(views))


class PostgresStatisticsStore:
    """A :class:`~.stats.StatisticsStore` in a PostgreSQL database, over a small pool.

    Nothing connects here: the first :meth:`add` or :meth:`rows` does (and creates the
    tables). While the server is down they raise (psycopg's ``OperationalError``, the pool's
    ``PoolTimeout``), and :class:`~.stats.LocationStatistics` keeps the counts for later.
    """

    def __init__(self, url: str, *, max_size: int = 2, timeout: float = CONNECTION_TIMEOUT) -> None:
        self.url = check_url("statistics", url)
        #: Where the counts go, for messages (no password).
        self.location = describe(url)
        #: What :meth:`add` raises when the database cannot be written now.
        self.unavailable = unavailable_errors()
        self._pool = Pool(
            url, name="statistics", prepare=_create_schema, max_size=max_size, timeout=timeout
        )

    def add(self, counts: Mapping[Key, int]) -> None:
        """Add ``counts`` to the stored ones, in one transaction."""
        merged: dict[tuple[datetime.date, str, str], int] = {}
        for (day, country, region), n in counts.items():
            if n > 0:
                key = (_EPOCH + datetime.timedelta(days=day), country or "", region or "")
                merged[key] = merged.get(key, 0) + n
        if not merged:
            return
        rows = [(*key, n) for key, n in sorted(merged.items())]
        with (
            self._pool.connection() as connection,
            connection.transaction(),
            connection.cursor() as cursor,
        ):
            cursor.executemany(_UPSERT, rows)

    def rows(self) -> list[StatisticsRow]:
        """Every stored count, by day, then country (unknown last), then region."""
        with self._pool.connection() as connection:
            return [_row(*values) for values in connection.execute(_SELECT).fetchall()]

    def close(self) -> None:
        """Close the pool."""
        self._pool.close()


def read_postgres_statistics(url: str) -> list[StatisticsRow]:
    """The rows of the statistics in the database at ``url``, read without creating or
    changing anything; a ``ValueError`` saying why when they cannot be read."""
    import psycopg

    check_url("statistics", url)
    try:
        with psycopg.connect(url, connect_timeout=10) as connection:
            return [_row(*values) for values in connection.execute(_SELECT).fetchall()]
    except psycopg.errors.UndefinedTable:
        raise ValueError(
            f"{describe(url)!r} holds no location statistics (no table location_views)"
        ) from None
    except psycopg.Error as error:
        raise ValueError(f"cannot read {describe(url)!r}: {error}") from None
