"""The load section still runs and still fails loudly: ``python -m benchmarks --only load
--quick`` in a subprocess, through real uvicorn and gunicorn.

No timing is asserted (the machine decides those); what must hold is that every server, bare
and wrapped, answered every request with no connection error and no 5xx, and that the run's
content checks (banner for a new visitor, none for a decided one) passed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.server


def test_quick_load_run_has_no_errors_and_no_5xx(tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    command = [sys.executable, "-m", "benchmarks", "--only", "load", "--quick"]
    completed = subprocess.run(
        [*command, "--markdown", str(report)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "NOT met" not in output
    text = report.read_text(encoding="utf-8")
    rows = re.findall(
        r"^\| (uvicorn|gunicorn) \(\w+\) \| (bare|consentkit) \| (\d+) \| (\d+) \| (\d+) \| "
        r"([^|]*) \|",
        text,
        re.M,
    )
    assert sorted((server, app) for server, app, *_ in rows) == [
        ("gunicorn", "bare"),
        ("gunicorn", "consentkit"),
        ("uvicorn", "bare"),
        ("uvicorn", "consentkit"),
    ], text
    for server, app, requests, errors, server_errors, statuses in rows:
        assert int(requests) == 400, (server, app, text)
        assert (int(errors), int(server_errors)) == (0, 0), (server, app, text)
        counts = dict(pair.split(": ") for pair in statuses.split(", "))
        assert not [s for s in counts if s.startswith("5")], (server, app, statuses)
        assert sum(map(int, counts.values())) == 400, (server, app, statuses)
        if app == "consentkit":
            # The endpoints answered: choices recorded (303), cross-site refused (403),
            # an unknown choice refused (400).
            assert {"303", "403", "400"} <= set(counts), (server, statuses)
    assert text.count("connection errors + 5xx + failed checks | 0.00") == 4, text
    assert "Problems" not in text
