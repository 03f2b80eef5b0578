"""The benchmark suite still runs: ``python -m benchmarks --quick`` in a subprocess.

No timing is asserted (the machine decides those); what must hold is that every section runs,
that each case's own check passed (banner injected, session really read, django-cookie-consent's
gate answering), and that the targets table names every target.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_benchmarks(*args: str, tmp_path: Path) -> tuple[str, str]:
    report = tmp_path / "report.md"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--markdown", str(report), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout, report.read_text(encoding="utf-8")


def test_in_process_sections_run_and_report_every_target(tmp_path: Path) -> None:
    stdout, report = run_benchmarks("--only", "asgi,wsgi,django,memory", tmp_path=tmp_path)
    for heading in ("ASGI in-process", "WSGI in-process", "Django", "Memory", "Targets"):
        assert heading in stdout
    for target in (
        "ASGI decided visitor, JSON",
        "ASGI no cookie, HTML + banner",
        "Flask no cookie, HTML + banner",
        "Django undecided",
        "streaming 4 MB",
        "2,000 distinct visitors",
    ):
        assert target in report
    # Every ASGI consentkit case has its floor target, on the floor of its kind of response.
    for case, kind in (
        ("(a) no cookie, HTML + banner", "HTML"),
        ("(d) decided, JSON", "JSON"),
        ("(e) undecided with _ga, _fbp, HTML + banner + expiry", "HTML"),
        ("(f) undecided with _ga, _fbp, JSON + expiry", "JSON"),
        ("(g) decided, refused all, HTML + expiry", "HTML"),
        ("(h) decided, refused all, JSON + expiry", "JSON"),
    ):
        assert f"| ASGI {case}: overhead ÷ the {kind} floor's |" in report
    # The visitors whose _ga/_fbp must be expired are timed on every section (their checks,
    # run before timing, passed or the run would have failed).
    for case in (
        "| consentkit (e) undecided with _ga, _fbp, HTML + banner + expiry |",
        "| consentkit (h) decided, refused all, JSON + expiry |",
        "| consentkit, undecided with _ga, _fbp, JSON + expiry |",
        "| consentkit, decided, refused all + expiry |",
    ):
        assert case in report
    assert report.count("| consentkit (e) undecided with _ga, _fbp") == 2  # ASGI and Flask
    assert "| 4 MB |" in report and "injected" in report
    assert "Machine: " in report


def test_unknown_section_is_refused(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--only", "asgi,ขนม"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    assert "unknown section" in completed.stderr


@pytest.mark.server
def test_loopback_section_runs(tmp_path: Path) -> None:
    stdout, report = run_benchmarks("--only", "loopback", "--seconds", "1", tmp_path=tmp_path)
    assert "ASGI over loopback" in stdout
    assert "loopback HTML (a) no cookie: requests/s ÷ bare app's" in report


def test_the_cookie_classification_section_runs(tmp_path: Path) -> None:
    stdout, report = run_benchmarks("--only", "cookiedb", tmp_path=tmp_path)
    assert "Cookie classification" in stdout
    for case in ("warm: a name seen before", "first sight: a wildcard database name"):
        assert case in report
    assert "one-time load" in report


def test_the_records_section_runs_and_page_views_never_touch_the_store(tmp_path: Path) -> None:
    stdout, report = run_benchmarks("--only", "records", tmp_path=tmp_path)
    assert "choices recorded per second" in stdout
    assert "| SQLite |" in report
    assert "Page views: 0 calls to the record store" in report
