"""Consent records in PostgreSQL, against the session's real server
(:mod:`tests.support.postgres`): the store contract (beside SQLite, the same tests), several
processes appending at once, first use by several processes, the server down."""

from __future__ import annotations

import datetime
import logging
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from consentkit.records.signing import RecordSigner, verify_chain
from consentkit.records.store import (
    RecordEntry,
    RecordStore,
    ShownText,
    StoreUnavailable,
    open_store,
)

from ..support.postgres import Cluster

psycopg = pytest.importorskip("psycopg")
T = TypeVar("T")

from consentkit.records.postgres import PostgresRecordStore  # noqa: E402  (needs psycopg)

SECRET = "กุญแจ-0123456789abcdef"
SIGNER = RecordSigner(SECRET)
UTC = datetime.timezone.utc
MOMENT = datetime.datetime(2026, 12, 1, 21, 7, 59, 123456, tzinfo=UTC)
THAI_TEXT = "เราใช้คุกกี้เพื่อให้เว็บไซต์ทำงานได้ และเพื่อวิเคราะห์การใช้งาน"
PROCESSES = 4
APPENDS = 25


def entry(consent_id: str, minutes: int = 0, choice: str = "accept_all") -> RecordEntry:
    """A choice by ``consent_id``, ``minutes`` after :data:`MOMENT`."""
    granted = ("necessary", "analytics") if choice != "reject_all" else ("necessary",)
    return RecordEntry(
        consent_id=consent_id,
        recorded_at=MOMENT + datetime.timedelta(minutes=minutes),
        choice=choice,
        granted=granted,
        refused=() if choice != "reject_all" else ("analytics",),
        policy_version="2026-12",
        locale="th",
        gpc=choice == "reject_all",
        banner_sha256="ab" * 32,
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RecordStore]:
    """A new store of each backend, opened as the ``records`` option does."""
    if request.param == "sqlite":
        location = f"sqlite:///{tmp_path / 'บันทึก.sqlite3'}"
    else:
        location = request.getfixturevalue("postgresql_url")
    store = open_store(location, SIGNER)
    yield store
    store.close()


def test_a_postgresql_url_opens_the_postgresql_store(postgresql_url: str) -> None:
    store = open_store(postgresql_url, SIGNER)
    assert isinstance(store, PostgresRecordStore)
    assert isinstance(store, RecordStore)
    store.close()


def test_appended_records_are_read_back_in_order(store: RecordStore) -> None:
    rows = [store.append(entry(name, n)) for n, name in enumerate(["ก", "ข", "ก"])]
    assert [row.seq for row in rows] == [1, 2, 3]
    assert [r.consent_id for r in store.records()] == ["ก", "ข", "ก"]
    assert [r.seq for r in store.records(consent_id="ก")] == [1, 3]
    since, until = MOMENT + datetime.timedelta(minutes=1), MOMENT + datetime.timedelta(minutes=2)
    assert [r.seq for r in store.records(since=since, until=until)] == [2]
    latest = store.latest("ก")
    assert latest is not None and latest == rows[2]
    assert latest.recorded_at == until  # the third record's time
    assert latest.granted == ("necessary", "analytics") and latest.locale == "th"
    assert store.latest("ค") is None
    assert verify_chain(store.chain(), store.chain_state(), SIGNER).ok


def test_a_shown_text_is_stored_once(store: RecordStore) -> None:
    text = ShownText("cd" * 32, "th", "2026-12", MOMENT, THAI_TEXT)
    store.add_shown_text(text)
    store.add_shown_text(ShownText("cd" * 32, "th", "2026-12", MOMENT, "อื่น"))
    assert store.shown_text("cd" * 32) == text
    assert store.shown_text("ef" * 32) is None


def test_erasure_leaves_a_chain_that_verifies(store: RecordStore) -> None:
    for n, name in enumerate(["ก", "ข", "ก", "ค"]):
        store.append(entry(name, n))
    assert store.erase("ก") == 2
    assert [r.consent_id for r in store.records()] == ["ข", "ค"]
    assert verify_chain(store.chain(), store.chain_state(), SIGNER).ok
    store.append(entry("ก", 10, "reject_all"))  # a later choice links after the tombstones
    assert verify_chain(store.chain(), store.chain_state(), SIGNER).ok


def test_prune_keeps_the_latest_record_in_force(store: RecordStore) -> None:
    for n, name in enumerate(["ก", "ข", "ก"]):
        store.append(entry(name, n))
    before = MOMENT + datetime.timedelta(minutes=5)
    assert store.prune(before, in_force_since=MOMENT) == 1  # ก's first; ข's and ก's last stay
    assert [r.seq for r in store.records()] == [2, 3]
    assert verify_chain(store.chain(), store.chain_state(), SIGNER).ok


def test_an_altered_record_is_detected(postgresql_url: str) -> None:
    store = open_store(postgresql_url, SIGNER)
    for n in range(3):
        store.append(entry("ก", n))
    with psycopg.connect(postgresql_url) as connection:
        connection.execute("UPDATE consent_records SET choice = 'reject_all' WHERE seq = 2")
    verdict = verify_chain(store.chain(), store.chain_state(), SIGNER)
    assert not verdict.ok and verdict.bad_seq == 2
    store.close()


#: One appending process: says it is ready, waits for the others, appends ``APPENDS``
#: records of its own consent id (the first append of all creating the tables).
APPENDER = """
import datetime, pathlib, sys, time
from consentkit.records.signing import RecordSigner
from consentkit.records.store import RecordEntry, open_store
url, folder, writer, count = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
store = open_store(url, RecordSigner(sys.argv[5]))
(folder / f"ready-{writer}").touch()
while not (folder / "go").exists():
    time.sleep(0.005)
for n in range(count):
    store.append(RecordEntry(f"ผู้เยี่ยมชม-{writer}", datetime.datetime.now(datetime.timezone.utc),
        "save", ("necessary",), ("analytics",), "1", "th", False, ""))
store.close()
"""


def _all_at_once(url: str, folder: Path, count: int) -> None:
    appenders = [
        subprocess.Popen(
            [sys.executable, "-c", APPENDER, url, str(folder), str(n), str(count), SECRET]
        )
        for n in range(PROCESSES)
    ]
    while len(list(folder.glob("ready-*"))) < PROCESSES:
        assert all(a.poll() is None for a in appenders), "an appender exited early"
        time.sleep(0.01)
    (folder / "go").touch()
    assert [a.wait(timeout=120) for a in appenders] == [0] * PROCESSES


def test_several_processes_appending_at_once_keep_one_chain(
    postgresql_url: str, tmp_path: Path
) -> None:
    _all_at_once(postgresql_url, tmp_path, APPENDS)  # on a database without the tables yet
    store = open_store(postgresql_url, SIGNER)
    rows = list(store.chain())
    assert [row.seq for row in rows] == list(range(1, PROCESSES * APPENDS + 1))
    per_visitor = {f"ผู้เยี่ยมชม-{n}": APPENDS for n in range(PROCESSES)}
    assert {r.consent_id: sum(1 for s in rows if s.consent_id == r.consent_id) for r in rows} == (
        per_visitor
    )
    verdict = verify_chain(rows, store.chain_state(), SIGNER)
    assert verdict.ok, verdict.reason
    store.close()


def test_several_processes_using_a_new_database_at_once_create_it_once(
    postgresql_url: str, tmp_path: Path
) -> None:
    _all_at_once(postgresql_url, tmp_path, 1)
    with psycopg.connect(postgresql_url) as connection:
        assert connection.execute("SELECT version FROM schema_version").fetchall() == [(1,)]


def _eventually(read: Callable[[], T], bound: float = 30.0) -> T:
    """``read()``, retried while the store is still reconnecting, for at most ``bound`` s."""
    give_up = time.monotonic() + bound
    while True:
        try:
            return read()
        except StoreUnavailable:
            if time.monotonic() > give_up:
                raise
            time.sleep(0.2)


def test_writes_raise_store_unavailable_while_the_server_is_down(
    postgresql_url: str, postgresql_cluster: Cluster
) -> None:
    store = PostgresRecordStore(postgresql_url, SIGNER, timeout=1.0)
    store.append(entry("ก"))
    with postgresql_cluster.stopped(), pytest.raises(StoreUnavailable, match="postgresql://"):
        store.append(entry("ก", 1))
    _eventually(lambda: store.append(entry("ก", 2)))  # a new connection once it is back
    assert [r.seq for r in store.records()] == [1, 2]
    store.close()


def test_a_server_down_at_first_use_is_unavailable_not_an_error(
    postgresql_cluster: Cluster,
) -> None:
    down = f"postgresql://postgres:ความลับ@127.0.0.1:{postgresql_cluster.port + 1}/records"
    store = open_store(down, SIGNER)  # nothing connects yet
    assert "ความลับ" not in store.location
    with pytest.raises(StoreUnavailable):
        store.append(entry("ก"))
    store.close()


def test_a_database_of_a_newer_schema_is_never_written(
    postgresql_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with psycopg.connect(postgresql_url) as connection:
        connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        connection.execute("INSERT INTO schema_version VALUES (99)")
    store = open_store(postgresql_url, SIGNER)
    with caplog.at_level(logging.ERROR, "consentkit"):
        for n in range(2):
            with pytest.raises(StoreUnavailable, match="newer consentkit"):
                store.append(entry("ก", n))
    assert caplog.text.count("newer consentkit") == 1
    store.close()


def test_the_records_option_takes_a_postgresql_url(postgresql_url: str) -> None:
    from consentkit import ConsentMiddleware

    app: Any = ConsentMiddleware(lambda *a: None, secret_key=SECRET, records=postgresql_url)
    recorder = app.engine.recorder
    assert isinstance(recorder.store, PostgresRecordStore)
    app.engine.close()


def test_an_unreadable_url_is_refused_at_start_up() -> None:
    from consentkit import ConsentMiddleware

    with pytest.raises(ValueError, match="not a PostgreSQL URL"):
        ConsentMiddleware(lambda *a: None, secret_key=SECRET, records="postgresql://h/d?x=1")


def test_reads_raise_store_unavailable_while_the_server_is_down(
    postgresql_url: str, postgresql_cluster: Cluster
) -> None:
    # The spool's replay reads (is this record already there?) before it writes.
    store = PostgresRecordStore(postgresql_url, SIGNER, timeout=1.0)
    store.append(entry("ก"))
    with postgresql_cluster.stopped():
        with pytest.raises(StoreUnavailable):
            store.latest("ก")
        with pytest.raises(StoreUnavailable):
            list(store.records())
    # Back up, the pool reconnects (psycopg_pool backs off between attempts, so the first
    # reads after a restart may still time out): the record is read again, not lost.
    assert _eventually(lambda: store.latest("ก")) is not None
    store.close()


def test_an_entry_already_stored_is_not_stored_again(store: RecordStore) -> None:
    # A spooled record replayed after its slow write did commit after all.
    first = store.append(entry("ก"))
    assert store.append(entry("ก")) == first
    store.append(entry("ข"))
    assert [r.seq for r in store.records()] == [1, 2]
    assert verify_chain(store.chain(), store.chain_state(), SIGNER).ok
