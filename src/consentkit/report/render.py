"""The report's two renderings of :class:`~.aggregate.ReportFigures`: the self-contained HTML
page (a Jinja template, inline CSS and SVG, no script, nothing fetched) and the plain-text
summary printed in the terminal."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from .. import __version__
from .aggregate import KINDS, ReportFigures, Share
from .svg import Bar, Series, horizontal_bars, stacked_columns
from .text import KIND_COLOURS, ReportText

TEMPLATES = str(resources.files("consentkit.report") / "templates")
#: Countries drawn in the chart; the table lists them all.
CHART_COUNTRIES = 12
SHARE_COLOUR = "#0072B2"
COUNTRY_COLOUR = "#009E73"
LANGUAGE_COLOUR = "#CC79A7"


def _environment(text: ReportText) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_translations(text.translations, newstyle=True)  # type: ignore[attr-defined]
    return environment


def _choices(figures: ReportFigures, text: ReportText) -> dict[str, Any]:
    series = [Series(kind, KIND_COLOURS[kind], text.kind(kind)) for kind in KINDS]
    days = figures.days

    def tooltip(index: int, series_index: int) -> str:
        kind = KINDS[series_index]
        day = text.long_date(days[index].day)
        return f"{day} · {text.kind(kind)}: {text.number(days[index].counts[kind])}"

    svg = stacked_columns(
        [text.short_date(day.day) for day in days],
        [[day.counts[kind] for kind in KINDS] for day in days],
        series,
        title=text.gettext("Choices per day"),
        description=text.gettext(
            "Columns of the choices made each day, stacked by kind: accept all, reject all, "
            "custom choice and withdrawal. The table below lists the same numbers."
        ),
        chart_id="choices",
        tooltip=tooltip,
    )
    total = figures.record_count
    return {
        "svg": Markup(svg) if days else None,
        "legend": [
            {
                "label": s.label,
                "colour": s.colour,
                "count": text.number(figures.kind_totals[s.key]),
                "percent": text.percent(figures.kind_totals[s.key] / total if total else 0),
            }
            for s in series
        ],
        "rows": [
            {
                "day": text.long_date(day.day),
                "counts": [text.number(day.counts[kind]) for kind in KINDS],
                "total": text.number(day.total),
            }
            for day in days
        ],
        "kinds": [text.kind(kind) for kind in KINDS],
    }


def _share_section(
    shares: Sequence[Share],
    text: ReportText,
    label: Callable[[str], str],
    count: Callable[[Share], str],
    *,
    colour: str,
    chart_id: str,
    texts: Mapping[str, str],
) -> dict[str, Any]:
    """A section of one bar per share (0–100 %) and its table. ``texts`` holds its
    ``heading``, ``lead``, ``description`` (the chart's) and ``name_column``/``count_column``."""
    rows = [
        {"label": label(share.name), "count": count(share), "percent": text.percent(share.fraction)}
        for share in shares
    ]
    bars = [
        Bar(row["label"], s.fraction, row["percent"]) for row, s in zip(rows, shares, strict=True)
    ]
    svg = horizontal_bars(
        bars,
        maximum=1.0,
        colour=colour,
        title=texts["heading"],
        description=texts["description"],
        chart_id=chart_id,
    )
    return {"id": chart_id, "svg": Markup(svg) if bars else None, "rows": rows, **texts}


def _shares(figures: ReportFigures, text: ReportText) -> dict[str, Any]:
    return _share_section(
        figures.categories,
        text,
        text.category,
        lambda share: f"{text.number(share.count)} / {text.number(share.of)}",
        colour=SHARE_COLOUR,
        chart_id="categories",
        texts={
            "heading": text.gettext("Share of visitors granting each category"),
            "lead": text.gettext(
                "Each visitor (consent id) counted once, by their latest choice. Strictly "
                "necessary cookies are always on and not shown."
            ),
            "description": text.gettext(
                "One bar per category: the percentage of visitors whose latest choice grants it."
            ),
            "name_column": text.gettext("Category"),
            "count_column": text.gettext("Visitors granting it"),
        },
    )


def _languages(figures: ReportFigures, text: ReportText) -> dict[str, Any]:
    return _share_section(
        figures.languages,
        text,
        text.language,
        lambda share: text.number(share.count),
        colour=LANGUAGE_COLOUR,
        chart_id="languages",
        texts={
            "heading": text.gettext("Banner languages"),
            "lead": text.gettext(
                "The language of the banner each visitor made their latest choice in."
            ),
            "description": text.gettext(
                "One bar per language: the percentage of visitors who made their latest choice "
                "in it."
            ),
            "name_column": text.gettext("Language"),
            "count_column": text.gettext("Visitors"),
        },
    )


def _countries(figures: ReportFigures, text: ReportText) -> dict[str, Any]:
    total = figures.total_views
    rows = [
        {
            "label": text.country(entry.country),
            "code": entry.country or "–",
            "views": text.number(entry.views),
            "percent": text.percent(entry.views / total if total else 0),
        }
        for entry in figures.countries
    ]
    charted = [
        Bar(row["label"], entry.views, f"{row['views']} ({row['percent']})")
        for row, entry in zip(rows, figures.countries, strict=True)
        if entry.country is not None
    ][:CHART_COUNTRIES]
    svg = horizontal_bars(
        charted,
        colour=COUNTRY_COLOUR,
        title=text.gettext("Page views per country"),
        description=text.gettext(
            "One bar per country, most page views first, for visitors who granted location. "
            "The table below lists every country and the views counted without a location."
        ),
        chart_id="countries",
    )
    return {
        "svg": Markup(svg) if charted else None,
        "rows": rows,
        "located": text.percent(figures.located_views / total if total else 0),
    }


def _inventory(figures: ReportFigures, text: ReportText) -> list[dict[str, Any]]:
    return [
        {
            "name": entry.name,
            "category": text.category(entry.category) if entry.category else text.source("unknown"),
            "text_lang": entry.text_lang if entry.text_lang != text.locale else None,
            "source": text.source(entry.source),
            "provider": entry.provider or "–",
            "purpose": entry.purpose or "–",
            "retention": entry.retention or "–",
        }
        for entry in figures.inventory
    ]


def _cards(figures: ReportFigures, text: ReportText) -> list[dict[str, str]]:
    records = figures.record_count
    accept = figures.kind_totals["accept_all"]
    reject = figures.kind_totals["reject_all"]
    return [
        {"label": text.gettext("Visitors who chose"), "value": text.number(figures.visitor_count)},
        {"label": text.gettext("Choices recorded"), "value": text.number(records)},
        {
            "label": text.gettext("Accept all"),
            "value": text.percent(accept / records if records else 0),
        },
        {
            "label": text.gettext("Reject all"),
            "value": text.percent(reject / records if records else 0),
        },
        {"label": text.gettext("Page views counted"), "value": text.number(figures.total_views)},
    ]


def render_html(
    figures: ReportFigures,
    text: ReportText,
    *,
    title: str | None = None,
    generated_at: datetime.datetime,
) -> str:
    """The report page: one HTML document with everything inline."""
    template = _environment(text).get_template("report.html")
    return template.render(
        lang=text.locale,
        title=title,
        period=text.period(figures.first_day, figures.last_day),
        generated=text.moment(generated_at),
        version=__version__,
        figures=figures,
        cards=_cards(figures, text),
        choices=_choices(figures, text),
        shares=_shares(figures, text),
        languages=_languages(figures, text),
        countries=_countries(figures, text),
        inventory=_inventory(figures, text),
    )


def render_summary(figures: ReportFigures, text: ReportText) -> str:
    """The plain-text summary: the period, the choices, the shares, languages and countries."""
    gettext = text.gettext
    lines = [
        gettext("Cookie consent report"),
        f"{gettext('Period')}: {text.period(figures.first_day, figures.last_day)}",
    ]
    if figures.records_given:
        records = figures.record_count
        lines.append(f"{gettext('Visitors who chose')}: {text.number(figures.visitor_count)}")
        lines.append(f"{gettext('Choices recorded')}: {text.number(records)}")
        for kind in KINDS:
            count = figures.kind_totals[kind]
            share = text.percent(count / records if records else 0)
            lines.append(f"  {text.kind(kind)}: {text.number(count)} ({share})")
        lines.append(gettext("Share of visitors granting each category") + ":")
        for share_ in figures.categories:
            lines.append(f"  {text.category(share_.name)}: {text.percent(share_.fraction)}")
        lines.append(gettext("Banner languages") + ":")
        for language in figures.languages:
            lines.append(f"  {text.language(language.name)}: {text.percent(language.fraction)}")
    else:
        lines.append(gettext("No consent records were given (--records)."))
    if figures.statistics_given:
        lines.append(
            gettext("Page views counted")
            + f": {text.number(figures.total_views)} "
            + gettext("(%(located)s with a location)")
            % {"located": text.percent(figures.located_views / (figures.total_views or 1))}
        )
        for entry in [c for c in figures.countries if c.country][:5]:
            lines.append(f"  {text.country(entry.country)}: {text.number(entry.views)}")
    else:
        lines.append(gettext("No location statistics were given (--statistics)."))
    lines.append(gettext("Cookies in the inventory") + f": {text.number(len(figures.inventory))}")
    return "\n".join(lines)
