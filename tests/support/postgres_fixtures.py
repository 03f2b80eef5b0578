"""The PostgreSQL fixtures (registered in ``tests/conftest.py``): one throw-away cluster for
the whole session, started on first use, and a new empty database for each test.

Without PostgreSQL's server programs (or without psycopg) the tests that use them skip,
except under ``CI=true``, where they fail: CI installs Debian's ``postgresql`` (``.ci/run``).
"""

from __future__ import annotations

import importlib.util
import itertools
import os
from collections.abc import Iterator

import pytest

from .postgres import Cluster, find_binaries

_databases = itertools.count(1)


def missing(what: str) -> None:
    """Skip the test for lack of ``what``; fail instead under ``CI=true``."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing, and CI=true: the PostgreSQL tests must run in CI.")
    pytest.skip(f"{what} is missing")


@pytest.fixture(scope="session")
def postgresql_cluster() -> Iterator[Cluster]:
    """A PostgreSQL server of the session's own (see :class:`tests.support.postgres.Cluster`);
    ``stop()``/``start()``/``stopped()`` on it for the fault tests."""
    binaries = find_binaries()
    if binaries is None:
        missing("PostgreSQL (Debian's postgresql package: initdb, pg_ctl)")
    cluster = Cluster.create(binaries)
    try:
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def postgresql_url(postgresql_cluster: Cluster) -> str:
    """The ``postgresql://`` URL of a new, empty database of the session's cluster."""
    if importlib.util.find_spec("psycopg") is None:
        missing("psycopg (pip install -e '.[test]')")
    if not postgresql_cluster.running:  # a fault test that failed half-way
        postgresql_cluster.start()
    return postgresql_cluster.create_database(f"test_{os.getpid()}_{next(_databases)}")
