"""`consentkit report` as a real process: a month of a Thai site's records (a JSON Lines export,
and a real records store where the records package is installed) and a real statistics file in;
a self-contained page and the terminal summary out."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from ..support.report_data import (
    SITE_TITLE,
    month_of_records,
    record,
    write_records,
    write_statistics,
)

CONSENTKIT = str(Path(sys.executable).parent / "consentkit")
KEY = "กุญแจลับสำหรับรายงาน-0123456789abcdef"


def _report(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CONSENTKIT, "report", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("รายงาน")
    return (
        write_records(folder / "records.jsonl"),
        write_statistics(folder / "statistics.sqlite"),
    )


def test_the_thai_report_and_its_summary(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    records, statistics = inputs
    output = tmp_path / "report.html"
    result = _report(
        "--records", str(records), "--statistics", str(statistics), "--title", SITE_TITLE,
        "-o", str(output),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = month_of_records()
    choices = Counter(row["choice"] for row in rows)
    visitors = len({row["consent_id"] for row in rows})
    lines = result.stdout.splitlines()
    assert lines[0] == "รายงานความยินยอมการใช้คุกกี้"
    assert lines[1] == "ช่วงเวลา: 1 พฤศจิกายน พ.ศ. 2569 – 1 ธันวาคม พ.ศ. 2569"
    assert lines[2] == f"ผู้เข้าชมที่เลือกแล้ว: {visitors}"
    assert lines[3] == f"การเลือกที่บันทึกไว้: {len(rows)}"
    # "accept all" grants everything, so it is never a withdrawal: the counts agree
    accept = choices["accept_all"]
    assert lines[4] == f"  ยอมรับทั้งหมด: {accept} ({round(100 * accept / len(rows))}%)"
    assert "  ไทย: 4,795" in lines  # the statistics file's Thai page views (5 + 2 weights)
    assert lines[-1] == f"บันทึกรายงานไว้ที่ {output}"
    page = output.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and '<html lang="th">' in page
    assert SITE_TITLE in page and page.count("<svg ") == 4
    assert "<script" not in page and "http" not in page


def test_the_english_report(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    records, _ = inputs
    output = tmp_path / "report.html"
    result = _report("--records", f"{records}", "--locale", "en", "-o", str(output))
    assert result.returncode == 0, result.stderr
    assert "Period: November 1, 2026 – December 1, 2026" in result.stdout
    assert "No location statistics were given (--statistics)." in result.stdout
    page = output.read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "Choices per day" in page


def test_a_missing_input_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    result = _report("--records", str(tmp_path / "ไม่มี.jsonl"), "-o", str(output))
    assert result.returncode == 1
    assert "consentkit report: records: no file at" in result.stderr
    assert not output.exists()
    result = _report("--statistics", str(tmp_path / "none.sqlite"), "-o", str(output))
    assert result.returncode == 1 and "no statistics file" in result.stderr
    assert _report("--locale", "fr", "-o", str(output)).returncode == 2
    assert _report().returncode == 2  # -o is required
    assert not output.exists()


def test_a_bad_record_names_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "records.jsonl"
    rows = month_of_records()[:3]
    rows[1]["choice"] = "ยอมรับ"
    bad.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    result = _report("--records", str(bad), "-o", str(tmp_path / "r.html"))
    assert result.returncode == 1
    assert "line 2:" in result.stderr and "unknown choice 'ยอมรับ'" in result.stderr


def test_the_report_reads_a_records_store(tmp_path: Path) -> None:
    from consentkit.records import RecordEntry, open_store
    from consentkit.records.signing import RecordSigner

    path = tmp_path / "records.sqlite"
    store = open_store(path, RecordSigner(KEY))
    start = datetime.datetime(2026, 11, 3, 1, tzinfo=datetime.timezone.utc)
    choices = [
        ("ก", "accept_all", ("necessary", "analytics", "marketing")),
        ("ข", "reject_all", ("necessary",)),
        ("ก", "reject_all", ("necessary",)),
    ]
    for hour, (consent_id, choice, granted) in enumerate(choices):
        refused = tuple(n for n in ("analytics", "marketing") if n not in granted)
        moment = start + datetime.timedelta(hours=hour)
        entry = RecordEntry(consent_id, moment, choice, granted, refused, "1", "th", False, "")
        store.append(entry)
    store.close()
    for value in (str(path), f"sqlite:///{path}"):
        result = _report("--records", value, "--locale", "en", "-o", str(tmp_path / "r.html"))
        assert result.returncode == 0, result.stderr
        assert "Visitors who chose: 2\nChoices recorded: 3\n" in result.stdout
        assert "  Withdrawal: 1 (33%)" in result.stdout


SITE_CATEGORIES = """
from consentkit import Category

CATEGORIES = [
    Category("necessary", required=True),
    Category("chat", cookies=("crisp-client*",), label={"th": "แชทสด", "en": "Live chat"}),
    Category("analytics", cookies=("_ga", "_ga_*")),
]
NOT_CATEGORIES = ["chat"]
"""


def test_the_sites_own_categories_name_the_shares_and_the_inventory(tmp_path: Path) -> None:
    (tmp_path / "site_consent.py").write_text(SITE_CATEGORIES, encoding="utf-8")
    start = datetime.datetime(2026, 11, 3, 1, tzinfo=datetime.timezone.utc)
    rows = [
        record("ก", start, "save", ("chat",)),
        record("ข", start, "accept_all", ("chat", "analytics")),
    ]
    for row in rows:
        row["refused"] = [n for n in ("chat", "analytics") if n not in row["granted"]]
    records = write_records(tmp_path / "records.jsonl", rows)
    output = tmp_path / "report.html"
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    args = ["--records", str(records), "-o", str(output)]
    result = _report(*args, "--categories", "site_consent:CATEGORIES", env=env)
    assert result.returncode == 0, result.stderr
    assert "  แชทสด: 100%" in result.stdout and "  คุกกี้เพื่อการวิเคราะห์: 50%" in result.stdout
    page = output.read_text(encoding="utf-8")
    assert "<code>crisp-client*</code></th><td>แชทสด</td>" in page
    assert "<code>_fbp</code>" not in page  # the defaults' marketing is not this site's
    for target, message in [
        ("site_consent", "write MODULE:NAME"),
        ("site_consent:MISSING", "has no 'MISSING'"),
        ("site_consent:NOT_CATEGORIES", "is not a list of consentkit Category objects"),
        ("ไม่มีโมดูล:CATEGORIES", "cannot import"),
    ]:
        result = _report(*args, "--categories", target, env=env)
        assert result.returncode == 1 and message in result.stderr, result.stderr
