"""Location statistics in PostgreSQL, against the session's real server
(:mod:`tests.support.postgres`): the store, several processes writing at once, the server
down at flush time, the option and `consentkit stats`."""

from __future__ import annotations

import datetime
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from consentkit.consent import Consent
from consentkit.location.geo import Location
from consentkit.location.stats import LocationStatistics, StatisticsRow

from ..support.postgres import Cluster

psycopg = pytest.importorskip("psycopg")

from consentkit.location.stats_postgres import (  # noqa: E402  (needs psycopg)
    PostgresStatisticsStore,
    read_postgres_statistics,
)

CLI = "import sys; from consentkit.cli import main; sys.exit(main(sys.argv[1:]))"
SECRET = "กุญแจ-0123456789abcdef"
TODAY = datetime.datetime.now(datetime.timezone.utc).date()
DAY = (TODAY - datetime.date(1970, 1, 1)).days
YESTERDAY = TODAY - datetime.timedelta(days=1)
WRITERS = 4
ADDS = 40


@pytest.fixture
def store(postgresql_url: str) -> Iterator[PostgresStatisticsStore]:
    store = PostgresStatisticsStore(postgresql_url, timeout=1.0)
    yield store
    store.close()


def seen(country: str | None, region: str | None = None) -> Consent:
    """A visitor who granted location, found in ``country`` (``None``: unknown)."""
    return Consent(
        decided=True,
        granted=frozenset({"location"}),
        required=frozenset({"necessary"}),
        gpc=False,
        policy_version="1",
        location_source=lambda: Location(country, region) if country else None,
    )


def test_counts_are_added_to_the_stored_ones(store: PostgresStatisticsStore) -> None:
    store.add({(DAY, "TH", "TH-10"): 2, (DAY, None, None): 3, (DAY - 1, "JP", None): 1})
    store.add({(DAY, "TH", "TH-10"): 5, (DAY, "TH", None): 1, (DAY, "AU", None): 0})
    assert store.rows() == [
        StatisticsRow(YESTERDAY, "JP", None, 1),
        StatisticsRow(TODAY, "TH", None, 1),
        StatisticsRow(TODAY, "TH", "TH-10", 7),
        StatisticsRow(TODAY, None, None, 3),
    ]


def test_the_tables_and_their_version_are_created_on_first_use(postgresql_url: str) -> None:
    store = PostgresStatisticsStore(postgresql_url)
    with psycopg.connect(postgresql_url) as connection:
        tables = "SELECT count(*) FROM pg_tables WHERE tablename LIKE '%%location_views%%'"
        assert connection.execute(tables).fetchone() == (0,)  # nothing until it is used
    assert store.rows() == []
    store.close()
    with psycopg.connect(postgresql_url) as connection:
        version = connection.execute("SELECT version FROM statistics_schema_version").fetchall()
    assert version == [(1,)]


def test_a_database_of_a_newer_schema_is_refused(postgresql_url: str) -> None:
    with psycopg.connect(postgresql_url) as connection:
        connection.execute("CREATE TABLE statistics_schema_version (version INTEGER NOT NULL)")
        connection.execute("INSERT INTO statistics_schema_version VALUES (99)")
    store = PostgresStatisticsStore(postgresql_url)
    with pytest.raises(ValueError, match="newer consentkit"):
        store.add({(DAY, "TH", None): 1})
    store.close()


#: One writer process: says it is ready, waits for the others, then adds ``ADDS`` times, each
#: its own transaction, the first one creating the tables.
WRITER = """
import pathlib, sys, time
from consentkit.location.stats_postgres import PostgresStatisticsStore
url, folder, writer = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
day, adds = map(int, sys.argv[4:])
store = PostgresStatisticsStore(url)
(folder / f"ready-{writer}").touch()
while not (folder / "go").exists():
    time.sleep(0.005)
for i in range(adds):
    store.add({(day, "TH", "TH-10"): 1, (day, None, None): 2, (day, "JP", None): i % 3,
               (day - 1, "X" + writer, None): 1})
store.close()
"""


ARGS = (str(DAY), str(ADDS))


def test_several_processes_adding_at_once_give_exact_totals(
    postgresql_url: str, tmp_path: Path
) -> None:
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, postgresql_url, str(tmp_path), str(n), *ARGS]
        )
        for n in range(WRITERS)
    ]
    while len(list(tmp_path.glob("ready-*"))) < WRITERS:
        assert all(w.poll() is None for w in writers)
        time.sleep(0.01)
    (tmp_path / "go").touch()  # all at once, on a database without the tables yet
    assert [w.wait(timeout=120) for w in writers] == [0] * WRITERS
    per_writer_jp = sum(i % 3 for i in range(ADDS))
    assert read_postgres_statistics(postgresql_url) == [
        *(StatisticsRow(YESTERDAY, f"X{n}", None, ADDS) for n in range(WRITERS)),
        StatisticsRow(TODAY, "JP", None, WRITERS * per_writer_jp),
        StatisticsRow(TODAY, "TH", "TH-10", WRITERS * ADDS),
        StatisticsRow(TODAY, None, None, WRITERS * ADDS * 2),
    ]


def test_counts_wait_while_the_server_is_down_and_are_written_when_it_is_back(
    postgresql_url: str, postgresql_cluster: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = LocationStatistics(
        PostgresStatisticsStore(postgresql_url, timeout=1.0), interval=3600
    )
    for _ in range(3):
        recorder.record(seen("TH", "TH-50"))
    recorder.flush()  # connected, tables created
    with caplog.at_level(logging.WARNING, "consentkit.statistics"), postgresql_cluster.stopped():
        for _ in range(4):
            recorder.record(seen("TH", "TH-50"))
        recorder.record(seen(None))
        recorder.flush()
        recorder.record(seen("TH", "TH-50"))
        recorder.flush()
        assert recorder.failing
    outage = [r for r in caplog.records if "could not write" in r.getMessage()]
    assert len(outage) == 1, caplog.text  # once per outage, not per flush
    assert "error connecting in 'consentkit-" not in caplog.text  # nor per pool attempt
    recorder.record(seen("TH", "TH-50"))
    with caplog.at_level(logging.WARNING, "consentkit.statistics"):
        recorder.close()
    assert "written again" in caplog.text
    assert recorder.failed == 0 and recorder.dropped == 0
    assert read_postgres_statistics(postgresql_url) == [
        StatisticsRow(TODAY, "TH", "TH-50", 9),
        StatisticsRow(TODAY, None, None, 1),
    ]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_worker_gets_its_own_pool(postgresql_url: str) -> None:
    # As a pre-forking server does with --preload: the store is used before the fork.
    code = (
        "import os, sys\n"
        "from consentkit.location.stats import LocationStatistics\n"
        "from consentkit.location.stats_postgres import PostgresStatisticsStore\n"
        f"DAY = {DAY}\n"
        "r = LocationStatistics(PostgresStatisticsStore(sys.argv[1]), interval=3600)\n"
        "r.store.add({(DAY, 'TH', None): 5})\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    r.store.add({(DAY, 'AU', None): 2})\n"
        "    r.close()\n"
        "    os._exit(0)\n"
        "assert os.waitpid(pid, 0)[1] == 0\n"
        "r.store.add({(DAY, 'US', None): 1})\n"  # the parent's connections still work
        "r.close()\n"
    )
    subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", code, postgresql_url],
        check=True,
        timeout=60,
    )
    assert [(r.country, r.views) for r in read_postgres_statistics(postgresql_url)] == [
        ("AU", 2),
        ("TH", 5),
        ("US", 1),
    ]


@pytest.mark.parametrize("adapter", ["asgi", "wsgi"])
def test_the_statistics_option_takes_a_postgresql_url(adapter: str, postgresql_url: str) -> None:
    from consentkit import ConsentMiddleware, ConsentWSGIMiddleware

    middleware: Any = ConsentMiddleware if adapter == "asgi" else ConsentWSGIMiddleware
    app = middleware(lambda *a: None, secret_key=SECRET, statistics=postgresql_url)
    statistics = app.engine.statistics
    assert isinstance(statistics.store, PostgresStatisticsStore)
    statistics.record(seen("TH"))
    app.engine.close()
    assert read_postgres_statistics(postgresql_url) == [StatisticsRow(TODAY, "TH", None, 1)]


def test_an_unreadable_url_is_refused_at_start_up() -> None:
    from consentkit import ConsentMiddleware

    with pytest.raises(ValueError, match="not a PostgreSQL URL"):
        ConsentMiddleware(lambda *a: None, secret_key=SECRET, statistics="postgresql://h/d?x=1")
    with pytest.raises(ValueError, match="unknown store"):
        ConsentMiddleware(lambda *a: None, secret_key=SECRET, statistics="mysql://h/d")


def test_a_server_down_at_start_up_does_not_stop_the_app(postgresql_cluster: Cluster) -> None:
    from consentkit import ConsentMiddleware

    down = f"postgresql://postgres@127.0.0.1:{postgresql_cluster.port + 1}/ไม่มี"
    app = ConsentMiddleware(lambda *a: None, secret_key=SECRET, statistics=down)
    app.engine.statistics.store.close()


def test_stats_reads_a_postgresql_database(postgresql_url: str) -> None:
    store = PostgresStatisticsStore(postgresql_url)
    store.add({(DAY, "TH", "TH-10"): 4, (DAY, "TH", "TH-50"): 2, (DAY, None, None): 3})
    store.close()
    result = subprocess.run(
        [sys.executable, "-c", CLI, "stats", postgresql_url, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {
            "day": TODAY.isoformat(),
            "country": "TH",
            "views": 6,
            "regions": {"TH-10": 4, "TH-50": 2},
        },
        {"day": TODAY.isoformat(), "country": None, "views": 3, "regions": {}},
    ]


def test_stats_of_a_database_without_statistics_is_a_clear_error(postgresql_url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", CLI, "stats", postgresql_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "holds no location statistics" in result.stderr
    assert "Traceback" not in result.stderr
    with psycopg.connect(postgresql_url) as connection:  # reading created nothing
        assert connection.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone() == (0,)


def test_the_statistics_option_takes_an_sqlite_url_too(tmp_path: Path) -> None:
    from consentkit import ConsentMiddleware
    from consentkit.location.stats import SQLiteStatisticsStore, read_statistics

    path = tmp_path / "สถิติ.sqlite3"
    app = ConsentMiddleware(lambda *a: None, secret_key=SECRET, statistics=f"sqlite:///{path}")
    assert isinstance(app.engine.statistics.store, SQLiteStatisticsStore)
    app.engine.statistics.record(seen("TH"))
    app.engine.close()
    assert read_statistics(f"sqlite:///{path}") == [StatisticsRow(TODAY, "TH", None, 1)]
