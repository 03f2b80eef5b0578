"""Without Chromium the browser tests skip, except under ``CI=true``, where they fail."""

from __future__ import annotations

import pytest

from . import conftest as browser_conftest


def test_browser_tests_fail_rather_than_skip_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        browser_conftest._missing("/usr/bin/chromium")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        browser_conftest._missing("/usr/bin/chromium")
