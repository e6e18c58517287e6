"""Editing profiles in the browser: history of every change, no lost updates, bad input refused."""

import re

import pytest
from flask_babel import force_locale, format_date

from countries import services
from countries.models import Agreement, Mission
from lp.core import clock
from lp.web.extensions import db
from tests.conftest import Auth, post_form


@pytest.fixture
def guinea(make_country):
    return make_country("GN", "GIN", "Guinee", "Guinea", region="002")


def _country(app, alpha2="GN"):
    with app.app_context():
        country = services.get_country(alpha2)
        db.session.expunge(country)
        return country


def _version(app, alpha2="GN") -> int:
    return _country(app, alpha2).version


def _history(client, alpha2="GN") -> str:
    """Return the history section of the profile page."""
    page = client.get(f"/countries/{alpha2}").get_data(as_text=True)
    return page.split('id="history-heading"', 1)[1]


def _rows(history: str) -> list[str]:
    """Return the history rows as text, tags removed and whitespace squeezed."""
    rows = [row for row in re.findall(r"<tr>(.*?)</tr>", history, re.DOTALL) if "<th" not in row]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def _profile_form(app, **changes) -> dict:
    """Return what the edit form sends: every field as it is now, with ``changes``."""
    from countries.fields import COUNTRY_FIELDS

    with app.app_context():
        country = services.get_country("GN")
        data = {spec.name: spec.text_of(country) for spec in COUNTRY_FIELDS}
        data["version"] = country.version
    return data | changes


def test_staff_edit_shows_in_the_history_with_old_and_new_value_and_editor(
    app, client, login_as, guinea
):
    login_as("staff", display_name="Eva Editor")
    form_page = client.get("/countries/GN/edit").get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in form_page
    response = post_form(
        client,
        "/countries/GN/edit",
        _profile_form(app, presentation_required="yes", lp_validity_days="30"),
    )
    assert response.status_code == 302
    country = _country(app)
    assert country.presentation_required == "yes" and country.lp_validity_days == 30
    rows = _rows(_history(client))
    assert any(
        "Eva Editor" in row and "Presentatie in persoon vereist onbekend ja" in row for row in rows
    )
    assert any("Gebruikelijke geldigheid LP (dagen) — 30" in row for row in rows)
    english = client.get("/countries/GN", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Presentation in person required" in english


def test_history_is_newest_first(app, client, login_as, guinea):
    login_as("staff")
    post_form(client, "/countries/GN/edit", _profile_form(app, notes="first"))
    post_form(client, "/countries/GN/edit", _profile_form(app, notes="second"))
    rows = _rows(_history(client))
    assert "first second" in rows[0] and "— first" in rows[1]


def test_portfolio_holder_is_chosen_from_staff_and_shown_by_name(
    app, client, login_as, make_user, guinea
):
    login_as("staff")
    make_user("holder@example.org", role="staff", display_name="Hanna Houder")
    make_user("reader@example.org", role="viewer", display_name="Rita Reader")
    form_page = client.get("/countries/GN/edit").get_data(as_text=True)
    assert 'value="holder@example.org">Hanna Houder' in form_page and "Rita Reader" not in form_page
    post_form(
        client, "/countries/GN/edit", _profile_form(app, portfolio_holder="holder@example.org")
    )
    assert any("Portefeuillehouder — Hanna Houder" in row for row in _rows(_history(client)))
    refused = post_form(
        client, "/countries/GN/edit", _profile_form(app, portfolio_holder="reader@example.org")
    )
    assert refused.status_code == 422
    assert _country(app).portfolio_holder_id is not None


def _agreement_form(**changes) -> dict:
    return {
        "kind": "eu_readmission",
        "title": "EU-Guinee",
        "in_force_since": "2020-12-31",
        "reply_time_limit_days": "30",
        "silence_is_acceptance": "no",
        "source": "OJ L 1",
    } | changes


def test_adding_editing_and_removing_an_agreement_shows_in_the_history(
    app, client, login_as, guinea
):
    login_as("staff", display_name="Eva Editor")
    response = post_form(
        client, "/countries/GN/agreements/new", _agreement_form(version=_version(app))
    )
    assert response.status_code == 302
    with app.app_context():
        agreement_id = db.session.scalar(db.select(Agreement.id))
    page = client.get("/countries/GN").get_data(as_text=True)
    assert "EU-Guinee" in page and "31 dec 2020" in page
    added = _rows(_history(client))
    assert any("Overeenkomst: EU-Guinee Soort — EU-overnameovereenkomst" in row for row in added)
    assert any("Van kracht sinds — 31 dec 2020" in row for row in added)

    edit_url = f"/countries/GN/agreements/{agreement_id}/edit"
    assert 'value="EU-Guinee"' not in client.get(edit_url).get_data(
        as_text=True
    )  # title is a textarea
    assert "EU-Guinee</textarea>" in client.get(edit_url).get_data(as_text=True)
    response = post_form(
        client, edit_url, _agreement_form(reply_time_limit_days="60", version=_version(app))
    )
    assert response.status_code == 302
    assert any("Antwoordtermijn (dagen) 30 60" in row for row in _rows(_history(client)))

    remove_url = f"/countries/GN/agreements/{agreement_id}/remove"
    confirm = client.get(remove_url)
    assert confirm.status_code == 200 and "EU-Guinee" in confirm.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Agreement, agreement_id) is not None  # asking removes nothing
    response = post_form(client, remove_url, {"version": _version(app)})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Agreement, agreement_id) is None
    removed = _rows(_history(client))
    assert (
        "Eva Editor" in removed[0]
        and "Overeenkomst: EU-Guinee Soort EU-overnameovereenkomst —" in removed[0]
    )
    assert "Titel EU-Guinee —" in removed[1]


def test_adding_editing_and_removing_a_mission_shows_in_the_history(app, client, login_as, guinea):
    login_as("staff")
    mission = {
        "kind": "embassy",
        "name": "Ambassade van Guinee",
        "city": "Brussel",
        "located_in": "BE",
        "address": "",
        "email": "amb@example.org",
        "phone": "",
        "contact_person": "",
        "correspondence_language": "fr",
    }
    assert (
        post_form(client, "/countries/GN/missions/new", mission | {"version": 1}).status_code == 302
    )
    with app.app_context():
        mission_id = db.session.scalar(db.select(Mission.id))
    rows = _rows(_history(client))
    assert any("Vertegenwoordiging: Ambassade van Guinee" in row for row in rows)
    assert any("Land van vestiging — België" in row for row in rows)
    edit_url = f"/countries/GN/missions/{mission_id}/edit"
    response = post_form(
        client, edit_url, mission | {"city": "Parijs", "located_in": "FR", "version": 2}
    )
    assert response.status_code == 302
    assert any("Plaats Brussel Parijs" in row for row in _rows(_history(client)))
    remove_url = f"/countries/GN/missions/{mission_id}/remove"
    assert "Ambassade van Guinee" in client.get(remove_url).get_data(as_text=True)
    assert post_form(client, remove_url, {"version": 3}).status_code == 302
    assert any("Naam Ambassade van Guinee —" in row for row in _rows(_history(client)))
    assert "Geen vastgelegd." in client.get("/countries/GN").get_data(as_text=True)


def test_mark_as_reviewed_sets_todays_date(app, client, login_as, guinea):
    login_as("staff")
    response = post_form(
        client,
        "/countries/GN/reviewed",
        {"version": 1},
        page="/countries/GN",
        follow_redirects=True,
    )
    assert response.status_code == 200
    with app.test_request_context():
        today = clock.today()
        with force_locale("nl"):
            shown = format_date(today)
    assert _country(app).last_reviewed_on == today
    assert any(f"Laatst gecontroleerd op — {shown}" in row for row in _rows(_history(client)))


def test_second_of_two_concurrent_edits_is_refused_with_the_first_ones_change(
    app, client, login_as, make_user, guinea
):
    login_as("staff", email="first@example.org", display_name="Frida First")
    make_user("second@example.org", role="staff", display_name="Sven Second")
    second = app.test_client()
    Auth(second).login("second@example.org")
    for browser in (client, second):  # both open the form on version 1
        assert 'name="version" type="hidden" value="1"' in browser.get(
            "/countries/GN/edit"
        ).get_data(as_text=True)
    opened = _profile_form(app)
    first_save = post_form(client, "/countries/GN/edit", opened | {"refuses_unwilling": "yes"})
    assert first_save.status_code == 302
    second_save = post_form(
        second, "/countries/GN/edit", opened | {"refuses_unwilling": "no", "notes": "Mijn notitie"}
    )
    assert second_save.status_code == 409
    page = second_save.get_data(as_text=True)
    assert "Iemand anders heeft dit profiel opgeslagen" in page
    conflict = page.split('role="alert"', 1)[1].split("</div>\n</div>", 1)[0]
    assert any(
        "Frida First" in row and "Weigert bij onwil onbekend ja" in row for row in _rows(conflict)
    )
    assert "Mijn notitie</textarea>" in page  # their input is kept
    country = _country(app)
    assert country.refuses_unwilling == "yes" and country.notes == "" and country.version == 2


def test_second_remove_of_an_agreement_after_an_edit_is_refused(app, client, login_as, guinea):
    login_as("staff", display_name="Eva Editor")
    post_form(client, "/countries/GN/agreements/new", _agreement_form(version=1))
    with app.app_context():
        agreement_id = db.session.scalar(db.select(Agreement.id))
    post_form(client, "/countries/GN/edit", _profile_form(app, notes="changed"))
    response = post_form(client, f"/countries/GN/agreements/{agreement_id}/remove", {"version": 2})
    assert response.status_code == 409
    assert "Notities — changed" in " ".join(_rows(response.get_data(as_text=True)))
    with app.app_context():
        assert db.session.get(Agreement, agreement_id) is not None


def test_stale_mark_as_reviewed_is_refused(app, client, login_as, guinea):
    login_as("staff")
    post_form(client, "/countries/GN/edit", _profile_form(app, notes="changed"))
    response = post_form(client, "/countries/GN/reviewed", {"version": 1}, page="/countries/GN")
    assert response.status_code == 409
    assert _country(app).last_reviewed_on is None


@pytest.mark.parametrize(
    "url, data, message",
    [
        (
            "/countries/GN/edit",
            {"lp_validity_days": "abc"},
            "Vul een geheel getal van 0 of meer in.",
        ),
        (
            "/countries/GN/edit",
            {"presentation_required": "maybe"},
            "Geen van de toegestane waarden",
        ),
        (
            "/countries/GN/agreements/new",
            _agreement_form(in_force_since="31-12-2020"),
            "Vul een datum in als JJJJ-MM-DD.",
        ),
        ("/countries/GN/agreements/new", _agreement_form(title=""), "Dit veld is verplicht."),
        (
            "/countries/GN/missions/new",
            {"name": "X", "email": "not an address", "correspondence_language": "en"},
            "Dit is geen geldig e-mailadres.",
        ),
    ],
)
def test_bad_input_is_explained_at_the_field_and_nothing_is_saved(
    app, client, login_as, guinea, url, data, message
):
    login_as("staff")
    data = (_profile_form(app) if url.endswith("/edit") else {"version": 1}) | data
    response = post_form(client, url, data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "invalid-feedback" in page and message in page
    country = _country(app)
    assert country.version == 1 and country.lp_validity_days is None
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Agreement.id))) == 0
        assert services.history(services.get_country("GN")) == []


def test_tampered_version_is_a_bad_request(app, client, login_as, guinea):
    login_as("staff")
    response = post_form(
        client, "/countries/GN/edit", _profile_form(app, notes="x") | {"version": "abc"}
    )
    assert response.status_code == 400
    assert _country(app).notes == ""


def test_an_agreement_of_another_country_is_not_found_under_this_one(
    app, client, login_as, guinea, make_country
):
    login_as("staff")
    make_country("MA", "MAR", "Marokko", "Morocco")
    post_form(client, "/countries/MA/agreements/new", _agreement_form(version=1))
    with app.app_context():
        agreement_id = db.session.scalar(db.select(Agreement.id))
    assert client.get(f"/countries/GN/agreements/{agreement_id}/edit").status_code == 404
    assert client.get(f"/countries/GN/missions/{agreement_id}/remove").status_code == 404
