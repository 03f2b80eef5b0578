"""The report's figures: withdrawals, choices per day, shares, languages and countries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from consentkit.location.stats import StatisticsRow
from consentkit.report.aggregate import (
    ConsentRecord,
    ReportData,
    category_shares,
    choices_per_day,
    classify,
    compute,
    language_shares,
    views_per_country,
)

from ..support.report_data import record

UTC = datetime.timezone.utc
T0 = datetime.datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
ALL = ("functional", "analytics", "location", "marketing")


def at(hours: float) -> datetime.datetime:
    return T0 + datetime.timedelta(hours=hours)


def rec(
    consent_id: str, hours: float, choice: str, granted: tuple[str, ...] = (), **kw: Any
) -> ConsentRecord:
    return ConsentRecord.from_mapping(record(consent_id, at(hours), choice, granted, **kw))


def kinds(records: list[ConsentRecord]) -> list[tuple[str, str]]:
    return [(r.consent_id, kind) for r, kind in classify(records)]


def test_a_reject_after_an_accept_is_a_withdrawal() -> None:
    records = [rec("ก", 0, "accept_all", ALL), rec("ก", 5, "reject_all")]
    assert kinds(records) == [("ก", "accept_all"), ("ก", "withdrawal")]


def test_unticking_one_category_is_a_withdrawal_and_adding_one_is_not() -> None:
    records = [
        rec("a", 0, "save", ("analytics",)),
        rec("a", 1, "save", ("analytics", "marketing")),  # grants more: a custom choice
        rec("a", 2, "save", ("marketing",)),  # analytics refused again: a withdrawal
        rec("a", 3, "accept_all", ALL),
    ]
    assert [kind for _, kind in kinds(records)] == ["save", "save", "withdrawal", "accept_all"]


def test_a_first_reject_and_a_reject_under_a_new_policy_are_not_withdrawals() -> None:
    records = [
        rec("a", 0, "reject_all"),
        rec("b", 0, "accept_all", ALL, policy_version="1"),
        rec("b", 9, "reject_all", policy_version="2"),
    ]
    assert [kind for _, kind in kinds(records)] == ["reject_all", "accept_all", "reject_all"]


def test_records_are_taken_in_time_order_whatever_the_input_order() -> None:
    records = [rec("a", 5, "reject_all"), rec("a", 0, "accept_all", ALL)]
    assert [kind for _, kind in kinds(records)] == ["accept_all", "withdrawal"]


def test_choices_per_day_counts_utc_days_and_keeps_the_days_without_a_choice() -> None:
    thai_evening = {**record("x", at(0), "save", ("analytics",)),
                    "recorded_at": "2026-11-03T23:30:00+07:00"}  # fmt: skip
    records = [
        rec("a", 0, "accept_all", ALL),
        rec("b", 1, "reject_all"),
        ConsentRecord.from_mapping(thai_evening),  # 16:30 UTC on 3 November
    ]
    days = choices_per_day(records)
    assert [d.day.isoformat() for d in days] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert dict(days[0].counts) == {"accept_all": 1, "reject_all": 1, "save": 0, "withdrawal": 0}
    assert days[1].total == 0
    assert days[2].counts["save"] == 1


def test_shares_count_each_visitor_once_by_their_latest_choice() -> None:
    records = [
        rec("a", 0, "accept_all", ALL),
        rec("a", 1, "reject_all"),  # a withdrew: grants nothing now
        rec("b", 0, "save", ("analytics",)),
        rec("c", 0, "accept_all", ALL),
        rec("d", 0, "reject_all"),
    ]
    shares = category_shares(records, frozenset({"necessary"}), ALL)
    assert [(s.name, s.count, s.of) for s in shares] == [
        ("functional", 1, 4),
        ("analytics", 2, 4),
        ("location", 1, 4),
        ("marketing", 1, 4),
    ]
    assert shares[1].fraction == 0.5


def test_a_category_the_site_does_not_order_comes_after_the_known_ones() -> None:
    records = [ConsentRecord("a", T0, "save", ("necessary", "chat"), ("analytics",))]
    shares = category_shares(records, frozenset({"necessary"}), ("analytics",))
    assert [(s.name, s.count) for s in shares] == [("analytics", 0), ("chat", 1)]


def test_languages_by_latest_choice_most_first() -> None:
    records = [
        rec("a", 0, "accept_all", ALL, locale="en"),
        rec("a", 1, "accept_all", ALL, locale="th"),
        rec("b", 0, "reject_all", locale="th"),
        rec("c", 0, "reject_all", locale="en"),
        rec("d", 0, "reject_all", locale="th"),
    ]
    assert [(s.name, s.count, s.of) for s in language_shares(records)] == [
        ("th", 3, 4),
        ("en", 1, 4),
    ]


def test_views_per_country_sum_the_days_and_regions_with_the_unlocated_last() -> None:
    day1, day2 = datetime.date(2026, 11, 1), datetime.date(2026, 11, 2)
    rows = [
        StatisticsRow(day1, "TH", "TH-10", 5),
        StatisticsRow(day1, "TH", None, 2),
        StatisticsRow(day1, None, None, 40),
        StatisticsRow(day2, "JP", None, 9),
        StatisticsRow(day2, "TH", "TH-50", 3),
    ]
    assert [(c.country, c.views) for c in views_per_country(rows)] == [
        ("TH", 10),
        ("JP", 9),
        (None, 40),
    ]


def test_compute_spans_both_sources_and_knows_which_were_given() -> None:
    records = [rec("a", 0, "accept_all", ALL), rec("a", 30, "reject_all")]
    rows = [StatisticsRow(datetime.date(2026, 10, 30), "TH", None, 7),
            StatisticsRow(datetime.date(2026, 10, 30), None, None, 3)]  # fmt: skip
    figures = compute(ReportData(records=records, statistics=rows))
    assert figures.first_day == datetime.date(2026, 10, 30)
    assert figures.last_day == datetime.date(2026, 11, 2)
    assert (figures.record_count, figures.visitor_count) == (2, 1)
    assert dict(figures.kind_totals) == {
        "accept_all": 1,
        "reject_all": 0,
        "save": 0,
        "withdrawal": 1,
    }
    assert (figures.total_views, figures.located_views) == (10, 7)
    empty = compute(ReportData(records=None, statistics=None))
    assert not empty.records_given and not empty.statistics_given
    assert empty.first_day is None and empty.days == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"choice": "withdraw"}, "unknown choice 'withdraw'"),
        ({"recorded_at": "2026-11-01T09:00:00"}, "has no time zone"),
        ({"recorded_at": "เมื่อวาน"}, "is not ISO 8601"),
        ({"granted": "analytics"}, "not a list of names"),
        ({"consent_id": ""}, "not a consent id"),
    ],
)
def test_a_bad_record_is_a_value_error_that_names_the_field(
    change: dict[str, Any], message: str
) -> None:
    row = {**record("ก", T0, "accept_all", ALL), **change}
    with pytest.raises(ValueError, match=message):
        ConsentRecord.from_mapping(row)


def test_a_record_without_a_consent_id_says_so() -> None:
    row = record("a", T0, "accept_all", ALL)
    del row["consent_id"]
    with pytest.raises(ValueError, match="no 'consent_id' field"):
        ConsentRecord.from_mapping(row)
