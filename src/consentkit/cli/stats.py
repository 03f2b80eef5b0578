"""`consentkit stats PATH [--json]`: the location statistics of a statistics SQLite file.

The table has one line per day and country (regions, where known, listed beside it); the
visitors counted without a location (no ``location`` consent, or an unknown one) are the line
with no country. ``--json`` prints a JSON list of ``{"day", "country", "views", "regions"}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..location.stats import StatisticsRow, read_statistics


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `consentkit stats`."""
    parser.add_argument("path", metavar="PATH", help="the file given as statistics=... option")
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
    try:
        rows = read_statistics(args.path)
    except ValueError as error:
        print(f"consentkit stats: {error}", file=sys.stderr)
        return 1
    entries = summarise(rows)
    if args.json:
        print(json.dumps(entries, ensure_ascii=False, indent=2))
    else:
        print(format_table(entries))
    return 0
