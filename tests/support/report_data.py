"""A month of a small Thai site's consent records and location statistics, for the report's
tests and screenshots: written as a ``consentkit records export`` JSON Lines file and a real
statistics SQLite file."""

from __future__ import annotations

import datetime
import json
import random
from pathlib import Path
from typing import Any

from consentkit.location.stats import SQLiteStatisticsStore

OPTIONAL = ("functional", "analytics", "location", "marketing")
START = datetime.datetime(2026, 11, 1, 2, 30, tzinfo=datetime.timezone.utc)
DAYS = 30
#: A site title in Thai, as an agency would give it.
SITE_TITLE = "ร้านกาแฟบ้านสวน (baansuan-coffee.co.th)"
COUNTRIES = [("TH", "TH-10", 5), ("TH", "TH-50", 2), ("JP", None, 1), ("US", None, 1),
             ("SG", None, 1), ("GB", None, 1)]  # fmt: skip


def record(
    consent_id: str,
    at: datetime.datetime,
    choice: str,
    granted: tuple[str, ...] = (),
    *,
    locale: str = "th",
    policy_version: str = "2026-11-01",
) -> dict[str, Any]:
    """One export row (the contract's fields)."""
    refused = [name for name in OPTIONAL if name not in granted]
    return {
        "consent_id": consent_id,
        "recorded_at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "choice": choice,
        "granted": ["necessary", *granted],
        "refused": refused,
        "policy_version": policy_version,
        "locale": locale,
        "gpc": False,
        "banner_sha256": "0" * 64,
    }


def month_of_records(seed: int = 14) -> list[dict[str, Any]]:
    """About 600 choices over 30 days: mostly accept or reject, some custom choices, and some
    visitors who come back and withdraw."""
    chance = random.Random(seed)
    rows = []
    for day in range(DAYS):
        for n in range(chance.randint(12, 26)):
            at = START + datetime.timedelta(days=day, minutes=37 * n)
            consent_id = f"c{day:02d}{n:02d}"
            locale = "th" if chance.random() < 0.78 else "en"
            roll = chance.random()
            if roll < 0.55:
                rows.append(record(consent_id, at, "accept_all", OPTIONAL, locale=locale))
                if chance.random() < 0.08:
                    later = at + datetime.timedelta(days=chance.randint(0, 3), hours=5)
                    rows.append(record(consent_id, later, "reject_all", (), locale=locale))
            elif roll < 0.85:
                rows.append(record(consent_id, at, "reject_all", (), locale=locale))
            else:
                granted = tuple(name for name in OPTIONAL if chance.random() < 0.5)
                rows.append(record(consent_id, at, "save", granted, locale=locale))
    rows.sort(key=lambda row: str(row["recorded_at"]))
    return rows


def write_records(path: Path, rows: list[dict[str, Any]] | None = None) -> Path:
    """``rows`` (a month by default) as a JSON Lines export file."""
    lines = [json.dumps(row, ensure_ascii=False) for row in rows or month_of_records()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_statistics(path: Path) -> Path:
    """A month of page views in a real statistics file, written by consentkit's own store."""
    epoch = datetime.date(1970, 1, 1)
    counts: dict[tuple[int, str | None, str | None], int] = {}
    for day in range(DAYS):
        key_day = (START.date() + datetime.timedelta(days=day) - epoch).days
        for country, region, weight in COUNTRIES:
            counts[(key_day, country, region)] = weight * (20 + day % 7)
        counts[(key_day, None, None)] = 150 + day
    store = SQLiteStatisticsStore(path)
    try:
        store.add(counts)
    finally:
        store.close()
    return path
