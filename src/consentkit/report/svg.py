"""Small inline SVG charts: stacked columns per day and horizontal bars, as markup strings.

No script, no external font or image: the text inherits the page's (system) fonts. Each chart
is ``role="img"`` with a ``<title>`` and a ``<desc>``; the page puts the same figures in a table
beside it, for screen readers and for copying. Every value also has a ``<title>`` tooltip.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

WIDTH = 720
_FONT_SIZE = 13


@dataclass(frozen=True)
class Series:
    """One stacked series: its key (a CSS class suffix), colour and label."""

    key: str
    colour: str
    label: str


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: its label, its length's value and the text shown after it."""

    label: str
    value: float
    text: str


def nice_step(value: float) -> int:
    """The smallest of 1, 2, 5 × 10ⁿ at or above ``value`` (an axis's whole-number step)."""
    if value <= 1:
        return 1
    power: int = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if value <= step * power)


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _open(height: float, title: str, description: str, chart_id: str) -> list[str]:
    return [
        f'<svg viewBox="0 0 {WIDTH} {_number(height)}" '
        f'class="chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-size="{_FONT_SIZE}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def stacked_columns(
    labels: Sequence[str],
    values: Sequence[Sequence[int]],
    series: Sequence[Series],
    *,
    title: str,
    description: str,
    chart_id: str,
    tooltip: Callable[[int, int], str],
    height: int = 280,
) -> str:
    """A column per label, its ``values[i]`` stacked bottom-up in ``series`` order.

    ``tooltip(i, s)`` is the hover text of column ``i``'s segment of series ``s``. At most about
    twelve labels are written under the axis (every k-th), so a long period stays legible.
    """
    left, right, top, bottom = 48.0, 8.0, 12.0, 36.0
    plot_width, plot_height = WIDTH - left - right, height - top - bottom
    ticks = 4
    maximum = ticks * nice_step(max((sum(column) for column in values), default=0) / ticks)
    parts = _open(height, title, description, chart_id)
    for tick in range(ticks + 1):
        value = maximum * tick / ticks
        y = top + plot_height - plot_height * tick / ticks
        parts.append(
            f'<line class="grid" x1="{_number(left)}" x2="{_number(WIDTH - right)}" '
            f'y1="{_number(y)}" y2="{_number(y)}"/>'
            f'<text class="axis" x="{_number(left - 6)}" y="{_number(y + 4)}" '
            f'text-anchor="end">{_number(value)}</text>'
        )
    count = max(len(labels), 1)
    slot = plot_width / count
    bar_width = max(slot * 0.72, 1.0)
    every = max(1, math.ceil(count / 12))
    for index, column in enumerate(values):
        x = left + slot * index + (slot - bar_width) / 2
        y = top + plot_height
        for series_index, value in enumerate(column):
            if value <= 0:
                continue
            segment = plot_height * value / maximum
            y -= segment
            parts.append(
                f'<rect class="bar-{series[series_index].key}" x="{_number(x)}" '
                f'y="{_number(y)}" width="{_number(bar_width)}" height="{_number(segment)}" '
                f'fill="{series[series_index].colour}">'
                f"<title>{escape(tooltip(index, series_index))}</title></rect>"
            )
        if index % every == 0:
            parts.append(
                f'<text class="axis" x="{_number(x + bar_width / 2)}" '
                f'y="{_number(top + plot_height + 20)}" text-anchor="middle">'
                f"{escape(labels[index])}</text>"
            )
    parts.append(
        f'<line class="baseline" x1="{_number(left)}" x2="{_number(WIDTH - right)}" '
        f'y1="{_number(top + plot_height)}" y2="{_number(top + plot_height)}"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bars(
    bars: Sequence[Bar],
    *,
    maximum: float | None = None,
    colour: str,
    title: str,
    description: str,
    chart_id: str,
    label_width: int = 220,
) -> str:
    """One bar per entry, its label at the left and its text at the right; bars are scaled to
    ``maximum`` (the largest value when ``None``)."""
    row, top = 30.0, 6.0
    text_width = 110.0
    height = top * 2 + row * max(len(bars), 1)
    scale = maximum if maximum else max((bar.value for bar in bars), default=0) or 1.0
    plot_width = WIDTH - label_width - text_width
    parts = _open(height, title, description, chart_id)
    for index, bar in enumerate(bars):
        y = top + row * index
        length = plot_width * max(bar.value, 0) / scale
        parts.append(
            f'<text class="label" x="{label_width - 10}" y="{_number(y + row / 2 + 5)}" '
            f'text-anchor="end">{escape(bar.label)}</text>'
            f'<rect class="track" x="{label_width}" y="{_number(y + 5)}" '
            f'width="{_number(plot_width)}" height="{_number(row - 10)}"/>'
            f'<rect x="{label_width}" y="{_number(y + 5)}" width="{_number(length)}" '
            f'height="{_number(row - 10)}" fill="{colour}">'
            f"<title>{escape(bar.label)}: {escape(bar.text)}</title></rect>"
            f'<text class="value" x="{_number(label_width + plot_width + 8)}" '
            f'y="{_number(y + row / 2 + 5)}">{escape(bar.text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
