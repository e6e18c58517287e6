"""Stored input with HTML, script or a spreadsheet formula stays inert wherever it is shown.

One case is filled through the services with a payload in every free-text field a
user can type (person, document, country profile, agreement, mission, request,
timeline events, reminders, display name). Then every page that can show them is
fetched, found by walking the URL map with the case's ids, plus the searches that
echo their query: the payload must arrive escaped, never as markup. Exports neutralise
formulas, the API returns the text as JSON data, the digest mail escapes it, and the
calendar feed escapes it as iCalendar text.
"""

from __future__ import annotations

import csv
import io
import itertools
from datetime import timedelta
from urllib.parse import quote

import pytest
from icalendar import Calendar

from lp.web.extensions import db
from tests.conftest import csrf_token_from

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'&'
SHORT = "<img src=x onerror=alert(1)>"  # for fields of at most 40 characters
#: What would run if the payload reached a page unescaped (or broke out of an attribute).
LIVE_MARKUP = ("<script>alert", "<img src=x onerror", "alert(1)>\"'&")
#: What an escaped payload looks like in HTML (Jinja escapes < > & ' ").
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Routes not about stored text: the API and the feed are checked apart, the rest has none.
NOT_PAGES = {"static", "calendar.feed", "health.healthz", "privacy.export_person", "saved.open_view"}


def _values() -> dict[str, str]:
    """The text typed into each field; a formula start in front where a cell could be exported."""
    return {
        "person_name": "=" + PAYLOAD,
        "document_number": "@" + PAYLOAD,
        "embassy_reference": "+" + PAYLOAD,
        "documents_enclosed": "-" + PAYLOAD,
        "mission_name": "@" + PAYLOAD,
        "agreement_title": "=" + PAYLOAD,
        "country_notes": "+" + PAYLOAD,
        "lp_number": "=" + SHORT,
        "display_name": "-" + PAYLOAD,
        "place": PAYLOAD + "\r\nX-INJECTED:yes",
    }


VALUES = _values()


@pytest.fixture
def case(app, client, login_as, make_country, make_person, runner):
    """Log in an administrator (holder of GN, case officer) and store the payload everywhere.

    Returns the ids of everything created.
    """
    from countries import services as countries
    from countries.services import get_country
    from lp.core.clock import today
    from lp.persons.models import Person
    from lp.reminders import services as reminders
    from lp.reminders.models import Reminder
    from lp.requests import services
    from lp.requests.models import LpRequest

    admin_id = login_as("admin", display_name=VALUES["display_name"])
    make_country("GN", name_nl="Guinee", name_en="Guinea")
    with app.test_request_context():
        now = today()
        country = get_country("GN")
        countries.update_profile(country, countries.parse_values("country", {
            "notes": VALUES["country_notes"], "accepted_documents": PAYLOAD,
            "portfolio_holder": "admin@example.org"}, partial=True), expected_version=country.version,
            user_id=admin_id)
        agreement = countries.add_item(country, "agreement", countries.parse_values("agreement", {
            "kind": "other", "title": VALUES["agreement_title"], "source": PAYLOAD}),
            expected_version=country.version, user_id=admin_id)
        mission = countries.add_item(country, "mission", countries.parse_values("mission", {
            "kind": "embassy", "name": VALUES["mission_name"], "city": PAYLOAD, "address": PAYLOAD,
            "contact_person": PAYLOAD, "phone": "+31 70 " + SHORT[:20], "correspondence_language": "en"}),
            expected_version=country.version, user_id=admin_id)
        ids = {"admin": admin_id, "country": country.id, "agreement": agreement.id, "mission": mission.id}
    ids["person"] = make_person(
        name=VALUES["person_name"], nationality="GN", case_officer="admin@example.org",
        documents=[{"kind": "passport", "number": VALUES["document_number"], "copy_on_file": True}])
    with app.test_request_context():
        person = db.session.get(Person, ids["person"])
        ids["document"] = person.documents[0].id
        mission = db.session.get(type(mission), ids["mission"])
        country = get_country("GN")
        # An overdue request with every kind of timeline event.
        overdue = services.create_request(person, country, mission, user_id=admin_id, submit={
            "submitted_on": (now - timedelta(days=90)).isoformat(), "channel": "email",
            "embassy_reference": VALUES["embassy_reference"], "documents_enclosed": VALUES["documents_enclosed"]})
        day = (now - timedelta(days=80)).isoformat()
        services.record_contact(overdue, {"contact_kind": "call", "occurred_on": day, "note": PAYLOAD},
                                user_id=admin_id)
        services.pause_clock(overdue, {"occurred_on": day, "reason": PAYLOAD}, user_id=admin_id)
        services.resume_clock(overdue, {"occurred_on": day, "reason": PAYLOAD}, user_id=admin_id)
        services.apply_transition(overdue, "schedule_presentation", {
            "presentation_at": f"{now.isoformat()}T12:00", "place": VALUES["place"], "interpreter": PAYLOAD,
            "staff_admitted": "no"}, user_id=admin_id, note=PAYLOAD)
        services.update_details(overdue, {"embassy_reference": VALUES["embassy_reference"] + "!"},
                                user_id=admin_id, expected_version=overdue.version)
        # An LP about to expire.
        issued = services.create_request(person, country, mission, user_id=admin_id, repeat_reason=PAYLOAD, submit={
            "submitted_on": (now - timedelta(days=40)).isoformat(), "channel": "post"})
        services.apply_transition(issued, "issue", {
            "lp_number": VALUES["lp_number"], "issued_on": (now - timedelta(days=1)).isoformat(),
            "valid_until": (now + timedelta(days=10)).isoformat()}, user_id=admin_id, note=PAYLOAD)
        ids["requests"] = [overdue.id, issued.id]
    assert runner.invoke(args=["lp", "reminders", "sweep"]).exit_code == 0
    with app.test_request_context():
        found = db.session.scalars(db.select(Reminder).order_by(Reminder.id)).all()
        assert len(found) >= 2, [(r.kind, r.level) for r in found]
        reminders.acknowledge(found[0], {"note": PAYLOAD}, user_id=admin_id)
        reminders.snooze(found[1], {"until": (now + timedelta(days=3)).isoformat(), "note": PAYLOAD},
                         user_id=admin_id)
        ids["reminders"] = [r.id for r in found]
        assert db.session.get(LpRequest, ids["requests"][0]).reply_due_on < now
    with app.app_context():  # a shared saved view named with the payload: on the lists and under Views
        from lp.saved.models import SavedView

        view = SavedView(owner_id=admin_id, name=PAYLOAD[:80], list_name="requests", params={}, shared=True)
        db.session.add(view)
        db.session.commit()
        ids["view"] = view.id
    with app.app_context():  # a file named with the payload, and a presentation day described with it
        from datetime import datetime, time

        from lp.files import services as files
        from lp.presentations.models import PresentationDay

        request = db.session.get(LpRequest, ids["requests"][0])
        ids["attachment"] = files.add_to_request(
            request, files.check_upload(b"%PDF-1.4\n%%EOF\n", PAYLOAD[:60] + ".pdf"), user_id=admin_id).id
        day = PresentationDay(mission_id=ids["mission"], starts_at=datetime.combine(now, time(10)).astimezone(),
                              place=PAYLOAD[:150], interpreter=PAYLOAD[:100], transport_by=PAYLOAD[:150],
                              notes=PAYLOAD)
        db.session.add(day)
        db.session.commit()
        ids["day"] = day.id
    client.get(f"/persons/{ids['person']}")  # a logged view of the record, for the privacy pages
    return ids


def _arguments(app, ids) -> dict[str, list]:
    """Return the values to try for each URL argument: the case's ids, or every word of an ``any``."""
    return {
        "person_id": [ids["person"]], "request_id": ids["requests"], "reminder_id": ids["reminders"],
        "mission_id": [ids["mission"]], "alpha2": ["GN"], "document_id": [ids["document"]],
        "user_id": [ids["admin"]], "item_id": [ids["agreement"], ids["mission"]], "view_id": [ids["view"]],
        "attachment_id": [ids["attachment"]], "day_id": [ids["day"]],
    }


def _page_urls(app, ids) -> list[str]:
    """Every GET page of the app with the case's ids filled in."""
    values = _arguments(app, ids)
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES or rule.rule.startswith("/api/"):
            continue
        options = []
        for name in rule.arguments:
            words = getattr(rule._converters[name], "items", None)
            options.append(sorted(words) if words else values[name])
        for combination in itertools.product(*options):
            with app.test_request_context():
                urls.append(rule.build(dict(zip(rule.arguments, combination, strict=True)), append_unknown=False)[1])
    return sorted(set(urls))


def _searches() -> list[str]:
    """Pages that echo their query string back (search boxes, filters) and a 404 with it in the path."""
    q = quote(PAYLOAD)
    return [f"/persons/?q={q}", f"/requests/?q={q}", f"/countries/?q={q}", f"/reminders/?country={q}",
            f"/requests/?country={q}&status={q}", f"/countries/{q}", f"/privacy/views?person={q}",
            f"/insights/?country={q}", f"/admin/audit?before={q}"]


def _assert_inert(url: str, html: str) -> None:
    html = html.lower()  # tag names are case-insensitive (and some messages upper-case a code)
    for markup in LIVE_MARKUP:
        assert markup.lower() not in html, f"{url} shows {markup!r} unescaped"


def test_stored_payload_is_escaped_on_every_page(app, client, case):
    shown_on = []
    checked = 0
    for url in _page_urls(app, case) + _searches():
        response = client.get(url)
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        _assert_inert(url, html)
        checked += 1
        if ESCAPED in html:
            shown_on.append(url.split("?")[0])
    print(f"XSS: {checked} pages checked, {len(shown_on)} of them show the payload (escaped)")
    expected = {"/", "/persons/", f"/persons/{case['person']}", "/requests/", f"/requests/{case['requests'][0]}",
                "/countries/GN", f"/reminders/{case['reminders'][0]}", f"/reminders/letters/{case['mission']}",
                "/admin/users", "/admin/audit", "/insights/countries/GN", "/privacy/views"}
    missing = expected - set(shown_on)
    assert not missing, f"the payload should be shown (escaped) on {sorted(missing)}"
    assert checked >= 40


def test_the_reminder_inbox_shows_handled_reminders_inert(client, case):
    for url in ("/reminders/?handled=1", "/reminders/?scope=all&handled=1", "/reminders/letters/"):
        response = client.get(url)
        assert response.status_code == 200
        _assert_inert(url, response.get_data(as_text=True))
    assert ESCAPED in client.get("/reminders/?scope=all&handled=1").get_data(as_text=True)


def test_a_lazy_message_with_user_text_is_escaped(client, login_as, make_country, make_person):
    """Regression: Flask-Babel marked lazy messages as safe HTML, so the checklist's
    "Accepted supporting documents: %(documents)s" put a country's text on the request
    form as markup."""
    login_as("staff")
    make_country("GN", accepted_documents=PAYLOAD, missions=[{"name": "Ambassade"}])
    person = make_person(nationality="GN")
    html = client.get(f"/requests/new?person={person}&country=GN").get_data(as_text=True)
    _assert_inert("/requests/new", html)
    assert ESCAPED in html


def test_a_csv_import_echoes_bad_cells_inert(client, login_as, make_country):
    """The import preview names a bad country code from the file in a lazy message."""
    login_as("staff")
    make_country("GN")
    token = csrf_token_from(client.get("/countries/csv/import").get_data(as_text=True))
    exported = client.get("/countries/csv/export.csv").get_data(as_text=True)
    header, row = exported.rstrip("\r\n").split("\r\n")
    data = f"{header}\r\n{SHORT}{row[2:]}\r\n".encode()  # the file names a "country code" with markup
    response = client.post("/countries/csv/import", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO(data), "landen.csv")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    _assert_inert("/countries/csv/import", html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html.lower()


# -- Exports ------------------------------------------------------------------------


def _csv_cells(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


@pytest.mark.parametrize("url, expected", [
    ("/countries/csv/export.csv", ("country_notes", "agreement_title", "mission_name")),
    ("/requests/export.csv", ("person_name", "embassy_reference", "mission_name", "lp_number")),
    ("/insights/countries/GN/missions.csv", ("mission_name",)),
    ("/insights/export/countries.csv", ()),
])
def test_csv_exports_neutralise_formulas(client, case, url, expected):
    rows = _csv_cells(client.get(url))
    cells = [cell for row in rows[1:] for cell in row]
    for cell in cells:
        assert not cell.startswith(FORMULA_STARTS), f"{url}: {cell!r} could run as a formula"
    for name in expected:
        value = VALUES[name] + ("!" if name == "embassy_reference" else "")
        assert any(cell.startswith("'" + value) for cell in cells), f"{url}: {name} missing or not neutralised"


# -- API, privacy export, digest, calendar ------------------------------------------


def test_the_api_returns_the_text_as_json_data(client, case, bearer):
    headers = bearer("staff")
    person = client.get(f"/api/v1/persons/{case['person']}", headers=headers)
    request = client.get(f"/api/v1/requests/{case['requests'][0]}", headers=headers)
    events = client.get(f"/api/v1/requests/{case['requests'][0]}/events", headers=headers)
    country = client.get("/api/v1/countries/GN", headers=headers)
    for response in (person, request, events, country):
        assert response.status_code == 200
        assert response.mimetype == "application/json"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert person.json["name"] == VALUES["person_name"]
    assert request.json["embassy_reference"] == VALUES["embassy_reference"] + "!"
    assert PAYLOAD in [event["note"] for event in events.json["items"]]
    assert country.json["notes"] == VALUES["country_notes"]


def test_the_privacy_export_is_a_json_attachment(client, case):
    response = client.get(f"/privacy/persons/{case['person']}/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.json["person"]["name"] == VALUES["person_name"]


def test_the_digest_mail_escapes_the_payload(app, case):
    from lp.auth.models import User
    from lp.core.clock import today
    from lp.reminders import digest

    with app.test_request_context():
        mail = digest.build(db.session.get(User, case["admin"]), today())
        assert mail.overdue_by_mission and mail.presentations and mail.expiring
        _subject, text, html = digest.render(mail)
    _assert_inert("digest.html", html)
    assert ESCAPED in html
    assert VALUES["embassy_reference"] + "!" in text  # plain text is not HTML: shown as typed


def test_the_calendar_feed_escapes_free_text(app, client, case):
    from lp.auth.models import User
    from lp.insights.calendar import issue_token

    with app.app_context():
        token = issue_token(db.session.get(User, case["admin"]))
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    assert "\r\nX-INJECTED" not in body  # the line break in the place did not start a property
    events = list(Calendar.from_ical(response.get_data()).walk("VEVENT"))
    presentation = next(e for e in events if str(e["UID"]).startswith("presentation-"))
    assert str(presentation["LOCATION"]) == VALUES["place"].replace("\r\n", "\n")
    assert VALUES["mission_name"] in str(presentation["DESCRIPTION"])
    assert VALUES["person_name"] not in body  # no names in calendars
