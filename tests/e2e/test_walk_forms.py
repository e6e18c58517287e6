"""Every form, round trip: it shows what is stored, saved unchanged it changes nothing, and each
field changed shows up exactly, in the form and in the API or the database, and nothing else moves.

A test fails when the app has a form that no walk covers (COVERED below).
"""

import re
from datetime import date, timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, text

from lp.requests.lifecycle import ACTIONS
from lp.web.extensions import db
from tests.conftest import PASSWORD, Auth
from tests.e2e import playwright_expect
from tests.e2e.conftest import ADMIN_EMAIL, dutch_context
from tests.e2e.pages import page_urls, seeded_ids
from tests.e2e.walks import FormWalk, as_text, walk_form

pytestmark = pytest.mark.e2e
expect = playwright_expect()


@pytest.fixture(scope="module")
def ids(seeded_app):
    return seeded_ids(seeded_app)


def _texts(record: dict, names) -> dict[str, str]:
    return {name: as_text(record[name]) for name in names}


def _country(api, alpha2: str):
    from countries.fields import FIELDS_BY_ENTITY

    names = [spec.name for spec in FIELDS_BY_ENTITY["country"]]
    return lambda: _texts(api(f"/countries/{alpha2}"), [*names, "version"])


def _item(api, alpha2: str, items: str, item_id: int):
    def state() -> dict[str, str]:
        country = api(f"/countries/{alpha2}")
        item = next(item for item in country[items] if item["id"] == item_id)
        return {**_texts(item, [name for name in item if name != "id"]), "version": as_text(country["version"])}

    return state


def test_country_profile_form(admin_page, seeded_app, api, ids):
    alpha2 = ids["alpha2"]
    walk = FormWalk("countries.edit", f"/countries/{alpha2}/edit", _country(api, alpha2))
    walk_form(admin_page, seeded_app, walk, date.today())


def test_country_csv_import_unchanged(admin_page, tmp_path):
    """Download the export and upload it unchanged: the preview says nothing would change."""
    _upload_the_export_unchanged(admin_page, tmp_path)


def _upload_the_export_unchanged(page, tmp_path) -> None:
    with page.expect_download() as info:
        page.goto("/countries/csv/import")
        page.get_by_role("link", name="CSV voor Excel (scheidingsteken ;)").click()
    path = tmp_path / "countries.csv"
    info.value.save_as(path)
    page.get_by_label("CSV-bestand (UTF-8)").set_input_files(path)
    with page.expect_navigation():
        page.get_by_role("button", name="Wijzigingen tonen").click()
    expect(page.get_by_role("status")).to_have_text(
        "Het bestand komt overeen met de huidige profielen: er zou niets veranderen.")


@pytest.mark.parametrize("items", ["agreements", "missions"])
def test_agreement_and_mission_forms(admin_page, seeded_app, api, ids, items):
    alpha2 = ids["alpha2"]
    item_id = api(f"/countries/{alpha2}")[items][0]["id"]
    walk = FormWalk(f"countries.edit_item:{items}", f"/countries/{alpha2}/{items}/{item_id}/edit",
                    _item(api, alpha2, items, item_id))
    walk_form(admin_page, seeded_app, walk, date.today())


def test_person_form(admin_page, seeded_app, api, ids):
    from lp.persons.services import PERSON_FIELDS

    person_id = ids["person_id"]
    names = [*(spec.name for spec in PERSON_FIELDS), "version"]

    def state() -> dict[str, str]:
        return _texts(api(f"/persons/{person_id}"), names)

    # A detention term lasts at most 18 months (Return Directive art. 15(6)): the walk's usual 45 is refused.
    walk = FormWalk("persons.edit", f"/persons/{person_id}/edit", state,
                    values={"v_number": "0000054321", "detention_max_months": "12"})
    walk_form(admin_page, seeded_app, walk, date.today())


def _request_of_a_country_with_missions(app, missions: int = 2) -> int:
    """Return an open request whose country has several missions (so the mission can change)."""
    from countries.models import Mission
    from lp.requests.models import LpRequest

    with app.app_context():
        countries = select(Mission.country_id).group_by(Mission.country_id).having(func.count() >= missions)
        return db.session.scalar(select(LpRequest.id).where(LpRequest.is_open.is_(True),
                                                            LpRequest.country_id.in_(countries))
                                 .order_by(LpRequest.id).limit(1))


def test_request_details_form(admin_page, seeded_app, api):
    request_id = _request_of_a_country_with_missions(seeded_app)

    def state() -> dict[str, str]:
        record = api(f"/requests/{request_id}")
        mission = record["mission"]
        return {**_texts(record, ["embassy_reference", "documents_enclosed", "identity_requested", "version"]),
                "mission": as_text(mission and mission["id"])}

    walk = FormWalk("requests.edit", f"/requests/{request_id}/edit", state)
    walk_form(admin_page, seeded_app, walk, date.today())


def test_presentation_day_form(admin_page, seeded_app, ids):
    """The form of a presentation day; the day read with a direct query, its time as the person's local time."""
    from zoneinfo import ZoneInfo

    day_id = ids["day_id"]
    zone = ZoneInfo(seeded_app.config["LP_TIMEZONE"])

    def state() -> dict[str, str]:
        from lp.presentations.models import PresentationDay

        with seeded_app.app_context():
            day = db.session.get(PresentationDay, day_id)
            found = {name: as_text(getattr(day, name)) for name in
                     ("place", "interpreter", "transport_by", "detention_centre", "notes", "version")}
            found["starts_at"] = day.starts_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
            db.session.remove()
        return found

    later = f"{(date.today() + timedelta(days=9)).isoformat()}T11:30"
    walk = FormWalk("presentations.edit", f"/presentations/{day_id}/edit", state, values={"starts_at": later})
    walk_form(admin_page, seeded_app, walk, date.today())


def test_account_form(admin_page, seeded_app, ids):
    """The administrator's form for an account; the record read with a direct query."""
    user_id = ids["user_id"]

    def state() -> dict[str, str]:
        with seeded_app.app_context():
            row = db.session.execute(text("SELECT display_name, role, preferred_language, version FROM users "
                                          "WHERE id = :id"), {"id": user_id}).mappings().one()
            db.session.remove()
        return {name: as_text(value) for name, value in row.items()}

    walk = FormWalk("admin.edit_user", f"/admin/users/{user_id}", state)
    walk_form(admin_page, seeded_app, walk, date.today())


def test_identity_document_form(admin_page, seeded_app, api, ids):
    """Add a document on the person's page: the API shows exactly it, and the person nothing else."""
    person_id = ids["person_id"]
    before = api(f"/persons/{person_id}")
    admin_page.goto(f"/persons/{person_id}")
    card = admin_page.locator("details").filter(has_text="Identiteitsdocument toevoegen")
    card.locator("summary").click()
    form = card.locator("form")
    form.get_by_label("Soort document").select_option("id_card")
    form.get_by_label("Documentnummer").fill("IDWALK42")
    form.get_by_label("Kopie in dossier").check()
    with admin_page.expect_navigation():
        form.get_by_role("button", name="Document toevoegen").click()
    after = api(f"/persons/{person_id}")
    added = [d for d in after["documents"] if d not in before["documents"]]
    assert [{k: v for k, v in d.items() if k != "id"} for d in added] == [
        {"kind": "id_card", "number": "IDWALK42", "copy_on_file": True}]
    assert {**after, "documents": None, "version": None} == {**before, "documents": None, "version": None}
    expect(admin_page.get_by_role("table", name="Identiteitsdocumenten")).to_contain_text("IDWALK42")


def _reminder(app, reminder_id: int) -> dict[str, str]:
    with app.app_context():
        row = db.session.execute(text("SELECT * FROM reminders WHERE id = :id"), {"id": reminder_id}).mappings().one()
        db.session.remove()
    return {name: as_text(value) for name, value in row.items()}


def _open_reminders(app, count: int) -> list[int]:
    with app.app_context():
        found = db.session.execute(text("SELECT id FROM reminders WHERE closed_at IS NULL AND acknowledged_at IS NULL "
                                        "AND snoozed_until IS NULL ORDER BY id LIMIT :n"), {"n": count}).scalars().all()
        db.session.remove()
    return list(found)


def test_reminder_snooze_and_acknowledge_forms(admin_page, seeded_app):
    """Snooze one reminder and acknowledge another: the row holds exactly what was typed, nothing else moved."""
    snoozed, acknowledged = _open_reminders(seeded_app, 2)
    until = date.today() + timedelta(days=7)
    me = str(_user_id(seeded_app))

    before = _reminder(seeded_app, snoozed)
    admin_page.goto(f"/reminders/{snoozed}")
    form = admin_page.locator("form[action*='/snooze']")
    expect(form.get_by_label("Uitstellen tot")).to_have_value("")
    form.get_by_label("Uitstellen tot").fill(until.isoformat())
    form.get_by_label("Notitie").fill("Ambassade belt terug (walk)")
    with admin_page.expect_navigation():
        form.get_by_role("button", name="Uitstellen").click()
    assert _reminder(seeded_app, snoozed) == {**before, "snoozed_until": until.isoformat(),
                                              "note": "Ambassade belt terug (walk)"}

    before = _reminder(seeded_app, acknowledged)
    admin_page.goto(f"/reminders/{acknowledged}")
    form = admin_page.locator("form[action*='/acknowledge']")
    form.get_by_label("Notitie").fill("Gebeld (walk)")
    with admin_page.expect_navigation():
        form.get_by_role("button", name="Afhandelen").click()
    after = _reminder(seeded_app, acknowledged)
    assert after["acknowledged_at"] and after["acknowledged_by_id"] == me
    assert {**after, "acknowledged_at": ""} == {**before, "acknowledged_by_id": me, "note": "Gebeld (walk)"}


def _user_id(app, email: str = ADMIN_EMAIL) -> int:
    with app.app_context():
        found = db.session.execute(text("SELECT id FROM users WHERE email = :e"), {"e": email}).scalar_one()
        db.session.remove()
    return found


def test_country_csv_import_unchanged_after_a_holder_became_a_viewer(admin_page, seeded_app, tmp_path):
    """An account that holds countries is made a viewer; the export must still import as "no change"."""
    with seeded_app.app_context():
        holder = db.session.execute(text(
            "SELECT u.id FROM countries c JOIN users u ON u.id = c.portfolio_holder_id "
            "WHERE u.role = 'staff' ORDER BY c.alpha2 LIMIT 1")).scalar_one()
        db.session.remove()
    admin_page.goto(f"/admin/users/{holder}")
    admin_page.get_by_label("Rol").select_option("viewer")
    with admin_page.expect_navigation():
        admin_page.get_by_role("button", name="Opslaan").click()
    _upload_the_export_unchanged(admin_page, tmp_path)


def test_own_password_form(browser, seeded_server, seeded_app):
    """Change one's own password: the new one logs in, the old one no longer does."""
    from tests.e2e.conftest import log_in_through_form

    email = "walk.password@example.org"
    with seeded_app.app_context():
        from lp.auth import services as accounts

        accounts.create_user(email, "Wim Wachtwoord", "staff", PASSWORD, "nl")
    context = dutch_context(browser, seeded_server)
    try:
        page = context.new_page()
        log_in_through_form(page, email)
        page.goto("/auth/password")
        for label in ("Huidig wachtwoord", "Nieuw wachtwoord", "Herhaal het nieuwe wachtwoord"):
            expect(page.get_by_label(label)).to_have_value("")  # a password is never shown
        new = "Kaarsrecht zeilboot 73"
        page.get_by_label("Huidig wachtwoord").fill(PASSWORD)
        page.get_by_label("Nieuw wachtwoord").fill(new)
        page.get_by_label("Herhaal het nieuwe wachtwoord").fill(new)
        with page.expect_navigation():
            page.get_by_role("button", name="Opslaan").click()
        expect(page.get_by_role("alert").first).to_contain_text("Uw wachtwoord is gewijzigd.")
    finally:
        context.close()
    for password, works in ((PASSWORD, False), (new, True)):
        context = dutch_context(browser, seeded_server)
        try:
            page = context.new_page()
            page.goto("/auth/login")
            page.get_by_label("E-mailadres").fill(email)
            page.get_by_label("Wachtwoord").fill(password)
            with page.expect_navigation():
                page.get_by_role("button", name="Inloggen").click()
            assert ("/auth/login" not in page.url) == works, (password, page.url)
        finally:
            context.close()


# -- every form is walked ---------------------------------------------------------------------

WALKS = "tests/e2e/test_walk_forms.py"
#: Every form of the app (endpoint, with the action or the kind of item) and where it is walked.
COVERED = {
    "countries.edit": f"{WALKS}::test_country_profile_form",
    "countries.edit_item:agreements": f"{WALKS}::test_agreement_and_mission_forms",
    "countries.edit_item:missions": f"{WALKS}::test_agreement_and_mission_forms",
    "persons.edit": f"{WALKS}::test_person_form",
    "persons.add_document": f"{WALKS}::test_identity_document_form",
    "requests.edit": f"{WALKS}::test_request_details_form",
    "admin.edit_user": f"{WALKS}::test_account_form",
    "reminders.snooze": f"{WALKS}::test_reminder_snooze_and_acknowledge_forms",
    "reminders.acknowledge": f"{WALKS}::test_reminder_snooze_and_acknowledge_forms",
    "auth.change_password": f"{WALKS}::test_own_password_form",
    "country_transfer.import_preview": f"{WALKS}::test_country_csv_import_unchanged",
    "country_transfer.import_apply": "tests/e2e/test_country_csv.py (a change previewed, applied and in the history)",
    **{f"requests.act:{action}": "tests/e2e/test_walk_actions.py (every action in ACTIONS)"
       for action in ACTIONS},
    # Filters (GET forms and search forms): the filter walks.
    **dict.fromkeys((
        "requests.search_form", "persons.search_form", "countries.index", "reminders.index", "insights.index",
        "insights.country", "privacy.person_views"), "tests/e2e/test_walk_filters.py"),
    # Creating: no existing record to open; each is walked from an empty form by its own test.
    "persons.new": "tests/e2e/test_request_flow.py (registers a person through the form)",
    "requests.new": "tests/e2e/test_request_flow.py (the country step and the new request)",
    "countries.new_item:agreements": "tests/countries/test_views.py (adding an agreement)",
    "countries.new_item:missions": "tests/countries/test_views.py (adding a mission)",
    "admin.create_user": "tests/lp/test_admin.py (creating an account)",
    "insights.calendar_create": "tests/lp/insights/test_calendar.py (a feed link, shown once)",
    # One-way: they record a moment or remove, after a confirmation; nothing to show or keep.
    "auth.login": "tests/e2e/test_login_and_language.py",
    "auth.logout": "tests/lp/test_auth.py (one button, ends the session)",
    "auth.set_language": "tests/e2e/test_login_and_language.py",
    "auth.forgot_password": "tests/e2e/test_password_reset.py (asks an address, mails a link)",
    "admin.reset_password": "tests/lp/test_password_reset.py::test_admin_sends_a_reset_link_that_works_once",
    "reminders.undo_letter": "tests/e2e/test_reminder_letter_undo.py (a reversal, same day only)",
    "countries.mark_reviewed": "tests/countries/test_views.py (one button: reviewed today)",
    "countries.remove_item:agreements": "tests/countries/test_views.py (removal after confirmation)",
    "countries.remove_item:missions": "tests/countries/test_views.py (removal after confirmation)",
    "persons.remove_document": "tests/lp/requests/test_person_views.py (removal after confirmation)",
    "admin.deactivate_user": "tests/lp/test_admin.py (after confirmation)",
    "admin.activate_user": "tests/lp/test_admin.py (one button)",
    "admin.mark_reviewed": "tests/lp/test_access_review.py (one button: access reviewed now)",
    "requests.bulk_note_verbale": "tests/lp/requests/test_views.py (one note verbale for the selection)",
    # Bulk work (issue 18): a confirmation with the count, then per item done or refused.
    "requests.bulk_action": "tests/lp/reminders/test_bulk.py (contact, CSV, stale versions, select all)",
    "main.search_everywhere": "tests/e2e/test_header_search.py (one hit opens it, several listed, none said)",
    # Saved views (issue 18): the list's filters under a name; renamed or deleted by the owner.
    "saved.create": "tests/e2e/test_saved_views.py (saved from the list, seen by a colleague when shared)",
    "saved.edit": "tests/lp/saved/test_saved_views.py (rename, share; an empty name refused)",
    "saved.delete": "tests/lp/saved/test_saved_views.py (after a confirmation page)",
    "reminders.bulk_action": "tests/e2e/test_bulk_work.py (acknowledge three, one closed meanwhile)",
    "requests.reassign": "tests/e2e/test_owner.py (the owner shown is the owner stored; unchanged is refused, "
                         "tests/lp/reminders/test_ownership.py)",
    "notifications.settings": "tests/lp/reminders/test_notifications.py (the choices shown are those stored; "
                              "nonsense refused, nothing saved)",
    "reminders.letter_sent": "tests/lp/reminders/test_letters.py (records the letter as sent)",
    "insights.calendar_revoke": "tests/lp/insights/test_calendar.py (one button)",
    # The second factor: a code that is checked, never stored as typed.
    "mfa.setup": "tests/e2e/test_mfa.py (enrolment with a code from the secret shown)",
    "mfa.code": "tests/e2e/test_mfa.py (sign-in with a code, then a recovery code once)",
    "mfa.renew_recovery_codes": "tests/lp/test_mfa.py (an app code, not a recovery code; the old codes stop working)",
    "admin.reset_second_factor": "tests/lp/test_mfa.py (another admin, after confirmation; audited)",
    "auth.sign_out_everywhere": "tests/lp/test_session_timeouts.py (one button, ends every session)",
    # Presentation days: planned from an empty form, changed, filled and recorded in one step.
    "presentations.new": "tests/e2e/test_presentation_days.py (a day planned through the form)",
    "presentations.edit": f"{WALKS}::test_presentation_day_form",
    "presentations.add_requests": "tests/e2e/test_presentation_days.py (three requests, a group together)",
    "presentations.record_results": "tests/e2e/test_presentation_days.py (three results in one step)",
    "requests.link": "tests/lp/presentations/test_days.py (linking shows each on the other's page)",
    "requests.unlink": "tests/lp/presentations/test_days.py (after a ticked confirmation)",
    # Files: an upload shows nothing to keep; what is stored is the file (tests compare the bytes).
    "files.upload_to_request": "tests/e2e/test_files.py (a file uploaded on the request page, then listed)",
    "files.upload_to_person": "tests/lp/files/test_files.py::test_a_person_has_files_of_his_own_and_of_his_requests",
    "files.replace": "tests/lp/files/test_files.py::test_replacing_makes_a_new_version_and_keeps_the_old",
    "files.remove": "tests/lp/files/test_files.py (removal after confirmation)",
}
#: Forms in templates: the endpoint named in the form's action.
TEMPLATE_FORM = re.compile(r"<form\b[^>]*\baction=\"\{\{\s*url_for\('([\w.]+)'(?:[^)]*?items=['\"]?(\w+))?")


def _form_key(app, path: str, method: str) -> str:
    endpoint, args = app.url_map.bind("localhost").match(path, method.upper())
    detail = args.get("action") or args.get("items")
    return f"{endpoint}:{detail}" if detail else endpoint


class _Forms(HTMLParser):
    """Collect the action and method of every <form> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "form":
            attributes = dict(attrs)
            self.found.append((attributes.get("action") or "", (attributes.get("method") or "get").lower()))


def test_every_form_is_walked(seeded_app, ids):
    """Render every page (agreements and missions both) and read every template: each form is in COVERED."""
    client = seeded_app.test_client()
    assert Auth(client).login(ADMIN_EMAIL).status_code == 302
    found: dict[str, str] = {}
    urls = set(page_urls(seeded_app, ids)) | set(page_urls(seeded_app, {**ids, "items": "agreements",
                                                                         "item_id": _agreement(seeded_app, ids)}))
    for url in sorted(urls):
        response = client.get(url)
        if response.status_code == 302:  # the login page sends a logged-in person home
            response = seeded_app.test_client().get(url)
        assert response.status_code == 200, url
        parser = _Forms()
        parser.feed(response.get_data(as_text=True))
        for action, method in parser.found:
            path = urlsplit(unescape(action) or url).path
            found.setdefault(_form_key(seeded_app, path, method), url)
    for template in Path("templates").rglob("*.html"):
        for endpoint, _items in TEMPLATE_FORM.findall(template.read_text(encoding="utf-8")):
            if endpoint == "requests.act":
                continue  # one form per action: ACTIONS lists them
            keys = [f"{endpoint}:{kind}" for kind in ("agreements", "missions")] if "item" in endpoint else [endpoint]
            for key in keys:
                found.setdefault(key, str(template))
    assert len(found) >= 30, found
    assert {key: where for key, where in found.items() if key not in COVERED} == {}, \
        "forms that no walk covers: add a walk, or list them in COVERED with the test that does"


def _agreement(app, ids) -> int:
    from countries.models import Agreement, Country

    with app.app_context():
        found = db.session.scalar(select(Agreement.id).join(Country).where(Country.alpha2 == ids["alpha2"])
                                  .order_by(Agreement.id).limit(1))
        db.session.remove()
    return found
