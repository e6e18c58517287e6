"""The search box in the header: one hit opens the request or person, the term never in a URL."""

import logging
from datetime import date, timedelta

import pytest

from lp.requests import services
from lp.requests.models import LpRequest
from lp.web.extensions import db
from tests.conftest import csrf_token_from

V_NUMBER = "4455667788"


@pytest.fixture
def case(app, make_country, make_person, make_request):
    """Two persons called Kouyaté (one with V_NUMBER) and a request with an LP and an embassy reference."""
    make_country("GN", missions=[{"name": "Ambassade van Guinee"}])
    first = make_person(name="Mariama Kouyaté", v_number=V_NUMBER, nationality="GN")
    make_person(name="Sekou Kouyaté", nationality="GN")
    submitted = date.today() - timedelta(days=20)
    request_id = make_request("GN", person_id=first, submitted_on=submitted.isoformat())
    with app.test_request_context():
        lp_request = db.session.get(LpRequest, request_id)
        services.update_details(lp_request, {"embassy_reference": "EMB/77-A"}, user_id=None,
                                expected_version=lp_request.version)
        services.apply_transition(db.session.get(LpRequest, request_id), "issue", {
            "lp_number": "GN-LP-31337", "issued_on": date.today().isoformat(),
            "valid_until": (date.today() + timedelta(days=60)).isoformat()}, user_id=None, note="")
        reference = db.session.get(LpRequest, request_id).reference
    return {"person": first, "request": request_id, "reference": reference}


def _search(client, term: str):
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    return client.post("/search", data={"q": term, "csrf_token": token})


@pytest.mark.parametrize("term", ["reference", "emb/77-a", "GN-LP-31337", "gn-lp-31337"])
def test_a_single_request_hit_opens_the_request(client, login_as, case, term):
    login_as("viewer")  # a reader may search and look
    term = case["reference"].lower() if term == "reference" else term
    response = _search(client, term)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/requests/{case['request']}"
    assert client.get(response.headers["Location"]).status_code == 200


def test_a_v_number_opens_the_person_and_the_term_stays_out_of_urls_and_logs(client, login_as, case, caplog):
    login_as("staff")
    caplog.set_level(logging.DEBUG)
    response = _search(client, f" {V_NUMBER} ")
    assert response.status_code == 302 and response.headers["Location"] == f"/persons/{case['person']}"
    assert V_NUMBER not in response.headers["Location"]
    assert V_NUMBER not in caplog.text


def test_several_hits_are_listed_and_none_is_said_clearly(client, login_as, case):
    login_as("staff", language="en")
    page = _search(client, "kouyaté").get_data(as_text=True)
    assert "2 hits for “kouyaté”" in page
    assert "Mariama Kouyaté" in page and "Sekou Kouyaté" in page
    nothing = _search(client, "Nobody-Here").get_data(as_text=True)
    assert "Nothing found for “Nobody-Here”" in nothing
    assert client.get("/search").status_code == 405  # only ever posted


def test_the_header_has_the_search_box_on_every_page(client, login_as, case):
    login_as("viewer")
    for url in ("/", "/requests/", f"/persons/{case['person']}", "/countries/"):
        page = client.get(url).get_data(as_text=True)
        assert 'action="/search"' in page and 'role="search"' in page, url
