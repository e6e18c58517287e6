"""The country-profile API: the list with the UI's filters, one profile, and PATCH with a version check."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from countries.models import Agreement, Country, Mission
from countries.services import find_country, history
from lp.web.extensions import db
from tests.problems import is_problem, refused


@pytest.fixture
def make_country(app):
    """Add a country with the given profile fields; returns its alpha-2 code."""

    def make(alpha2: str, alpha3: str, name_nl: str, name_en: str, *, agreements=(), missions=(), **fields):
        with app.app_context():
            country = Country(alpha2=alpha2, alpha3=alpha3, name_nl=name_nl, name_en=name_en,
                              region="002", version=1, **fields)
            country.agreements = [Agreement(**values) for values in agreements]
            country.missions = [Mission(**values) for values in missions]
            db.session.add(country)
            db.session.commit()
        return alpha2

    return make


@pytest.fixture
def two_countries(make_country):
    make_country(
        "MA", "MAR", "Marokko", "Morocco",
        presentation_required="yes", lp_validity_days=30, last_reviewed_on=date(2025, 3, 1),
        agreements=[{"kind": "mou", "title": "Werkafspraken terugkeer", "reply_time_limit_days": 30}],
        missions=[{"kind": "embassy", "name": "Ambassade van Marokko", "city": "Den Haag"},
                  {"kind": "consulate", "name": "Consulaat-generaal", "city": "Amsterdam"}],
    )
    make_country("DZ", "DZA", "Algerije", "Algeria", presentation_required="no")


def test_list_filters_like_the_country_list(client, bearer, two_countries):
    headers = bearer("viewer")
    response = client.get("/api/v1/countries?presentationRequired=yes", headers=headers)
    assert response.status_code == 200
    assert response.json["count"] == 1
    [morocco] = response.json["items"]
    assert morocco["alpha2"] == "MA" and morocco["presentation_required"] == "yes"
    with_mou = client.get("/api/v1/countries?agreementKind=mou", headers=headers).json
    assert [c["alpha2"] for c in with_mou["items"]] == ["MA"]
    without = client.get("/api/v1/countries?agreementKind=none", headers=headers).json
    assert [c["alpha2"] for c in without["items"]] == ["DZ"]


def test_list_items_carry_every_field_in_its_json_form(client, bearer, make_user, make_country):
    holder_id = make_user("holder@example.org", role="staff")
    make_country("MA", "MAR", "Marokko", "Morocco", lp_validity_days=30,
                 last_reviewed_on=date(2025, 3, 1), portfolio_holder_id=holder_id,
                 agreements=[{"kind": "mou", "title": "Werkafspraken"}])
    [item] = client.get("/api/v1/countries", headers=bearer("viewer")).json["items"]
    assert item["lp_validity_days"] == 30
    assert item["last_reviewed_on"] == "2025-03-01"
    assert item["portfolio_holder"] == "holder@example.org"
    assert item["biometric_registers"] == "unknown" and item["notes"] == ""
    assert item["agreement_count"] == 1 and item["mission_count"] == 0
    assert item["version"] == 1 and item["alpha3"] == "MAR"


def test_search_and_names_in_either_language(client, bearer, two_countries):
    headers = bearer("viewer")
    found = client.get("/api/v1/countries?q=alger", headers=headers).json["items"]
    assert [(c["alpha2"], c["name"]) for c in found] == [("DZ", "Algerije")]
    by_code = client.get("/api/v1/countries?q=mar", headers=headers).json["items"]
    assert [c["alpha2"] for c in by_code] == ["MA"]
    english = client.get("/api/v1/countries?lang=en", headers=headers).json["items"]
    assert [c["name"] for c in english] == ["Algeria", "Morocco"]
    assert english[0]["name_nl"] == "Algerije" and english[0]["name_en"] == "Algeria"


def test_bad_filters_are_400_with_messages_per_parameter(client, bearer):
    response = client.get("/api/v1/countries?presentationRequired=maybe&lang=de", headers=bearer("viewer"))
    assert response.status_code == 400
    # The codes the API takes, as its OpenAPI document lists them.
    assert refused(response)["presentationRequired"] == ["Kies een van: yes, no, sometimes, unknown."]
    assert refused(response)["lang"] == ["Kies een van: nl, en."]
    assert "presentationRequired" in response.json["detail"]


def test_the_list_costs_the_same_queries_for_more_countries(client, bearer, make_country, count_queries):
    headers = bearer("viewer")

    def queries_for_list() -> int:
        with count_queries:
            assert client.get("/api/v1/countries", headers=headers).status_code == 200
        return count_queries.count

    make_country("MA", "MAR", "Marokko", "Morocco", missions=[{"name": "Ambassade"}])
    few = queries_for_list()
    for code, code3, name in [("DZ", "DZA", "Algerije"), ("TN", "TUN", "Tunesië"), ("EG", "EGY", "Egypte")]:
        make_country(code, code3, name, name, agreements=[{"kind": "other", "title": "Afspraak"}],
                     missions=[{"name": "Ambassade"}])
    assert queries_for_list() == few


def test_detail_has_agreements_and_missions(client, bearer, two_countries):
    response = client.get("/api/v1/countries/ma", headers=bearer("viewer"))
    assert response.status_code == 200
    body = response.json
    assert body["alpha2"] == "MA" and body["name"] == "Marokko" and body["version"] == 1
    [agreement] = body["agreements"]
    assert agreement["kind"] == "mou" and agreement["reply_time_limit_days"] == 30
    assert agreement["in_force_since"] is None and isinstance(agreement["id"], int)
    assert [m["name"] for m in body["missions"]] == ["Ambassade van Marokko", "Consulaat-generaal"]
    assert body["missions"][1]["kind"] == "consulate" and body["missions"][0]["located_in"] == "NL"
    assert body["agreement_count"] == 1 and body["mission_count"] == 2


def test_unknown_country_is_404_json(client, bearer):
    headers = bearer("staff")
    response = client.get("/api/v1/countries/XX", headers=headers)
    assert response.status_code == 404
    assert response.json["detail"] == "Er is geen land met code XX."
    patch = client.patch("/api/v1/countries/XX", json={"version": 1, "notes": "x"}, headers=headers)
    assert patch.status_code == 404


def test_patch_saves_bumps_the_version_and_records_history(app, client, bearer, two_countries):
    headers = bearer("staff", display_name="Sanne de Vries")
    response = client.patch(
        "/api/v1/countries/MA",
        json={"version": 1, "biometric_registers": "yes", "lp_validity_days": 90,
              "portfolio_holder": "staff@example.org", "notes": "Alleen na afspraak."},
        headers=headers,
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert body["version"] == 2
    assert body["biometric_registers"] == "yes" and body["lp_validity_days"] == 90
    assert body["portfolio_holder"] == "staff@example.org" and body["notes"] == "Alleen na afspraak."
    assert body["presentation_required"] == "yes"  # not sent, not touched
    with app.app_context():
        changes = history(find_country("MA"))
        assert {c.field for c in changes} == {"biometric_registers", "lp_validity_days",
                                              "portfolio_holder", "notes"}
        assert {(c.source, c.user.display_name, c.version) for c in changes} == {("api", "Sanne de Vries", 2)}
        validity = next(c for c in changes if c.field == "lp_validity_days")
        assert (validity.old_value, validity.new_value) == ("30", "90")
    # The same change again is no change: nothing recorded, the version stays.
    again = client.patch("/api/v1/countries/MA", json={"version": 2, "lp_validity_days": 90}, headers=headers)
    assert again.status_code == 200 and again.json["version"] == 2


def test_patch_can_clear_values_with_null(client, bearer, two_countries):
    response = client.patch("/api/v1/countries/MA",
                            json={"version": 1, "lp_validity_days": None, "last_reviewed_on": None},
                            headers=bearer("staff"))
    assert response.status_code == 200
    assert response.json["lp_validity_days"] is None and response.json["last_reviewed_on"] is None


def test_stale_version_is_409_with_the_other_change_and_saves_nothing(app, client, bearer, two_countries):
    first = bearer("staff", email="first@example.org", display_name="Eerste Medewerker")
    second = bearer("admin", email="second@example.org")
    assert client.patch("/api/v1/countries/MA", json={"version": 1, "refuses_unwilling": "yes"},
                        headers=first).status_code == 200
    response = client.patch("/api/v1/countries/MA", json={"version": 1, "refuses_unwilling": "no",
                                                          "notes": "Mijn wijziging"}, headers=second)
    assert response.status_code == 409
    body = response.json
    assert body["current_version"] == 2
    assert "Iemand anders" in body["detail"]
    [change] = body["changes"]
    assert change["field"] == "refuses_unwilling" and change["entity"] == "country"
    assert (change["old"], change["new"]) == ("unknown", "yes")
    assert change["by"] == "Eerste Medewerker" and change["source"] == "api"
    assert datetime.fromisoformat(change["at"]).tzinfo is not None
    current = client.get("/api/v1/countries/MA", headers=second).json
    assert current["version"] == 2 and current["refuses_unwilling"] == "yes" and current["notes"] == ""


def test_bad_value_is_400_in_dutch_by_default(client, bearer, two_countries):
    response = client.patch("/api/v1/countries/MA",
                            json={"version": 1, "lp_validity_days": "veel", "forced_return": "maybe",
                                  "notes": "wordt niet opgeslagen"},
                            headers=bearer("staff"))
    assert response.status_code == 400
    fields = refused(response)
    assert fields["lp_validity_days"] == ["Vul een geheel getal van 0 of meer in."]
    assert fields["forced_return"] == ["Geen van de toegestane waarden: yes, limited, no, unknown."]
    assert "notes" not in fields
    current = client.get("/api/v1/countries/MA", headers=bearer("viewer")).json
    assert current["version"] == 1 and current["notes"] == ""


def test_bad_value_in_english_for_accept_language_or_the_users_choice(client, bearer, two_countries):
    body = {"version": 1, "lp_validity_days": -3, "portfolio_holder": "nobody@example.org"}
    by_header = client.patch("/api/v1/countries/MA", json=body,
                             headers={**bearer("staff"), "Accept-Language": "en"})
    assert by_header.status_code == 400
    assert refused(by_header)["lp_validity_days"] == ["Enter a whole number of 0 or more."]
    assert refused(by_header)["portfolio_holder"] == ["No staff account with this email address."]
    by_choice = client.patch("/api/v1/countries/MA", json=body,
                             headers=bearer("admin", language="en"))
    assert refused(by_choice)["lp_validity_days"] == ["Enter a whole number of 0 or more."]


def test_unknown_and_read_only_fields_are_400_naming_them(client, bearer, two_countries):
    response = client.patch("/api/v1/countries/MA",
                            json={"version": 1, "colour": "red", "alpha2": "XX", "notes": "x"},
                            headers=bearer("staff"))
    assert response.status_code == 400
    assert set(refused(response)) == {"colour", "alpha2"}
    assert "colour" in response.json["detail"] and "alpha2" in response.json["detail"]
    assert refused(response)["colour"] == ["Dit veld bestaat niet of kan niet worden gewijzigd."]


@pytest.mark.parametrize("version", [None, "1", True, 1.5])
def test_version_must_be_a_whole_number(client, bearer, two_countries, version):
    body = {"notes": "x"} if version is None else {"version": version, "notes": "x"}
    response = client.patch("/api/v1/countries/MA", json=body, headers=bearer("staff"))
    assert response.status_code == 400
    assert list(refused(response)) == ["version"]


def test_values_of_the_wrong_json_type_are_refused(client, bearer, two_countries):
    response = client.patch("/api/v1/countries/MA", headers=bearer("staff"),
                            json={"version": 1, "notes": ["a"], "lp_validity_days": 2.5})
    assert response.status_code == 400
    assert refused(response)["notes"] == ["Stuur tekst of null."]
    assert refused(response)["lp_validity_days"] == ["Vul een geheel getal van 0 of meer in."]


def test_body_must_be_a_json_object(client, bearer, two_countries):
    headers = bearer("staff")
    not_json = client.patch("/api/v1/countries/MA", data="version=1", headers=headers)
    assert is_problem(not_json, 415)
    broken = client.patch("/api/v1/countries/MA", data="{version: 1", headers=headers,
                          content_type="application/json")
    assert is_problem(broken, 400) and "invalidParams" not in broken.json
    a_list = client.patch("/api/v1/countries/MA", json=[1, 2], headers=headers)
    assert a_list.status_code == 400 and list(refused(a_list)) == ["body"]


def test_viewer_may_read_but_not_patch(client, bearer, two_countries):
    headers = bearer("viewer")
    response = client.patch("/api/v1/countries/MA", json={"version": 1, "notes": "x"}, headers=headers)
    assert response.status_code == 403 and response.is_json and response.json["detail"]
    assert client.get("/api/v1/countries/MA", headers=headers).json["notes"] == ""


@pytest.mark.parametrize("method, url", [("GET", "/api/v1/countries"), ("GET", "/api/v1/countries/MA"),
                                         ("PATCH", "/api/v1/countries/MA")])
def test_no_token_is_401(client, two_countries, method, url):
    response = client.open(url, method=method, json={"version": 1, "notes": "x"})
    assert response.status_code == 401 and response.json["detail"]
