"""`consentkit stats [PATH] [--records STORE] [--json]`: the location statistics of a
statistics SQLite file, and the consent statistics of a record store.

The table has one line per day and country (regions, where known, listed beside it); the
visitors counted without a location (no ``location`` consent, or an unknown one) are the line
with no country. ``--json`` prints a JSON list of ``{"day", "country", "views", "regions"}``.

``--records STORE`` adds the counts of recorded choices per day, choice, category granted,
language and policy version (computed without any identifier); with ``--json`` the output is
then one object, ``{"location": [...] or null, "consent": {...}}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..location.stats import StatisticsRow, read_statistics
from ..records.stats import ConsentStatistics, consent_statistics, format_statistics
from ..records.store import StoreUnavailable


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `consentkit stats`."""
    parser.add_argument(
        "path", metavar="PATH", nargs="?", help="the file given as statistics=... option"
    )
    parser.add_argument(
        "--records", metavar="STORE", help="also the consent statistics of this records=... store"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")


def summarise(rows: list[StatisticsRow]) -> list[dict[str, Any]]:
    """One entry per ``(day, country)``: ``day`` (ISO), ``country`` (or ``None``), ``views``
    and ``regions`` (views per known region code)."""
    entries: dict[tuple[str, str | None], dict[str, Any]] = {}
    for row in rows:
        key = (row.day.isoformat(), row.country)
        entry = entries.get(key)
        if entry is None:
            entry = entries[key] = {
                "day": key[0],
                "country": row.country,
                "views": 0,
                "regions": {},
            }
        entry["views"] += row.views
        if row.region is not None:
            entry["regions"][row.region] = entry["regions"].get(row.region, 0) + row.views
    return list(entries.values())


def format_table(entries: list[dict[str, Any]]) -> str:
    """The entries as an aligned text table."""
    lines = [f"{'day':<10}  {'country':<7}  {'views':>9}  regions"]
    for entry in entries:
        regions = ", ".join(f"{code} {n}" for code, n in sorted(entry["regions"].items()))
        country = entry["country"] or "-"
        lines.append(f"{entry['day']:<10}  {country:<7}  {entry['views']:>9}  {regions}".rstrip())
    total = sum(entry["views"] for entry in entries)
    lines.append(f"{'total':<10}  {'':<7}  {total:>9}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Print the statistics; 1 with a message when the file is missing or not statistics."""
    if args.path is None and args.records is None:
        print("consentkit stats: give PATH (statistics=...) or --records STORE", file=sys.stderr)
        return 2
    try:
        entries = None if args.path is None else summarise(read_statistics(args.path))
        consent = None if args.records is None else _consent_statistics(args.records)
    except (ValueError, StoreUnavailable) as error:
        print(f"consentkit stats: {error}", file=sys.stderr)
        return 1
    if args.json:
        output: Any = entries
        if consent is not None:
            output = {"location": entries, "consent": consent.as_json()}
        print(json.dumps(output, ensure_ascii=False, indent=2))
        return 0
    if entries is not None:
        print(format_table(entries))
    if consent is not None:
        if entries is not None:
            print()
        print(format_statistics(consent))
    return 0


def _consent_statistics(location: str) -> ConsentStatistics:
    from .records import open_existing

    store = open_existing(location)
    try:
        return consent_statistics(store.records())
    finally:
        store.close()
