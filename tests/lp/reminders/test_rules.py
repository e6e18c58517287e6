"""Each reminder rule fires on its day and not the day before (time frozen)."""

from datetime import date

import pytest
from sqlalchemy import select

from lp.reminders.models import Reminder
from lp.requests import services
from lp.requests.models import LpRequest
from lp.web.extensions import db


@pytest.fixture
def country(make_country, make_user):
    holder = make_user("holder@example.org", role="staff")
    return make_country("GN", presentation_required="yes", portfolio_holder_id=holder,
                        last_reviewed_on=date(2026, 1, 1), missions=[{"name": "Ambassade van Guinee"}])


def _act(app, request_id, action, data):
    with app.test_request_context():
        services.apply_transition(db.session.get(LpRequest, request_id), action, data, user_id=None)


def test_reply_overdue_levels_fire_on_their_days(make_request, country, sweep_on):
    make_request(country, submitted_on="2026-01-05")  # reply due 4 Feb (30 days)
    assert ("reply_overdue", 1) not in sweep_on("2026-02-04")
    assert ("reply_overdue", 1) in sweep_on("2026-02-05")
    assert ("reply_overdue", 2) not in sweep_on("2026-03-06")
    assert ("reply_overdue", 2) in sweep_on("2026-03-07")  # +30 days: note verbale
    assert ("reply_overdue", 3) not in sweep_on("2026-05-05")
    assert ("reply_overdue", 3) in sweep_on("2026-05-06")  # +90 days: escalate


def test_agreement_time_limit_sets_the_due_day(make_country, make_request, sweep_on):
    make_country("AL", agreements=[{"kind": "eu_readmission", "title": "EU-Albania", "reply_time_limit_days": 14,
                                    "in_force_since": date(2006, 5, 1)}])
    make_request("AL", submitted_on="2026-01-05")
    assert ("reply_overdue", 1) not in sweep_on("2026-01-19")
    assert ("reply_overdue", 1) in sweep_on("2026-01-20")


def test_detention_shortens_only_our_own_escalation(make_person, make_request, country, sweep_on):
    person = make_person(nationality=country, in_detention_since="2025-12-01")
    make_request(country, person_id=person, submitted_on="2026-01-05")  # due 4 Feb (30 days, as for anyone)
    assert ("reply_overdue", 1) not in sweep_on("2026-02-04")
    assert ("reply_overdue", 1) in sweep_on("2026-02-05")
    assert ("reply_overdue", 2) not in sweep_on("2026-02-19")
    assert ("reply_overdue", 2) in sweep_on("2026-02-20")  # +15 after level 1 (30 halved)
    assert ("presentation_not_scheduled", 1) not in sweep_on("2026-02-03")
    assert ("presentation_not_scheduled", 1) in sweep_on("2026-02-04")  # 30 days (60 halved)


def test_no_reply_after_twelve_months(make_request, country, sweep_on):
    make_request(country, submitted_on="2025-06-02")
    assert ("no_reply", 1) not in sweep_on("2026-06-01")
    assert ("no_reply", 1) in sweep_on("2026-06-02")


def test_presentation_not_scheduled_after_sixty_days(make_request, country, sweep_on):
    make_request(country, submitted_on="2026-01-05")
    assert ("presentation_not_scheduled", 1) not in sweep_on("2026-03-05")
    assert ("presentation_not_scheduled", 1) in sweep_on("2026-03-06")


def test_presentability_check_three_working_days_before(app, make_request, country, sweep_on):
    request_id = make_request(country, submitted_on="2026-01-05")
    # Presentation on Thursday 30 April 2026. Counting back three working days:
    # 29, 28, (27 is King's Day, a holiday), 24 April: the check fires on Friday 24 April.
    _act(app, request_id, "schedule_presentation",
         {"presentation_at": "2026-04-30T10:00", "place": "Brussels"})
    assert ("presentability_check", 1) not in sweep_on("2026-04-23")
    assert ("presentability_check", 1) in sweep_on("2026-04-24")
    assert ("presentation_not_scheduled", 1) not in sweep_on("2026-04-24")  # one is scheduled


def test_lp_expiring_within_fourteen_days_without_departure(app, make_request, country, sweep_on):
    request_id = make_request(country, submitted_on="2026-01-05")
    _act(app, request_id, "issue", {"lp_number": "GN-1", "issued_on": "2026-02-01", "valid_until": "2026-03-31"})
    assert ("lp_expiring", 1) not in sweep_on("2026-03-16")
    assert ("lp_expiring", 1) in sweep_on("2026-03-17")


def test_profile_not_reviewed_for_twelve_months(country, sweep_on):
    assert ("profile_review", 1) not in sweep_on("2026-12-31")
    assert ("profile_review", 1) in sweep_on("2027-01-01")


def test_nothing_for_closed_or_paused_requests(app, make_request, country, sweep_on):
    closed = make_request(country, submitted_on="2026-01-05")
    paused = make_request(country, submitted_on="2026-01-05")
    assert ("reply_overdue", 1) in sweep_on("2026-02-05")
    _act(app, closed, "refuse", {"refusal_reason": "other", "decided_on": "2026-02-06"})
    with app.test_request_context():
        services.pause_clock(db.session.get(LpRequest, paused), {"reason": "documents", "occurred_on": "2026-02-06"},
                             user_id=None)
    with app.app_context():
        open_reminders = db.session.scalars(select(Reminder).where(Reminder.closed_at.is_(None))).all()
        assert all(r.request_id != closed for r in open_reminders)  # closed with its request
    remaining = sweep_on("2026-06-01")
    assert not any(kind in ("reply_overdue", "no_reply", "presentation_not_scheduled") for kind, _ in remaining)


def test_a_sweep_twice_creates_nothing_twice(app, make_request, country, sweep_on):
    make_request(country, submitted_on="2026-01-05")
    sweep_on("2026-06-01")
    with app.app_context():
        first = db.session.scalars(select(Reminder.id)).all()
    sweep_on("2026-06-01")
    with app.app_context():
        assert db.session.scalars(select(Reminder.id)).all() == first
