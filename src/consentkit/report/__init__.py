"""`consentkit report`: one self-contained HTML page about a site's consents and visitors.

- :mod:`.aggregate`: the input type :class:`~.aggregate.ReportData` and the pure functions
  that compute the figures (choices per day, withdrawals, shares, languages, countries);
- :mod:`.sources`: reading consent records and location statistics;
- :mod:`.inventory`: the cookie inventory;
- :mod:`.text`: the words in Thai or English; :mod:`.svg`: the charts;
  :mod:`.render`: the HTML page (``templates/report.html``) and the plain-text summary.
"""

from __future__ import annotations

import datetime

from .aggregate import ReportData, ReportFigures, compute
from .render import render_html, render_summary
from .text import REPORT_LOCALES, ReportText

__all__ = [
    "REPORT_LOCALES",
    "ReportData",
    "ReportFigures",
    "ReportText",
    "compute",
    "render_html",
    "render_summary",
    "write_report",
]


def write_report(
    data: ReportData,
    text: ReportText,
    *,
    title: str | None = None,
    generated_at: datetime.datetime | None = None,
) -> tuple[str, str]:
    """The report page and its plain-text summary."""
    figures = compute(data)
    moment = generated_at or datetime.datetime.now(datetime.timezone.utc)
    return (
        render_html(figures, text, title=title, generated_at=moment),
        render_summary(figures, text),
    )
