"""The report's words, charts, page and summary: Thai and English, nothing fetched."""

from __future__ import annotations

import datetime
import importlib
import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest

from consentkit.location.stats import StatisticsRow
from consentkit.report import ReportData, ReportText, write_report
from consentkit.report.aggregate import ConsentRecord
from consentkit.report.inventory import classify_names, inventory_from_categories
from consentkit.report.sources import read_records, read_statistics_store
from consentkit.report.svg import Bar, Series, horizontal_bars, nice_step, stacked_columns

from ..support.report_data import SITE_TITLE, month_of_records, record, write_records

UTC = datetime.timezone.utc
MOMENT = datetime.datetime(2026, 12, 1, 14, 5, tzinfo=UTC)
ALL = ("functional", "analytics", "location", "marketing")


@pytest.fixture(scope="module")
def thai() -> ReportText:
    return ReportText("th")


@pytest.fixture(scope="module")
def english() -> ReportText:
    return ReportText("en")


def sample(text: ReportText) -> ReportData:
    t0 = datetime.datetime(2026, 11, 1, 3, tzinfo=UTC)
    records = [
        ConsentRecord.from_mapping(record("ก", t0, "accept_all", ALL)),
        ConsentRecord.from_mapping(record("ก", t0.replace(day=2), "reject_all")),
        ConsentRecord.from_mapping(record("ข", t0, "save", ("analytics",), locale="en")),
    ]
    rows = [
        StatisticsRow(datetime.date(2026, 11, 1), "TH", "TH-10", 30),
        StatisticsRow(datetime.date(2026, 11, 1), "JP", None, 10),
        StatisticsRow(datetime.date(2026, 11, 1), None, None, 60),
    ]
    return ReportData(records=records, statistics=rows, inventory=inventory_from_categories(text))


def test_thai_dates_are_in_the_buddhist_era(thai: ReportText, english: ReportText) -> None:
    day = datetime.date(2026, 12, 1)
    assert thai.long_date(day) == "1 ธันวาคม พ.ศ. 2569"
    assert thai.short_date(day) == "1 ธ.ค."
    assert thai.moment(MOMENT) == "1 ธันวาคม พ.ศ. 2569 14:05 UTC"
    assert english.long_date(day) == "December 1, 2026"


def test_names_of_countries_languages_categories_and_kinds(
    thai: ReportText, english: ReportText
) -> None:
    assert (thai.country("TH"), english.country("JP")) == ("ไทย", "Japan")
    assert thai.country(None) == "ไม่มีตำแหน่งที่ตั้ง (ไม่ได้อนุญาตหรือไม่ทราบ)"
    assert (thai.language("en"), english.language("th")) == ("อังกฤษ", "Thai")
    assert thai.category("analytics") == "คุกกี้เพื่อการวิเคราะห์"
    assert thai.kind("withdrawal") == "ถอนความยินยอม"
    assert english.kind("save") == "Custom choice"
    assert thai.category("Not-A-Name") == "Not-A-Name"


def test_no_other_report_locale() -> None:
    with pytest.raises(ValueError, match="th or en"):
        ReportText("fr")


def test_nice_steps_are_whole_numbers() -> None:
    assert [nice_step(v) for v in (0, 1, 1.5, 3, 6.5, 12, 26, 4000)] == [
        1, 1, 2, 5, 10, 20, 50, 5000,
    ]  # fmt: skip


def test_columns_are_as_tall_as_their_values_and_text_is_escaped() -> None:
    series = [Series("a", "#000", "A"), Series("b", "#111", "B")]
    svg = stacked_columns(
        ["<1>", "2"], [[4, 0], [2, 2]], series, title="การเลือก & <ทดสอบ>",
        description="d", chart_id="c", tooltip=lambda i, s: f"{i}/{s}", height=236,
    )  # fmt: skip
    heights = [float(h) for h in re.findall(r'<rect class="bar-\w" [^>]*height="([\d.]+)"', svg)]
    # plot height 236 - 12 - 36 = 188, axis maximum 4 (step 1)
    assert heights == [188.0, 94.0, 94.0]
    assert "&lt;1&gt;" in svg and "การเลือก &amp; &lt;ทดสอบ&gt;" in svg
    assert 'role="img"' in svg and "<script" not in svg


def test_bars_scale_to_their_maximum() -> None:
    svg = horizontal_bars(
        [Bar("ไทย", 0.5, "50%"), Bar("อังกฤษ", 0.25, "25%")], maximum=1.0, colour="#123456",
        title="t", description="d", chart_id="b", label_width=220,
    )  # fmt: skip
    widths = re.findall(r'<rect x="220" [^>]*width="([\d.]+)"[^>]*fill="#123456"', svg)
    assert [float(w) for w in widths] == [195.0, 97.5]  # (720 - 220 - 110) × share


def test_the_thai_page_is_self_contained_and_in_thai(thai: ReportText) -> None:
    page, summary = write_report(sample(thai), thai, title=SITE_TITLE, generated_at=MOMENT)
    assert page.startswith("<!doctype html>") and '<html lang="th">' in page
    for forbidden in (
        "<script",
        "http://",
        "https://",
        "//cdn",
        "src=",
        "<link",
        "@import",
        "url(",
    ):
        assert forbidden not in page, forbidden
    assert page.count("<svg ") == 4
    assert "รายงานความยินยอมการใช้คุกกี้" in page and SITE_TITLE in page
    assert "1 พฤศจิกายน พ.ศ. 2569 – 2 พฤศจิกายน พ.ศ. 2569" in page
    assert "<code>_ga</code>" in page and "2 ปี" in page
    assert "ไทย" in page and "ญี่ปุ่น" in page
    assert "ผู้เข้าชมที่เลือกแล้ว: 2\nการเลือกที่บันทึกไว้: 3\n" in summary
    assert "ถอนความยินยอม: 1 (33%)" in summary
    assert "คุกกี้เพื่อการวิเคราะห์: 50%" in summary
    assert "การเปิดดูหน้าเว็บที่นับได้: 100 (มีตำแหน่งที่ตั้ง 40%)" in summary


def test_the_english_page_says_what_each_figure_is(english: ReportText) -> None:
    page, summary = write_report(sample(english), english, generated_at=MOMENT)
    assert '<html lang="en">' in page and "Cookie consent report" in page
    assert "Withdrawal" in page and "Thai time is UTC+7" in page
    assert "Statistics: 50%" in summary and "Japan: 10" in summary


def test_missing_sources_are_said_not_drawn(english: ReportText) -> None:
    data = ReportData(records=None, statistics=None)
    page, summary = write_report(data, english, generated_at=MOMENT)
    assert "No consent records were given (--records)." in page
    assert "No location statistics were given (--statistics)." in summary
    assert "<svg " not in page


def test_records_are_read_from_a_json_lines_export(tmp_path: Path) -> None:
    rows = month_of_records()
    records = read_records(str(write_records(tmp_path / "ส่งออก.jsonl", rows)))
    assert len(records) == len(rows)
    assert records[0].consent_id == rows[0]["consent_id"]


def test_a_bad_line_is_named_and_a_missing_store_is_not_created(tmp_path: Path) -> None:
    bad = tmp_path / "records.jsonl"
    bad.write_text('{"consent_id": "a"}\n\n[1]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="line 1: a record has no 'recorded_at'"):
        read_records(str(bad))
    for value in (tmp_path / "none.sqlite", f"sqlite:///{tmp_path}/none.sqlite"):
        with pytest.raises(ValueError, match="no file at"):
            read_records(str(value))
    assert list(tmp_path.iterdir()) == [bad]
    with pytest.raises(ValueError, match="neither a file"):
        read_records("mysql://shop")
    with pytest.raises(ValueError, match="not a statistics file"):
        read_statistics_store("postgresql://shop")


def test_other_cookies_are_unknown_without_the_cookie_database(
    monkeypatch: pytest.MonkeyPatch, thai: ReportText
) -> None:
    real = importlib.import_module

    def without_cookiedb(name: str, package: str | None = None) -> Any:
        if name == "consentkit.cookiedb":
            raise ImportError(name)
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", without_cookiedb)
    entries = classify_names(["_clck", "ตะกร้า", "_clck"])
    assert [(e.name, e.category, e.source) for e in entries] == [
        ("_clck", "", "unknown"),
        ("ตะกร้า", "", "unknown"),
    ]
    data = ReportData(records=None, statistics=None, inventory=entries)
    page, _ = write_report(data, thai, generated_at=MOMENT)
    assert "<code>ตะกร้า</code></th><td>ไม่ทราบ</td>" in page


def test_other_cookies_are_classified_by_the_cookie_database(thai: ReportText) -> None:
    entries = {e.name: e for e in classify_names(["_clck", "sessionid", "_ga"])}
    assert (entries["_clck"].category, entries["_clck"].source) == ("analytics", "database")
    assert entries["_clck"].text_lang == "en" and entries["_clck"].purpose
    assert (entries["sessionid"].category, entries["sessionid"].source) == (
        "necessary",
        "framework",
    )
    assert entries["_ga"].source == "category"
    data = ReportData(records=None, statistics=None, inventory=list(entries.values()))
    page, _ = write_report(data, thai, generated_at=MOMENT)
    assert '<code>_clck</code></th><td>คุกกี้เพื่อการวิเคราะห์</td><td lang="en">' in page
