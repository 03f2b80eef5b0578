"""Signing consent records, and verifying a store's chain.

The key: ``HMAC-SHA256(secret, "consentkit records v1")`` for each ``secret_key`` (a salt of
its own, so a record key never signs a cookie); its key id is the first 12 hex digits of the
SHA-256 of the derived key. The newest key (the last) signs; any of them verifies, so a key
rotated in keeps every older record verifiable as long as the old key stays in the list.

Each row of the chain carries three HMACs:

- ``digest`` = HMAC(key, the record's canonical fields as JSON): what was chosen;
- ``signature`` = HMAC(key, ``seq`` ⏎ ``previous`` ⏎ ``digest``), where ``previous`` is the
  signature of the row before: the chain link. Changing a field breaks the digest; inserting
  or removing a row breaks the next row's ``previous`` (and the sequence);
- a tombstone's ``seal`` = HMAC(key, kind ⏎ seq ⏎ signature ⏎ time): an erased record keeps
  its digest, previous and signature (nothing that says who or what) so the chain still links
  through it, and the seal proves the erasure was made with the key.

The ``record_chain`` row's seal signs where the chain starts and its head, so removing the
last rows, or the first rows outside a prune, is detected too.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .store import ChainState, ConsentRecordRow, RecordEntry, RowKind, format_time

_PURPOSE = b"consentkit records v1"


def derive_key(secret: str | bytes) -> bytes:
    """The record-signing key derived from one ``secret_key``."""
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(raw, _PURPOSE, hashlib.sha256).digest()


def key_id_of(key: bytes) -> str:
    """The short public name of a derived key."""
    return hashlib.sha256(key).hexdigest()[:12]


def _mac(key: bytes, *parts: str) -> str:
    return hmac.new(key, "\n".join(parts).encode("utf-8"), hashlib.sha256).hexdigest()


def canonical_fields(
    consent_id: str,
    recorded_at: datetime.datetime,
    choice: str,
    granted: Sequence[str],
    refused: Sequence[str],
    policy_version: str,
    locale: str,
    gpc: bool,
    banner_sha256: str,
) -> str:
    """The text a record's ``digest`` signs: its fields as compact, key-sorted JSON."""
    return json.dumps(
        {
            "banner_sha256": banner_sha256,
            "choice": choice,
            "consent_id": consent_id,
            "gpc": bool(gpc),
            "granted": list(granted),
            "locale": locale,
            "policy_version": policy_version,
            "recorded_at": format_time(recorded_at),
            "refused": list(refused),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


class RecordSigner:
    """Signs with the newest of ``secret_keys``, verifies with any of them."""

    __slots__ = ("_key", "_keys", "key_id")

    def __init__(self, secret_keys: str | bytes | Iterable[str | bytes]) -> None:
        if isinstance(secret_keys, (str, bytes)):
            secret_keys = [secret_keys]
        derived = [derive_key(secret) for secret in secret_keys]
        if not derived:
            raise ValueError("records: signing needs at least one secret_key")
        self._keys = {key_id_of(key): key for key in derived}
        self._key = derived[-1]
        #: The id of the key new rows are signed with.
        self.key_id = key_id_of(self._key)

    # -- signing ------------------------------------------------------------------------------

    def sign(self, entry: RecordEntry, seq: int, previous: str) -> ConsentRecordRow:
        """``entry`` as the signed row at ``seq``, linked after ``previous``."""
        digest = _mac(self._key, _entry_fields(entry))
        return ConsentRecordRow(
            seq=seq,
            kind="record",
            consent_id=entry.consent_id,
            recorded_at=entry.recorded_at,
            choice=entry.choice,
            granted=tuple(entry.granted),
            refused=tuple(entry.refused),
            policy_version=entry.policy_version,
            locale=entry.locale,
            gpc=entry.gpc,
            banner_sha256=entry.banner_sha256,
            key_id=self.key_id,
            digest=digest,
            previous=previous,
            signature=_mac(self._key, str(seq), previous, digest),
            seal="",
        )

    def tombstone(
        self, row: ConsentRecordRow, kind: RowKind, now: datetime.datetime
    ) -> ConsentRecordRow:
        """The tombstone that replaces ``row``: its link kept, its content gone, sealed."""
        mac = _mac(self._key, kind, str(row.seq), row.signature, format_time(now))
        seal = f"{self.key_id}:{mac}"
        return dataclasses.replace(
            row,
            kind=kind,
            consent_id="",
            recorded_at=now,
            choice="",
            granted=(),
            refused=(),
            policy_version="",
            locale="",
            gpc=False,
            banner_sha256="",
            seal=seal,
        )

    def seal_state(
        self, start_seq: int, start_previous: str, head_seq: int, head_signature: str
    ) -> ChainState:
        """The signed ends of a chain."""
        mac = _mac(self._key, str(start_seq), start_previous, str(head_seq), head_signature)
        return ChainState(start_seq, start_previous, head_seq, head_signature, self.key_id, mac)

    # -- checking -----------------------------------------------------------------------------

    def problem(self, row: ConsentRecordRow) -> str | None:
        """What is wrong with ``row`` on its own (its digest, signature or seal), or ``None``."""
        key = self._keys.get(row.key_id)
        if key is None:
            return f"signed with an unknown key (key id {row.key_id!r}): is secret_key complete?"
        if row.kind == "record":
            if not hmac.compare_digest(row.digest, _mac(key, _row_fields(row))):
                return "its content was changed (the digest does not match)"
        elif not self._tombstone_intact(row):
            return "a tombstone whose seal does not match (not made with the key)"
        expected = _mac(key, str(row.seq), row.previous, row.digest)
        if not hmac.compare_digest(row.signature, expected):
            return "its signature does not match (changed, moved or not made with the key)"
        return None

    def _tombstone_intact(self, row: ConsentRecordRow) -> bool:
        key_id, _, mac = row.seal.partition(":")
        key = self._keys.get(key_id)
        if key is None or row.consent_id or row.choice or row.granted or row.banner_sha256:
            return False
        expected = _mac(key, row.kind, str(row.seq), row.signature, format_time(row.recorded_at))
        return hmac.compare_digest(mac, expected)

    def state_intact(self, state: ChainState) -> bool:
        """Whether the chain's ends were sealed with one of the keys."""
        key = self._keys.get(state.key_id)
        if key is None:
            return False
        expected = _mac(
            key,
            str(state.start_seq),
            state.start_previous,
            str(state.head_seq),
            state.head_signature,
        )
        return hmac.compare_digest(state.seal, expected)


def _entry_fields(entry: RecordEntry) -> str:
    return canonical_fields(
        entry.consent_id,
        entry.recorded_at,
        entry.choice,
        entry.granted,
        entry.refused,
        entry.policy_version,
        entry.locale,
        entry.gpc,
        entry.banner_sha256,
    )


def _row_fields(row: ConsentRecordRow) -> str:
    return canonical_fields(
        row.consent_id,
        row.recorded_at,
        row.choice,
        row.granted,
        row.refused,
        row.policy_version,
        row.locale,
        row.gpc,
        row.banner_sha256,
    )


@dataclass(frozen=True, slots=True)
class Verdict:
    """What :func:`verify_chain` found."""

    #: Every row is intact and the chain is whole.
    ok: bool
    #: Rows checked (records and tombstones).
    rows: int
    #: The ``seq`` of the first bad row (or where the chain breaks), else ``None``.
    bad_seq: int | None = None
    #: Why, for a person.
    reason: str = ""


def verify_chain(
    rows: Iterable[ConsentRecordRow], state: ChainState | None, signer: RecordSigner
) -> Verdict:
    """Check every row of a chain (in ``seq`` order) and its signed ends."""
    if state is None or (state.head_seq == 0 and not state.seal):
        for count, row in enumerate(rows, 1):
            return Verdict(False, count, row.seq, "rows without the chain's signed head")
        return Verdict(True, 0)
    if not signer.state_intact(state):
        return Verdict(False, 0, state.head_seq, "the chain's signed ends were changed")
    expected_seq, expected_previous, count = state.start_seq, state.start_previous, 0
    for row in rows:
        count += 1
        if row.seq != expected_seq:
            if row.seq > expected_seq:
                reason = f"the rows from seq {expected_seq} to {row.seq - 1} were removed"
                return Verdict(False, count, expected_seq, reason)
            return Verdict(False, count, row.seq, "a row out of order")
        if not hmac.compare_digest(row.previous, expected_previous):
            reason = "its link to the row before does not match (a row inserted or removed)"
            return Verdict(False, count, row.seq, reason)
        problem = signer.problem(row)
        if problem is not None:
            return Verdict(False, count, row.seq, problem)
        expected_seq, expected_previous = row.seq + 1, row.signature
    if expected_seq - 1 != state.head_seq or expected_previous != state.head_signature:
        reason = f"the rows after seq {expected_seq - 1} up to {state.head_seq} were removed"
        return Verdict(False, count, expected_seq, reason)
    return Verdict(True, count)
