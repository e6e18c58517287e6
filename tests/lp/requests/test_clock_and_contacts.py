"""The deadline clock (pause, resume, detention) and contacts with the embassy."""

from datetime import date

import pytest

from lp.persons import services as persons
from lp.persons.models import Person
from lp.requests import services
from lp.requests.models import LpRequest
from lp.web.extensions import db


@pytest.fixture
def country(make_country):
    return make_country("PK", agreements=[{"kind": "eu_readmission", "title": "EU-Pakistan",
                                           "in_force_since": date(2000, 1, 1), "reply_time_limit_days": 30}])


def _request(app, request_id):
    return db.session.get(LpRequest, request_id)


def test_reply_due_is_submission_plus_the_agreement_limit(app, make_request, country):
    request_id = make_request(country, submitted_on="2026-01-05")
    with app.app_context():
        assert _request(app, request_id).reply_due_on == date(2026, 2, 4)


def test_default_limit_without_agreement(app, make_request, make_country):
    request_id = make_request(make_country("SO"), submitted_on="2026-01-05")
    with app.app_context():
        assert _request(app, request_id).reply_due_on == date(2026, 2, 4)  # 30 days by default


def test_paused_days_do_not_count(app, make_request, country):
    request_id = make_request(country, submitted_on="2026-01-05")
    with app.test_request_context():
        request = _request(app, request_id)
        services.pause_clock(request, {"reason": "waiting for birth certificate", "occurred_on": "2026-01-10"},
                             user_id=None)
        assert request.reply_due_on is None  # not overdue while paused
        services.resume_clock(request, {"reason": "certificate received", "occurred_on": "2026-01-20"},
                              user_id=None)
        assert request.paused_days == 10
        assert request.reply_due_on == date(2026, 2, 14)
        assert [e.kind for e in request.events][-2:] == ["pause", "resume"]


def test_pause_twice_or_resume_unpaused_is_refused(app, make_request, country):
    request_id = make_request(country, submitted_on="2026-01-05")
    with app.test_request_context():
        request = _request(app, request_id)
        with pytest.raises(services.IllegalTransition):
            services.resume_clock(request, {"reason": "x", "occurred_on": "2026-01-06"}, user_id=None)
        services.pause_clock(request, {"reason": "x", "occurred_on": "2026-01-06"}, user_id=None)
        with pytest.raises(services.IllegalTransition):
            services.pause_clock(request, {"reason": "y", "occurred_on": "2026-01-07"}, user_id=None)


def test_detention_leaves_the_legal_reply_limit_alone(app, make_request, make_person, country):
    detained = make_person(nationality=country, in_detention_since="2025-12-20")
    detained_request = make_request(country, person_id=detained, submitted_on="2026-01-05")
    free_request = make_request(country, submitted_on="2026-01-05")
    with app.test_request_context():
        assert _request(app, detained_request).reply_due_on == date(2026, 2, 4)
        assert _request(app, free_request).reply_due_on == date(2026, 2, 4)
        person = db.session.get(Person, detained)
        persons.update_person(person, {"in_detention_since": None}, expected_version=person.version)
        assert _request(app, detained_request).reply_due_on == date(2026, 2, 4)


def test_an_agreement_applies_only_once_in_force_on_the_submission_date(app, make_request, make_country):
    benelux = {"kind": "benelux_readmission", "title": "Benelux-Kazakhstan", "reply_time_limit_days": 21}
    make_country("KZ", agreements=[benelux])  # signed, never in force: no date
    make_country("XK", agreements=[{**benelux, "title": "Later", "in_force_since": date(2026, 3, 1)}])
    signed_only = make_request("KZ", submitted_on="2026-01-05")
    before = make_request("XK", submitted_on="2026-02-28")
    on_the_day = make_request("XK", submitted_on="2026-03-01")
    with app.app_context():
        assert _request(app, signed_only).reply_due_on == date(2026, 2, 4)  # the default 30 days
        assert _request(app, before).reply_due_on == date(2026, 3, 30)  # 30 days: not yet in force
        assert _request(app, on_the_day).reply_due_on == date(2026, 3, 22)  # 21 days


def test_contacts_are_recorded_on_the_timeline(app, make_request, make_user, country):
    staff = make_user(role="staff", display_name="Sam Staff")
    request_id = make_request(country, submitted_on="2026-01-05")
    with app.test_request_context():
        request = _request(app, request_id)
        for kind in ("call", "email", "visit", "note_verbale"):
            services.record_contact(request, {"contact_kind": kind, "occurred_on": "2026-02-06",
                                              "note": f"{kind} about the file"}, user_id=staff)
        contacts = [e for e in request.events if e.kind == "contact"]
        assert [(e.data["contact_kind"], e.note, e.user.display_name) for e in contacts] == [
            (k, f"{k} about the file", "Sam Staff") for k in ("call", "email", "visit", "note_verbale")]


def test_no_contact_on_a_draft_or_closed_request(app, make_request, country):
    draft_id = make_request(country)
    with app.test_request_context():
        with pytest.raises(services.IllegalTransition):
            services.record_contact(_request(app, draft_id), {"contact_kind": "call", "occurred_on": "2026-01-06"},
                                    user_id=None)


def test_v_number_is_validated_and_unique(app, make_person):
    make_person(v_number="1234567890")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from lp.core.validation import ValidationFailed

        with pytest.raises(ValidationFailed) as short:
            persons.parse_person({"v_number": "12345", "name": "X"})
        assert str(short.value.errors["v_number"][0]) == "A V-number has exactly 10 digits."
        with pytest.raises(ValidationFailed) as duplicate:
            persons.parse_person({"v_number": "1234567890", "name": "Y"})
        assert "already registered" in str(duplicate.value.errors["v_number"][0])
