"""The persons API: find, register with identity documents, read one with their requests."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.problems import refused

EN = {"Accept-Language": "en"}


@pytest.fixture
def guinea(make_country):
    return make_country("GN", name_nl="Guinee", name_en="Guinea", missions=[{"name": "Ambassade van Guinee"}])


def test_register_a_person_with_documents(client, bearer, make_user, guinea):
    make_user("regie@example.org", role="staff")
    response = client.post("/api/v1/persons", headers=bearer("staff"), json={
        "v_number": "1234567890", "name": "Mamadou Diallo", "date_of_birth": "1990-04-01",
        "nationality": "gn", "in_detention_since": None, "willingness": "unwilling",
        "case_officer": "regie@example.org",
        "documents": [{"kind": "passport", "number": "P123", "copy_on_file": True}, {"kind": "birth_certificate"}],
    })
    assert response.status_code == 201, response.json
    person = response.json
    assert response.headers["Location"].endswith(f"/api/v1/persons/{person['id']}")
    assert (person["v_number"], person["name"], person["date_of_birth"]) == ("1234567890", "Mamadou Diallo",
                                                                             "1990-04-01")
    assert (person["nationality"], person["willingness"], person["case_officer"]) == ("GN", "unwilling",
                                                                                      "regie@example.org")
    assert person["in_detention"] is False and person["in_detention_since"] is None and person["version"] == 1
    assert [(d["kind"], d["number"], d["copy_on_file"]) for d in person["documents"]] == [
        ("passport", "P123", True), ("birth_certificate", "", False)]
    assert person["requests"] == []
    assert client.get(f"/api/v1/persons/{person['id']}", headers=bearer("viewer")).json == person


def test_only_v_number_and_name_are_needed(client, bearer):
    response = client.post("/api/v1/persons", headers=bearer("staff"),
                           json={"v_number": "0000000001", "name": "Fatou Camara"})
    assert response.status_code == 201, response.json
    assert response.json["willingness"] == "unknown" and response.json["nationality"] is None
    assert response.json["case_officer"] is None and response.json["documents"] == []


def test_refused_values_are_400_per_field_and_save_nothing(client, bearer, make_person):
    make_person(v_number="1111111111")
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    response = client.post("/api/v1/persons", headers={**bearer("staff"), **EN}, json={
        "v_number": "1111111111", "name": "", "nationality": "XX", "willingness": "maybe",
        "case_officer": "nobody@example.org", "date_of_birth": tomorrow, "colour": "red",
        "documents": [{"kind": "passport"}, {"kind": "scroll", "copy_on_file": "perhaps"}],
    })
    assert response.status_code == 400
    fields = refused(response)
    assert fields["v_number"] == ["A person with this V-number is already registered."]
    assert fields["name"] == ["This field is required."]
    assert fields["nationality"] == ["Unknown country code."]
    assert fields["willingness"][0].startswith("Not one of the allowed values")
    assert fields["case_officer"] == ["No staff account with this email address."]
    assert fields["date_of_birth"] == ["This date lies in the future."]
    assert fields["colour"] == ["There is no such field, or it cannot be changed."]
    assert fields["documents.1.copy_on_file"] == ["Send true or false."]
    assert "documents.0.kind" not in fields
    assert client.get("/api/v1/persons", headers=bearer("viewer")).json["total"] == 1


@pytest.mark.parametrize("body, field, message", [
    ({"v_number": "12345", "name": "X"}, "v_number", "A V-number has exactly 10 digits."),
    ({"v_number": 1234567890, "name": "X"}, "v_number", "Send text or null."),
    ({"v_number": "1234567890", "name": "X", "documents": {"kind": "passport"}}, "documents",
     "Send a list of objects with kind, number and copy_on_file."),
    ({"v_number": "1234567890", "name": "X", "documents": [{"kind": "scroll"}]}, "documents.0.kind",
     "Not one of the allowed values: passport, id_card, birth_certificate, driving_licence, other."),
])
def test_each_refusal_names_its_field(client, bearer, body, field, message):
    response = client.post("/api/v1/persons", headers={**bearer("staff"), **EN}, json=body)
    assert response.status_code == 400
    assert refused(response) == {field: [message]}


def test_find_by_v_number_or_name_with_pages(client, bearer, make_person):
    for number in range(1, 31):
        make_person(v_number=f"{number:010d}", name=f"Persoon {number:02d}")
    make_person(v_number="9999999999", name="Aminata Bangoura")
    headers = bearer("viewer")
    by_number = client.get("/api/v1/persons?q=9999999999", headers=headers).json
    assert [p["name"] for p in by_number["items"]] == ["Aminata Bangoura"]
    by_name = client.get("/api/v1/persons?q=bangOURA", headers=headers).json
    assert [p["v_number"] for p in by_name["items"]] == ["9999999999"]
    # A V-number is matched exactly, not by its start.
    assert client.get("/api/v1/persons?q=000000001", headers=headers).json["total"] == 0
    second = client.get("/api/v1/persons?q=persoon&pageSize=25&page=2", headers=headers).json
    assert (second["total"], second["page"], second["pages"]) == (30, 2, 2)
    assert [p["name"] for p in second["items"]] == [f"Persoon {n}" for n in range(26, 31)]


def test_bad_paging_is_400(client, bearer):
    response = client.get("/api/v1/persons?page=zero&pageSize=7", headers={**bearer("viewer"), **EN})
    assert response.status_code == 400
    assert refused(response) == {"page": ["Enter a whole number from 1 to 2147483647."],
                                 "pageSize": ["Choose one of: 25, 50, 100."]}


def test_a_person_shows_their_requests(client, bearer, make_person, make_request, guinea):
    person_id = make_person(nationality="GN")
    first = make_request("GN", person_id=person_id, submitted_on=(date.today() - timedelta(days=3)).isoformat())
    second = make_request("GN", person_id=person_id, repeat_reason="new embassy contact")
    person = client.get(f"/api/v1/persons/{person_id}", headers=bearer("viewer")).json
    assert [(r["id"], r["status"], r["country"]) for r in person["requests"]] == [
        (second, "draft", "GN"), (first, "submitted", "GN")]
    assert person["requests"][1]["reference"].startswith("LP-")


def test_unknown_person_is_404_json(client, bearer):
    response = client.get("/api/v1/persons/4711", headers=bearer("viewer"))
    assert response.status_code == 404
    assert response.json["detail"] == "Er is geen persoon met nummer 4711."


def test_viewer_may_find_but_not_register(client, bearer):
    headers = bearer("viewer")
    response = client.post("/api/v1/persons", headers=headers, json={"v_number": "1234567890", "name": "X"})
    assert response.status_code == 403 and response.json["detail"]
    assert client.get("/api/v1/persons", headers=headers).json["total"] == 0
