"""The recorder: records a choice, or spools it while the store is unavailable and replays it
when it is back (across a restart too), logs the outage and the recovery once, and records a
double click once."""

from __future__ import annotations

import asyncio
import datetime
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from consentkit.consent import ConsentRecord
from consentkit.records.recorder import Recorder
from consentkit.records.signing import RecordSigner
from consentkit.records.sqlite import SQLiteRecordStore
from consentkit.records.store import RecordEntry, ShownText, StoreUnavailable

from .conftest import NOW

OPTIONAL = ("functional", "analytics", "location", "marketing")
SHOWN = ShownText("5" * 64, "th", "1", NOW, "<div lang=th>เว็บไซต์นี้ใช้คุกกี้</div>")


class Switchable:
    """A real store whose writes can be made to fail as an unavailable store's do."""

    def __init__(self, store: SQLiteRecordStore) -> None:
        self.store = store
        self.location = store.location
        self.down = False
        self.threads: list[str] = []

    def append(self, entry: RecordEntry) -> Any:
        self.threads.append(threading.current_thread().name)
        if self.down:
            raise StoreUnavailable(f"{self.location}: disk I/O error")
        return self.store.append(entry)

    def add_shown_text(self, text: ShownText) -> None:
        if self.down:
            raise StoreUnavailable(f"{self.location}: disk I/O error")
        self.store.add_shown_text(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


@pytest.fixture
def switchable(store: SQLiteRecordStore) -> Switchable:
    return Switchable(store)


@pytest.fixture
def recorder(switchable: Switchable) -> Iterator[Recorder]:
    made = Recorder(switchable, OPTIONAL, lambda locale: SHOWN)  # type: ignore[arg-type]
    made.retry_interval = 0.05
    yield made
    made._closed.set()


def choice(consent_id: str = "Gbp0p7vEDo6HiWfc", *granted: str, seconds: int = 0) -> ConsentRecord:
    return ConsentRecord(
        consent_id=consent_id,
        choice="save",
        granted=("necessary", *granted),
        policy_version="1",
        decided_at=NOW + datetime.timedelta(seconds=seconds),
        gpc=False,
        locale="th",
        banner_sha256=SHOWN.sha256,
    )


def _wait_for(condition: Any, timeout: float = 10.0) -> None:
    event = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        event.wait(0.02)
    raise AssertionError("the condition never held")


def test_a_choice_is_stored_with_what_was_shown(
    recorder: Recorder, store: SQLiteRecordStore
) -> None:
    recorder.record(choice("a", "analytics"))
    (row,) = store.records()
    assert (row.consent_id, row.granted) == ("a", ("necessary", "analytics"))
    assert row.refused == ("functional", "location", "marketing")
    assert store.shown_text(SHOWN.sha256) == SHOWN


def test_a_double_click_is_recorded_once(recorder: Recorder, store: SQLiteRecordStore) -> None:
    recorder.record(choice("a", "analytics"))
    recorder.record(choice("a", "analytics", seconds=1))
    recorder.record(choice("b", "analytics"))
    recorder.record(choice("a", "marketing", seconds=2))  # another choice: recorded
    assert [(r.consent_id, r.granted[-1]) for r in store.records()] == [
        ("a", "analytics"),
        ("b", "analytics"),
        ("a", "marketing"),
    ]


def test_the_async_write_runs_off_the_event_loop(
    recorder: Recorder, switchable: Switchable, store: SQLiteRecordStore
) -> None:
    async def main() -> str:
        await recorder.record_async(choice("a"))
        return threading.current_thread().name

    loop_thread = asyncio.run(main())
    assert len(list(store.records())) == 1  # committed before record_async returned
    assert switchable.threads and switchable.threads[0] != loop_thread
    assert switchable.threads[0].startswith("consentkit-records")


def test_an_outage_spools_logs_once_and_replays(
    recorder: Recorder,
    switchable: Switchable,
    store: SQLiteRecordStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="consentkit")
    switchable.down = True
    for n in range(3):
        recorder.record(choice(f"id-{n}"))
    assert list(store.records()) == []
    assert recorder.spool.pending()
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "unavailable" in errors[0].getMessage()
    switchable.down = False
    _wait_for(lambda: len(list(store.records())) == 3)
    assert [r.consent_id for r in store.records()] == ["id-0", "id-1", "id-2"]
    assert store.shown_text(SHOWN.sha256) == SHOWN  # spooled with the records
    _wait_for(lambda: any("is back;" in r.getMessage() for r in caplog.records))
    recoveries = [r for r in caplog.records if "is back;" in r.getMessage()]
    assert len(recoveries) == 1 and "3 spooled" in recoveries[0].getMessage()


def test_a_spool_is_replayed_after_a_restart(
    store_path: Path, store: SQLiteRecordStore, signer: RecordSigner
) -> None:
    down = Switchable(store)
    down.down = True
    first = Recorder(down, OPTIONAL, lambda locale: SHOWN)  # type: ignore[arg-type]
    first.retry_interval = 60  # it never retries before "the restart"
    first.record(choice("before-the-restart"))
    first._closed.set()
    assert list(store.records()) == []
    # A new process: a new store object and recorder on the same file find the spool.
    again = SQLiteRecordStore(store_path, signer)
    second = Recorder(again, OPTIONAL, lambda locale: SHOWN)
    _wait_for(lambda: [r.consent_id for r in again.records()] == ["before-the-restart"])
    second.close()


def test_a_slow_write_is_spooled_not_lost_and_not_doubled(
    recorder: Recorder, switchable: Switchable, store: SQLiteRecordStore
) -> None:
    release = threading.Event()
    original = switchable.append

    def slow(entry: RecordEntry) -> Any:
        release.wait(10)
        return original(entry)

    switchable.append = slow  # type: ignore[method-assign]
    recorder.wait = 0.1
    recorder.record(choice("slow"))
    assert recorder.spool.pending()  # answered: so it is on disk
    release.set()
    switchable.append = original  # type: ignore[method-assign]
    _wait_for(lambda: not recorder.spool.pending())
    assert [r.consent_id for r in store.records()] == ["slow"]  # the replay saw it stored
