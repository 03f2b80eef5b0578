"""The consent record store: its interface, its rows, its portable schema, and how a
``records=`` value opens one.

Every backend (:mod:`.sqlite`, :mod:`.postgres`) implements :class:`RecordStore`. The chain
logic (sequence numbers, signatures, tombstones) lives in :mod:`.signing` and is driven by the
store inside its own write transaction, so two writers (two worker processes, two hosts) never
link to the same previous record.

The tables (:data:`SCHEMA`, the same text for SQLite and PostgreSQL):

- ``consent_records``: one row per chain position ``seq``. ``kind`` is ``record`` (a choice)
  or a tombstone (``erased``, ``pruned``): a tombstone keeps ``seq``, ``digest``, ``previous``
  and ``signature`` of the record it replaces, so the chain still verifies, and drops
  everything else; its ``seal`` signs that it is a tombstone.
- ``shown_texts``: each distinct banner + preferences text a visitor was shown, once, by its
  SHA-256 (``consent_records.banner_sha256`` points to it).
- ``record_chain``: one row (``id = 1``), the chain's signed ends: where it starts (after a
  prune) and its head, so that removing the last records is detected too.
- ``schema_version``: one row, the version of this schema (for later migrations).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .signing import RecordSigner

#: The version of :data:`SCHEMA`; a store written by a newer consentkit is refused.
SCHEMA_VERSION = 1

#: The kinds of row in ``consent_records``: a choice, or the tombstone of one.
RowKind = Literal["record", "erased", "pruned"]
TOMBSTONE_KINDS: frozenset[str] = frozenset({"erased", "pruned"})

#: The portable schema, one statement per item: SQLite and PostgreSQL both run it as is.
#: Times are ISO 8601 UTC text (``2026-12-01T21:07:59.123456Z``), which sorts as time does;
#: ``granted``/``refused`` are JSON lists of category names.
SCHEMA: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS consent_records (
    seq            BIGINT  PRIMARY KEY,  -- position in the chain, 1, 2, ...
    kind           TEXT    NOT NULL,     -- 'record', or a tombstone: 'erased', 'pruned'
    consent_id     TEXT    NOT NULL,     -- '' in a tombstone
    recorded_at    TEXT    NOT NULL,     -- server time, UTC (a tombstone: when it was made)
    choice         TEXT    NOT NULL,     -- accept_all, reject_all, save ('' in a tombstone)
    granted        TEXT    NOT NULL,     -- JSON list of category names
    refused        TEXT    NOT NULL,     -- JSON list of category names
    policy_version TEXT    NOT NULL,
    locale         TEXT    NOT NULL,
    gpc            INTEGER NOT NULL,     -- 1 when the request carried Sec-GPC: 1
    banner_sha256  TEXT    NOT NULL,     -- shown_texts.sha256 ('' when unknown)
    key_id         TEXT    NOT NULL,     -- which derived key signed digest and signature
    digest         TEXT    NOT NULL,     -- HMAC of the record's canonical fields
    previous       TEXT    NOT NULL,     -- the signature of the row before ('' for the first)
    signature      TEXT    NOT NULL,     -- HMAC of (seq, previous, digest): the chain link
    seal           TEXT    NOT NULL      -- a tombstone's own HMAC ('' in a record)
)""",
    "CREATE INDEX IF NOT EXISTS consent_records_by_id ON consent_records (consent_id, seq)",
    "CREATE INDEX IF NOT EXISTS consent_records_by_time ON consent_records (recorded_at)",
    # A choice is recorded once: a spooled record replayed after its slow write did commit
    # after all (in this process or another) is refused here, not written twice.
    "CREATE UNIQUE INDEX IF NOT EXISTS consent_records_once "
    "ON consent_records (consent_id, recorded_at) WHERE kind = 'record'",
    """CREATE TABLE IF NOT EXISTS shown_texts (
    sha256         TEXT PRIMARY KEY,     -- hex SHA-256 of text's UTF-8
    locale         TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    first_shown    TEXT NOT NULL,        -- ISO 8601 UTC
    text           TEXT NOT NULL         -- the banner's then the preferences page's text
)""",
    """CREATE TABLE IF NOT EXISTS record_chain (
    id             INTEGER PRIMARY KEY,  -- always 1
    start_seq      BIGINT  NOT NULL,     -- the first seq kept (1 until a prune drops some)
    start_previous TEXT    NOT NULL,     -- the previous link of that first row
    head_seq       BIGINT  NOT NULL,     -- the last seq written (0: none yet)
    head_signature TEXT    NOT NULL,     -- its signature
    key_id         TEXT    NOT NULL,
    seal           TEXT    NOT NULL      -- HMAC of the four values above
)""",
)

#: The columns of ``consent_records``, in :data:`SCHEMA`'s order (and the row type's).
RECORD_COLUMNS: tuple[str, ...] = (
    "seq",
    "kind",
    "consent_id",
    "recorded_at",
    "choice",
    "granted",
    "refused",
    "policy_version",
    "locale",
    "gpc",
    "banner_sha256",
    "key_id",
    "digest",
    "previous",
    "signature",
    "seal",
)


class StoreUnavailable(Exception):
    """The store cannot take a write now (down, full, locked, read-only): spool the record."""


@dataclass(frozen=True, slots=True)
class RecordEntry:
    """A choice to record, before the store gives it a place in the chain."""

    consent_id: str
    #: Server time, timezone-aware UTC.
    recorded_at: datetime.datetime
    #: ``accept_all``, ``reject_all`` or ``save``.
    choice: str
    granted: tuple[str, ...]
    refused: tuple[str, ...]
    policy_version: str
    locale: str
    gpc: bool
    #: The SHA-256 of the :class:`ShownText` the visitor was shown (``""`` when unknown).
    banner_sha256: str


@dataclass(frozen=True, slots=True)
class ConsentRecordRow:
    """One row of ``consent_records``: a signed record, or a tombstone (``kind`` erased or
    pruned, whose fields are empty and whose ``digest``/``previous``/``signature`` are the
    replaced record's)."""

    seq: int
    kind: RowKind
    consent_id: str
    recorded_at: datetime.datetime
    choice: str
    granted: tuple[str, ...]
    refused: tuple[str, ...]
    policy_version: str
    locale: str
    gpc: bool
    banner_sha256: str
    key_id: str
    digest: str
    previous: str
    signature: str
    seal: str

    @property
    def is_tombstone(self) -> bool:
        """Whether this row stands for an erased or pruned record."""
        return self.kind != "record"

    def as_json(self) -> dict[str, object]:
        """The export view (``consentkit records export``): the contract's fields, and the
        chain fields an auditor needs to check the signature."""
        return {
            "consent_id": self.consent_id,
            "recorded_at": format_time(self.recorded_at),
            "choice": self.choice,
            "granted": list(self.granted),
            "refused": list(self.refused),
            "policy_version": self.policy_version,
            "locale": self.locale,
            "gpc": self.gpc,
            "banner_sha256": self.banner_sha256,
            "seq": self.seq,
            "key_id": self.key_id,
            "signature": self.signature,
        }


@dataclass(frozen=True, slots=True)
class ShownText:
    """What a visitor was shown: the banner and preferences text of one language and policy
    version, stored once by the SHA-256 of its UTF-8."""

    sha256: str
    locale: str
    policy_version: str
    first_shown: datetime.datetime
    text: str


@dataclass(frozen=True, slots=True)
class ChainState:
    """The signed ends of the chain (the ``record_chain`` row)."""

    start_seq: int
    start_previous: str
    head_seq: int
    head_signature: str
    key_id: str
    seal: str


@runtime_checkable
class RecordStore(Protocol):
    """Where consent records are kept. Writes raise :class:`StoreUnavailable` when the store
    cannot take them now (the recorder then spools); a store is safe to share between threads.
    """

    #: Where this store is, for messages (a path or a URL without its password).
    location: str

    def append(self, entry: RecordEntry) -> ConsentRecordRow:
        """Sign ``entry``, link it after the chain's head and commit it, in one transaction.
        An entry already stored (same consent id and time) is not stored again: the stored
        row is returned."""
        ...

    def add_shown_text(self, text: ShownText) -> None:
        """Store ``text`` unless a text with its SHA-256 is already there."""
        ...

    def shown_text(self, sha256: str) -> ShownText | None:
        """The stored text with this SHA-256, or ``None``."""
        ...

    def records(
        self,
        *,
        consent_id: str | None = None,
        since: datetime.datetime | None = None,
        until: datetime.datetime | None = None,
    ) -> Iterator[ConsentRecordRow]:
        """The records (no tombstones) in chain order, of one consent id and/or with
        ``since <= recorded_at < until`` when given."""
        ...

    def latest(self, consent_id: str) -> ConsentRecordRow | None:
        """The last record of ``consent_id``, or ``None``."""
        ...

    def erase(self, consent_id: str) -> int:
        """Replace every record of ``consent_id`` by a signed tombstone; how many."""
        ...

    def prune(self, before: datetime.datetime, in_force_since: datetime.datetime) -> int:
        """Replace by tombstones the records older than ``before``, except the latest record
        of each consent id made at or after ``in_force_since`` (still in force); drop the
        tombstones at the chain's start. How many records went."""
        ...

    def chain(self) -> Iterator[ConsentRecordRow]:
        """Every row, tombstones included, in chain order (for verification)."""
        ...

    def chain_state(self) -> ChainState | None:
        """The signed ends of the chain, or ``None`` before the first record."""
        ...

    def close(self) -> None:
        """Release connections; the store is not used afterwards."""
        ...


def format_time(moment: datetime.datetime) -> str:
    """``moment`` as the stored text: ISO 8601 UTC with microseconds and a ``Z``."""
    utc = moment.astimezone(datetime.timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime.datetime:
    """The inverse of :func:`format_time` (timezone-aware UTC)."""
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def describe(url_or_path: str | Path) -> str:
    """A ``records`` value fit for a message: a URL without its password."""
    text = str(url_or_path)
    scheme, sep, rest = text.partition("://")
    if sep and "@" in rest:
        credentials, _, host = rest.rpartition("@")
        user = credentials.partition(":")[0]
        return f"{scheme}://{user}:***@{host}" if ":" in credentials else text
    return text


def sqlite_path(url_or_path: str | Path) -> Path | None:
    """The file a ``records`` value names for SQLite (a path or ``sqlite:///path``), or
    ``None`` when it is a PostgreSQL URL."""
    text = str(url_or_path)
    if text.startswith(("postgresql://", "postgres://")):
        return None
    if text.startswith("sqlite://"):
        rest = text[len("sqlite://") :]
        if not rest.startswith("/") or rest == "/":
            raise ValueError(
                f"records: {text!r} is not an SQLite URL; write sqlite:///relative/path or "
                "sqlite:////absolute/path, or give a plain path"
            )
        return Path(rest[1:])
    if "://" in text:
        raise ValueError(
            f"records: unknown store {describe(text)!r}; give a file path, sqlite:///path, "
            "or postgresql://user:password@host/database"
        )
    if not text:
        raise ValueError("records: give a file path, sqlite:///path or postgresql://...")
    return Path(text)


def open_store(url_or_path: str | Path, signer: RecordSigner | None = None) -> RecordStore:
    """Open (and create on first use) the store a ``records`` value names.

    ``signer`` signs appended records and tombstones; without one, the store is read-only
    (export, statistics). A bad value or a location that can never be written is a
    ``ValueError`` saying what to change. A PostgreSQL server that is merely down is not:
    the store connects lazily and its writes raise :class:`StoreUnavailable`.
    """
    path = sqlite_path(url_or_path)
    if path is not None:
        from .sqlite import SQLiteRecordStore

        return SQLiteRecordStore(path, signer)
    import importlib

    try:
        postgres = importlib.import_module("consentkit.records.postgres")
    except ImportError as error:
        missing = error.name or ""
        if missing and not missing.startswith(("psycopg", "consentkit.records.postgres")):
            raise
        raise ValueError(
            "records: a postgresql:// store needs psycopg; pip install 'consentkit[postgres]'"
        ) from None
    store: RecordStore = postgres.open_postgres_store(str(url_or_path), signer)
    return store


def json_names(names: Sequence[str]) -> str:
    """A list of category names as stored in ``granted``/``refused``."""
    import json

    return json.dumps(list(names), separators=(",", ":"))
