"""What the PostgreSQL stores share (``records=`` and ``statistics=`` given a ``postgresql://``
URL): psycopg 3 found or a message naming the extra, the URL checked, and :class:`Pool`, a
connection pool that opens lazily in each process and prepares the schema on first use.

Nothing connects at start-up: a server that is down when the app starts is an outage like any
other (statistics wait in memory, records in the spool), not a failed start. A URL psycopg
cannot read, or psycopg missing, is a ``ValueError`` at start-up.

Schema creation and migrations run under :func:`schema_lock`, a transaction-scoped advisory
lock: several worker processes (or hosts) starting at once create the tables once, the others
wait and then find them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import zlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from .records.store import describe

if TYPE_CHECKING:
    import psycopg
    import psycopg_pool

#: URL schemes that mean PostgreSQL (libpq accepts both).
SCHEMES = ("postgresql://", "postgres://")
#: Seconds a caller waits for a connection from the pool (the server down: fail, then retry).
CONNECTION_TIMEOUT = 5.0
#: libpq's ``connect_timeout`` (seconds) unless the URL sets it: a host that does not answer.
CONNECT_TIMEOUT = 5


def is_postgresql_url(value: object) -> bool:
    """Whether a ``records``/``statistics`` value names a PostgreSQL database."""
    return isinstance(value, str) and value.startswith(SCHEMES)


def check_url(option: str, url: str) -> str:
    """``url`` when psycopg is installed and can read it; else a ``ValueError`` that says
    what to change (``option`` names the option in the message)."""
    try:
        import psycopg
        import psycopg_pool  # noqa: F401  (the pool is part of the extra)
    except ImportError:
        raise ValueError(
            f"{option}: a postgresql:// store needs psycopg 3 and its pool; "
            "pip install 'consentkit[postgres]'"
        ) from None
    try:
        psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error as error:
        raise ValueError(
            f"{option}: {describe(url)!r} is not a PostgreSQL URL psycopg can read ({error}); "
            "write postgresql://user:password@host:port/database"
        ) from None
    return url


def unavailable_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean the database cannot be used now (down, restarting, not
    reachable, out of connections, read-only): the caller keeps its data for later."""
    import psycopg
    import psycopg_pool

    return (psycopg.OperationalError, psycopg.InterfaceError, psycopg_pool.PoolTimeout)


#: The prefix of the names of consentkit's pools.
POOL_PREFIX = "consentkit-"


class QuietPoolRetries(logging.Filter):
    """Drops psycopg_pool's warning for each failed connection attempt of consentkit's own
    pools (a line every second or so while the server is down): the stores log an outage once,
    and its end. Other pools' lines pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Whether the line is logged."""
        args = record.args
        ours = isinstance(args, tuple) and bool(args) and str(args[0]).startswith(POOL_PREFIX)
        return not (ours and record.levelno <= logging.WARNING)


logging.getLogger("psycopg.pool").addFilter(QuietPoolRetries())


def lock_key(name: str) -> int:
    """A stable 32-bit advisory-lock key for ``name`` (the same in every process and host)."""
    return zlib.crc32(f"consentkit:{name}".encode())


@contextlib.contextmanager
def schema_lock(connection: psycopg.Connection[Any], name: str) -> Iterator[None]:
    """A transaction holding the advisory lock ``name``: schema changes inside it run once
    even when several processes start at once."""
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(name),))
        yield


class Pool:
    """A psycopg connection pool, opened on first use in each process (a pre-forking server's
    workers each get their own; the parent's is left alone, as its connections are the
    parent's), whose connections are in autocommit mode and checked before each use.

    ``prepare`` runs once per process, on the first connection, before anything else uses it
    (the schema); if it fails, it runs again next time.
    """

    def __init__(
        self,
        url: str,
        *,
        name: str,
        prepare: Callable[[psycopg.Connection[Any]], None] | None = None,
        max_size: int = 4,
        timeout: float = CONNECTION_TIMEOUT,
    ) -> None:
        self.url = url
        self.name = name
        self.timeout = timeout
        self._prepare = prepare
        self._max_size = max_size
        self._lock = threading.Lock()
        self._pool: psycopg_pool.ConnectionPool[Any] | None = None
        self._pid = os.getpid()
        self._prepared = False
        self._closed = False
        #: Pools inherited across a fork: never used or closed here (the parent's sockets).
        self._inherited: list[psycopg_pool.ConnectionPool[Any]] = []

    def _current(self) -> psycopg_pool.ConnectionPool[Any]:
        if self._pid != os.getpid():
            # A forked child: the lock may have been held by a thread that did not come along.
            self._lock = threading.Lock()
            self._pid = os.getpid()
            if self._pool is not None:
                self._inherited.append(self._pool)
            self._pool, self._prepared = None, False
        with self._lock:
            if self._closed:
                raise RuntimeError(f"the {self.name} pool is closed")
            if self._pool is None:
                self._pool = self._open()
            return self._pool

    def _open(self) -> psycopg_pool.ConnectionPool[Any]:
        import psycopg
        import psycopg_pool

        settings = psycopg.conninfo.conninfo_to_dict(self.url)
        extra: dict[str, Any] = {"autocommit": True}
        if "connect_timeout" not in settings:
            extra["connect_timeout"] = CONNECT_TIMEOUT
        if "application_name" not in settings:
            extra["application_name"] = f"consentkit {self.name}"
        pool: psycopg_pool.ConnectionPool[Any] = psycopg_pool.ConnectionPool(
            self.url,
            kwargs=extra,
            min_size=1,
            max_size=self._max_size,
            timeout=self.timeout,
            check=psycopg_pool.ConnectionPool.check_connection,
            name=f"{POOL_PREFIX}{self.name}",
            open=False,
        )
        pool.open(wait=False)
        return pool

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection (autocommit) for the ``with`` block; the schema prepared."""
        pool = self._current()
        with pool.connection(timeout=self.timeout) as connection:
            if not self._prepared and self._prepare is not None:
                self._prepare(connection)
                self._prepared = True
            yield connection

    def close(self) -> None:
        """Close this process's pool (not an inherited one); no use afterwards."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
            mine = self._pid == os.getpid()
        if pool is not None and mine:
            pool.close(timeout=self.timeout)
