"""The records benchmark still runs: ``python -m benchmarks.choices``, briefly, on the
session's PostgreSQL server, every answered choice recorded and the chain verifying."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ..support import ROOT
from ..support.postgres import Cluster

pytest.importorskip("psycopg")


def test_the_choices_benchmark_runs_on_sqlite_and_postgresql(postgresql_cluster: Cluster) -> None:
    argv = [sys.executable, "-m", "benchmarks.choices", "--url", postgresql_cluster.url()]
    argv += ["--seconds", "1", "--workers", "2", "--clients", "2", "--servers", "gunicorn"]
    result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    rows = [line for line in result.stdout.splitlines() if line.startswith("| gunicorn |")]
    assert [row.split("|")[2].strip() for row in rows] == ["sqlite", "postgresql"]
    assert all(row.rstrip().endswith("| yes |") for row in rows)
