"""The facts stay equal to a rebuild from scratch, whatever happens to the requests (issues 15, 19).

The insights read the life table of the time to answer from ``answer_time_facts``, and
their counts and answered-only percentiles from ``outcome_facts`` and
``response_day_facts`` (lp.requests.facts), all kept up to date in the transaction of
every change. A random series of actions over several weeks (submission, pause and
resume, answers by the embassy or by silence, no reply and the late answer after it,
withdrawal, departure, a mission moved on the details form, the identity requirement
ticked, a request moved to another country, a request deleted) is applied; after
each day the facts must equal those a rebuild computes from the requests, the curves
read from them the curves computed from the requests alone, and every figure of the
insights read from them the figures computed from the requests alone.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from countries.models import Country, Mission
from lp.core.validation import Conflict, ValidationFailed
from lp.insights import stats
from lp.requests import answer_times, facts, services
from lp.requests.models import AnswerTimeFact, LpRequest, OutcomeFact, ResponseDayFact
from lp.web.extensions import db

START = date(2026, 1, 5)
DAYS = 70


def _action(rng: random.Random, request: LpRequest, day: date, missions: list[int]) -> tuple[str, dict] | None:
    iso = day.isoformat()
    status, paused = request.status, request.paused_since is not None
    if status == "draft":
        return "submit", {"submitted_on": (day - timedelta(days=rng.randint(0, 40))).isoformat(), "channel": "email"}
    if paused:
        return "resume", {"occurred_on": iso, "reason": "documents arrived"}
    choices: list[tuple[str, dict]] = []
    if status in ("submitted", "presentation_scheduled", "presented"):
        choices += [
            ("pause", {"occurred_on": iso, "reason": "waiting for documents"}),
            ("issue", {"lp_number": f"LP-{request.id}", "issued_on": iso,
                       "valid_until": (day + timedelta(days=30)).isoformat()}),
            ("refuse", {"refusal_reason": "not_recognised", "decided_on": iso}),
            ("agree_handover", {"decided_on": iso, "basis": "answer"}),
            ("record_no_reply", {"decided_on": iso}),
            ("withdraw", {"closure_reason": "absconded", "decided_on": iso}),
        ]
    if status == "no_reply":  # the late answer
        choices += [("issue", {"lp_number": f"LP-{request.id}", "issued_on": iso,
                               "valid_until": (day + timedelta(days=30)).isoformat()}),
                    ("refuse", {"refusal_reason": "other", "decided_on": iso})]
    if status == "issued":
        choices += [("record_departure", {"departed_on": iso}),
                    ("withdraw", {"closure_reason": "other", "decided_on": iso})]
    if missions and request.is_open:
        choices.append(("move", {"mission": rng.choice(missions)}))
        choices.append(("details", {"mission": rng.choice(missions), "identity": rng.random() < 0.5}))
    choices += [("country", {}), ("delete", {})] if rng.random() < 0.15 else []
    return rng.choice(choices) if choices else None


def _apply(request: LpRequest, name: str, raw: dict) -> None:
    if name == "move":  # the mission changed on the request's column
        request.mission_id = raw["mission"]
        db.session.commit()
    elif name == "details":  # the details form: the mission through the relationship, the identity flag
        services.update_details(request, {"mission": db.session.get(Mission, raw["mission"]),
                                          "identity_requested": raw["identity"]},
                                user_id=None, expected_version=request.version)
    elif name == "country":  # a correction of the country (and so of the mission)
        other = db.session.scalar(select(Country.id).where(Country.id != request.country_id))
        request.country_id, request.mission_id = other, None
        db.session.commit()
    elif name == "delete":
        for event in list(request.events):
            db.session.delete(event)
        db.session.delete(request)
        db.session.commit()
    elif name in ("pause", "resume"):
        (services.pause_clock if name == "pause" else services.resume_clock)(request, raw, user_id=None)
    else:
        services.apply_transition(request, name, raw, user_id=None, unusual_confirmed=True)


def _curves_from_requests(today: date, start: date) -> dict:
    return answer_times.estimates(LpRequest.country_id, today, [LpRequest.submitted_on >= start])


TABLES = (AnswerTimeFact, OutcomeFact, ResponseDayFact)


OUTCOMES = ("issued", "refused", "handover", "handover_silence", "no_reply", "withdrawn")


def _answered_percentiles(period: stats.Period, where: list) -> tuple:
    """The median and P90 of the response days of all requests matching ``where`` (answered only)."""
    histogram = [pair for part in stats._histograms("country_id", period, period.end, where).values()
                 for pair in part]
    return stats.nearest_rank(histogram, 50), stats.nearest_rank(histogram, 90)


def _identity_required(period: stats.Period, where: list) -> dict:
    """{country id: requests where the identity was required}, as the countries' figures count it."""
    return {row["key"]: row.get("identity_required") for row in stats._counts("country_id", [], Country, period,
                                                                              period.end, where)}


def _per_country(period: stats.Period, where: list) -> tuple:
    """The trend of every outcome, the distribution, the answered-only percentiles and the identity count."""
    return (stats.trend(period, where, OUTCOMES), stats.distribution(period, where),
            _answered_percentiles(period, where), _identity_required(period, where))


def _assert_figures_equal_those_of_the_requests(day: date) -> None:
    """The figures read from the facts (whole months) and the requests (the edges) equal those read from the
    requests alone (a condition the facts cannot answer makes stats read the requests)."""
    everything = [LpRequest.id > 0]
    for period in (stats.Period(START - timedelta(days=120), day), stats.Period(date(2025, 11, 1), date(2026, 1, 31))):
        assert _per_country(period, []) == _per_country(period, everything), f"day {day}, {period}"
        rows = stats.country_rows(period, day, "en")
        for country in db.session.scalars(select(Country)):
            alone = [LpRequest.country_id == country.id]
            assert _per_country(period, stats.country_filter(country)) == _per_country(period, alone), f"day {day}"
            counts = {outcome: sum(point.counts[outcome] for point in stats.trend(period, alone, OUTCOMES))
                      for outcome in OUTCOMES}
            row = next((row for row in rows if row.key == country.id), None)
            figures = row.figures if row else stats.Figures()
            assert {outcome: getattr(figures, outcome) for outcome in OUTCOMES} == counts, f"day {day}"
            missions = stats.mission_rows(country, period, day)
            assert sum(mission.figures.requests for mission in missions) == figures.requests


@pytest.mark.parametrize("seed", [1, 2])
def test_the_facts_equal_a_rebuild_after_random_lifecycle_actions(app, make_country, make_request, seed):
    rng = random.Random(seed)
    make_country("GN", missions=[{"name": "Ambassade van Guinee"}, {"name": "Consulaat van Guinee"}])
    make_country("MA", missions=[{"name": "Ambassade van Marokko"}])
    with time_machine.travel(datetime(2026, 1, 5, 10), tick=False):
        ids = [make_request(rng.choice(["GN", "MA"]),
                            submitted_on=None if rng.random() < 0.3 else
                            (START - timedelta(days=rng.randint(0, 90))).isoformat())
               for _ in range(24)]
    applied, names = 0, set()
    for offset in range(0, DAYS, 3):
        day = START + timedelta(days=offset)
        with time_machine.travel(datetime(day.year, day.month, day.day, 10), tick=False), app.test_request_context():
            ids = [i for i in ids if db.session.get(LpRequest, i) is not None]  # some were deleted
            for request_id in rng.sample(ids, min(8, len(ids))):
                request = db.session.get(LpRequest, request_id)
                missions = list(db.session.scalars(select(Mission.id).where(Mission.country_id == request.country_id)))
                chosen = _action(rng, request, day, missions)
                if chosen is None:
                    continue
                try:
                    _apply(request, *chosen)
                    applied += 1
                    names.add(chosen[0])
                except (ValidationFailed, Conflict):
                    db.session.rollback()
            assert answer_times.facts_in_step(), f"day {day}"
            kept = {model: facts.snapshot(model) for model in TABLES}
            facts.rebuild()
            rebuilt = {model: facts.snapshot(model) for model in TABLES}
            for model in TABLES:
                assert rebuilt[model] == kept[model], (f"day {day}, {model.__tablename__}",
                                                       set(rebuilt[model].items()) ^ set(kept[model].items()))
            db.session.rollback()  # keep the maintained facts, not the rebuilt ones
            _assert_figures_equal_those_of_the_requests(day)
            # The curves from the facts (whole months) and the requests (the edges) equal those of the requests.
            since = START - timedelta(days=120)
            assert answer_times.curves("country", day, since) == _curves_from_requests(day, since), f"day {day}"
            assert answer_times.curves("mission", day, since, day) == answer_times.estimates(
                LpRequest.mission_id, day, [LpRequest.submitted_on >= since, LpRequest.submitted_on <= day])
    assert applied > 40
    assert {"details", "country", "delete", "submit", "refuse", "withdraw"} <= names
    with app.app_context():
        statuses = set(db.session.scalars(select(LpRequest.status)))
        assert {"issued", "refused", "no_reply", "withdrawn"} & statuses


def test_the_rebuild_command_counts_requests_inserted_without_the_app(app, runner, make_country, make_request):
    make_country("GN")
    make_request("GN", submitted_on="2026-01-05")
    with app.app_context():
        kept = facts.snapshot()
        assert answer_times.facts_in_step()
        db.session.execute(facts.AnswerTimeFact.__table__.delete())  # as after a bulk insert: no facts
        db.session.commit()
        assert facts.snapshot() == {}
        assert not answer_times.facts_in_step()  # what makes `lp init` rebuild them
    result = runner.invoke(args=["lp", "facts", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Facts rebuilt: 2 rows" in result.output  # its time to answer, its outcome
    with app.app_context():
        assert facts.snapshot() == kept != {}

