"""CSV files of the statistics tables: countries, missions, quarterly trend, distribution.

Encoding and escaping are those of every export (``countries.csv_format``): UTF-8 with
a byte order mark, ``;`` (or ``,``) between cells, CRLF line ends, and a cell a
spreadsheet could run as a formula gets one ``'`` in front. Column names are stable
English codes; numbers are plain (rates as fractions with a decimal point, e.g.
``0.6667``); an empty cell means the figure does not exist (e.g. no answers).
"""

from __future__ import annotations

import io
from typing import Any, Iterable, Sequence

from lp.core.csv import DEFAULT_DELIMITER, escape_cell, spreadsheet_writer
from lp.insights.stats import (CLOSURE_CODES, REFUSAL_CODES, TREND_OUTCOMES, Bucket, Figures, Row,
                              TrendPoint)

#: The figure columns of the country and mission tables, each with how to read it.
FIGURE_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("requests", lambda f: f.requests),
    ("issued", lambda f: f.issued),
    ("refused", lambda f: f.refused),
    *((f"refused_{code}", lambda f, code=code: f.refused_by_reason.get(code, 0)) for code in REFUSAL_CODES),
    ("handover_agreed", lambda f: f.handover),
    ("deemed_agreed_silence", lambda f: f.deemed_agreed),
    ("no_reply", lambda f: f.no_reply),
    ("withdrawn", lambda f: f.withdrawn),
    *((f"withdrawn_{code}", lambda f, code=code: f.withdrawn_by_reason.get(code, 0)) for code in CLOSURE_CODES),
    ("issuance_rate", lambda f: f.issuance_rate),
    ("answered", lambda f: f.answered),
    ("median_response_days", lambda f: f.median_days),
    ("p90_response_days", lambda f: f.p90_days),
    ("answered_within_limit", lambda f: f.within_limit),
    ("share_within_limit", lambda f: f.share_within_limit),
    ("open_now", lambda f: f.open),
    ("overdue_now", lambda f: f.overdue),
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def write_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], delimiter: str = DEFAULT_DELIMITER) -> bytes:
    """Return a table as CSV bytes in the shared export format."""
    out = io.StringIO()
    writer = spreadsheet_writer(out, delimiter)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([escape_cell(_text(value)) for value in row])
    return out.getvalue().encode("utf-8")


def _figures(figures: Figures) -> list[Any]:
    return [read(figures) for _name, read in FIGURE_COLUMNS]


def countries_csv(rows: Iterable[Row], delimiter: str = DEFAULT_DELIMITER) -> bytes:
    """Return the country table: one row per country."""
    columns = ["country", "name", *(name for name, _read in FIGURE_COLUMNS)]
    return write_table(columns, ([row.alpha2, row.label, *_figures(row.figures)] for row in rows), delimiter)


def missions_csv(rows: Iterable[Row], delimiter: str = DEFAULT_DELIMITER) -> bytes:
    """Return a country's mission table: one row per mission (empty id: no mission recorded)."""
    columns = ["mission_id", "mission", *(name for name, _read in FIGURE_COLUMNS)]
    return write_table(columns, ([row.key, row.label, *_figures(row.figures)] for row in rows), delimiter)


def trend_csv(points: Iterable[TrendPoint], delimiter: str = DEFAULT_DELIMITER) -> bytes:
    """Return the quarterly trend: one row per quarter."""
    columns = ["year", "quarter", *TREND_OUTCOMES]
    return write_table(columns, ([p.year, p.quarter, *(p.counts[o] for o in TREND_OUTCOMES)] for p in points),
                       delimiter)


def distribution_csv(buckets: Iterable[tuple[Bucket, int]], delimiter: str = DEFAULT_DELIMITER) -> bytes:
    """Return the response-time distribution: one row per group of days (empty to_days: open-ended)."""
    return write_table(["from_days", "to_days", "answered"], ([low, high, n] for (low, high), n in buckets),
                       delimiter)
