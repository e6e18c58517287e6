"""Defect 14 of issue 11: implausible input is refused, unusual input is saved only once confirmed.

A birth date of 0001-01-01, a presentation in 2100, an LP valid for 3,000 days where
the country issues them for 30: impossible dates get a clear message and change
nothing; an unusually long validity shows a warning with a box to confirm it.
"""

from datetime import date, timedelta

import pytest

from lp.persons.models import Person
from lp.requests.models import LpRequest
from lp.web.extensions import db
from tests.conftest import post_form
from tests.lp.requests.test_person_views import VALID
from tests.lp.requests.test_views import _page, act
from tests.problems import refused


@pytest.fixture
def guinea(make_country):
    return make_country("GN", name_nl="Guinee", lp_validity_days=30, missions=[{"name": "Ambassade van Guinee"}])


def _request(app, request_id) -> LpRequest:
    return db.session.get(LpRequest, request_id)


@pytest.mark.parametrize("born", ["0001-01-01", "1899-12-31"])
def test_a_birth_date_before_1900_is_refused(app, client, login_as, guinea, born):
    login_as("staff")
    response = post_form(client, "/persons/new", {**VALID, "date_of_birth": born})
    assert response.status_code == 422
    assert "Deze datum ligt vóór 1900: controleer het jaar." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Person).count() == 0


def test_the_api_refuses_the_birth_date_too(client, bearer, guinea):
    response = client.post("/api/v1/persons", headers=bearer("staff"),
                           json={"v_number": "1234567890", "name": "A", "date_of_birth": "0001-01-01"})
    assert response.status_code == 400 and "date_of_birth" in refused(response)


def test_a_presentation_years_ahead_is_refused(app, client, login_as, guinea, make_request):
    request_id = make_request("GN", submitted_on="2026-11-01")
    login_as("staff")
    response = act(client, request_id, "schedule_presentation", {"presentation_at": "2100-01-10T10:00",
                                                                 "place": "Brussel"})
    assert response.status_code == 422
    assert "Deze datum ligt meer dan 2 jaar vooruit: controleer het jaar." in response.get_data(as_text=True)
    with app.app_context():
        assert _request(app, request_id).status == "submitted"
    ahead = (date.today() + timedelta(days=40)).isoformat()
    assert act(client, request_id, "schedule_presentation", {"presentation_at": f"{ahead}T10:00",
                                                             "place": "Brussel"}).status_code == 302


ISSUE = {"lp_number": "LP-9", "issued_on": "2026-11-10", "valid_until": "2035-01-27"}  # 3,000 days


def test_an_unusually_long_validity_asks_for_a_confirmation(app, client, login_as, guinea, make_request):
    request_id = make_request("GN", submitted_on="2026-11-01")
    login_as("staff")
    page = _page(client, f"/requests/{request_id}")
    assert "issue-confirm_unusual" not in page  # no box before there is something to confirm
    response = act(client, request_id, "issue", ISSUE)
    assert response.status_code == 422
    warned = response.get_data(as_text=True)
    assert ("Deze LP zou 3000 dagen geldig zijn; Guinee geeft gewoonlijk LP&#39;s af die 30 dagen geldig zijn."
            in warned)
    assert 'name="issue-confirm_unusual"' in warned and 'value="LP-9"' in warned  # the input is kept
    with app.app_context():
        assert _request(app, request_id).status == "submitted"
    assert act(client, request_id, "issue", {**ISSUE, "confirm_unusual": "y"}).status_code == 302
    with app.app_context():
        assert _request(app, request_id).valid_until == date(2035, 1, 27)


def test_a_usual_validity_needs_no_confirmation(app, client, login_as, guinea, make_request):
    request_id = make_request("GN", submitted_on="2026-11-01")
    login_as("staff")
    assert act(client, request_id, "issue", {**ISSUE, "valid_until": "2026-12-10"}).status_code == 302


def test_the_api_needs_the_confirm_flag(app, client, bearer, guinea, make_request):
    request_id = make_request("GN", submitted_on="2026-11-01")
    headers = bearer("staff")
    url = f"/api/v1/requests/{request_id}/events"
    unconfirmed = client.post(url, headers=headers, json={"action": "issue", "data": ISSUE})
    assert unconfirmed.status_code == 400 and "confirm_unusual" in refused(unconfirmed)
    assert client.post(url, headers=headers, json={"action": "issue", "data": {**ISSUE, "valid_until": "2200-01-01"},
                                                   "confirm_unusual": True}).status_code == 400  # impossible
    saved = client.post(url, headers=headers, json={"action": "issue", "data": ISSUE, "confirm_unusual": True})
    assert saved.status_code == 201, saved.json
    document = client.get("/api/v1/openapi.json", headers=headers).json
    assert "confirm_unusual" in str(document["components"]["schemas"]["RequestEventPost"])
