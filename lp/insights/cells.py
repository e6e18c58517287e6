"""The cells of the insights tables' rows, written in Python instead of Jinja macros.

The overview draws three tables of 249 countries with a dozen figures each; as macros
those cells were most of the cost of drawing it (a macro call and an attribute lookup
per cell). The text is the same: every value goes through the formatters of
lp.insights.formatting and is escaped.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from lp.insights.formatting import curve_days, curve_interval, number, percent, share_of
from lp.insights.stats import REFUSAL_CODES, Figures

END = "text-end"


def _td(text: int | str, css: str = END, value: int | str | None = None) -> str:
    data = "" if value is None else f' data-value="{value}"'  # a number of days, or ""
    return f'<td class="{css}"{data}>{text if isinstance(text, int) else escape(text)}</td>'


def key_cells(f: Figures) -> Markup:
    """The first columns of the country table: requests, median (answered only), share within the limit."""
    median = f.median_days
    return Markup(_td(f.requests) + _td(number(median), value="" if median is None else median)
                  + _td(percent(f.share_within_limit)))


def figure_cells(f: Figures) -> Markup:
    """The rest of the country table's columns (after ``key_cells``)."""
    return Markup(_td(number(f.p90_days)) + _td(percent(f.issuance_rate)) + "".join(
        _td(count) for count in (f.issued, f.refused, f.handover, f.handover_silence, f.no_reply, f.withdrawn,
                                 f.answered, f.open, f.overdue)))


def time_to_answer_cells(f: Figures) -> Markup:
    """The columns of the time to answer with waiting requests counted (the curve's figures)."""
    curve = f.time_to_answer
    median = curve.median.day if curve else None
    return Markup(
        _td(f.waiting_counted) + _td(curve.finished if curve else 0) + _td(curve.running if curve else 0)
        + _td((curve.censored - curve.running) if curve else 0)
        + _td(curve_days(curve, 0.5), f"{END} fw-semibold", "" if median is None else median)
        + _td(curve_interval(curve, 0.5), f"{END} small") + _td(curve_days(curve, 0.9), f"{END} fw-semibold")
        + _td(curve_interval(curve, 0.9), f"{END} small") + _td(number(f.median_days), f"{END} text-muted"))


def outcome_cells(f: Figures) -> Markup:
    """Each outcome as a share of the decided requests with its count; the cooperation rate last."""
    decided = f.finished + f.withdrawn
    parts = [f.issued, f.handover_answer, f.handover_silence, *(f.refused_by_reason[code] for code in REFUSAL_CODES),
             f.no_reply, f.withdrawn]
    return Markup(_td(decided) + "".join(_td(share_of(part, decided)) for part in parts)
                  + _td(share_of(f.issued + f.handover, f.finished), f"{END} fw-semibold"))


HELPERS = {"key_cells": key_cells, "figure_cells": figure_cells, "time_to_answer_cells": time_to_answer_cells,
           "outcome_cells": outcome_cells}
