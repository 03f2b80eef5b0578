"""Consent records in PostgreSQL (``records="postgresql://…"``): one chain of records for a
site on several hosts, each with several worker processes.

The store logic (schema, chain, tombstones, prune) is :class:`~.sql.SQLRecordStore`'s, the
same as SQLite's; this module gives it psycopg 3 connections from a pool and the
:data:`POSTGRES` dialect:

- every write transaction starts by taking one transaction-scoped advisory lock (the
  *chain lock*), so appends from every process and host are serialised: each reads the head
  that the one before committed and links after it; two writers never take the same ``seq``.
  The head row is also read ``FOR UPDATE``. Only writes take the lock; reads (export, verify,
  the receipt) never wait for it;
- the tables are created on first use inside such a transaction, so several processes using a
  new database at once create them once (``CREATE TABLE IF NOT EXISTS`` alone is not safe
  against a concurrent one in PostgreSQL);
- a server that is down, restarting or out of connections raises
  :class:`~.store.StoreUnavailable` within :data:`WRITE_TIMEOUT` seconds, and the recorder
  spools the record.

The pool is thread-safe and opens lazily in each process (a forked worker gets its own), so
the recorder's writer threads share one store.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from typing import Any

import psycopg

from ..postgresql import Pool, check_url, lock_key, unavailable_errors
from .signing import RecordSigner
from .sql import Dialect, SQLRecordStore
from .store import StoreUnavailable, describe

logger = logging.getLogger("consentkit")

#: Seconds a write waits for a connection before the record is spooled: below the recorder's
#: wait, so a server that is down spools the record while its visitor's response waits.
WRITE_TIMEOUT = 2.0
#: Connections per process (writes are serialised by the chain lock; reads run beside them).
POOL_SIZE = 4
#: The advisory lock every write transaction holds.
CHAIN_LOCK = lock_key("records chain")

POSTGRES = Dialect(
    placeholder="%s",
    begin_write=f"BEGIN; SELECT pg_advisory_xact_lock({CHAIN_LOCK})",
    lock_head=" FOR UPDATE",
    # A unique index refusing a row is wrapped like an outage (so ``append`` sees it as the
    # cause of StoreUnavailable) and then recognised as an entry already stored.
    unavailable=(*unavailable_errors(), psycopg.errors.UniqueViolation),
    duplicate=(psycopg.errors.UniqueViolation,),
)


class PostgresRecordStore(SQLRecordStore):
    """A :class:`~.store.RecordStore` in a PostgreSQL database, over a connection pool.

    Nothing connects here; the first use creates the tables (see the module's text). A
    database written by a newer consentkit makes every write raise
    :class:`~.store.StoreUnavailable` (logged once): the records wait in the spool until
    consentkit is upgraded.
    """

    dialect = POSTGRES

    def __init__(
        self,
        url: str,
        signer: RecordSigner | None,
        *,
        timeout: float = WRITE_TIMEOUT,
        pool_size: int = POOL_SIZE,
    ) -> None:
        super().__init__(signer)
        self.url = check_url("records", url)
        self.location = describe(url)
        self._pool = Pool(url, name="records", max_size=pool_size, timeout=timeout)
        self._schema_lock = threading.RLock()
        self._schema_pid = os.getpid()
        self._schema_ready = False
        self._creating_schema = False
        self._refused: str | None = None

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Any]:
        """A pooled connection (autocommit); the tables created first if need be. A server
        that cannot be used now raises :class:`~.store.StoreUnavailable`, for reads too (the
        spool's replay reads before it writes)."""
        if not self._schema_ready:
            self._ensure_schema()
        try:
            with self._pool.connection() as connection:
                yield connection
        except self.dialect.unavailable as error:
            raise StoreUnavailable(f"{self.location}: {error}") from error

    def _ensure_schema(self) -> None:
        if self._schema_pid != os.getpid():  # a forked child: the lock may be held
            self._schema_pid = os.getpid()
            self._schema_lock = threading.RLock()
            self._creating_schema = False
        with self._schema_lock:
            if self._schema_ready or self._creating_schema:  # done, or this thread's own
                return
            if self._refused is not None:
                raise StoreUnavailable(self._refused)
            self._creating_schema = True
            try:
                self.create_schema()
                self._schema_ready = True
            except ValueError as error:  # a newer schema: never write into it
                self._refused = str(error)
                logger.error("consent records: %s", error)
                raise StoreUnavailable(self._refused) from None
            finally:
                self._creating_schema = False

    def close(self) -> None:
        """Close this process's connections."""
        self._pool.close()


def open_postgres_store(url: str, signer: RecordSigner | None) -> PostgresRecordStore:
    """The store at ``url`` (see :func:`~.store.open_store`); a ``ValueError`` when the URL
    cannot be read or psycopg is missing, not when the server is down."""
    return PostgresRecordStore(url, signer)
