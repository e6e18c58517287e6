"""Insights pages: the country table, a page per country, CSV downloads, the calendar feed page.

Every figure comes from ``lp.insights.stats``; these views only choose the period,
draw the charts and render. Each page runs a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from countries.fields import AGREEMENT_KINDS
from countries.models import Country
from countries.services import find_country
from lp.auth.roles import Role
from lp.core.clock import today
from lp.core.csv import DEFAULT_DELIMITER, DELIMITERS
from lp.core.validation import ValidationFailed
from lp.insights import assessment, calendar, cells, export, kept_country, stats
from lp.insights.charts import Chart, bar_chart, column_chart, stacked_chart
from lp.insights.formatting import curve_days, curve_interval, number, percent, share_of
from lp.requests.lifecycle import CLOSURE_REASONS, REFUSAL_REASONS
from lp.web.access import requires

bp = Blueprint("insights", __name__, url_prefix="/insights")

#: The sort orders of the country table, with their column headings.
SORT_LABELS = {
    "name": _l("Country"),
    "requests": _l("Requests"),
    "median": _l("Median, answered only (days)"),
    "within": _l("Within the limit"),
    "time_to_answer": _l("Median, waiting counted (days)"),
}


def _language() -> str:
    return get_locale().language


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "percent": percent,
        "number": number,
        "share_of": share_of,
        "curve_days": curve_days,
        "curve_interval": curve_interval,
        "MIX_OUTCOMES": stats.MIX_OUTCOMES,
        "mix_label": mix_label,
        "min_requests": stats.MIN_REQUESTS_FOR_RANKING,
        "bucket_label": stats.bucket_label,
        "REFUSAL_REASONS": REFUSAL_REASONS,
        **cells.HELPERS,
        "CLOSURE_REASONS": CLOSURE_REASONS,
        "TREND_OUTCOMES": stats.TREND_OUTCOMES,
        "definitions": stats.DEFINITIONS,
        "outcome_label": outcome_label,
    }


def outcome_label(outcome: str) -> str:
    return {"issued": _("Issued"), "refused": _("Refused"), "no_reply": _("No reply")}[outcome]


def mix_label(outcome: str) -> str:
    return {"issued": _("Issued"), "handover_answer": _("Handover agreed by answer"),
            "handover_silence": _("Handover agreed by silence"), "refused": _("Refused"),
            "no_reply": _("No reply"), "withdrawn": _("Withdrawn")}[outcome]


class BadInput(Exception):
    """The query string is wrong: show ``errors`` on the page with HTTP 422."""

    def __init__(self, errors: dict[str, list[Any]]):
        self.errors = errors


def _period() -> stats.Period:
    try:
        return stats.parse_period(request.args, today())
    except ValidationFailed as failure:
        raise BadInput(failure.errors) from None


def _delimiter() -> str:
    delimiter = request.args.get("delimiter", DEFAULT_DELIMITER)
    if delimiter not in DELIMITERS:
        raise BadInput({"delimiter": [_("Choose ; or , as the separator.")]})
    return delimiter


@bp.errorhandler(BadInput)
def _bad_input(error: BadInput):
    """Render the period form again with the messages, and no figures."""
    messages = [str(m) for ms in error.errors.values() for m in ms]
    page = render_template("insights/bad_input.html", messages=messages, args=request.args,
                           errors=error.errors)
    return page, 422


def _country_or_404(alpha2: str) -> Country:
    country = find_country(alpha2) if len(alpha2) == 2 else None
    if country is None:
        abort(404)
    return country


# -- charts ------------------------------------------------------------------------------


def trend_chart(points: list[stats.TrendPoint], period: stats.Period, subject: str) -> Any:
    chart = Chart("chart-trend", _("Outcomes per quarter of submission: %(subject)s", subject=subject), _(
        "Bar chart of the requests submitted from %(start)s to %(end)s that were issued, refused or "
        "closed without reply, per quarter of submission. The table next to it gives the same numbers.",
        start=period.start.isoformat(), end=period.end.isoformat()))
    return column_chart(chart, [p.label for p in points], [outcome_label(o) for o in stats.TREND_OUTCOMES],
                        [[p.counts[o] for o in stats.TREND_OUTCOMES] for p in points], _("Requests"))


def mix_chart(points: list[stats.TrendPoint], period: stats.Period, subject: str) -> Any:
    chart = Chart("chart-mix", _("Outcome mix per quarter of submission: %(subject)s", subject=subject), _(
        "Stacked bar chart of the decided requests submitted from %(start)s to %(end)s by outcome, per "
        "quarter of submission. The table next to it gives the same numbers.",
        start=period.start.isoformat(), end=period.end.isoformat()))
    return stacked_chart(chart, [p.label for p in points], [mix_label(o) for o in stats.MIX_OUTCOMES],
                         [[p.counts[o] for o in stats.MIX_OUTCOMES] for p in points], _("Requests"))


def distribution_chart(buckets: list[tuple[stats.Bucket, int]], period: stats.Period, subject: str) -> Any:
    chart = Chart("chart-distribution", _("Response times: %(subject)s", subject=subject), _(
        "Bar chart of the answered requests submitted from %(start)s to %(end)s, by response time in "
        "days. The table next to it gives the same numbers.",
        start=period.start.isoformat(), end=period.end.isoformat()))
    return column_chart(chart, [stats.bucket_label(b) for b, _n in buckets], [_("Answered")],
                        [[n] for _b, n in buckets], _("Answered requests"))


def missions_chart(rows: list[stats.Row], subject: str) -> Any:
    chart = Chart("chart-missions", _("Median response time per mission: %(subject)s", subject=subject), _(
        "Bar chart of the median response time in days of each mission; a mission without answers "
        "has no bar. The table next to it gives the same numbers."))
    return bar_chart(chart, [(row.label, row.figures.median_days) for row in rows], _("days"), _("no answers"))


# -- pages -------------------------------------------------------------------------------


@bp.get("/")
@requires(Role.VIEWER)
def index():
    """Show every country's figures (sortable), the totals, the trend and the outcome mix (5 queries)."""
    period = _period()
    sort = request.args.get("sort", "median")
    if sort not in stats.SORTS:
        raise BadInput({"sort": [_("Unknown sort order.")]})
    rows, total = stats.country_table(period, today(), _language())
    rows = stats.sorted_rows(rows, sort)
    points, mix = stats.trends_of(rows, period, stats.TREND_OUTCOMES, stats.MIX_OUTCOMES)
    subject = _("all countries")
    return render_template(
        "insights/index.html", period=period, rows=rows, sort=sort,
        by_time=stats.sorted_rows(rows, "time_to_answer"), total=total,
        points=points, trend_svg=trend_chart(points, period, subject),
        mix=mix, mix_svg=mix_chart(mix, period, subject), sort_labels=SORT_LABELS,
    )


@bp.get("/countries/<alpha2>")
@requires(Role.VIEWER)
def country(alpha2: str):
    """Show one country: its figures, its missions compared, the distribution, the trend and the mix
    (4 queries while kept, see lp.insights.kept_country; 6 more to count them)."""
    country = _country_or_404(alpha2)
    period = _period()
    kept = kept_country.insights(country, period, today())
    missions, buckets = kept.missions, kept.buckets
    points, mix = kept.trends(stats.TREND_OUTCOMES, stats.MIX_OUTCOMES)
    name = country.name(_language())
    return render_template(
        "insights/country.html", country=country, name=name, period=period,
        figures=kept.figures(), missions=missions, buckets=buckets, points=points,
        missions_svg=missions_chart(missions, name), distribution_svg=distribution_chart(buckets, period, name),
        trend_svg=trend_chart(points, period, name), mix=mix, mix_svg=mix_chart(mix, period, name),
    )


def _csv(body: bytes, name: str, period: stats.Period) -> Response:
    filename = f"lp-insights-{name}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


#: The overall tables, each with how it is computed and written.
OVERALL_TABLES: dict[str, Callable[[stats.Period, str], bytes]] = {
    "countries": lambda period, delimiter: export.countries_csv(
        stats.sorted_rows(stats.country_rows(period, today(), _language()), "name"), delimiter),
    "trend": lambda period, delimiter: export.trend_csv(_kept_trend(period, stats.TREND_OUTCOMES), delimiter),
    "mix": lambda period, delimiter: export.trend_csv(
        _kept_trend(period, stats.MIX_OUTCOMES), delimiter, stats.MIX_OUTCOMES),
}
#: A country's tables.
COUNTRY_TABLES: dict[str, Callable[[Country, stats.Period, str], bytes]] = {
    "missions": lambda country, period, delimiter: export.missions_csv(
        kept_country.insights(country, period, today()).missions, delimiter),
    "trend": lambda country, period, delimiter: export.trend_csv(
        kept_country.insights(country, period, today()).trends(stats.TREND_OUTCOMES)[0], delimiter),
    "distribution": lambda country, period, delimiter: export.distribution_csv(
        kept_country.insights(country, period, today()).buckets, delimiter),
    "mix": lambda country, period, delimiter: export.trend_csv(
        kept_country.insights(country, period, today()).trends(stats.MIX_OUTCOMES)[0], delimiter,
        stats.MIX_OUTCOMES),
}


def _kept_trend(period: stats.Period, outcomes: tuple[str, ...]) -> list[stats.TrendPoint]:
    """Return the trend of all requests added up from every country's kept counts per quarter (as the overview)."""
    return stats.trends_of(stats.country_rows(period, today(), _language()), period, outcomes)[0]


@bp.get("/export/<any(countries, trend, mix):table>.csv")
@requires(Role.VIEWER)
def export_overall(table: str):
    """Download the country table or the overall trend as CSV."""
    period, delimiter = _period(), _delimiter()
    return _csv(OVERALL_TABLES[table](period, delimiter), table, period)


@bp.get("/countries/<alpha2>/<any(missions, trend, distribution, mix):table>.csv")
@requires(Role.VIEWER)
def export_country(alpha2: str, table: str):
    """Download one of a country's tables as CSV."""
    country = _country_or_404(alpha2)
    period, delimiter = _period(), _delimiter()
    return _csv(COUNTRY_TABLES[table](country, period, delimiter), f"{country.alpha2}-{table}", period)


# -- the yearly cooperation assessment ---------------------------------------------------


def _year() -> int:
    try:
        return assessment.parse_year(request.args, today())
    except ValidationFailed as failure:
        raise BadInput(failure.errors) from None


def _years() -> list[int]:
    return list(range(today().year, today().year - stats.MAX_PERIOD_YEARS, -1))


@bp.get("/assessment")
@requires(Role.VIEWER)
def assessment_all():
    """Show every country's cooperation in one calendar year, printable (5 queries while the countries'
    figures are kept)."""
    year = _year()
    return render_template("insights/assessment.html", year=year, years=_years(), country=None,
                           assessments=assessment.all_countries(year, today(), _language()),
                           agreement_kinds=dict(AGREEMENT_KINDS), agreement_text=assessment.agreement_text,
                           today_date=today())


@bp.get("/countries/<alpha2>/assessment")
@requires(Role.VIEWER)
def assessment_country(alpha2: str):
    """Show one country's cooperation in one calendar year, printable (8 queries)."""
    country = _country_or_404(alpha2)
    year = _year()
    return render_template("insights/assessment.html", year=year, years=_years(), country=country,
                           assessments=[assessment.one_country(country, year, today(), _language())],
                           agreement_kinds=dict(AGREEMENT_KINDS), agreement_text=assessment.agreement_text,
                           today_date=today())


def _assessment_csv(assessments: list[assessment.Assessment], name: str, year: int) -> Response:
    filename = f"lp-assessment-{name}-{year}.csv"
    return Response(export.assessment_csv(assessments, _delimiter()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/assessment.csv")
@requires(Role.VIEWER)
def assessment_all_csv():
    """Download every country's assessment of one year as CSV (one row per country)."""
    year = _year()
    return _assessment_csv(assessment.all_countries(year, today(), _language()), "all", year)


@bp.get("/countries/<alpha2>/assessment.csv")
@requires(Role.VIEWER)
def assessment_country_csv(alpha2: str):
    """Download one country's assessment of one year as CSV (one row)."""
    country = _country_or_404(alpha2)
    year = _year()
    return _assessment_csv([assessment.one_country(country, year, today(), _language())], country.alpha2, year)


# -- calendar feed -----------------------------------------------------------------------


@bp.get("/calendar")
@requires(Role.VIEWER)
def calendar_page():
    """Explain the calendar feed and offer to create, regenerate or revoke it."""
    return render_template("insights/calendar.html", feed_url=None,
                           active=current_user.calendar_token_hash is not None)


@bp.post("/calendar")
@requires(Role.VIEWER, Role.VIEWER)
def calendar_create():
    """Create (or replace) the user's feed token and show its URL, this once."""
    token = calendar.issue_token(current_user._get_current_object())
    return render_template("insights/calendar.html", active=True,
                           feed_url=url_for("calendar.feed", token=token, _external=True))


@bp.post("/calendar/revoke")
@requires(Role.VIEWER, Role.VIEWER)
def calendar_revoke():
    """Revoke the user's feed: its URL stops working."""
    calendar.revoke_token(current_user._get_current_object())
    flash(_("Your calendar feed has been switched off; its address no longer works."), "success")
    return redirect(url_for("insights.calendar_page"))
