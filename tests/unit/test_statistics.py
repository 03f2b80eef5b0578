"""Location statistics: the recorder, the SQLite store, and `consentkit stats`."""

from __future__ import annotations

import datetime
import json
import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from consentkit.cli import main
from consentkit.consent import Consent
from consentkit.location import stats
from consentkit.location.geo import Location
from consentkit.location.stats import (
    Key,
    LocationStatistics,
    SQLiteStatisticsStore,
    StatisticsRow,
    StatisticsStore,
    read_statistics,
)

from ..support import DATA

CLI = "import sys; from consentkit.cli import main; sys.exit(main(sys.argv[1:]))"
TODAY = datetime.datetime.now(datetime.timezone.utc).date()
YESTERDAY = TODAY - datetime.timedelta(days=1)
DAY = (TODAY - datetime.date(1970, 1, 1)).days


def consent(location: Location | None, *, granted: bool = True) -> Consent:
    """A decided visitor's consent; ``location`` is what a lookup would find."""

    def source() -> Location | None:
        if not granted:
            raise AssertionError("a location was looked up without consent")
        return location

    return Consent(
        decided=True,
        granted=frozenset({"location", "analytics"} if granted else {"analytics"}),
        required=frozenset({"necessary"}),
        gpc=False,
        policy_version="1",
        ip_source=lambda full: "must never be read by the statistics",
        location_source=source,
    )


class MemoryStore:
    """A second implementation of the store protocol, in memory."""

    def __init__(self) -> None:
        self.counts: dict[Key, int] = {}
        self.transactions = 0
        self.fail = False
        self.closed = False

    def add(self, counts: Mapping[Key, int]) -> None:
        if self.fail:
            raise sqlite3.OperationalError("database is locked")
        self.transactions += 1
        for key, n in counts.items():
            self.counts[key] = self.counts.get(key, 0) + n

    def rows(self) -> list[StatisticsRow]:
        return []

    def close(self) -> None:
        self.closed = True


def test_stores_implement_the_protocol(tmp_path: Path) -> None:
    sqlite_store = SQLiteStatisticsStore(tmp_path / "stats.sqlite3")
    assert isinstance(sqlite_store, StatisticsStore)
    assert isinstance(MemoryStore(), StatisticsStore)
    sqlite_store.close()


def test_what_is_counted_for_whom() -> None:
    store = MemoryStore()
    recorder = LocationStatistics(store, interval=3600)
    recorder.record(consent(Location("TH", "10")))
    recorder.record(consent(Location("TH", "10")))
    recorder.record(consent(Location("TH")))
    recorder.record(consent(Location("AU")))
    recorder.record(consent(None))  # consented, location unknown (a private address)
    recorder.record(consent(Location("US"), granted=False))  # never looked up
    recorder.record(consent(Location("US"), granted=False))
    recorder.close()
    assert store.counts == {
        (DAY, "TH", "10"): 2,
        (DAY, "TH", None): 1,
        (DAY, "AU", None): 1,
        (DAY, None, None): 3,
    }
    assert store.closed


def test_a_burst_is_one_transaction() -> None:
    store = MemoryStore()
    recorder = LocationStatistics(store, interval=3600)
    visitors = [consent(Location(c)) for c in ("TH", "US", "AU")] + [consent(None, granted=False)]
    for n in range(10_000):
        recorder.record(visitors[n % 4])
    recorder.flush()
    assert store.transactions == 1
    assert recorder.commits == 1
    assert sum(store.counts.values()) == 10_000
    recorder.close()


def test_pending_counts_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stats, "MAX_PENDING_KEYS", 3)
    store = MemoryStore()
    recorder = LocationStatistics(store, interval=3600)
    for country in ("TH", "US", "AU", "JP", "DE"):
        recorder.record(consent(Location(country)))
    recorder.record(consent(Location("TH")))  # a waiting key still counts
    assert recorder.dropped == 2
    recorder.close()
    assert store.counts == {(DAY, "TH", None): 2, (DAY, "US", None): 1, (DAY, "AU", None): 1}


def test_a_failing_store_never_reaches_the_request(caplog: pytest.LogCaptureFixture) -> None:
    store = MemoryStore()
    store.fail = True
    recorder = LocationStatistics(store, interval=3600)
    recorder.record(consent(Location("TH")))
    with caplog.at_level(logging.WARNING, "consentkit.statistics"):
        recorder.flush()
    assert "could not write location statistics" in caplog.text
    store.fail = False
    recorder.record(consent(Location("TH")))
    recorder.close()
    assert store.counts == {(DAY, "TH", None): 2}  # kept and written on the next flush


def test_a_consent_that_breaks_is_not_an_error() -> None:
    recorder = LocationStatistics(MemoryStore(), interval=3600)
    recorder.record(object())  # type: ignore[arg-type]
    assert recorder.failed == 1
    recorder.close()


def test_views_after_close_are_dropped() -> None:
    store = MemoryStore()
    recorder = LocationStatistics(store, interval=3600)
    recorder.close()
    recorder.record(consent(Location("TH")))
    recorder.close()  # twice is fine
    assert recorder.dropped == 1
    assert store.counts == {}


def test_the_background_thread_writes_without_being_asked() -> None:
    store = MemoryStore()
    recorder = LocationStatistics(store, interval=0.01)
    recorder.record(consent(Location("TH")))
    deadline = time.monotonic() + 10
    while not store.counts and time.monotonic() < deadline:
        time.sleep(0.01)
    assert store.counts == {(DAY, "TH", None): 1}
    assert any(t.name == "consentkit-statistics" for t in threading.enumerate())
    recorder.close()
    assert not any(
        t.name == "consentkit-statistics" and t is recorder._thread for t in threading.enumerate()
    )


def test_sqlite_store_adds_up(tmp_path: Path) -> None:
    path = tmp_path / "สถิติ.sqlite3"
    store = SQLiteStatisticsStore(path)
    store.add({(DAY, "TH", "10"): 2, (DAY, None, None): 5})
    store.add({(DAY, "TH", "10"): 1, (DAY - 1, "US", None): 4, (DAY, "AU", None): 0})
    store.close()
    expected = [
        StatisticsRow(TODAY - datetime.timedelta(days=1), "US", None, 4),
        StatisticsRow(TODAY, "TH", "10", 3),
        StatisticsRow(TODAY, None, None, 5),
    ]
    assert read_statistics(path) == expected
    again = SQLiteStatisticsStore(path)  # reopening keeps the counts
    assert again.rows() == expected
    again.close()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda p: p.mkdir(), "cannot use", id="a-folder"),
        pytest.param(lambda p: p.write_bytes(b"hello " * 200), "cannot use", id="not-sqlite"),
        pytest.param(
            lambda p: sqlite3.connect(p).execute("PRAGMA user_version = 99").connection.close(),
            "newer consentkit",
            id="newer-schema",
        ),
    ],
)
def test_an_unusable_file_is_a_start_up_error(tmp_path: Path, make: Any, message: str) -> None:
    path = tmp_path / "stats.sqlite3"
    make(path)
    with pytest.raises(ValueError, match=message):
        SQLiteStatisticsStore(path)


def test_counts_are_written_at_interpreter_exit(tmp_path: Path) -> None:
    path = tmp_path / "exit.sqlite3"
    code = (
        "import sys\n"
        "from consentkit.location.stats import LocationStatistics, SQLiteStatisticsStore\n"
        "from consentkit.consent import Consent\n"
        "from consentkit.location.geo import Location\n"
        "r = LocationStatistics(SQLiteStatisticsStore(sys.argv[1]), interval=3600)\n"
        "c = Consent(decided=True, granted=frozenset({'location'}), required=frozenset(),\n"
        "            gpc=False, policy_version='1', location_source=lambda: Location('TH'))\n"
        "for _ in range(7): r.record(c)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    assert read_statistics(path) == [StatisticsRow(TODAY, "TH", None, 7)]


# -- `consentkit stats` ------------------------------------------------------------------


@pytest.fixture
def stats_file(tmp_path: Path) -> Path:
    path = tmp_path / "stats.sqlite3"
    store = SQLiteStatisticsStore(path)
    store.add(
        {
            (DAY, "TH", "10"): 3,
            (DAY, "TH", "50"): 1,
            (DAY, "TH", None): 2,
            (DAY, None, None): 4,
            (DAY - 1, "AU", None): 5,
        }
    )
    store.close()
    return path


def test_stats_json(stats_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", str(stats_file), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    yesterday = (TODAY - datetime.timedelta(days=1)).isoformat()
    assert data == [
        {"day": yesterday, "country": "AU", "views": 5, "regions": {}},
        {"day": TODAY.isoformat(), "country": "TH", "views": 6, "regions": {"10": 3, "50": 1}},
        {"day": TODAY.isoformat(), "country": None, "views": 4, "regions": {}},
    ]


def test_stats_table(stats_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", str(stats_file)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["day", "country", "views", "regions"]
    assert lines[1].split() == [YESTERDAY.isoformat(), "AU", "5"]
    assert lines[2].split() == [TODAY.isoformat(), "TH", "6", "10", "3,", "50", "1"]
    assert lines[3].split() == [TODAY.isoformat(), "-", "4"]
    assert lines[4].split() == ["total", "15"]


def test_stats_of_an_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.sqlite3"
    SQLiteStatisticsStore(path).close()
    assert main(["stats", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(None, "no statistics file", id="missing"),
        pytest.param(lambda p: p.write_text("ไม่ใช่ฐานข้อมูล " * 100), "not a consentkit", id="text"),
        pytest.param(
            lambda p: sqlite3.connect(p).execute("CREATE TABLE t (x)").connection.close(),
            "not a consentkit",
            id="other-sqlite",
        ),
    ],
)
def test_stats_of_a_bad_file_is_a_clear_error(tmp_path: Path, make: Any, message: str) -> None:
    path = tmp_path / "stats.sqlite3"
    if make is not None:
        make(path)
    result = subprocess.run(
        [sys.executable, "-c", CLI, "stats", str(path), "--json"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert make is not None or not path.exists()  # reading never creates the file


@pytest.mark.parametrize("adapter", ["asgi", "wsgi"])
def test_the_middlewares_refuse_an_unusable_statistics_file(adapter: str, tmp_path: Path) -> None:
    from consentkit import ConsentMiddleware, ConsentWSGIMiddleware

    middleware: Any = ConsentMiddleware if adapter == "asgi" else ConsentWSGIMiddleware
    with pytest.raises(ValueError, match="cannot use"):
        middleware(lambda *a: None, secret_key="กุญแจ-0123456789abcdef", statistics=tmp_path)
    with pytest.raises(ValueError, match="does not exist"):
        middleware(
            lambda *a: None,
            secret_key="กุญแจ-0123456789abcdef",
            statistics=tmp_path / "ไม่มี" / "stats.sqlite3",
        )


def test_regions_from_a_maxmind_city_database_are_counted(tmp_path: Path) -> None:
    import asyncio

    import httpx

    from consentkit import ConsentMiddleware

    async def page(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": "<p>สวัสดี</p>".encode()})

    path = tmp_path / "stats.sqlite3"
    app = ConsentMiddleware(
        page,
        secret_key="กุญแจ-0123456789abcdef",
        geolocator=str(DATA / "GeoLite2-City-Test.mmdb"),
        statistics=path,
    )

    async def visit(ip: str, choice: str) -> None:
        transport = httpx.ASGITransport(app=app, client=(ip, 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            await c.post(
                "/_consent", data={"choice": choice}, headers={"Sec-Fetch-Site": "same-origin"}
            )
            assert (await c.get("/")).status_code == 200

    asyncio.run(visit("216.160.83.56", "accept_all"))
    asyncio.run(visit("2.125.160.216", "accept_all"))
    asyncio.run(visit("81.2.69.160", "reject_all"))
    app.engine.close()
    assert read_statistics(path) == [
        StatisticsRow(TODAY, "GB", "ENG", 1),
        StatisticsRow(TODAY, "US", "WA", 1),
        StatisticsRow(TODAY, None, None, 1),
    ]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_worker_counts_its_own_views_once(tmp_path: Path) -> None:
    # As a pre-forking server does: the recorder is made (and used) before the fork.
    path = tmp_path / "fork.sqlite3"
    code = (
        "import os, sys\n"
        "from consentkit.location.stats import LocationStatistics, SQLiteStatisticsStore\n"
        "from consentkit.consent import Consent\n"
        "from consentkit.location.geo import Location\n"
        "def seen(country):\n"
        "    return Consent(decided=True, granted=frozenset({'location'}),\n"
        "                   required=frozenset(), gpc=False, policy_version='1',\n"
        "                   location_source=lambda: Location(country))\n"
        "r = LocationStatistics(SQLiteStatisticsStore(sys.argv[1]), interval=3600)\n"
        "for _ in range(5): r.record(seen('TH'))\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    for _ in range(2): r.record(seen('AU'))\n"
        "    r.close()\n"
        "    os._exit(0)\n"
        "assert os.waitpid(pid, 0)[1] == 0\n"
        "r.record(seen('US'))\n"
        "r.close()\n"
    )
    subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", code, str(path)], check=True
    )
    assert sorted((r.country, r.views) for r in read_statistics(path)) == [
        ("AU", 2),
        ("TH", 5),
        ("US", 1),
    ]
