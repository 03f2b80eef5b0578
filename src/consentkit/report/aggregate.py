"""The report's figures, computed from its inputs by pure functions (no I/O, no text).

Definitions the report states on the page:

- a **day** is the UTC date of a record's ``recorded_at`` (the statistics store counts UTC days
  too);
- a **withdrawal** is a choice by a consent id that refuses at least one category the same
  consent id granted in its previous record *for the same policy version* (a "reject all" after
  an "accept all" is the plainest case; unticking one category and saving is one too). A choice
  after the policy version changed is a new consent, never a withdrawal: the old consent was no
  longer in force. Every other choice counts as what the visitor clicked: ``accept_all``,
  ``reject_all`` or ``save`` (a custom selection);
- a **visitor** is a consent id; the shares and languages count each consent id once, by its
  latest record.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..location.stats import StatisticsRow

CHOICES = ("accept_all", "reject_all", "save")
#: The kinds a choice is counted as, in the charts' order.
KINDS = ("accept_all", "reject_all", "save", "withdrawal")


@dataclass(frozen=True)
class ConsentRecord:
    """One recorded choice, as ``consentkit records export`` prints it (the fields used here)."""

    consent_id: str
    recorded_at: datetime.datetime
    choice: str
    granted: tuple[str, ...]
    refused: tuple[str, ...]
    policy_version: str = ""
    locale: str = ""
    gpc: bool = False

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> ConsentRecord:
        """A record from an export row; a ``ValueError`` naming the field that is wrong."""
        try:
            consent_id = row["consent_id"]
            recorded_at = row["recorded_at"]
            choice = row["choice"]
        except KeyError as error:
            raise ValueError(f"a record has no {error.args[0]!r} field") from None
        if not isinstance(consent_id, str) or not consent_id:
            raise ValueError(f"a record's consent_id is {consent_id!r}, not a consent id")
        if choice not in CHOICES:
            raise ValueError(f"record of {consent_id}: unknown choice {choice!r}")
        return cls(
            consent_id=consent_id,
            recorded_at=_utc(recorded_at, consent_id),
            choice=choice,
            granted=_names(row.get("granted", ()), "granted", consent_id),
            refused=_names(row.get("refused", ()), "refused", consent_id),
            policy_version=str(row.get("policy_version") or ""),
            locale=str(row.get("locale") or ""),
            gpc=bool(row.get("gpc", False)),
        )

    @property
    def day(self) -> datetime.date:
        """The UTC date of the choice."""
        return self.recorded_at.date()


def _utc(value: object, consent_id: str) -> datetime.datetime:
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"record of {consent_id}: recorded_at {value!r} is not ISO 8601"
            ) from None
    if not isinstance(value, datetime.datetime):
        raise ValueError(f"record of {consent_id}: recorded_at {value!r} is not a time")
    if value.tzinfo is None:
        raise ValueError(f"record of {consent_id}: recorded_at {value} has no time zone (UTC)")
    return value.astimezone(datetime.timezone.utc)


def _names(value: object, what: str, consent_id: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError(f"record of {consent_id}: {what} is {value!r}, not a list of names")
    names = tuple(value)
    if not all(isinstance(name, str) for name in names):
        raise ValueError(f"record of {consent_id}: {what} holds something other than names")
    return names


@dataclass(frozen=True)
class InventoryEntry:
    """A cookie of the site: its category and, where known, where that came from and what it
    is for (the text already in the report's language, or labelled as the database's)."""

    name: str
    category: str
    source: str = "category"
    provider: str | None = None
    purpose: str | None = None
    retention: str | None = None
    #: The language of ``purpose`` and ``retention`` when it is not the report's (the Open
    #: Cookie Database's descriptions are English).
    text_lang: str | None = None


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, before any figure is computed. ``records`` or
    ``statistics`` is ``None`` when that source was not given (the page says so)."""

    records: Sequence[ConsentRecord] | None
    statistics: Sequence[StatisticsRow] | None
    inventory: Sequence[InventoryEntry] = ()
    #: Categories always on: left out of the shares (they would always be 100 %).
    required: frozenset[str] = frozenset({"necessary"})
    #: Category names in the order the site declares them (others follow, sorted).
    category_order: Sequence[str] = ()


@dataclass(frozen=True)
class DayChoices:
    """The choices of one UTC day, by kind (see :data:`KINDS`)."""

    day: datetime.date
    counts: Mapping[str, int]

    @property
    def total(self) -> int:
        """Every choice of the day."""
        return sum(self.counts.values())


@dataclass(frozen=True)
class Share:
    """How many of ``of`` counted things have a property (a category granted, a language)."""

    name: str
    count: int
    of: int

    @property
    def fraction(self) -> float:
        """``count / of``, 0 when there is nothing to count."""
        return self.count / self.of if self.of else 0.0


@dataclass(frozen=True)
class CountryViews:
    """Page views from one country (``None``: counted without a location)."""

    country: str | None
    views: int


@dataclass(frozen=True)
class ReportFigures:
    """The report's figures, ready to render."""

    first_day: datetime.date | None
    last_day: datetime.date | None
    record_count: int
    visitor_count: int
    kind_totals: Mapping[str, int]
    days: Sequence[DayChoices]
    categories: Sequence[Share]
    languages: Sequence[Share]
    countries: Sequence[CountryViews]
    total_views: int
    located_views: int
    records_given: bool
    statistics_given: bool
    inventory: Sequence[InventoryEntry] = field(default=())


def in_order(records: Iterable[ConsentRecord]) -> list[ConsentRecord]:
    """The records by time (the export's order breaks ties)."""
    return sorted(records, key=lambda record: record.recorded_at)


def classify(records: Iterable[ConsentRecord]) -> list[tuple[ConsentRecord, str]]:
    """Each record, in time order, with the kind it counts as (a :data:`KINDS` member)."""
    previous: dict[str, ConsentRecord] = {}
    classified = []
    for record in in_order(records):
        before = previous.get(record.consent_id)
        previous[record.consent_id] = record
        withdrawn = (
            before is not None
            and before.policy_version == record.policy_version
            and bool(set(before.granted) & set(record.refused))
        )
        classified.append((record, "withdrawal" if withdrawn else record.choice))
    return classified


def choices_per_day(records: Iterable[ConsentRecord]) -> list[DayChoices]:
    """The choices of every day from the first record's to the last's (days without a choice
    included, so a chart's gaps are real)."""
    per_day: dict[datetime.date, Counter[str]] = {}
    for record, kind in classify(records):
        per_day.setdefault(record.day, Counter())[kind] += 1
    if not per_day:
        return []
    day, last = min(per_day), max(per_day)
    days = []
    while day <= last:
        counts = per_day.get(day, Counter())
        days.append(DayChoices(day, {kind: counts[kind] for kind in KINDS}))
        day += datetime.timedelta(days=1)
    return days


def latest_by_visitor(records: Iterable[ConsentRecord]) -> list[ConsentRecord]:
    """Each consent id's latest record."""
    latest: dict[str, ConsentRecord] = {}
    for record in in_order(records):
        latest[record.consent_id] = record
    return list(latest.values())


def category_shares(
    records: Iterable[ConsentRecord],
    required: frozenset[str] = frozenset(),
    order: Sequence[str] = (),
) -> list[Share]:
    """For each optional category, how many visitors grant it by their latest choice."""
    latest = latest_by_visitor(records)
    names = {name for r in latest for name in (*r.granted, *r.refused)} - required
    granted = Counter(name for r in latest for name in set(r.granted))
    ranked = sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n))
    return [Share(name, granted[name], len(latest)) for name in ranked]


def language_shares(records: Iterable[ConsentRecord]) -> list[Share]:
    """Visitors per banner language (of their latest choice), most first."""
    latest = latest_by_visitor(records)
    counts = Counter(record.locale or "?" for record in latest)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [Share(locale, count, len(latest)) for locale, count in ranked]


def views_per_country(rows: Iterable[StatisticsRow]) -> list[CountryViews]:
    """Page views per country over the whole period, most first; the views counted without a
    location (``None``) last."""
    views: Counter[str | None] = Counter()
    for row in rows:
        views[row.country] += row.views
    known = sorted(((c, n) for c, n in views.items() if c is not None), key=lambda i: (-i[1], i[0]))
    countries = [CountryViews(country, n) for country, n in known]
    if None in views:
        countries.append(CountryViews(None, views[None]))
    return countries


def compute(data: ReportData) -> ReportFigures:
    """Every figure of the report."""
    records = list(data.records or ())
    rows = list(data.statistics or ())
    days = choices_per_day(records)
    totals = {kind: sum(day.counts[kind] for day in days) for kind in KINDS}
    countries = views_per_country(rows)
    statistic_days = [row.day for row in rows]
    all_days = [*(d.day for d in days), *statistic_days]
    return ReportFigures(
        first_day=min(all_days, default=None),
        last_day=max(all_days, default=None),
        record_count=len(records),
        visitor_count=len({record.consent_id for record in records}),
        kind_totals=totals,
        days=days,
        categories=category_shares(records, data.required, data.category_order),
        languages=language_shares(records),
        countries=countries,
        total_views=sum(c.views for c in countries),
        located_views=sum(c.views for c in countries if c.country is not None),
        records_given=data.records is not None,
        statistics_given=data.statistics is not None,
        inventory=list(data.inventory),
    )
