"""The daily sweep reads only the requests due or changed since its last run, with the full sweep's result.

Issue 19: at a million requests the daily run may not walk every open request. Each day
below, the full sweep's plan and the daily (incremental) run's plan are worked out over
the same data and must be the same change to the reminders; then the daily run is
applied, as the scheduler does, and the next day's changes are made through the app's
own services (a country's limits, an agreement, a person's detention, an answer, a
presentation, an acknowledged reminder).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from countries import services as countries
from lp.persons import services as persons
from lp.persons.models import Person
from lp.reminders import services as reminders
from lp.reminders.models import Reminder, SweepDay
from lp.reminders.policy import set_country_policy
from lp.reminders.sweep import Plan, plan, sweep
from lp.requests import services
from lp.requests.models import LpRequest
from lp.web.extensions import db

from .conftest import AMSTERDAM


def _at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 7, tzinfo=AMSTERDAM), tick=False)


def _act(app, day: date, request_id: int, action: str, data: dict) -> None:
    with _at(day), app.test_request_context():
        services.apply_transition(db.session.get(LpRequest, request_id), action, data, user_id=None)


def _change(plan_: Plan) -> dict:
    """What a plan does to the reminders (ids of existing ones; keys and values of new ones, not their time)."""
    return {
        "new": sorted((tuple(sorted((k, v) for k, v in row.items() if k != "created_at")) for row in plan_.new_rows),
                      key=repr),
        "superseded": plan_.superseded, "no_longer_due": plan_.no_longer_due, "reopened": plan_.to_reopen,
    }


@pytest.fixture
def world(app, make_user, make_country, make_person, make_request):
    holder = make_user("holder@example.org", role="staff")
    make_country("GN", presentation_required="yes", portfolio_holder_id=holder, last_reviewed_on=date(2025, 3, 1),
                 missions=[{"name": "Ambassade van Guinee"}])
    make_country("AL", portfolio_holder_id=holder, last_reviewed_on=date(2026, 1, 1),
                 agreements=[{"kind": "eu_readmission", "title": "EU-Albania", "reply_time_limit_days": 14,
                              "reply_time_limit_unit": "calendar", "in_force_since": date(2006, 5, 1)}],
                 missions=[{"name": "Ambassade van Albanië"}])
    detained = make_person(nationality="GN", in_detention_since="2025-12-01")
    ids = {
        "overdue": make_request("GN", submitted_on="2026-01-05"),
        "detained": make_request("GN", person_id=detained, submitted_on="2026-01-10"),
        "albania": make_request("AL", submitted_on="2026-01-12"),
        "answered": make_request("GN", submitted_on="2026-01-20"),
        "presented": make_request("GN", submitted_on="2026-01-21"),
        "old": make_request("AL", submitted_on="2025-02-03"),
    }
    return {"ids": ids, "holder": holder, "detained": detained}


def test_the_daily_run_changes_the_reminders_as_the_full_sweep_would(app, world):
    ids = world["ids"]

    def changes_of(day: date) -> None:
        """What staff do on some days, before that day's sweep."""
        if day == date(2026, 2, 10):  # the country's own escalation goes faster
            with _at(day), app.app_context():
                set_country_policy(countries.get_country("GN"), {"overdue_level2_days": 10,
                                                                 "overdue_level3_days": 40}, user_id=None)
        if day == date(2026, 2, 16):  # the embassy answers: an LP, valid a month
            _act(app, day, ids["answered"], "issue",
                 {"lp_number": "GN-1", "issued_on": "2026-02-16", "valid_until": "2026-03-18"})
        if day == date(2026, 2, 19):
            _act(app, day, ids["presented"], "schedule_presentation",
                 {"presentation_at": "2026-03-12T10:00", "place": "Brussels"})
        if day == date(2026, 2, 22):  # the reply limit itself (no agreement for GN); Albania's silence is consent
            with _at(day), app.app_context():
                set_country_policy(countries.get_country("GN"), {"reply_days": 20}, user_id=None)
                albania = countries.get_country("AL")
                countries.update_item(albania.agreements[0], "agreement", {"silence_is_acceptance": "yes"},
                                      expected_version=albania.version, user_id=None)
        if day == date(2026, 3, 1):  # the detention is extended (to 1 July); a reminder is acknowledged
            with _at(day), app.app_context():
                person = db.session.get(Person, world["detained"])
                persons.update_person(person, {"detention_max_months": 7}, expected_version=person.version)
                reminder = db.session.scalars(select(Reminder).where(Reminder.request_id == ids["overdue"],
                                                                     Reminder.closed_at.is_(None))).first()
                reminders.acknowledge(reminder, {"note": "called the embassy"}, user_id=world["holder"])
        if day == date(2026, 3, 4):  # paused, so no reminder but the detention's
            with _at(day), app.test_request_context():
                services.pause_clock(db.session.get(LpRequest, ids["detained"]),
                                     {"occurred_on": "2026-03-04", "reason": "documents"}, user_id=None)
        if day == date(2026, 3, 25):
            with _at(day), app.test_request_context():
                services.resume_clock(db.session.get(LpRequest, ids["detained"]),
                                      {"occurred_on": "2026-03-25", "reason": "received"}, user_id=None)
        if day == date(2026, 6, 15):  # the person is released: the detention reminder (since 3 June) goes
            with _at(day), app.app_context():
                person = db.session.get(Person, world["detained"])
                persons.update_person(person, {"in_detention_since": None}, expected_version=person.version)

    day, partial_days = date(2026, 2, 3), 0
    while day <= date(2026, 6, 30):
        changes_of(day)
        with _at(day), app.app_context():
            full, daily = plan(day), plan(day, incremental=True)
            assert _change(daily) == _change(full), day
            result = sweep(day, incremental=True)
            assert result.full is (day == date(2026, 2, 3)), day  # only the first run reads every request
            partial_days += result.requests_checked < len(ids)
            # The full sweep afterwards finds nothing left to do, and no request's next day to move.
            after = plan(day)
            assert _change(after) == {"new": [], "superseded": [], "no_longer_due": [], "reopened": []}, day
            assert after.moved == [], day
        day += timedelta(days=1)
    assert partial_days > 100  # most days read few requests, or none
    with app.app_context():
        kinds = {(kind, level) for kind, level in db.session.execute(select(Reminder.kind, Reminder.level))}
    # The run went through the rules it must keep: each of these was created on some day.
    assert {("reply_overdue", 3), ("book_flight", 1), ("lp_expiring", 1), ("presentability_check", 1),
            ("detention_ending", 1), ("no_reply", 1), ("deemed_agreed", 1), ("profile_review", 1)} <= kinds


def test_the_full_sweep_comes_back_when_the_settings_or_the_day_say_so(app, world, config_overrides):
    with _at(date(2026, 3, 2)), app.app_context():
        assert sweep(date(2026, 3, 2), incremental=True).full  # the first run
        assert not sweep(date(2026, 3, 3), incremental=True).full
        assert sweep(date(2026, 3, 1), incremental=True).full  # back in time: the days stored are ahead
        app.config["LP_POLICY_OVERDUE_LEVEL2_DAYS"] = 5
        assert sweep(date(2026, 3, 2), incremental=True).full  # another policy for every country
        assert not sweep(date(2026, 3, 3), incremental=True).full


def _withdraw(app, request_id: int) -> None:
    with app.test_request_context():
        services.apply_transition(db.session.get(LpRequest, request_id), "withdraw",
                                  {"closure_reason": "absconded", "decided_on": "2026-02-06"}, user_id=None)


@pytest.mark.parametrize("untouched", [3, 30])
def test_the_daily_run_reads_no_request_that_is_not_due_or_changed(app, make_country, make_request, make_user,
                                                                   count_queries, untouched):
    holder = make_user(email="holder@example.org", role="staff")
    make_country("GN", portfolio_holder_id=holder, last_reviewed_on=date(2026, 1, 1),
                 missions=[{"name": "Ambassade van Guinee"}])
    quiet = [make_request("GN", submitted_on="2026-01-05") for _ in range(untouched)]  # level 1 from 5 Feb
    due = make_request("GN", submitted_on="2026-01-06")  # level 1 from 6 Feb
    changed = make_request("GN", submitted_on="2026-01-05")
    with _at(date(2026, 2, 5)), app.app_context():
        first = sweep(date(2026, 2, 5), incremental=True)
    assert first.full and first.requests_checked == untouched + 2
    with _at(date(2026, 2, 6)):
        _withdraw(app, changed)
        with app.app_context(), count_queries as counter:
            result = sweep(date(2026, 2, 6), incremental=True)
    assert not result.full
    assert result.requests_checked == 1  # the one due; the withdrawn one is closed, the others wait
    assert (result.created, result.closed, result.reopened) == (1, 0, 0)
    assert result.reminders_read == 0  # none of the untouched requests' reminders either
    assert counter.count == _QUERIES.setdefault("daily", counter.count)  # the same at both sizes
    with app.app_context():
        waiting = db.session.execute(select(SweepDay.request_id, SweepDay.next_due_on, LpRequest.next_due_on)
                                     .join(LpRequest, LpRequest.id == SweepDay.request_id)
                                     .where(SweepDay.request_id.in_([*quiet, due])))
        # Their next change is level 2, thirty days after level 1; none of them is marked any more.
        assert {(stored, mark) for _id, stored, mark in waiting} == {(date(2026, 3, 7), None),
                                                                     (date(2026, 3, 8), None)}
        assert db.session.get(LpRequest, changed).next_due_on is None  # closed: never read again
        assert db.session.get(SweepDay, changed) is None


_QUERIES: dict[str, int] = {}


def test_a_country_changed_while_the_sweep_runs_is_read_again_at_the_next_run(app, world):
    """The sweep stores a request's next day only where the day it read is still there.

    A profile change marks the country's requests with a plain UPDATE (no version bump, so open
    forms stay valid); each such mark differs, so a sweep that read a request before the change
    does not overwrite the mark with a day worked out from the old profile.
    """
    from lp.reminders.sweep import apply

    first, racing = date(2026, 2, 3), date(2026, 2, 4)
    with _at(first), app.app_context():
        sweep(first, incremental=True)
    overdue = world["ids"]["overdue"]
    with _at(racing), app.app_context():
        # A colleague's earlier edit marked the request (the run reads it) ...
        set_country_policy(countries.get_country("GN"), {"overdue_level2_days": 20}, user_id=None)
        work = plan(racing, incremental=True)
        assert overdue in [row["b_id"] for row in work.moved]
        db.session.rollback()  # the run has read what it needs
        # ... and another edit of our own escalation (no due date moves, no version bump) lands meanwhile.
        set_country_policy(countries.get_country("GN"), {"overdue_level2_days": 5}, user_id=None)
        apply(work)
        assert db.session.get(LpRequest, overdue).next_due_on < date(1900, 1, 1)  # still marked
        # The next run reads it again, with the profile as it is now.
        again = plan(racing, incremental=True)
        assert overdue in [row["b_id"] for row in again.moved]
