"""Retention: persons whose requests all closed more than N years ago are anonymised."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lp.persons.models import IdentityDocument, Person
from lp.privacy.retention import ANONYMISED_NAME
from lp.reminders.models import Reminder
from lp.requests.models import LpRequest, RequestEvent
from lp.web.audit import AuditEvent
from lp.web.extensions import db
from tests.lp.privacy.conftest import DOCUMENT_NUMBER, EMBASSY_REFERENCE, NAME, NOTE, REASON, on, years_ago

#: What the insights count: kept as it was.
STATISTICS = ("status", "submitted_on", "decided_on", "response_days", "allowed_days", "refusal_reason",
              "country_id", "mission_id", "is_open", "channel", "paused_days", "reference", "created_at")


@pytest.fixture
def cases(app, make_case, make_person):
    """One person of each kind; returns {label: person id}. Only "old" and "no_requests_old" are due."""
    old = make_case(years_ago(7), years_ago(6))
    recent = make_case(years_ago(7), years_ago(2))  # started long ago, closed recently
    still_open = make_case(years_ago(7))
    mixed = make_case(years_ago(8), years_ago(7))  # an old closed request, and a new open one:
    _add_open_request(app, mixed["person"])
    with on(years_ago(6)):
        no_requests_old = make_person(name="Oud Zonder Aanvraag", v_number="8000000001")
    no_requests_new = make_person(name="Nieuw Zonder Aanvraag", v_number="8000000002")
    return {"old": old["person"], "recent": recent["person"], "open": still_open["person"],
            "mixed": mixed["person"], "no_requests_old": no_requests_old, "no_requests_new": no_requests_new}


def _add_open_request(app, person_id):
    from countries.services import get_country
    from lp.requests import services

    with app.test_request_context():
        services.create_request(db.session.get(Person, person_id), get_country("GN"), None, user_id=None,
                                repeat_reason="a new request beside an open one")


def _snapshot(app):
    """Return every value a retention run could change, to compare before and after."""
    with app.app_context():
        return {
            "persons": [(p.id, p.name, p.v_number, p.date_of_birth, p.in_detention_since, p.anonymised_at, p.version)
                        for p in db.session.scalars(select(Person).order_by(Person.id))],
            "documents": [(d.id, d.number)
                          for d in db.session.scalars(select(IdentityDocument).order_by(IdentityDocument.id))],
            "requests": [(r.id, r.embassy_reference, r.documents_enclosed, r.version)
                         for r in db.session.scalars(select(LpRequest).order_by(LpRequest.id))],
            "events": [(e.id, e.note, e.data)
                       for e in db.session.scalars(select(RequestEvent).order_by(RequestEvent.id))],
            "reminders": [(r.id, r.note) for r in db.session.scalars(select(Reminder).order_by(Reminder.id))],
            "audit": db.session.scalars(select(AuditEvent.id)).all(),
        }


def _expected(cases, *labels):
    return sorted(cases[label] for label in labels)


def test_dry_run_shows_who_would_be_anonymised_and_changes_nothing(app, runner, cases):
    before = _snapshot(app)

    result = runner.invoke(args=["lp", "retention", "--dry-run"])

    assert result.exit_code == 0, result.output
    ids = ", ".join(map(str, _expected(cases, "old", "no_requests_old")))
    assert f"Persons would be anonymised: 2 (ids {ids})" in result.output
    assert "Their requests: 1, identity documents: 1, events: 6, reminders: 1" in result.output
    assert "Dry run: nothing was changed." in result.output
    assert NAME not in result.output and "Oud Zonder" not in result.output
    assert _snapshot(app) == before


def test_apply_anonymises_exactly_the_persons_due(app, runner, cases):
    result = runner.invoke(args=["lp", "retention"])

    assert result.exit_code == 0, result.output
    assert "Persons anonymised: 2" in result.output
    with app.app_context():
        anonymised = db.session.scalars(select(Person.id).where(Person.anonymised_at.is_not(None))).all()
        assert sorted(anonymised) == _expected(cases, "old", "no_requests_old")
        for label in ("recent", "open", "mixed"):
            untouched = db.session.get(Person, cases[label])
            assert (untouched.name, untouched.v_number[:2], len(untouched.documents)) == (NAME, "90", 1)


def test_apply_replaces_personal_data_and_keeps_the_statistics(app, make_case):
    from lp.privacy.retention import apply_retention

    ids = make_case(years_ago(7), years_ago(6))
    with app.app_context():
        request = db.session.get(LpRequest, ids["request"])
        statistics = {name: getattr(request, name) for name in STATISTICS}
        timeline = [(e.kind, e.from_status, e.to_status, e.occurred_on) for e in request.events]
        assert statistics["response_days"] is not None and statistics["status"] == "refused"
        # What the run must remove is there first: copied into the events' data and notes.
        data = repr([event.data for event in request.events])
        assert [secret for secret in (NAME, REASON, EMBASSY_REFERENCE) if secret not in data] == []
        assert NOTE in [event.note for event in request.events]

    with app.app_context():
        plan = apply_retention()
        assert plan.counts() == {"persons": 1, "requests": 1, "documents": 1, "events": 6, "reminders": 1,
                                 "audit_events": 0, "outbox_mails": 0, "files": 0, "removed_files": 0}

    with app.app_context():
        person = db.session.get(Person, ids["person"])
        assert person.name == ANONYMISED_NAME
        assert person.v_number == f"A{person.id:09d}"
        assert (person.date_of_birth, person.in_detention_since, person.documents) == (None, None, [])
        assert person.anonymised_at is not None
        assert person.nationality.alpha2 == "GN"
        request = db.session.get(LpRequest, ids["request"])
        assert {name: getattr(request, name) for name in STATISTICS} == statistics
        assert [(e.kind, e.from_status, e.to_status, e.occurred_on) for e in request.events] == timeline
        assert (request.embassy_reference, request.documents_enclosed) == ("", "")
        assert all(event.note == "" for event in request.events)
        text = repr([event.data for event in request.events])
        for secret in (NAME, NOTE, REASON, EMBASSY_REFERENCE, DOCUMENT_NUMBER):
            assert secret not in text
        assert "not_recognised" in text  # the reason of refusal is a statistic, not personal
        assert db.session.get(Reminder, ids["reminder"]).note == ""
        run = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.applied")).one()
        assert run.details["persons"] == 1 and run.details["years"] == 5


def test_no_personal_value_is_left_anywhere(app, make_case):
    from lp.privacy.retention import apply_retention

    make_case(years_ago(7), years_ago(6))
    secrets = (NAME, NOTE, REASON, EMBASSY_REFERENCE, DOCUMENT_NUMBER)
    before = repr(_snapshot(app))
    assert [secret for secret in secrets if secret not in before] == []  # the case holds every one
    with app.app_context():
        apply_retention()
    after = repr(_snapshot(app))
    assert [secret for secret in secrets if secret in after] == []


def test_a_second_run_changes_nothing_more(app, runner, make_case):
    make_case(years_ago(7), years_ago(6))
    assert "Persons anonymised: 1" in runner.invoke(args=["lp", "retention"]).output
    before = _snapshot(app)

    result = runner.invoke(args=["lp", "retention"])

    assert "Persons anonymised: 0" in result.output
    after = _snapshot(app)
    assert {k: v for k, v in after.items() if k != "audit"} == {k: v for k, v in before.items() if k != "audit"}


def test_years_option_and_setting_change_the_period(app, runner, make_case):
    recent = make_case(years_ago(4), years_ago(2))
    assert "Persons would be anonymised: 0" in runner.invoke(args=["lp", "retention", "--dry-run"]).output

    result = runner.invoke(args=["lp", "retention", "--dry-run", "--years", "1"])

    assert f"Persons would be anonymised: 1 (ids {recent['person']})" in result.output
    app.config["LP_RETENTION_YEARS"] = 1
    assert "Persons would be anonymised: 1" in runner.invoke(args=["lp", "retention", "--dry-run"]).output


def test_years_must_be_positive(runner):
    result = runner.invoke(args=["lp", "retention", "--years", "0"])
    assert result.exit_code == 2
    assert "0 is not in the range x>=1" in result.output


def test_a_person_with_an_open_request_is_not_touched(app, runner, make_case):
    ids = make_case(years_ago(9))  # submitted nine years ago and still waiting
    result = runner.invoke(args=["lp", "retention"])
    assert "Persons anonymised: 0" in result.output
    with app.app_context():
        assert db.session.get(Person, ids["person"]).name == NAME


def test_mails_older_than_the_period_are_deleted_sent_or_not(app):
    from datetime import UTC, datetime

    from lp.mail.models import OutboxMail
    from lp.privacy.retention import apply_retention

    old, now = datetime(years_ago(6).year, 1, 1, tzinfo=UTC), datetime.now(UTC)
    with app.app_context():
        for key, created_at, sent_at in (("old-sent", old, old), ("old-unsent", old, None),
                                         ("new-sent", now, now), ("new-unsent", now, None)):
            db.session.add(OutboxMail(dedupe_key=key, to_address="a@example.org", subject="s", body_text="b",
                                      body_html="b", created_at=created_at, next_attempt_at=created_at,
                                      sent_at=sent_at))
        db.session.commit()
        assert apply_retention().outbox_mails == 2
        assert sorted(db.session.scalars(select(OutboxMail.dedupe_key))) == ["new-sent", "new-unsent"]


def test_the_period_comes_from_the_environment(tmp_path):
    from lp.web.config import load_config

    assert load_config(str(tmp_path), {}, None)["LP_RETENTION_YEARS"] == 5
    assert load_config(str(tmp_path), {"LP_RETENTION_YEARS": "7"}, None)["LP_RETENTION_YEARS"] == 7


def test_a_period_below_one_year_is_refused(app, runner):
    app.config["LP_RETENTION_YEARS"] = 0
    result = runner.invoke(args=["lp", "retention", "--dry-run"])
    assert result.exit_code == 1
    assert "the retention period is at least one year" in result.output
