"""A second open request for the same person and country needs a reason, and every request
shows the person's earlier requests to that country (issue 14)."""

import pytest

from lp.core.validation import ValidationFailed
from lp.persons.models import Person
from lp.requests import services
from lp.requests.models import LpRequest
from lp.web.extensions import db
from tests.conftest import post_form
from tests.problems import is_problem
from tests.problems import refused as problem_fields


@pytest.fixture
def guinea(make_country):
    make_country("MA", missions=[{"name": "Ambassade van Marokko"}])
    return make_country("GN", missions=[{"name": "Ambassade van Guinee"}])


def _count(app) -> int:
    with app.app_context():
        return db.session.query(LpRequest).count()


def test_a_second_open_request_is_refused_without_a_reason(app, guinea, make_person, make_request):
    person = make_person(nationality="GN")
    first = make_request("GN", person_id=person, submitted_on="2026-01-05")
    make_request("MA", person_id=person)  # another country: no question asked
    with app.test_request_context():
        with pytest.raises(ValidationFailed) as refused:
            services.create_request(db.session.get(Person, person), db.session.get(LpRequest, first).country,
                                    None, user_id=None, repeat_reason="  ")
        assert "repeat_reason" in refused.value.errors
        assert db.session.get(LpRequest, first).reference in str(refused.value.errors["repeat_reason"][0])
    assert _count(app) == 2


def test_with_a_reason_it_is_created_and_the_reason_kept(app, guinea, make_person, make_request):
    person = make_person(nationality="GN")
    make_request("GN", person_id=person, submitted_on="2026-01-05")
    second = make_request("GN", person_id=person, repeat_reason="the embassy lost the first file")
    with app.app_context():
        created = db.session.get(LpRequest, second).events[0]
        assert (created.kind, created.data) == ("created", {"reason": "the embassy lost the first file"})


def test_after_the_first_closed_no_reason_is_needed(app, guinea, make_person, make_request):
    person = make_person(nationality="GN")
    first = make_request("GN", person_id=person, submitted_on="2026-01-05")
    with app.test_request_context():
        services.apply_transition(db.session.get(LpRequest, first), "refuse",
                                  {"refusal_reason": "other", "decided_on": "2026-02-01"}, user_id=None)
    make_request("GN", person_id=person)
    assert _count(app) == 2


def test_the_form_asks_for_the_reason_and_the_page_lists_earlier_requests(app, client, login_as, guinea,
                                                                         make_person, make_request):
    person = make_person(nationality="GN")
    first = make_request("GN", person_id=person, submitted_on="2026-01-05")
    with app.app_context():
        first_reference = db.session.get(LpRequest, first).reference
    login_as("staff")
    url = f"/requests/new?person={person}&country=GN"
    page = client.get(url).get_data(as_text=True)
    assert "Eerdere aanvragen van deze persoon voor Land GN" in page and first_reference in page
    refused = post_form(client, url, {"mission": "", "repeat_reason": ""})
    assert refused.status_code == 422
    assert "heeft al een openstaande aanvraag voor dit land" in refused.get_data(as_text=True)
    assert _count(app) == 1
    created = post_form(client, url, {"mission": "", "repeat_reason": "nieuw paspoort gevonden"})
    assert created.status_code == 302
    shown = client.get(created.headers["Location"]).get_data(as_text=True)
    assert first_reference in shown and "nieuw paspoort gevonden" in shown


def test_the_api_refuses_without_and_accepts_with_a_reason(app, client, bearer, guinea, make_person, make_request):
    person = make_person(nationality="GN")
    make_request("GN", person_id=person, submitted_on="2026-01-05")
    staff = bearer("staff")
    refused = client.post("/api/v1/requests", json={"person_id": person, "country": "GN"}, headers=staff)
    assert is_problem(refused, 400) and "repeat_reason" in problem_fields(refused)
    created = client.post("/api/v1/requests", json={"person_id": person, "country": "GN",
                                                    "repeat_reason": "second embassy"}, headers=staff)
    assert created.status_code == 201
