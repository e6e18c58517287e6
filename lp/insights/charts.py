"""Draw the insights charts as inline SVG markup on the server: no JavaScript.

Each chart is an ``<svg role="img">`` labelled by its own ``<title>`` and ``<desc>``
for screen readers; the page puts a table with the same numbers beside it. Colours
come from CSS classes (``lp/static/css/app.css``) and SVG presentation attributes,
never from ``style`` attributes (the CSP forbids them). Every text is escaped.
Each bar carries ``data-value`` with the number it draws.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
#: Longest label drawn in full; longer ones are cut (the full text is in the bar's title).
LABEL_CHARS = 34


@dataclass(frozen=True)
class Chart:
    """What every chart needs: a unique id (for aria-labelledby), a title and a description."""

    chart_id: str
    title: str
    desc: str


def nice_max(value: int) -> tuple[int, int]:
    """Return an axis maximum of at least ``value`` and a tick step of 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1, 1
    for magnitude in (10 ** e for e in range(12)):
        for factor in (1, 2, 5):
            step = factor * magnitude
            if math.ceil(value / step) <= 5:
                return math.ceil(value / step) * step, step
    raise ValueError(value)


def _shorten(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "\u2026"


def _open(chart: Chart, height: int, css: str = "chart") -> list[str]:
    cid = escape(chart.chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(css)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="{cid}-title {cid}-desc" id="{cid}">',
        f'<title id="{cid}-title">{escape(chart.title)}</title>',
        f'<desc id="{cid}-desc">{escape(chart.desc)}</desc>',
    ]


def _bar(x: float, y: float, width: float, height: float, css: str, value: int, tip: str) -> str:
    return (f'<rect class="chart-bar {escape(css)}" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
            f'height="{height:.1f}" data-value="{value}"><title>{escape(tip)}</title></rect>')


def column_chart(chart: Chart, categories: Sequence[str], series: Sequence[str],
                 values: Sequence[Sequence[int]], axis_label: str) -> Markup:
    """Draw vertical bars: for each category one bar per series (``values[category][series]``)."""
    left, right, top, bottom = 52, 12, 28 if len(series) > 1 else 12, 64
    height = 300
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    top_value, step = nice_max(max((v for row in values for v in row), default=0))
    parts = _open(chart, height)
    parts += _y_axis(left, top, plot_w, plot_h, top_value, step, axis_label)
    slot = plot_w / max(len(categories), 1)
    bar_w = slot * 0.8 / max(len(series), 1)
    rotate = len(categories) > 10
    for index, (category, row) in enumerate(zip(categories, values, strict=True)):
        x0 = left + index * slot + slot * 0.1
        for number, (name, value) in enumerate(zip(series, row, strict=True)):
            bar_h = plot_h * value / top_value
            x, y = x0 + number * bar_w, top + plot_h - bar_h
            label = f"{category}, {name}: {value}" if len(series) > 1 else f"{category}: {value}"
            parts.append(_bar(x, y, bar_w, bar_h, f"series-{number}", value, label))
            if value and not rotate:
                parts.append(f'<text class="chart-value" x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" '
                             f'text-anchor="middle">{value}</text>')
        parts.append(_category_label(category, left + index * slot + slot / 2, top + plot_h + 16, rotate))
    if len(series) > 1:
        parts += _legend(series, left, 14)
    parts.append("</svg>")
    return Markup("\n".join(parts))


def stacked_chart(chart: Chart, categories: Sequence[str], series: Sequence[str],
                  values: Sequence[Sequence[int]], axis_label: str) -> Markup:
    """Draw one vertical bar per category, stacked from its series (``values[category][series]``).

    For a mix: the height of a bar is the category's total, each segment one series.
    """
    left, right, top, bottom = 52, 12, 12 + 16 * ((len(series) + 2) // 3), 64
    height = 300 + top
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    top_value, step = nice_max(max((sum(row) for row in values), default=0))
    parts = _open(chart, height, "chart chart-mix")
    parts += _y_axis(left, top, plot_w, plot_h, top_value, step, axis_label)
    slot = plot_w / max(len(categories), 1)
    bar_w = slot * 0.6
    rotate = len(categories) > 10
    for index, (category, row) in enumerate(zip(categories, values, strict=True)):
        x, base = left + index * slot + slot * 0.2, float(top + plot_h)
        for number, (name, value) in enumerate(zip(series, row, strict=True)):
            bar_h = plot_h * value / top_value
            base -= bar_h
            if value:
                parts.append(_bar(x, base, bar_w, bar_h, f"series-{number}", value, f"{category}, {name}: {value}"))
        if sum(row) and not rotate:
            parts.append(f'<text class="chart-value" x="{x + bar_w / 2:.1f}" y="{base - 3:.1f}" '
                         f'text-anchor="middle">{sum(row)}</text>')
        parts.append(_category_label(category, left + index * slot + slot / 2, top + plot_h + 16, rotate))
    for line in range(0, len(series), 3):
        parts += _legend(series[line:line + 3], left, 14 + 16 * (line // 3), first=line)
    parts.append("</svg>")
    return Markup("\n".join(parts))


def bar_chart(chart: Chart, items: Sequence[tuple[str, int | None]], axis_label: str,
              missing_label: str) -> Markup:
    """Draw one horizontal bar per item; an item without a value shows ``missing_label``."""
    left, right, top, bottom, row_h = 230, 40, 8, 40, 26
    height = top + bottom + row_h * max(len(items), 1)
    plot_w, plot_h = WIDTH - left - right, row_h * max(len(items), 1)
    top_value, step = nice_max(max((v for _label, v in items if v is not None), default=0))
    parts = _open(chart, height)
    for tick in range(0, top_value + 1, step):
        x = left + plot_w * tick / top_value
        parts.append(f'<line class="chart-grid" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}"/>')
        parts.append(f'<text class="chart-tick" x="{x:.1f}" y="{top + plot_h + 14}" '
                     f'text-anchor="middle">{tick}</text>')
    parts.append(f'<text class="chart-axis-label" x="{left + plot_w / 2:.1f}" y="{height - 6}" '
                 f'text-anchor="middle">{escape(axis_label)}</text>')
    for index, (label, value) in enumerate(items):
        y = top + index * row_h
        parts.append(f'<text class="chart-label" x="{left - 6}" y="{y + row_h / 2 + 4:.1f}" '
                     f'text-anchor="end"><title>{escape(label)}</title>{escape(_shorten(label))}</text>')
        if value is None:
            parts.append(f'<text class="chart-value" x="{left + 4}" y="{y + row_h / 2 + 4:.1f}">'
                         f'{escape(missing_label)}</text>')
            continue
        bar_w = plot_w * value / top_value
        parts.append(_bar(left, y + 4, bar_w, row_h - 8, "series-0", value, f"{label}: {value}"))
        parts.append(f'<text class="chart-value" x="{left + bar_w + 4:.1f}" y="{y + row_h / 2 + 4:.1f}">'
                     f'{value}</text>')
    parts.append("</svg>")
    return Markup("\n".join(parts))


def _category_label(category: str, cx: float, cy: float, rotate: bool) -> str:
    """Write a category under its bar; many categories are turned 45 degrees to fit."""
    if rotate:
        return (f'<text class="chart-label" x="{cx:.1f}" y="{cy:.1f}" text-anchor="end" '
                f'transform="rotate(-45 {cx:.1f} {cy:.1f})">{escape(category)}</text>')
    return f'<text class="chart-label" x="{cx:.1f}" y="{cy:.1f}" text-anchor="middle">{escape(category)}</text>'


def _y_axis(left: int, top: int, plot_w: float, plot_h: float, top_value: int, step: int,
            axis_label: str) -> list[str]:
    parts = []
    for tick in range(0, top_value + 1, step):
        y = top + plot_h - plot_h * tick / top_value
        parts.append(f'<line class="chart-grid" x1="{left}" y1="{y:.1f}" x2="{left + plot_w:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="chart-tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    cy = top + plot_h / 2
    parts.append(f'<text class="chart-axis-label" x="14" y="{cy:.1f}" text-anchor="middle" '
                 f'transform="rotate(-90 14 {cy:.1f})">{escape(axis_label)}</text>')
    return parts


def _legend(series: Sequence[str], x: int, y: int, first: int = 0) -> list[str]:
    parts = []
    for number, name in enumerate(series, start=first):
        parts.append(f'<rect class="chart-key series-{number}" x="{x}" y="{y - 9}" width="10" height="10"/>')
        parts.append(f'<text class="chart-label" x="{x + 14}" y="{y}">{escape(name)}</text>')
        x += 28 + 7 * len(name)
    return parts
