"""``flask lp demo``: a living demo data set, loaded through the services."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from countries.models import ProfileChange
from countries.services import get_country
from lp.auth.models import User
from lp.core.clock import today
from lp.core.types import utcnow
from lp.demo.data import EMAIL_DOMAIN, STAFF, staff_email
from lp.demo.plan import Planner
from lp.persons.models import Person
from lp.requests.lifecycle import CLOSURE_REASONS, REFUSAL_REASONS, STATUSES
from lp.requests.models import LpRequest, RequestEvent
from lp.web.extensions import db

PASSWORD = "demo password 2024"
SMALL = ["lp", "demo", "--persons", "25"]


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_loads_a_living_data_set_once(app, runner, auth):
    """One load (it takes a few seconds), then every property a newcomer relies on."""
    result = runner.invoke(args=SMALL)
    assert result.exit_code == 0, result.output
    assert "Demo data loaded" in result.output
    password = re.search(r"shown once\): (\S+)", result.output).group(1)
    with app.app_context():
        _every_status_and_reason_appears()
        _there_is_work_waiting_today()
        _each_timeline_is_in_order_and_in_the_past()
        _country_profiles_are_filled_by_staff_with_history()
        _demo_accounts_have_roles_and_languages()
        before = [_count(model) for model in (Person, LpRequest, RequestEvent, User, ProfileChange)]
    assert auth.login(staff_email(STAFF[0][0]), password).status_code == 302

    again = runner.invoke(args=SMALL)
    assert again.exit_code == 0
    assert "Demo data already present" in again.output
    with app.app_context():
        assert [_count(model) for model in (Person, LpRequest, RequestEvent, User, ProfileChange)] == before


def _every_status_and_reason_appears() -> None:
    requests = db.session.scalars(select(LpRequest)).all()
    assert _count(Person) == 25
    assert len(requests) >= 25
    assert {r.status for r in requests} == set(STATUSES)
    assert {r.refusal_reason for r in requests} >= {value for value, _ in REFUSAL_REASONS}
    assert {r.closure_reason for r in requests} >= {value for value, _ in CLOSURE_REASONS}
    assert _count(Person, Person.in_detention_since.isnot(None)) >= 1


def _there_is_work_waiting_today() -> None:
    now, day = utcnow(), today()
    assert _count(LpRequest, LpRequest.is_open.is_(True), LpRequest.reply_due_on < day) >= 1
    assert _count(LpRequest, LpRequest.next_presentation_at > now,
                  LpRequest.next_presentation_at <= now + timedelta(days=14)) >= 1
    assert _count(LpRequest, LpRequest.status == "issued", LpRequest.valid_until >= day,
                  LpRequest.valid_until <= day + timedelta(days=14)) >= 1
    assert _count(LpRequest, LpRequest.paused_since.isnot(None)) >= 1
    assert _count(RequestEvent, RequestEvent.kind == "contact") >= 1


def _each_timeline_is_in_order_and_in_the_past() -> None:
    day, now = today(), utcnow()
    for request in db.session.scalars(select(LpRequest)):
        events = request.events
        assert events[0].kind == "created"
        assert [e.occurred_on for e in events] == sorted(e.occurred_on for e in events), request.reference
        assert [e.at for e in events] == sorted(e.at for e in events), request.reference
        assert events[-1].occurred_on <= day and events[-1].at <= now
        assert request.reference == f"LP-{events[0].at:%Y}-{request.id:06d}"
        assert [e.to_status for e in events if e.to_status][-1] == request.status


def _country_profiles_are_filled_by_staff_with_history() -> None:
    morocco = get_country("MA")
    assert morocco.portfolio_holder.role == "staff"
    assert morocco.presentation_required == "no" and morocco.last_reviewed_on is not None
    assert any(a.reply_time_limit_days for a in morocco.agreements)
    assert [m.correspondence_language for m in morocco.missions] == ["fr", "fr"]
    assert all(m.email.endswith(EMAIL_DOMAIN) for m in morocco.missions)
    changes = db.session.scalars(select(ProfileChange).where(ProfileChange.country_id == morocco.id)).all()
    assert {c.user_id for c in changes} == {morocco.portfolio_holder_id}
    assert min(c.at for c in changes).date() < today() - timedelta(days=700)


def _demo_accounts_have_roles_and_languages() -> None:
    users = db.session.scalars(select(User).where(User.email.like(f"%@{EMAIL_DOMAIN}"))).all()
    assert sorted(u.role for u in users) == sorted(role for _, role, _, _ in STAFF)
    assert {u.preferred_language for u in users} == {"nl", "en"}


def test_the_password_can_come_from_the_environment(app, runner, auth):
    result = runner.invoke(args=["lp", "demo", "--persons", "20"], env={"LP_DEMO_PASSWORD": PASSWORD})
    assert result.exit_code == 0, result.output
    assert "shown once" not in result.output
    assert auth.login(staff_email(STAFF[-1][0]), PASSWORD).status_code == 302


def test_a_short_password_is_refused_and_nothing_loaded(app, runner):
    result = runner.invoke(args=SMALL, env={"LP_DEMO_PASSWORD": "short"})
    assert result.exit_code == 1
    assert "Demo password refused" in result.output
    with app.app_context():
        assert _count(User) == 0 and _count(Person) == 0


def test_the_plan_depends_only_on_seed_and_day():
    day = date(2026, 6, 15)
    first = Planner(7, day).persons(30)
    assert first == Planner(7, day).persons(30)
    assert first != Planner(8, day).persons(30)
    assert len({person.v_number for person in first}) == 30
