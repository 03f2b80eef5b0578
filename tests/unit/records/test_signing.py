"""The signatures and the chain: an altered, inserted or removed row is found, tombstones
verify, key rotation works."""

from __future__ import annotations

import dataclasses
import datetime
import sqlite3

from consentkit.records.signing import RecordSigner, derive_key, key_id_of, verify_chain
from consentkit.records.sqlite import SQLiteRecordStore

from .conftest import KEY, NOW, MakeEntry


def _verdict(store: SQLiteRecordStore, signer: RecordSigner):  # type: ignore[no-untyped-def]
    return verify_chain(store.chain(), store.chain_state(), signer)


def _fill(store: SQLiteRecordStore, entry: MakeEntry, n: int = 5) -> None:
    for i in range(n):
        at = NOW + datetime.timedelta(seconds=i)
        store.append(
            entry(f"id-{i % 2}", recorded_at=at, choice=("accept_all", "reject_all")[i % 2])
        )


def _sql(store: SQLiteRecordStore, statement: str, *params: object) -> None:
    with sqlite3.connect(store.path) as connection:
        connection.execute(statement, params)


def test_an_intact_chain_verifies(
    store: SQLiteRecordStore, signer: RecordSigner, entry: MakeEntry
) -> None:
    _fill(store, entry)
    verdict = _verdict(store, signer)
    assert verdict.ok and verdict.rows == 5


def test_an_empty_store_verifies(store: SQLiteRecordStore, signer: RecordSigner) -> None:
    assert _verdict(store, signer).ok


def test_an_altered_field_is_found(
    store: SQLiteRecordStore, signer: RecordSigner, entry: MakeEntry
) -> None:
    _fill(store, entry)
    _sql(store, "UPDATE consent_records SET granted = ? WHERE seq = 3", '["necessary","marketing"]')
    verdict = _verdict(store, signer)
    assert not verdict.ok and verdict.bad_seq == 3 and "changed" in verdict.reason


def test_a_removed_row_in_the_middle_is_found(
    store: SQLiteRecordStore, signer: RecordSigner, entry: MakeEntry
) -> None:
    _fill(store, entry)
    _sql(store, "DELETE FROM consent_records WHERE seq = 2")
    verdict = _verdict(store, signer)
    assert not verdict.ok and verdict.bad_seq == 2 and "removed" in verdict.reason


def test_the_last_rows_removed_are_found(
    store: SQLiteRecordStore, signer: RecordSigner, entry: MakeEntry
) -> None:
    _fill(store, entry)
    _sql(store, "DELETE FROM consent_records WHERE seq >= 4")
    verdict = _verdict(store, signer)
    assert not verdict.ok and verdict.bad_seq == 4


def test_the_first_row_removed_is_found(
    store: SQLiteRecordStore, signer: RecordSigner, entry: MakeEntry
) -> None:
    _fill(store, entry)
    _sql(store, "DELETE FROM consent_records WHERE seq = 1")
    assert _verdict(store, signer).bad_seq == 1


def test_an_inserted_row_is_found(
    store: SQLiteRecordStore, signer: RecordSigner, entry: MakeEntry
) -> None:
    """A row made with the right key, but slipped between two others (renumbered)."""
    _fill(store, entry, 3)
    rows = list(store.chain())
    forged = signer.sign(entry("forged"), 2, rows[0].signature)
    _sql(store, "UPDATE consent_records SET seq = seq + 10 WHERE seq >= 2")
    _sql(store, "UPDATE consent_records SET seq = seq - 9 WHERE seq >= 12")
    from consentkit.records.sql import _params

    marks = ", ".join("?" * 16)
    _sql(store, f"INSERT INTO consent_records VALUES ({marks})", *_params(forged))
    verdict = _verdict(store, signer)
    assert not verdict.ok and verdict.bad_seq == 3 and "link" in verdict.reason


def test_a_row_signed_with_another_key_is_found(
    store: SQLiteRecordStore, signer: RecordSigner, entry: MakeEntry
) -> None:
    _fill(store, entry, 2)
    other = RecordSigner(["someone else's key, long enough"])
    rows = list(store.chain())
    forged = other.sign(entry("forged"), 3, rows[-1].signature)
    forged = dataclasses.replace(forged, key_id=signer.key_id)
    from consentkit.records.sql import _params

    _sql(store, f"INSERT INTO consent_records VALUES ({', '.join('?' * 16)})", *_params(forged))
    verdict = _verdict(store, signer)
    assert not verdict.ok and verdict.bad_seq == 3


def test_erased_records_leave_tombstones_that_verify(
    store: SQLiteRecordStore, signer: RecordSigner, entry: MakeEntry
) -> None:
    _fill(store, entry)
    assert store.erase("id-1") == 2
    rows = list(store.chain())
    assert [r.kind for r in rows] == ["record", "erased", "record", "erased", "record"]
    assert all(r.consent_id == "" and r.granted == () for r in rows if r.is_tombstone)
    assert list(store.records(consent_id="id-1")) == []
    assert _verdict(store, signer).ok
    store.append(entry("id-2"))
    assert _verdict(store, signer).ok


def test_a_tombstone_made_without_the_key_is_found(
    store: SQLiteRecordStore, signer: RecordSigner, entry: MakeEntry
) -> None:
    _fill(store, entry)
    _sql(
        store,
        "UPDATE consent_records SET kind = 'erased', consent_id = '', choice = '', granted = '[]',"
        " banner_sha256 = '', seal = 'x:y' WHERE seq = 2",
    )
    verdict = _verdict(store, signer)
    assert not verdict.ok and verdict.bad_seq == 2 and "tombstone" in verdict.reason


def test_erasing_the_first_records_moves_the_signed_start(
    store: SQLiteRecordStore, signer: RecordSigner, entry: MakeEntry
) -> None:
    _fill(store, entry)
    assert store.erase("id-0") == 3
    assert [(r.seq, r.kind) for r in store.chain()] == [
        (2, "record"),
        (3, "erased"),
        (4, "record"),
        (5, "erased"),
    ]
    assert _verdict(store, signer).ok
    assert store.erase("id-1") == 2
    assert list(store.chain()) == []
    assert _verdict(store, signer).ok  # the signed ends still say how far the chain went
    _sql(store, "UPDATE record_chain SET head_seq = 3")
    assert not _verdict(store, signer).ok


def test_rotation_signs_with_the_newest_key_and_verifies_with_any(
    store_path,
    entry: MakeEntry,  # type: ignore[no-untyped-def]
) -> None:
    store_path.parent.mkdir()
    old = RecordSigner([KEY])
    store = SQLiteRecordStore(store_path, old)
    store.append(entry("before"))
    store.close()
    rotated = RecordSigner([KEY, "the new key of 2027, long enough"])
    store = SQLiteRecordStore(store_path, rotated)
    row = store.append(entry("after"))
    assert row.key_id == rotated.key_id != old.key_id
    assert verify_chain(store.chain(), store.chain_state(), rotated).ok
    only_new = RecordSigner(["the new key of 2027, long enough"])
    verdict = verify_chain(store.chain(), store.chain_state(), only_new)
    assert not verdict.ok and "unknown key" in verdict.reason
    store.close()


def test_the_record_key_is_not_the_secret() -> None:
    assert derive_key(KEY) != KEY.encode()
    assert derive_key(KEY.encode()) == derive_key(KEY)
    assert len(key_id_of(derive_key(KEY))) == 12
    assert NOW.tzinfo is not None
