"""The detention term (Return Directive 2008/115/EC, art. 15(5)-(6)): the case officer is
reminded four weeks before it ends, and the request page and the digest warn when the
country's usual time to answer runs past its end (time frozen)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from lp.persons.models import Person
from lp.reminders.digest import build, render
from lp.requests import services
from lp.requests.models import LpRequest
from lp.web.extensions import db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _on(day: str):
    return time_machine.travel(datetime.fromisoformat(day).replace(hour=10, tzinfo=AMSTERDAM), tick=False)


@pytest.fixture
def guinea(make_country, make_user):
    holder = make_user("holder@example.org", role="staff", display_name="Hanna Holder", language="en")
    return make_country("GN", portfolio_holder_id=holder, missions=[{"name": "Embassy of Guinea"}])


def test_the_reminder_fires_four_weeks_before_the_default_six_months(guinea, make_person, make_request, sweep_on):
    person = make_person(nationality=guinea, in_detention_since="2026-01-10")  # ends 10 July 2026
    make_request(guinea, person_id=person, submitted_on="2026-01-12")
    assert ("detention_ending", 1) not in sweep_on("2026-06-11")
    assert ("detention_ending", 1) in sweep_on("2026-06-12")


def test_an_extended_term_moves_the_reminder(app, guinea, make_person, make_request, sweep_on):
    person = make_person(nationality=guinea, in_detention_since="2026-01-10", detention_max_months="9",
                         detention_legal_basis="art. 59 Vw")  # ends 10 October 2026
    make_request(guinea, person_id=person, submitted_on="2026-01-12")
    assert ("detention_ending", 1) not in sweep_on("2026-06-12")
    assert ("detention_ending", 1) not in sweep_on("2026-09-11")
    assert ("detention_ending", 1) in sweep_on("2026-09-12")


@pytest.mark.parametrize("config_overrides", [{"LP_DETENTION_MAX_MONTHS": 3}])
def test_the_default_term_is_a_setting(guinea, make_person, make_request, sweep_on):
    person = make_person(nationality=guinea, in_detention_since="2026-01-10")  # ends 10 April 2026
    make_request(guinea, person_id=person, submitted_on="2026-01-12")
    assert ("detention_ending", 1) not in sweep_on("2026-03-12")
    assert ("detention_ending", 1) in sweep_on("2026-03-13")


def test_a_term_beyond_eighteen_months_is_refused(app, make_person):
    from lp.core.validation import ValidationFailed
    from lp.persons import services as persons

    with app.test_request_context():
        for months in ("19", "0"):
            with pytest.raises(ValidationFailed) as refused:
                persons.parse_person({"v_number": "1234567890", "name": "X", "detention_max_months": months})
            assert "detention_max_months" in refused.value.errors


@pytest.fixture
def slow_answers(app, guinea, make_request):
    """Three answers from Guinea that took 60, 70 and 80 days: a median of 70."""
    for submitted, decided in (("2026-01-05", "2026-03-06"), ("2026-01-05", "2026-03-16"),
                               ("2026-01-05", "2026-03-26")):
        request_id = make_request(guinea, submitted_on=submitted)
        with app.test_request_context():
            services.apply_transition(db.session.get(LpRequest, request_id), "refuse",
                                      {"refusal_reason": "other", "decided_on": decided}, user_id=None)


def test_page_and_digest_warn_when_the_lp_is_unlikely_in_time(app, client, login_as, guinea, slow_answers,
                                                             make_person, make_request):
    detained = make_person(nationality=guinea, in_detention_since="2025-11-01")  # ends 1 May 2026
    at_risk = make_request(guinea, person_id=detained, submitted_on="2026-04-01")  # answer expected ~10 June
    free = make_request(guinea, submitted_on="2026-04-01")
    with _on("2026-04-06"):
        login_as("viewer")
        page = client.get(f"/requests/{at_risk}").get_data(as_text=True)
        assert "De LP komt waarschijnlijk niet voor het einde van de bewaring op 1 mei 2026 (25 dagen over)" in page
        assert "een mediaan van 70 dagen" in page
        assert "waarschijnlijk niet" not in client.get(f"/requests/{free}").get_data(as_text=True)
        with app.test_request_context():
            from sqlalchemy import select

            from lp.auth.models import User

            holder = db.session.scalar(select(User).where(User.email == "holder@example.org"))
            digest = build(holder, date(2026, 4, 6))
            assert [request.id for request, _risk in digest.detention_risks] == [at_risk]
            _subject, text, _html = render(digest)
            reference = db.session.get(LpRequest, at_risk).reference
            section = text[text.index("Detained persons whose LP is unlikely to come in time"):]
            assert reference in section and "median answer 70 days" in section


def test_no_warning_when_the_term_outlasts_the_median(app, client, login_as, guinea, slow_answers, make_person,
                                                      make_request):
    detained = make_person(nationality=guinea, in_detention_since="2026-03-01")  # ends 1 September 2026
    request_id = make_request(guinea, person_id=detained, submitted_on="2026-04-01")
    with _on("2026-04-06"):
        login_as("viewer")
        assert "waarschijnlijk niet" not in client.get(f"/requests/{request_id}").get_data(as_text=True)


def test_the_person_page_shows_the_end_of_the_term(app, client, login_as, make_person):
    person = make_person(in_detention_since="2026-01-31", detention_max_months="1", detention_legal_basis="art. 59 Vw")
    with _on("2026-02-02"):
        login_as("viewer")
        page = client.get(f"/persons/{person}").get_data(as_text=True)
    assert "art. 59 Vw" in page and "28 feb 2026" in page
    with app.app_context():
        assert db.session.get(Person, person).detention_max_months == 1
