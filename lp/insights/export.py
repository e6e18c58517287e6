"""CSV files of the statistics tables: countries, missions, quarterly trend, distribution.

Encoding and escaping are those of every export (``countries.csv_format``): UTF-8 with
a byte order mark, ``;`` (or ``,``) between cells, CRLF line ends, and a cell a
spreadsheet could run as a formula gets one ``'`` in front. Column names are stable
English codes; numbers are plain (rates as fractions with a decimal point, e.g.
``0.6667``); an empty cell means the figure does not exist (e.g. no answers). The time to
answer with waiting requests counted (Kaplan–Meier) is in the ``*_waiting_counted``
columns; an empty day there means "not reached": longer than ``longest_wait_days``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from lp.core.csv import DEFAULT_DELIMITER, escape_cell, spreadsheet_writer
from lp.core.survival import Quantile
from lp.insights.assessment import Assessment, agreement_text
from lp.insights.stats import CLOSURE_CODES, REFUSAL_CODES, TREND_OUTCOMES, Bucket, Figures, Row, TrendPoint


def _quantile(figures: Figures, share: float) -> Quantile | None:
    curve = figures.time_to_answer
    return curve.quantile(share) if curve is not None and curve.cases else None


def _curve_columns(name: str, share: float) -> tuple[tuple[str, Any], ...]:
    """The day by which ``share`` was answered (waiting counted) and its 95% interval."""
    def part(attribute: str) -> Any:
        return lambda f: getattr(_quantile(f, share), attribute, None)

    return ((f"{name}_days_waiting_counted", part("day")), (f"{name}_ci95_low_days", part("low")),
            (f"{name}_ci95_high_days", part("high")))

#: The figure columns of the country and mission tables, each with how to read it.
FIGURE_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("requests", lambda f: f.requests),
    ("issued", lambda f: f.issued),
    ("refused", lambda f: f.refused),
    *((f"refused_{code}", lambda f, code=code: f.refused_by_reason.get(code, 0)) for code in REFUSAL_CODES),
    ("handover_agreed", lambda f: f.handover),
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
    ("handover_agreed_by_silence", lambda f: f.handover_silence),
    ("cooperation_rate", lambda f: f.cooperation_rate),
    ("counted_for_time_to_answer", lambda f: f.waiting_counted),
    ("still_waiting", lambda f: f.time_to_answer.running if f.time_to_answer else 0),
    *_curve_columns("median", 0.5),
    *_curve_columns("p90", 0.9),
    ("longest_wait_days", lambda f: f.time_to_answer.longest if f.time_to_answer else None),
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


def trend_csv(points: Iterable[TrendPoint], delimiter: str = DEFAULT_DELIMITER,
              outcomes: Sequence[str] = TREND_OUTCOMES) -> bytes:
    """Return the quarterly trend (or, with MIX_OUTCOMES, the outcome mix): one row per quarter."""
    columns = ["year", "quarter", *outcomes]
    return write_table(columns, ([p.year, p.quarter, *(p.counts[o] for o in outcomes)] for p in points),
                       delimiter)


def distribution_csv(buckets: Iterable[tuple[Bucket, int]], delimiter: str = DEFAULT_DELIMITER) -> bytes:
    """Return the response-time distribution: one row per group of days (empty to_days: open-ended)."""
    return write_table(["from_days", "to_days", "answered"], ([low, high, n] for (low, high), n in buckets),
                       delimiter)


#: The columns of the yearly cooperation assessment (one row per country), each with how to read it.
ASSESSMENT_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("country", lambda a: a.alpha2),
    ("name", lambda a: a.name),
    ("year", lambda a: a.year),
    ("requests", lambda a: a.figures.requests),
    ("answered", lambda a: a.figures.answered),
    ("answered_within_limit", lambda a: a.figures.within_limit),
    ("share_within_limit", lambda a: a.figures.share_within_limit),
    ("counted_for_time_to_answer", lambda a: a.figures.waiting_counted),
    ("still_waiting", lambda a: a.figures.time_to_answer.running if a.figures.time_to_answer else 0),
    *((name, lambda a, read=read: read(a.figures)) for name, read in (*_curve_columns("median", 0.5),
                                                                       *_curve_columns("p90", 0.9))),
    ("longest_wait_days", lambda a: a.figures.time_to_answer.longest if a.figures.time_to_answer else None),
    ("median_response_days_answered_only", lambda a: a.figures.median_days),
    ("issued", lambda a: a.figures.issued),
    ("handover_agreed_by_answer", lambda a: a.figures.handover_answer),
    ("handover_agreed_by_silence", lambda a: a.figures.handover_silence),
    ("refused", lambda a: a.figures.refused),
    *((f"refused_{code}", lambda a, code=code: a.figures.refused_by_reason.get(code, 0)) for code in REFUSAL_CODES),
    ("no_reply", lambda a: a.figures.no_reply),
    ("withdrawn", lambda a: a.figures.withdrawn),
    ("cooperation_rate", lambda a: a.figures.cooperation_rate),
    ("presentations_requested", lambda a: a.presentations.requested),
    ("presentations_held", lambda a: a.presentations.held),
    ("presentations_no_show", lambda a: a.presentations.no_show),
    ("identity_required", lambda a: a.identity_required),
    ("identity_required_share", lambda a: a.identity_share),
    ("agreements_in_force", lambda a: " | ".join(
        agreement_text(agreement, {}) for agreement in a.agreements)),  # kinds as stable codes
)


def assessment_csv(assessments: Iterable[Assessment], delimiter: str = DEFAULT_DELIMITER) -> bytes:
    """Return the yearly cooperation assessment: one row per country."""
    return write_table([name for name, _read in ASSESSMENT_COLUMNS],
                       ([read(a) for _name, read in ASSESSMENT_COLUMNS] for a in assessments), delimiter)
