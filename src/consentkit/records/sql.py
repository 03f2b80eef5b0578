"""The record store written once over DB-API: :class:`SQLRecordStore`.

A backend gives a :class:`Dialect` (its placeholder, how a write transaction begins, how the
chain's head row is locked, which errors mean "unavailable now") and a ``_connection()``
context manager yielding an autocommit connection with ``execute``; everything else (schema,
chain, tombstones, prune) is here. Queries are written with ``?`` and translated once.
"""

from __future__ import annotations

import contextlib
import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .signing import RecordSigner
from .store import (
    RECORD_COLUMNS,
    SCHEMA,
    SCHEMA_VERSION,
    ChainState,
    ConsentRecordRow,
    RecordEntry,
    ShownText,
    StoreUnavailable,
    format_time,
    json_names,
    parse_time,
)

#: Rows read per query when iterating (so a long chain is never read whole into memory).
BATCH = 1000


@dataclass(frozen=True, slots=True)
class Dialect:
    """What differs between the SQL databases the stores run on."""

    #: The parameter placeholder: ``?`` (sqlite3) or ``%s`` (psycopg).
    placeholder: str
    #: The statement that starts a write transaction.
    begin_write: str
    #: Appended to the ``SELECT`` of the chain's head row inside a write transaction.
    lock_head: str
    #: Exceptions that mean the store cannot take a write now.
    unavailable: tuple[type[BaseException], ...]
    #: The exception of a unique index refusing a row (an entry already stored); checked
    #: before ``unavailable``.
    duplicate: tuple[type[BaseException], ...] = ()


_COLUMNS = ", ".join(RECORD_COLUMNS)
_STATE = "start_seq, start_previous, head_seq, head_signature, key_id, seal"


class SQLRecordStore:
    """A :class:`~.store.RecordStore` over a DB-API database; subclasses connect."""

    dialect: Dialect
    #: Where this store is, for messages.
    location: str

    def __init__(self, signer: RecordSigner | None) -> None:
        self._signer = signer

    # -- what a backend provides --------------------------------------------------------------

    def _connection(self) -> contextlib.AbstractContextManager[Any]:
        """A connection in autocommit mode, for the duration of the ``with``."""
        raise NotImplementedError

    # -- plumbing -----------------------------------------------------------------------------

    def _sql(self, query: str) -> str:
        placeholder = self.dialect.placeholder
        return query if placeholder == "?" else query.replace("?", placeholder)

    @contextlib.contextmanager
    def _write(self) -> Iterator[Any]:
        """A write transaction; an unavailable store raises :class:`StoreUnavailable`."""
        try:
            with self._connection() as connection:
                connection.execute(self.dialect.begin_write)
                try:
                    yield connection
                    connection.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(*self.dialect.unavailable):
                        connection.execute("ROLLBACK")
                    raise
        except self.dialect.unavailable as error:
            raise StoreUnavailable(f"{self.location}: {error}") from error

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Any]:
        """A connection for reads; an unavailable store raises :class:`StoreUnavailable`."""
        try:
            with self._connection() as connection:
                yield connection
        except self.dialect.unavailable as error:
            raise StoreUnavailable(f"{self.location}: {error}") from error

    def _read(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._reading() as connection:
            return list(connection.execute(self._sql(query), params).fetchall())

    def _require_signer(self) -> RecordSigner:
        if self._signer is None:
            raise ValueError("records: this store was opened without secret_key: read only")
        return self._signer

    def create_schema(self) -> None:
        """Create the tables on first use; refuse a store of a newer schema."""
        with self._write() as connection:
            for statement in SCHEMA:
                connection.execute(statement)
            found = connection.execute("SELECT version FROM schema_version").fetchall()
            if not found:
                connection.execute(
                    self._sql("INSERT INTO schema_version (version) VALUES (?)"),
                    (SCHEMA_VERSION,),
                )
            elif found[0][0] > SCHEMA_VERSION:
                raise ValueError(
                    f"records: {self.location!r} was written by a newer consentkit (schema "
                    f"{found[0][0]}); upgrade consentkit or give another store"
                )

    # -- writes -------------------------------------------------------------------------------

    def append(self, entry: RecordEntry) -> ConsentRecordRow:
        """Sign ``entry`` after the chain's head and commit it (once: see the protocol)."""
        try:
            return self._append(entry)
        except StoreUnavailable as error:
            if not isinstance(error.__cause__, self.dialect.duplicate):
                raise
        for row in self.records(consent_id=entry.consent_id, since=entry.recorded_at):
            if row.recorded_at == entry.recorded_at:
                return row
        raise StoreUnavailable(f"{self.location}: a duplicate that cannot be read back")

    def _append(self, entry: RecordEntry) -> ConsentRecordRow:
        signer = self._require_signer()
        with self._write() as connection:
            state = self._locked_state(connection)
            seq = state.head_seq + 1 if state else 1
            row = signer.sign(entry, seq, state.head_signature if state else "")
            marks = ", ".join("?" * len(RECORD_COLUMNS))
            connection.execute(
                self._sql(f"INSERT INTO consent_records ({_COLUMNS}) VALUES ({marks})"),
                _params(row),
            )
            start = (state.start_seq, state.start_previous) if state else (1, "")
            self._save_state(connection, signer.seal_state(*start, seq, row.signature))
        return row

    def add_shown_text(self, text: ShownText) -> None:
        """Store ``text`` once."""
        with self._write() as connection:
            connection.execute(
                self._sql(
                    "INSERT INTO shown_texts (sha256, locale, policy_version, first_shown, text) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING"
                ),
                (
                    text.sha256,
                    text.locale,
                    text.policy_version,
                    format_time(text.first_shown),
                    text.text,
                ),
            )

    def erase(self, consent_id: str) -> int:
        """Replace every record of ``consent_id`` by a tombstone."""
        signer = self._require_signer()
        now = datetime.datetime.now(datetime.timezone.utc)
        with self._write() as connection:
            self._locked_state(connection)
            rows = self._fetch_rows(
                connection, "kind = 'record' AND consent_id = ? ORDER BY seq", (consent_id,)
            )
            for row in rows:
                self._replace(connection, signer.tombstone(row, "erased", now))
            self._compact(connection, signer)
        return len(rows)

    def prune(self, before: datetime.datetime, in_force_since: datetime.datetime) -> int:
        """Replace old records by tombstones, keeping each consent's latest one in force."""
        signer = self._require_signer()
        now = datetime.datetime.now(datetime.timezone.utc)
        with self._write() as connection:
            self._locked_state(connection)
            old = self._fetch_rows(
                connection,
                "kind = 'record' AND recorded_at < ? ORDER BY seq",
                (format_time(before),),
            )
            latest = {
                consent_id: seq
                for consent_id, seq in connection.execute(
                    "SELECT consent_id, MAX(seq) FROM consent_records WHERE kind = 'record' "
                    "GROUP BY consent_id"
                ).fetchall()
            }
            gone = 0
            for row in old:
                is_latest = latest.get(row.consent_id) == row.seq
                if not (is_latest and row.recorded_at >= in_force_since):
                    self._replace(connection, signer.tombstone(row, "pruned", now))
                    gone += 1
            self._compact(connection, signer)
        return gone

    def _replace(self, connection: Any, tombstone: ConsentRecordRow) -> None:
        settings = ", ".join(f"{column} = ?" for column in RECORD_COLUMNS[1:])
        connection.execute(
            self._sql(f"UPDATE consent_records SET {settings} WHERE seq = ?"),
            (*_params(tombstone)[1:], tombstone.seq),
        )

    def _compact(self, connection: Any, signer: RecordSigner) -> None:
        """Drop the tombstones at the chain's start; its signed start moves past them."""
        state = self._state_of(connection)
        if state is None:
            return
        first_live = connection.execute(
            "SELECT MIN(seq) FROM consent_records WHERE kind = 'record'"
        ).fetchall()[0][0]
        new_start = state.head_seq + 1 if first_live is None else int(first_live)
        if new_start <= state.start_seq:
            return
        last_dropped = connection.execute(
            self._sql("SELECT signature FROM consent_records WHERE seq = ?"), (new_start - 1,)
        ).fetchall()
        if not last_dropped:
            return
        connection.execute(self._sql("DELETE FROM consent_records WHERE seq < ?"), (new_start,))
        start = (new_start, last_dropped[0][0])
        self._save_state(
            connection, signer.seal_state(*start, state.head_seq, state.head_signature)
        )

    # -- the chain's ends ---------------------------------------------------------------------

    def _locked_state(self, connection: Any) -> ChainState | None:
        query = f"SELECT {_STATE} FROM record_chain WHERE id = 1{self.dialect.lock_head}"
        found = connection.execute(query).fetchall()
        return ChainState(*found[0]) if found else None

    def _state_of(self, connection: Any) -> ChainState | None:
        found = connection.execute(f"SELECT {_STATE} FROM record_chain WHERE id = 1").fetchall()
        return ChainState(*found[0]) if found else None

    def _save_state(self, connection: Any, state: ChainState) -> None:
        connection.execute(
            self._sql(
                f"INSERT INTO record_chain (id, {_STATE}) VALUES (1, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET start_seq = excluded.start_seq, "
                "start_previous = excluded.start_previous, head_seq = excluded.head_seq, "
                "head_signature = excluded.head_signature, key_id = excluded.key_id, "
                "seal = excluded.seal"
            ),
            (
                state.start_seq,
                state.start_previous,
                state.head_seq,
                state.head_signature,
                state.key_id,
                state.seal,
            ),
        )

    # -- reads --------------------------------------------------------------------------------

    def _fetch_rows(
        self, connection: Any, where: str, params: tuple[Any, ...]
    ) -> list[ConsentRecordRow]:
        query = self._sql(f"SELECT {_COLUMNS} FROM consent_records WHERE {where}")
        return [_row(values) for values in connection.execute(query, params).fetchall()]

    def _batches(self, where: str, params: tuple[Any, ...]) -> Iterator[ConsentRecordRow]:
        after = 0
        while True:
            with self._reading() as connection:
                rows = self._fetch_rows(
                    connection, f"seq > ?{where} ORDER BY seq LIMIT {BATCH}", (after, *params)
                )
            yield from rows
            if len(rows) < BATCH:
                return
            after = rows[-1].seq

    def records(
        self,
        *,
        consent_id: str | None = None,
        since: datetime.datetime | None = None,
        until: datetime.datetime | None = None,
    ) -> Iterator[ConsentRecordRow]:
        """The records (no tombstones), filtered, in chain order."""
        where, params = " AND kind = 'record'", list[str]()
        if consent_id is not None:
            where, params = where + " AND consent_id = ?", [*params, consent_id]
        if since is not None:
            where, params = where + " AND recorded_at >= ?", [*params, format_time(since)]
        if until is not None:
            where, params = where + " AND recorded_at < ?", [*params, format_time(until)]
        return self._batches(where, tuple(params))

    def latest(self, consent_id: str) -> ConsentRecordRow | None:
        """The last record of ``consent_id``."""
        with self._reading() as connection:
            rows = self._fetch_rows(
                connection,
                "kind = 'record' AND consent_id = ? ORDER BY seq DESC LIMIT 1",
                (consent_id,),
            )
        return rows[0] if rows else None

    def chain(self) -> Iterator[ConsentRecordRow]:
        """Every row in chain order."""
        return self._batches("", ())

    def chain_state(self) -> ChainState | None:
        """The signed ends of the chain."""
        with self._reading() as connection:
            return self._state_of(connection)

    def shown_text(self, sha256: str) -> ShownText | None:
        """The stored text with this SHA-256."""
        found = self._read(
            "SELECT sha256, locale, policy_version, first_shown, text FROM shown_texts "
            "WHERE sha256 = ?",
            (sha256,),
        )
        if not found:
            return None
        sha, locale, policy_version, first_shown, text = found[0]
        return ShownText(sha, locale, policy_version, parse_time(first_shown), text)


def _params(row: ConsentRecordRow) -> tuple[Any, ...]:
    return (
        row.seq,
        row.kind,
        row.consent_id,
        format_time(row.recorded_at),
        row.choice,
        json_names(row.granted),
        json_names(row.refused),
        row.policy_version,
        row.locale,
        int(row.gpc),
        row.banner_sha256,
        row.key_id,
        row.digest,
        row.previous,
        row.signature,
        row.seal,
    )


def _row(values: tuple[Any, ...]) -> ConsentRecordRow:
    (seq, kind, consent_id, recorded_at, choice, granted, refused, *rest) = values
    policy_version, locale, gpc, banner_sha256, key_id, digest, previous, signature, seal = rest
    return ConsentRecordRow(
        seq=int(seq),
        kind=kind,
        consent_id=consent_id,
        recorded_at=parse_time(recorded_at),
        choice=choice,
        granted=tuple(json.loads(granted)),
        refused=tuple(json.loads(refused)),
        policy_version=policy_version,
        locale=locale,
        gpc=bool(gpc),
        banner_sha256=banner_sha256,
        key_id=key_id,
        digest=digest,
        previous=previous,
        signature=signature,
        seal=seal,
    )
