"""`consentkit report [--records STORE] [--statistics STORE] [--locale th|en] -o FILE.html`.

Writes one self-contained HTML page (inline CSS and SVG charts, no script, nothing fetched)
with the choices per day, the share of visitors granting each category, the banner
languages, the page views per country and the cookie inventory, and prints a plain-text
summary. ``--records`` is a records store (as the ``records`` option) or a JSON Lines file of
``consentkit records export``; ``--statistics`` is the ``statistics`` option's file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..categories import DEFAULT_CATEGORIES
from ..report import REPORT_LOCALES, ReportData, ReportText, write_report
from ..report.inventory import classify_names, inventory_from_categories
from ..report.sources import read_categories, read_records, read_statistics_store


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `consentkit report`."""
    parser.add_argument(
        "--records",
        metavar="STORE",
        help="the records store (a path, sqlite:///path or postgresql://...) or a JSON Lines "
        "file of `consentkit records export`",
    )
    parser.add_argument(
        "--statistics", metavar="STORE", help="the file given as the statistics=... option"
    )
    parser.add_argument(
        "--locale", choices=REPORT_LOCALES, default="th", help="the report's language (th)"
    )
    parser.add_argument("--title", help="a line under the heading, such as the site's name")
    parser.add_argument(
        "--categories",
        metavar="MODULE:NAME",
        help="the site's categories= list, e.g. mysite.consent:CATEGORIES (the defaults)",
    )
    parser.add_argument(
        "--cookie",
        metavar="NAME",
        action="append",
        default=[],
        help="a cookie the site sets, to list in the inventory with the category consentkit "
        "gives it (repeatable)",
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE.html", required=True, help="where to write the page"
    )


def run(args: argparse.Namespace) -> int:
    """Write the page and print the summary; 1 with a message when an input cannot be read
    or the page cannot be written."""
    try:
        categories = read_categories(args.categories) if args.categories else DEFAULT_CATEGORIES
        text = ReportText(args.locale, categories)
        records = read_records(args.records) if args.records else None
        statistics = read_statistics_store(args.statistics) if args.statistics else None
    except ValueError as error:
        print(f"consentkit report: {error}", file=sys.stderr)
        return 1
    declared = inventory_from_categories(text, categories)
    extra = [name for name in args.cookie if name not in {entry.name for entry in declared}]
    data = ReportData(
        records=records,
        statistics=statistics,
        inventory=[*declared, *classify_names(extra, categories)],
        required=frozenset(c.name for c in categories if c.required),
        category_order=[c.name for c in categories],
    )
    page, summary = write_report(data, text, title=args.title)
    output = Path(args.output)
    try:
        output.write_text(page, encoding="utf-8")
    except OSError as error:
        print(f"consentkit report: cannot write {str(output)!r}: {error}", file=sys.stderr)
        return 1
    print(summary)
    print(text.gettext("Report written to %(path)s") % {"path": output})
    return 0
