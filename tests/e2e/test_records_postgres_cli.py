"""`consentkit records` and `consentkit stats --records` on a PostgreSQL store, as
subprocesses against the session's server: export, verify (and its failure on an altered
record), erase, then verify again."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys

import pytest

psycopg = pytest.importorskip("psycopg")

from consentkit.records.signing import RecordSigner  # noqa: E402
from consentkit.records.store import RecordEntry, open_store  # noqa: E402

CLI = "import sys; from consentkit.cli import main; sys.exit(main(sys.argv[1:]))"
SECRET = "กุญแจ-cli-0123456789abcdef"
MOMENT = datetime.datetime(2026, 12, 1, 21, 30, tzinfo=datetime.timezone.utc)


def consentkit(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONSENTKIT_SECRET_KEY": SECRET}
    return subprocess.run(
        [sys.executable, "-c", CLI, *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_the_records_commands_work_on_a_postgresql_store(postgresql_url: str) -> None:
    store = open_store(postgresql_url, RecordSigner(SECRET))
    for n, (visitor, choice) in enumerate([("ผู้ชม-1", "accept_all"), ("ผู้ชม-2", "reject_all")]):
        granted = ("necessary", "analytics") if choice == "accept_all" else ("necessary",)
        refused = () if choice == "accept_all" else ("analytics",)
        at = MOMENT + datetime.timedelta(minutes=n)
        store.append(RecordEntry(visitor, at, choice, granted, refused, "1", "th", False, ""))
    store.close()

    exported = consentkit("records", "export", postgresql_url, "--consent-id", "ผู้ชม-2")
    assert exported.returncode == 0, exported.stderr
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [(r["consent_id"], r["choice"], r["refused"]) for r in lines] == [
        ("ผู้ชม-2", "reject_all", ["analytics"])
    ]
    assert consentkit("records", "verify", postgresql_url).returncode == 0
    counted = consentkit("stats", "--records", postgresql_url, "--json")
    assert counted.returncode == 0, counted.stderr
    assert json.loads(counted.stdout)["consent"]["total"] == 2

    with psycopg.connect(postgresql_url) as connection:
        connection.execute("UPDATE consent_records SET granted = '[]' WHERE seq = 1")
    altered = consentkit("records", "verify", postgresql_url)
    assert altered.returncode == 1 and "1" in altered.stdout + altered.stderr
    with psycopg.connect(postgresql_url) as connection:
        connection.execute(
            """UPDATE consent_records SET granted = '["necessary","analytics"]' WHERE seq = 1"""
        )

    erased = consentkit("records", "erase", postgresql_url, "ผู้ชม-1")
    assert erased.returncode == 0, erased.stderr
    assert consentkit("records", "verify", postgresql_url).returncode == 0
    left = consentkit("records", "export", postgresql_url)
    assert [json.loads(line)["consent_id"] for line in left.stdout.splitlines()] == ["ผู้ชม-2"]
