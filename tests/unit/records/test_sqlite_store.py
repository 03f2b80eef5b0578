"""The SQLite store: schema, filters, shown texts, prune keeping the latest record in force."""

from __future__ import annotations

import datetime
import sqlite3
from pathlib import Path

import pytest

from consentkit.records.signing import RecordSigner
from consentkit.records.sqlite import SQLiteRecordStore
from consentkit.records.store import ShownText, open_store

from .conftest import NOW, MakeEntry

DAY = datetime.timedelta(days=1)


def test_open_store_takes_a_path_and_an_sqlite_url(tmp_path: Path, signer: RecordSigner) -> None:
    for value in (tmp_path / "a.sqlite3", f"sqlite:///{tmp_path}/b.sqlite3"):
        store = open_store(value, signer)
        assert isinstance(store, SQLiteRecordStore)
        store.close()
    assert (tmp_path / "b.sqlite3").is_file()


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("mysql://db/x", "unknown store"),
        ("sqlite://relative", "sqlite:///"),
        ("/no/such/folder/records.sqlite3", "does not exist"),
    ],
)
def test_a_bad_store_says_what_to_change(value: str, says: str, signer: RecordSigner) -> None:
    with pytest.raises(ValueError, match=says):
        open_store(value, signer)


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path, signer: RecordSigner) -> None:
    path = tmp_path / "ข้อความ.txt"
    path.write_text("ไม่ใช่ฐานข้อมูล " * 200)
    with pytest.raises(ValueError, match="cannot use"):
        open_store(path, signer)


def test_a_newer_schema_is_refused(store: SQLiteRecordStore, signer: RecordSigner) -> None:
    with sqlite3.connect(store.path) as connection:
        connection.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(ValueError, match="newer consentkit"):
        SQLiteRecordStore(store.path, signer)


def test_records_are_filtered_by_id_and_dates(store: SQLiteRecordStore, entry: MakeEntry) -> None:
    for days in range(4):
        store.append(entry("a" if days % 2 else "b", recorded_at=NOW + days * DAY))
    assert [r.recorded_at for r in store.records(consent_id="a")] == [NOW + DAY, NOW + 3 * DAY]
    window = list(store.records(since=NOW + DAY, until=NOW + 3 * DAY))
    assert [r.recorded_at for r in window] == [NOW + DAY, NOW + 2 * DAY]
    latest = store.latest("b")
    assert latest is not None and latest.recorded_at == NOW + 2 * DAY
    assert store.latest("nobody") is None


def test_the_same_entry_is_stored_once(store: SQLiteRecordStore, entry: MakeEntry) -> None:
    first = store.append(entry())
    assert store.append(entry()) == first
    assert len(list(store.chain())) == 1


def test_a_row_reads_back_as_written(store: SQLiteRecordStore, entry: MakeEntry) -> None:
    written = store.append(entry(gpc=True, locale="en"))
    (read,) = store.records()
    assert read == written and read.gpc is True and read.recorded_at == NOW


def test_a_shown_text_is_stored_once(store: SQLiteRecordStore) -> None:
    text = ShownText("ab" * 32, "th", "1", NOW, "<div lang=th>เว็บไซต์นี้ใช้คุกกี้</div>")
    store.add_shown_text(text)
    store.add_shown_text(ShownText("ab" * 32, "th", "1", NOW + DAY, "another"))
    assert store.shown_text("ab" * 32) == text
    assert store.shown_text("cd" * 32) is None


def test_prune_keeps_the_latest_record_of_a_consent_in_force(
    store: SQLiteRecordStore, signer: RecordSigner, entry: MakeEntry
) -> None:
    from consentkit.records.signing import verify_chain

    old = NOW - 1200 * DAY
    store.append(entry("still-in-force", recorded_at=old, choice="accept_all"))
    store.append(entry("expired", recorded_at=old))
    store.append(entry("still-in-force", recorded_at=NOW - 1100 * DAY, choice="reject_all"))
    store.append(entry("recent", recorded_at=NOW))
    # Retention 3 years; a consent is in force when its latest record is younger than
    # 1150 days (a deliberately long max_age, so the rule is visible).
    pruned = store.prune(NOW - 1095 * DAY, NOW - 1150 * DAY)
    assert pruned == 2
    kept = [(r.consent_id, r.choice) for r in store.records()]
    assert kept == [("still-in-force", "reject_all"), ("recent", "save")]
    assert verify_chain(store.chain(), store.chain_state(), signer).ok


def test_a_read_only_store_cannot_sign(
    store_path: Path, store: SQLiteRecordStore, entry: MakeEntry
) -> None:
    reader = open_store(store_path)
    with pytest.raises(ValueError, match="without secret_key"):
        reader.append(entry())
    reader.close()
