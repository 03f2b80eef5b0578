"""The embedded record store: one SQLite file (no server to run).

WAL journal (readers never block the writer), ``BEGIN IMMEDIATE`` for every write (two worker
processes never interleave a chain step), a busy timeout for the other writer, one connection
per thread (and a new one after a ``fork``). The file and its tables are created here, so a
folder that does not exist or a file that is not a record store is a ``ValueError`` at
start-up; a disk that is full or goes read-only later makes writes raise
:class:`~.store.StoreUnavailable`, and the recorder spools.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from .signing import RecordSigner
from .sql import Dialect, SQLRecordStore

#: Seconds a write waits for another writer (another worker process) to finish.
BUSY_TIMEOUT = 5.0
#: Bytes the write-ahead log is cut back to after a checkpoint.
WAL_LIMIT = 1 << 20

SQLITE = Dialect(
    placeholder="?",
    begin_write="BEGIN IMMEDIATE",
    lock_head="",  # BEGIN IMMEDIATE already holds the database's write lock
    unavailable=(sqlite3.OperationalError, sqlite3.DatabaseError),
    duplicate=(sqlite3.IntegrityError,),
)


class SQLiteRecordStore(SQLRecordStore):
    """A :class:`~.store.RecordStore` in one SQLite file."""

    dialect = SQLITE

    def __init__(self, path: str | Path, signer: RecordSigner | None) -> None:
        super().__init__(signer)
        self.path = Path(path)
        self.location = str(self.path)
        self._local = threading.local()
        self._pid = os.getpid()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        if not self.path.parent.is_dir():
            raise ValueError(
                f"records: the folder of {self.location!r} does not exist; create it or give "
                "another records path"
            )
        if self.path.is_dir():
            raise ValueError(f"records: {self.location!r} is a folder; give a file path in it")
        try:
            self.create_schema()
        except ValueError:
            raise
        except Exception as error:
            raise ValueError(
                f"records: cannot use {self.location!r} as an SQLite record store ({error}); "
                "give a file in a folder the server can write, or a postgresql:// URL"
            ) from None

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
        )
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")  # a committed record survives a crash
            # The WAL is truncated back to this after a checkpoint: a nearly full disk is not
            # kept full by a WAL that grew once.
            connection.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
        except sqlite3.Error:
            connection.close()
            raise
        with self._all_lock:
            self._all.append(connection)
        return connection

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if os.getpid() != self._pid:  # a forked worker: the parent's connections are not ours
            self._pid = os.getpid()
            self._local = threading.local()
            self._all = []
            self._all_lock = threading.Lock()
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            try:
                connection = self._connect()
            except sqlite3.Error:
                raise
            self._local.connection = connection
        try:
            yield connection
        except sqlite3.IntegrityError:
            raise
        except sqlite3.DatabaseError as error:
            if "full" in str(error):
                # The WAL holds pages a checkpoint can give back to the disk once there is
                # room: otherwise a store that filled its disk stays full for good.
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            # A broken connection (disk gone, file replaced): start afresh next time.
            self._local.connection = None
            with contextlib.suppress(sqlite3.Error):
                connection.close()
            raise

    def close(self) -> None:
        """Close every connection this process opened."""
        with self._all_lock:
            connections, self._all = self._all, []
        for connection in connections:
            with contextlib.suppress(sqlite3.Error):
                connection.close()
        self._local = threading.local()
