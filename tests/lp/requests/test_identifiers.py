"""Defect 3 of issue 11: look-alike identifiers are one identifier.

A V-number typed in full-width digits was accepted beside the same number in ASCII:
two persons who look identical. Identifiers are read in their Unicode NFKC form,
trimmed, in forms, the API and search alike; a V-number is ten ASCII digits.
"""

from sqlalchemy import select

from lp.persons.models import Person
from lp.requests.models import LpRequest
from lp.web.extensions import db
from tests.conftest import post_form
from tests.lp.requests.test_person_views import VALID, guinea  # noqa: F401  (fixture)
from tests.lp.requests.test_views import act
from tests.problems import refused

FULL_WIDTH = "１２３４５６７８９０"
ASCII = "1234567890"


def _v_numbers(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Person.v_number)))


def test_the_form_stores_full_width_digits_as_ascii_and_refuses_the_duplicate(app, client, login_as,
                                                                              guinea):  # noqa: F811
    login_as("staff")
    assert post_form(client, "/persons/new", {**VALID, "v_number": f" {FULL_WIDTH}\u00a0"}).status_code == 302
    assert _v_numbers(app) == [ASCII]
    response = post_form(client, "/persons/new", {**VALID, "v_number": ASCII, "name": "Second"})
    assert response.status_code == 422
    assert "Er is al een persoon met dit V-nummer geregistreerd." in response.get_data(as_text=True)
    # And the other way round: typed in full width, refused as the same number.
    again = post_form(client, "/persons/new", {**VALID, "v_number": FULL_WIDTH, "name": "Third"})
    assert again.status_code == 422
    assert f'value="{ASCII}"' in again.get_data(as_text=True)  # shown as it is compared
    assert _v_numbers(app) == [ASCII]


def test_other_digits_are_no_v_number(app, client, login_as, guinea):  # noqa: F811
    login_as("staff")
    response = post_form(client, "/persons/new", {**VALID, "v_number": "١٢٣٤٥٦٧٨٩٠"})  # Arabic-Indic
    assert response.status_code == 422
    assert "Een V-nummer heeft precies 10 cijfers." in response.get_data(as_text=True)
    assert _v_numbers(app) == []


def test_the_api_stores_ascii_and_refuses_the_duplicate(app, client, bearer, guinea):  # noqa: F811
    headers = bearer("staff")
    created = client.post("/api/v1/persons", headers=headers,
                          json={"v_number": FULL_WIDTH, "name": "Fatou Camara", "nationality": "ｇｎ"})
    assert created.status_code == 201, created.json
    assert (created.json["v_number"], created.json["nationality"]) == (ASCII, "GN")
    duplicate = client.post("/api/v1/persons", headers=headers, json={"v_number": ASCII, "name": "Other"})
    assert duplicate.status_code == 400 and "v_number" in refused(duplicate)
    request = client.post("/api/v1/requests", headers=headers,
                          json={"person_id": created.json["id"], "country": " ｇｎ ",
                                "embassy_reference": "ＥＭＢ／１"})
    assert request.status_code == 201, request.json
    assert (request.json["country"], request.json["embassy_reference"]) == ("GN", "EMB/1")


def test_search_finds_the_person_whichever_digits_are_typed(app, client, login_as, bearer, make_person,
                                                            make_request, guinea):  # noqa: F811
    person_id = make_person(v_number=FULL_WIDTH, name="Fatou Camara", nationality="GN")
    request_id = make_request("GN", person_id=person_id)
    assert _v_numbers(app) == [ASCII]
    login_as("viewer")
    for term in (FULL_WIDTH, ASCII, FULL_WIDTH[:4]):
        persons = post_form(client, "/persons/", {"q": term}, page="/persons/", follow_redirects=True)
        assert "Fatou Camara" in persons.get_data(as_text=True), term
        requests = post_form(client, "/requests/", {"q": term}, page="/requests/", follow_redirects=True)
        assert f"LP-2026-{request_id:06d}" in requests.get_data(as_text=True), term
    found = client.get(f"/api/v1/persons?q={FULL_WIDTH}", headers=bearer("viewer")).json
    assert [item["id"] for item in found["items"]] == [person_id]


def test_references_and_lp_numbers_are_stored_in_ascii(app, client, login_as, make_request, guinea):  # noqa: F811
    request_id = make_request("GN", submitted_on="2026-11-01")
    login_as("staff")
    assert act(client, request_id, "issue", {"lp_number": "ＬＰ－００７", "issued_on": "2026-11-10",
                                             "valid_until": "2026-12-10"}).status_code == 302
    with app.app_context():
        assert db.session.get(LpRequest, request_id).lp_number == "LP-007"
