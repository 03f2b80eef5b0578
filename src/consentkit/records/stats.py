"""Consent statistics: counts of choices computed from the records, without any identifier.

Each record adds one to its day (UTC), its choice, each category it granted, its language
and its policy version. Nothing else of the record is read (no consent id, no time finer than
the day), so the counts can be shown and shared freely.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .store import ConsentRecordRow


@dataclass
class ConsentStatistics:
    """Counts of recorded choices."""

    total: int = 0
    per_day: Counter[str] = field(default_factory=Counter)
    per_choice: Counter[str] = field(default_factory=Counter)
    per_category_granted: Counter[str] = field(default_factory=Counter)
    per_locale: Counter[str] = field(default_factory=Counter)
    per_policy_version: Counter[str] = field(default_factory=Counter)

    def add(self, day: str, choice: str, granted: Iterable[str], locale: str, policy: str) -> None:
        """Count one choice."""
        self.total += 1
        self.per_day[day] += 1
        self.per_choice[choice] += 1
        self.per_category_granted.update(granted)
        self.per_locale[locale] += 1
        self.per_policy_version[policy] += 1

    def as_json(self) -> dict[str, Any]:
        """A JSON object of the counts, each table sorted by its key."""
        return {
            "total": self.total,
            "per_day": dict(sorted(self.per_day.items())),
            "per_choice": dict(sorted(self.per_choice.items())),
            "per_category_granted": dict(sorted(self.per_category_granted.items())),
            "per_locale": dict(sorted(self.per_locale.items())),
            "per_policy_version": dict(sorted(self.per_policy_version.items())),
        }


def consent_statistics(records: Iterable[ConsentRecordRow]) -> ConsentStatistics:
    """The counts of ``records`` (tombstones are not choices and are skipped)."""
    statistics = ConsentStatistics()
    for row in records:
        if row.is_tombstone:
            continue
        day = row.recorded_at.date().isoformat()
        statistics.add(day, row.choice, row.granted, row.locale, row.policy_version)
    return statistics


def format_statistics(statistics: ConsentStatistics) -> str:
    """The counts as aligned text tables, one per dimension."""
    lines = [f"consent choices recorded: {statistics.total}"]
    tables = (
        ("day", statistics.per_day),
        ("choice", statistics.per_choice),
        ("category granted", statistics.per_category_granted),
        ("language", statistics.per_locale),
        ("policy version", statistics.per_policy_version),
    )
    for title, counts in tables:
        lines.append("")
        lines.append(f"{title:<20}  {'choices':>9}")
        lines.extend(f"{key:<20}  {n:>9}" for key, n in sorted(counts.items()))
    return "\n".join(lines)
