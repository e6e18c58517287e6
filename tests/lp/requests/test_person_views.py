"""Persons in the browser: register, find, the person page with documents and requests, edit."""

import re

import pytest
from sqlalchemy import func, select

from lp.persons.models import IdentityDocument, Person
from lp.web.extensions import db
from tests.conftest import post_form

VALID = {
    "v_number": "1234567890",
    "name": "Mamadou Diallo",
    "date_of_birth": "1990-04-01",
    "nationality": "GN",
    "in_detention_since": "",
    "willingness": "unwilling",
    "case_officer": "",
}


@pytest.fixture
def guinea(make_country):
    return make_country("GN", name_nl="Guinee", name_en="Guinea", missions=[{"name": "Ambassade van Guinee"}])


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _person_id(app, v_number: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Person.id).where(Person.v_number == v_number))


def test_register_a_person_with_a_first_identity_document(app, client, login_as, guinea, make_user):
    login_as("staff")
    make_user("officer@example.org", role="staff", display_name="Olga Officier")
    form = client.get("/persons/new").get_data(as_text=True)
    assert '<option value="GN">Guinee</option>' in form  # countries by their Dutch name
    assert "Olga Officier" in form
    assert 'type="date"' in form and "autofocus" in form
    response = post_form(client, "/persons/new", {
        **VALID, "case_officer": "officer@example.org",
        "document_kind": "passport", "document_number": "P123", "document_copy_on_file": "y",
    })
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    for text in ("Mamadou Diallo", "1234567890", "Guinee", "Olga Officier", "P123", "Paspoort"):
        assert text in page, text
    assert "Nieuwe aanvraag" in page
    with app.app_context():
        person = db.session.get(Person, _person_id(app, "1234567890"))
        assert person.willingness == "unwilling" and person.has_identity_copy


def test_registering_without_a_document_records_none(app, client, login_as, guinea):
    login_as("staff")
    assert post_form(client, "/persons/new", VALID).status_code == 302
    assert _count(app, Person) == 1 and _count(app, IdentityDocument) == 0


@pytest.mark.parametrize("v_number", ["12345", "123456789", "12345abcde", ""])
def test_a_bad_v_number_is_explained_and_nothing_is_saved(app, client, login_as, guinea, v_number):
    login_as("staff")
    response = post_form(client, "/persons/new", {**VALID, "v_number": v_number})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert ("Een V-nummer heeft precies 10 cijfers." if v_number else "Dit veld is verplicht.") in page
    assert 'value="Mamadou Diallo"' in page  # the input is kept
    assert _count(app, Person) == 0


def test_a_duplicate_v_number_is_refused(app, client, login_as, guinea, make_person):
    login_as("staff")
    make_person(v_number="1234567890", name="First Person")
    response = post_form(client, "/persons/new", VALID)
    assert response.status_code == 422
    assert "Er is al een persoon met dit V-nummer geregistreerd." in response.get_data(as_text=True)
    assert _count(app, Person) == 1


def test_person_and_document_errors_show_together_and_nothing_is_saved(app, client, login_as, guinea):
    login_as("staff")
    response = post_form(client, "/persons/new", {**VALID, "date_of_birth": "2999-01-01",
                                                  "document_number": "P123"})  # a number but no kind
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Deze datum ligt in de toekomst." in page
    assert re.search(r'id="document_kind-errors"[^>]*>Dit veld is verplicht.', page)
    assert _count(app, Person) == 0 and _count(app, IdentityDocument) == 0


def test_person_page_lists_all_their_requests_newest_first(app, client, login_as, guinea, make_country,
                                                            make_person, make_request):
    make_country("MA", name_nl="Marokko", missions=[{"name": "Ambassade van Marokko"}])
    person_id = make_person(nationality="GN")
    other = make_person(nationality="GN")
    first = make_request("GN", person_id=person_id, submitted_on="2026-01-05")
    second = make_request("MA", person_id=person_id)
    make_request("GN", person_id=other)
    login_as("viewer")
    page = client.get(f"/persons/{person_id}").get_data(as_text=True)
    references = re.findall(r'<a href="/requests/\d+">(LP-\d{4}-\d{6})</a>', page)
    assert references == [f"LP-2026-{second:06d}", f"LP-2026-{first:06d}"]
    assert "Marokko" in page and "Ingediend" in page and "Concept" in page
    assert "Nieuwe aanvraag" not in page  # a viewer cannot create one


def test_edit_a_person_and_a_stale_version_is_a_conflict(app, client, login_as, guinea, make_person):
    person_id = make_person(name="Old Name", nationality="GN")
    login_as("staff")
    form = client.get(f"/persons/{person_id}/edit").get_data(as_text=True)
    assert 'value="Old Name"' in form
    changed = {**VALID, "v_number": "0000000001", "name": "New Name", "version": "1"}
    assert post_form(client, f"/persons/{person_id}/edit", changed).status_code == 302
    with app.app_context():
        assert db.session.get(Person, person_id).name == "New Name"
    stale = post_form(client, f"/persons/{person_id}/edit", {**changed, "name": "Stale Name"})
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "Iemand anders heeft deze persoon gewijzigd" in page
    assert 'value="Stale Name"' in page  # the input is kept
    with app.app_context():
        assert db.session.get(Person, person_id).name == "New Name"


def test_add_and_remove_an_identity_document_with_confirmation(app, client, login_as, guinea, make_person):
    person_id = make_person(nationality="GN")
    login_as("staff")
    bad = post_form(client, f"/persons/{person_id}/documents", {"kind": "", "number": "X"},
                    page=f"/persons/{person_id}")
    assert bad.status_code == 422 and "Dit veld is verplicht." in bad.get_data(as_text=True)
    added = post_form(client, f"/persons/{person_id}/documents",
                      {"kind": "id_card", "number": "ID-77", "copy_on_file": "y"}, page=f"/persons/{person_id}")
    assert added.status_code == 302
    with app.app_context():
        document_id = db.session.scalar(select(IdentityDocument.id))
    remove_url = f"/persons/{person_id}/documents/{document_id}/remove"
    assert remove_url in client.get(f"/persons/{person_id}").get_data(as_text=True)
    confirm = client.get(remove_url).get_data(as_text=True)
    assert "ID-77" in confirm and _count(app, IdentityDocument) == 1  # asking removes nothing
    assert post_form(client, remove_url).status_code == 302
    assert _count(app, IdentityDocument) == 0


def test_find_a_person_by_v_number_or_name_with_pages(client, login_as, make_person):
    for n in range(55):
        make_person(v_number=f"55{n:08d}", name=f"Person {n:02d}")
    make_person(v_number="9999999999", name="Fatima Zahra")
    login_as("viewer")
    assert "Fatima Zahra" in client.get("/persons/?q=9999").get_data(as_text=True)
    found = client.get("/persons/?q=zahra").get_data(as_text=True)
    assert "1 persoon" in found and "Fatima Zahra" in found
    first = client.get("/persons/").get_data(as_text=True)
    assert "56 personen" in first and "pagina 1 van 2" in first
    assert "Person 48" in first and "Person 49" not in first  # by name: Fatima first
    second = client.get("/persons/?page=2").get_data(as_text=True)
    assert "Person 49" in second and "Person 54" in second and "Person 48" not in second


def test_viewer_cannot_register_or_edit(client, login_as, make_person):
    person_id = make_person()
    login_as("viewer")
    assert client.get("/persons/new").status_code == 403
    assert client.get(f"/persons/{person_id}/edit").status_code == 403
    page = client.get(f"/persons/{person_id}").get_data(as_text=True)
    assert f"/persons/{person_id}/edit" not in page and "Identiteitsdocument toevoegen" not in page
    response = post_form(client, "/persons/new", VALID, page=f"/persons/{person_id}")
    assert response.status_code == 403


def test_a_name_with_markup_is_shown_as_text(client, login_as, make_person):
    person_id = make_person(name="<script>alert(1)</script>")
    login_as("viewer")
    for url in (f"/persons/{person_id}", "/persons/"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
