"""One country's own insights, kept between page views like the overview's figures (issue 19).

The country page, its CSV files and the country's yearly assessment show its missions
compared, the distribution of its response days, its trend and outcome mix per quarter,
and its presentations. Counted on every view, that is 7 queries over the period's facts
and requests of the country, and they grow with its history: at 1,000,000 requests the
country page and the one-country assessment cost 2.5 and 3 times what they cost at
100,000. So they are counted once per period and day and kept in ``figure_snapshots``
(lp.requests.snapshots) as the kind ``COUNTRY_PAGE``, at the country's version: a change
to any of its requests (or a presentation event) raises that version, and the next view
counts the country again. A view of a kept country reads 2 rows (its version, its body) and
its missions' names (a renamed mission changes no figure).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from countries.models import Country
from lp.insights import stats
from lp.requests import snapshots
from lp.requests.models import COUNTRY_PAGE

#: The layout of a kept body: raise it when ``_encode`` changes what it writes.
LAYOUT = 1


@dataclass
class CountryInsights:
    """What the pages of one country show for one period."""

    period: stats.Period
    #: ``stats.mission_rows``, with what ``stats.total`` needs.
    missions: list[stats.Row]
    #: ``stats.distribution``.
    buckets: list[tuple[stats.Bucket, int]]
    #: ``stats.quarter_counts``.
    quarters: dict[str, list[int]]
    #: The country's ``stats.presentations``.
    presentations: dict[str, int]

    def figures(self) -> stats.Figures:
        """Return the country's figures: its missions' together, with its presentations."""
        figures = stats.total(self.missions)
        figures.presentations = dict(self.presentations)
        return figures

    def trends(self, *kinds: tuple[str, ...]) -> list[list[stats.TrendPoint]]:
        """Return ``stats.trends`` of the country for each of ``kinds``."""
        return stats.points_of(self.period, self.quarters, *kinds)


def insights(country: Country, period: stats.Period, today: date) -> CountryInsights:
    """Return the country's insights for the period: as kept (3 queries), or counted (6 more) and kept (2)."""
    version = snapshots.versions_of([country.id])[country.id]  # read before what is counted: never newer than it
    kept = snapshots.read(period.start, period.end, today, {country.id: version}, kind=COUNTRY_PAGE)
    if country.id in kept:
        found = _decode(period, kept[country.id][0], {m.id: (m.name, m.city) for m in country.missions})
        if found is not None:
            return found
    counted = _count(country, period, today)
    snapshots.keep(period.start, period.end, today, {country.id: (version, _encode(counted), "null")},
                   kind=COUNTRY_PAGE)
    return counted


def _count(country: Country, period: stats.Period, today: date) -> CountryInsights:
    where = stats.country_filter(country)
    return CountryInsights(
        period=period,
        missions=stats.mission_rows(country, period, today),
        buckets=stats.distribution(period, where),
        quarters=stats.quarter_counts(period, where),
        presentations=stats.presentations(period, where).get(country.id, {}),
    )


def _encode(found: CountryInsights) -> str:
    missions = [{"key": row.key, "figures": stats.encode(row.figures)} for row in found.missions]
    return json.dumps({"missions": missions, "buckets": [n for _bucket, n in found.buckets],
                       "quarters": found.quarters, "presentations": found.presentations, "layout": LAYOUT},
                      separators=(",", ":"))


def _decode(period: stats.Period, body: str, names: Mapping[int, tuple[str, str | None]]) -> CountryInsights | None:
    """Return the insights ``_encode`` made ``body`` of, the missions named as they are now (``names``: {id: (name,
    city)}: a renamed mission does not change the figures); None when another layout wrote it."""
    values: dict[str, Any] = json.loads(body)
    if values.get("layout") != LAYOUT or len(values["buckets"]) != len(stats.BUCKETS):
        return None
    missions = []
    for mission in values["missions"]:
        figures = stats.decode(*mission["figures"])
        assert figures is not None  # a mission row always has figures
        name, city = names.get(mission["key"], (None, None))
        missions.append(stats.mission_row(mission["key"], name, city, figures))
    stats.sort_missions(missions)
    return CountryInsights(
        period=period,
        missions=missions,
        buckets=list(zip(stats.BUCKETS, values["buckets"], strict=True)),
        quarters=values["quarters"],
        presentations=values["presentations"],
    )
