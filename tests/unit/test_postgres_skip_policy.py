"""Without PostgreSQL the PostgreSQL tests skip, except under ``CI=true``, where they fail."""

from __future__ import annotations

import pytest

from ..support import postgres_fixtures


def test_postgresql_tests_fail_rather_than_skip_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        postgres_fixtures.missing("PostgreSQL")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        postgres_fixtures.missing("PostgreSQL")
