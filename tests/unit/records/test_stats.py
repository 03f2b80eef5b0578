"""Consent statistics from the records: counts only, no identifier."""

from __future__ import annotations

import datetime

from consentkit.records.sqlite import SQLiteRecordStore
from consentkit.records.stats import consent_statistics, format_statistics

from .conftest import NOW, MakeEntry


def test_counts_per_day_choice_category_locale_and_policy(
    store: SQLiteRecordStore, entry: MakeEntry
) -> None:
    store.append(entry("a", choice="accept_all", granted=("necessary", "analytics", "marketing")))
    store.append(entry("b", choice="reject_all", granted=("necessary",), locale="en"))
    store.append(
        entry("c", recorded_at=NOW + datetime.timedelta(days=1), policy_version="2027-01-01")
    )
    store.erase("b")
    counts = consent_statistics(store.chain()).as_json()
    assert counts == {
        "total": 2,
        "per_day": {"2026-12-01": 1, "2026-12-02": 1},
        "per_choice": {"accept_all": 1, "save": 1},
        "per_category_granted": {"analytics": 2, "marketing": 1, "necessary": 2},
        "per_locale": {"th": 2},
        "per_policy_version": {"2026-11-01": 1, "2027-01-01": 1},
    }
    text = format_statistics(consent_statistics(store.records()))
    assert "consent choices recorded: 2" in text and "a" not in text.split()
