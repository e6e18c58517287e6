"""Every route that shows or exports a person's data logs it, per person.

The test plants one person whose data (name, V-number, date of birth, identity
document number, LP number) is unmistakable, with requests in every state the pages
look at (overdue with reminders and a reminder letter, presentation coming, LP
issued), then calls every route of the URL map (pages, downloads and the API, GET
and then POST) as an administrator. Whenever an answer contains any of that data,
a view or export entry for the person must have been written by that very call. A
new route that shows person data without logging fails here.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lp.persons.views_log import EXPORTED, PERSON, VIEWED
from lp.web.audit import AuditEvent
from lp.web.extensions import db
from tests.conftest import csrf_token_from

NAME = "Zwaantje Kwartelkoning"
V_NUMBER = "9071234567"
BIRTH = date(1931, 7, 19)
DOCUMENT_NUMBER = "PX-99817263"
LP_NUMBER = "LPX-55512345"
#: How the planted data can appear in an answer (dates in the forms the pages use).
MARKERS = (NAME, V_NUMBER, DOCUMENT_NUMBER, LP_NUMBER, BIRTH.isoformat(), "19-07-1931", "19 jul 1931",
           "19 jul. 1931", "Jul 19, 1931", "19 Jul 1931")
#: Routes that must be found showing the person (so that the planting keeps working).
MUST_SHOW = {
    "persons.index", "persons.show", "persons.edit", "persons.remove_document",
    "requests.index", "requests.show", "requests.new", "requests.export_csv",
    "reminders.index", "reminders.show", "reminders.letter", "presentations.show", "presentations.day_list",
    "files.download", "api.requests.download_file",
    "api.persons.list_persons", "api.persons.get_person", "api.requests.list_requests", "api.requests.get_request",
}
#: Routes not walked: logging out would end the walk's session; static files hold no data.
SKIPPED = {"auth.logout", "static"}


@pytest.fixture
def planted(app, make_country, make_person, make_user):
    """Plant the person, three requests and their reminders; return the ids the URLs need."""
    from countries.models import Country
    from countries.services import get_country
    from lp.auth.services import get_user
    from lp.core.clock import today
    from lp.files import services as files
    from lp.insights.calendar import issue_token
    from lp.persons.models import Person
    from lp.presentations import services as presentations
    from lp.reminders.models import Reminder
    from lp.reminders.sweep import sweep
    from lp.requests import services

    bystander = make_user("bystander@example.org", role="viewer")
    admin = make_user("admin@example.org", role="admin")
    make_country("GN", missions=[{"name": "Ambassade van Guinee", "city": "Brussel",
                                 "correspondence_language": "nl"}])
    day = date.today()
    person_id = make_person(name=NAME, v_number=V_NUMBER, nationality="GN", date_of_birth=BIRTH.isoformat(),
                            in_detention_since=(day - timedelta(days=30)).isoformat(),
                            documents=[{"kind": "passport", "number": DOCUMENT_NUMBER, "copy_on_file": True}])
    with app.test_request_context():
        db.session.execute(db.update(Country).values(portfolio_holder_id=admin))
        country = get_country("GN")
        mission = country.missions[0]
        person = db.session.get(Person, person_id)

        def new(submitted_days_ago: int):
            submitted = (day - timedelta(days=submitted_days_ago)).isoformat()
            return services.create_request(person, country, mission, user_id=admin,
                                           submit={"submitted_on": submitted, "channel": "email"},
                                           repeat_reason="one case, several requests")

        overdue = new(200)
        coming = new(20)
        services.apply_transition(coming, "schedule_presentation", {
            "presentation_at": f"{(day + timedelta(days=5)).isoformat()}T10:00", "place": "Den Haag"}, user_id=admin)
        issued = new(30)
        services.apply_transition(issued, "issue", {
            "lp_number": LP_NUMBER, "issued_on": (day - timedelta(days=2)).isoformat(),
            "valid_until": (day + timedelta(days=7)).isoformat()}, user_id=admin)
        on_day = new(15)
        presentation_day = presentations.plan_day(mission, {
            "starts_at": f"{(day + timedelta(days=3)).isoformat()}T09:30", "place": "Den Haag"}, user_id=admin)
        presentations.add_requests(presentation_day, [on_day.id], with_group=False, user_id=admin)
        sweep(today())
        reminder_id = db.session.scalar(select(func.min(Reminder.id)).where(Reminder.request_id == overdue.id))
        token = issue_token(get_user(admin))
        # A file on the request that names the person (a letter about him): its download shows him.
        letter = f"From: lp@example.org\r\nSubject: {NAME}\r\nDate: Mon, 2 Nov 2026 10:00:00 +0100\r\n\r\n{V_NUMBER}"
        attachment = files.add_to_request(overdue, files.check_upload(letter.encode(), "brief.eml"), user_id=admin)
        ids = {"person_id": person_id, "request_id": overdue.id, "reminder_id": reminder_id,
               "mission_id": mission.id, "document_id": person.documents[0].id, "user_id": bystander,
               "alpha2": "GN", "items": "missions", "item_id": mission.id, "token": token,
               "action": "contact", "admin": admin, "letter_id": 1, "event_id": 1,
               "day_id": presentation_day.id, "view_id": 1, "attachment_id": attachment.id, "file_id": attachment.id}
        assert reminder_id is not None
    return ids


#: Query arguments some routes need to show anything about a person.
QUERY = {"requests.new": "person", "privacy.person_views": "person"}


def _url(rule, ids) -> str:
    values = {}
    for arg in rule.arguments:
        options = getattr(rule._converters[arg], "items", None)
        values[arg] = ids[arg] if arg in ids and (not options or ids[arg] in options) else sorted(options)[0]
    url = rule.build(values, append_unknown=False)[1]
    if rule.endpoint in QUERY:
        url += f"?{QUERY[rule.endpoint]}={ids['person_id']}"
    elif rule.endpoint in ("main.index", "reminders.index"):
        url += "?scope=all"
    return url


def _logged(app, person_id: int) -> list[tuple[str, dict]]:
    with app.app_context():
        return [(e.action, e.details) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.subject_type == PERSON, AuditEvent.subject_id == person_id,
                                     AuditEvent.action.in_((VIEWED, EXPORTED))).order_by(AuditEvent.id))]


def _routes(app) -> list[tuple]:
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    walk = [(rule, method) for rule in rules if rule.endpoint not in SKIPPED
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    # Reads first: a write may change what the later pages show.
    return sorted(walk, key=lambda item: item[1] != "GET")


def test_every_route_that_shows_a_person_logs_it(app, client, planted, auth, bearer):
    assert auth.login("admin@example.org").status_code == 302
    token = csrf_token_from(client.get("/auth/password").get_data(as_text=True))
    api_headers = bearer("admin", email="admin@example.org")
    person_id = planted["person_id"]
    showing: set[str] = set()
    unlogged: list[str] = []
    for rule, method in _routes(app):
        api = rule.endpoint.startswith("api.")
        before = len(_logged(app, person_id))
        if api:
            response = client.open(_url(rule, planted), method=method, headers=api_headers,
                                   json={} if method != "GET" else None)
        else:
            data = {"csrf_token": token} if method != "GET" else None
            response = client.open(_url(rule, planted), method=method, data=data)
        body = response.get_data().decode("utf-8", "replace")  # a download (PDF) may be binary
        response.close()
        found = [marker for marker in MARKERS if marker in body]
        if not found:
            continue
        showing.add(rule.endpoint)
        new = _logged(app, person_id)[before:]
        if not new:
            unlogged.append(f"{method} {rule.rule} ({rule.endpoint}) shows {found}")
        assert all(details.get("via") == ("api" if api else "web") for _action, details in new), new
    assert not unlogged, "shown without a log entry of the person:\n" + "\n".join(unlogged)
    missing = MUST_SHOW - showing
    assert not missing, f"the planted person was not found on {sorted(missing)}"


def test_the_csv_export_logs_an_export_per_person(app, client, planted, auth, make_person):
    """A viewer's CSV download names every person in it; each gets an export entry."""
    from lp.requests.models import LpRequest  # noqa: F401

    other = make_person(name="Tweede Persoon", v_number="9071234568")
    auth.login("bystander@example.org")
    body = client.get("/requests/export.csv").get_data(as_text=True)
    assert NAME in body and V_NUMBER in body and "1931-07-19" in body
    logged = _logged(app, planted["person_id"])
    assert [(action, details["via"], details["path"]) for action, details in logged] == [
        (EXPORTED, "web", "/requests/export.csv")]
    assert _logged(app, other) == []  # no request of his in the list: not in the file, not logged


def test_the_reminder_letter_logs_each_person_it_lists(app, client, planted, auth):
    auth.login("bystander@example.org")
    page = client.get(f"/reminders/letters/{planted['mission_id']}").get_data(as_text=True)
    assert NAME in page and "19-07-1931" in page
    assert [(action, details["path"]) for action, details in _logged(app, planted["person_id"])] == [
        (VIEWED, f"/reminders/letters/{planted['mission_id']}")]


def test_the_person_edit_form_logs_a_view(app, client, planted, login_as):
    login_as("staff")
    page = client.get(f"/persons/{planted['person_id']}/edit").get_data(as_text=True)
    assert NAME in page and V_NUMBER in page
    assert [(action, details["path"]) for action, details in _logged(app, planted["person_id"])] == [
        (VIEWED, f"/persons/{planted['person_id']}/edit")]


@pytest.fixture
def log_refused(app):
    """Make the database refuse every new audit event about a person (a trigger), as a broken log would.

    Only those: signing in is audited too, and must still work for the test to get to the pages.
    """
    from sqlalchemy import text

    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
        statements = [
            "CREATE FUNCTION lp_test_refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ "
            "LANGUAGE plpgsql",
            "CREATE TRIGGER lp_test_refuse BEFORE INSERT ON audit_events FOR EACH ROW "
            "WHEN (NEW.subject_type = 'person') EXECUTE FUNCTION lp_test_refuse()",
        ] if postgresql else [
            "CREATE TRIGGER lp_test_refuse BEFORE INSERT ON audit_events WHEN NEW.subject_type = 'person' "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END",
        ]
        for statement in statements:
            db.session.execute(text(statement))
        db.session.commit()
    yield
    with app.app_context():
        db.session.execute(text("DROP TRIGGER lp_test_refuse" + (" ON audit_events" if postgresql else "")))
        if postgresql:
            db.session.execute(text("DROP FUNCTION lp_test_refuse()"))
        db.session.commit()


def test_an_answer_whose_log_cannot_be_written_is_withheld(app, client, planted, auth, log_refused):
    from sqlalchemy.exc import DBAPIError

    auth.login("bystander@example.org")
    for url in ("/persons/", "/requests/", f"/reminders/letters/{planted['mission_id']}"):
        response = client.get(url)
        assert response.status_code == 503, url
        assert NAME not in response.get_data(as_text=True), url
    # The CSV is streamed: the file breaks off before the first part that could not be logged.
    response = client.get("/requests/export.csv", buffered=False)
    sent = []
    with pytest.raises(DBAPIError):  # the server breaks the connection off
        for part in response.response:
            sent.append(part.decode("utf-8"))
    response.close()
    assert sent and sent[0].lstrip("\ufeff").startswith("reference;") and NAME not in "".join(sent)
    assert _logged(app, planted["person_id"]) == []
