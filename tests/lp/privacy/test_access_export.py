"""Right of access: everything held on one person, by download (admin) or on the command line."""

from __future__ import annotations

import json

from sqlalchemy import select

from lp.web.audit import AuditEvent
from lp.web.extensions import db
from tests.lp.privacy.conftest import DOCUMENT_NUMBER, EMBASSY_REFERENCE, NAME, NOTE, REASON, years_ago


def _check_complete(export: dict, ids: dict) -> None:
    person = export["person"]
    assert (person["id"], person["name"], person["nationality"]) == (ids["person"], NAME, "GN")
    assert person["date_of_birth"] == "1990-04-01"
    assert [d["number"] for d in export["identity_documents"]] == [DOCUMENT_NUMBER]
    [request] = export["requests"]
    assert (request["id"], request["status"], request["embassy_reference"]) == (ids["request"], "refused",
                                                                               EMBASSY_REFERENCE)
    assert request["country"] == "GN" and request["mission"] == "Ambassade van Guinee"
    assert [e["kind"] for e in request["events"]] == ["created", "status", "contact", "pause", "resume", "status"]
    assert NOTE in [e["note"] for e in request["events"]]
    assert REASON in [e["data"].get("reason") for e in request["events"]]
    assert [r["id"] for r in export["reminders"]] == [ids["reminder"]]
    assert export["reminders"][0]["note"] == NOTE


def test_admin_downloads_everything_held_on_a_person(app, client, login_as, make_case, make_user):
    from flask_login import login_user

    from lp.auth.models import User
    from lp.persons.views_log import record_person_view

    ids = make_case(years_ago(1), years_ago(0.5))
    viewer = make_user("kim@example.org", display_name="Kim de Vries")
    with app.test_request_context():
        login_user(db.session.get(User, viewer))
        record_person_view(ids["person"])
    admin = login_as("admin")

    response = client.get(f"/privacy/persons/{ids['person']}/export.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == f'attachment; filename="person-{ids["person"]}.json"'
    assert response.headers["Cache-Control"] == "no-store"
    export = response.get_json()
    _check_complete(export, ids)
    assert [(e["action"], e["actor"]["name"]) for e in export["access_log"]] == [("person.viewed", "Kim de Vries")]
    with app.app_context():
        exported = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.exported")).one()
        details = dict(exported.details)
        trace_id = details.pop("trace_id")  # links the row to the processing records (test_processing_log.py)
        assert (exported.subject_id, exported.actor_id, details) == (
            ids["person"], admin, {"via": "web", "path": f"/privacy/persons/{ids['person']}/export.json"})
        assert len(trace_id) == 32 and int(trace_id, 16)


def test_unknown_person_is_404(client, login_as):
    login_as("admin")
    assert client.get("/privacy/persons/999/export.json").status_code == 404


def test_command_line_export_writes_utf8_json(app, runner, make_case, make_person, tmp_path):
    ids = make_case(years_ago(1), years_ago(0.5))
    target = tmp_path / "person.json"

    result = runner.invoke(args=["lp", "persons", "export", str(ids["person"]), str(target)])

    assert result.exit_code == 0, result.output
    assert f"Exported person {ids['person']}." in result.output
    assert NAME not in result.output
    _check_complete(json.loads(target.read_text(encoding="utf-8")), ids)
    other = make_person(name="Aïcha Baldé", v_number="5555555555")
    runner.invoke(args=["lp", "persons", "export", str(other), str(target)])
    assert '"name": "Aïcha Baldé"' in target.read_text(encoding="utf-8")
    with app.app_context():
        logged = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.exported")).all()
        assert [(e.subject_id, e.actor_id, e.details["via"]) for e in logged] == [
            (ids["person"], None, "cli"), (other, None, "cli")]
        # Each command is a processing of its own: its own trace, which its processing records share.
        assert len({e.details["trace_id"] for e in logged}) == 2


def test_command_line_export_of_an_unknown_person_fails(runner, tmp_path):
    result = runner.invoke(args=["lp", "persons", "export", "42", str(tmp_path / "x.json")])
    assert result.exit_code == 1
    assert "No person with id 42." in result.output


def test_an_anonymised_person_exports_what_is_left(app, make_case):
    from lp.persons.models import Person
    from lp.privacy.access_export import person_export
    from lp.privacy.retention import apply_retention

    ids = make_case(years_ago(7), years_ago(6))
    with app.app_context():
        apply_retention()
        export = person_export(db.session.get(Person, ids["person"]))
    assert export["person"]["anonymised_at"] is not None
    assert NAME not in json.dumps(export, default=str) and export["identity_documents"] == []


def test_the_export_holds_the_person_s_files_and_presentations(app, make_case):
    from datetime import UTC, datetime

    from lp.files import services as files
    from lp.persons.models import Person
    from lp.presentations.models import PresentationDay, PresentationItem
    from lp.privacy.access_export import person_export
    from lp.requests.models import LpRequest
    from tests.lp.files import samples

    ids = make_case(years_ago(1))
    with app.test_request_context():
        person = db.session.get(Person, ids["person"])
        request = db.session.get(LpRequest, ids["request"])
        own = files.add_to_person(person, files.check_upload(samples.PNG, "paspoort.png"), user_id=None)
        on_request = files.add_to_request(request, files.check_upload(samples.PDF, "brief.pdf"), user_id=None)
        day = PresentationDay(mission_id=request.mission_id, starts_at=datetime(2026, 12, 3, 9, tzinfo=UTC),
                              place="Ambassade, Brussel", interpreter="Tolk Fula")
        db.session.add(day)
        db.session.flush()
        db.session.add(PresentationItem(day_id=day.id, request_id=request.id, result="held"))
        db.session.commit()
        export = json.loads(json.dumps(person_export(person), default=str))
    assert [(f["id"], f["filename"], f["request_id"], f["sha256"]) for f in export["files"]] == [
        (own.id, "paspoort.png", None, own.sha256), (on_request.id, "brief.pdf", ids["request"], on_request.sha256)]
    [item] = export["presentations"]
    assert (item["request_id"], item["result"], item["day"]["place"], item["day"]["interpreter"]) == (
        ids["request"], "held", "Ambassade, Brussel", "Tolk Fula")


#: Tables that refer to a person or a request but hold no data on the person, and why.
NOT_THE_PERSON_S = {
    "notifications": "a staff member's own mail state: which news about a request was mailed to whom",
    "sweep_days": "the reminder sweep's bookkeeping: the day it looks at a request again (worked out from the "
                  "request, which is exported, and its reminders, which are)",
}
#: Where the export holds each table that refers to a person or a request.
EXPORTED = {"persons": "person", "identity_documents": "identity_documents", "lp_requests": "requests",
            "request_events": "requests[].events", "reminders": "reminders", "attachments": "files",
            "presentation_items": "presentations"}


def test_every_table_that_refers_to_a_person_or_request_is_exported_or_explained(app):
    """A table added later that points at a person or a request must be exported (or said why not)."""
    with app.app_context():
        tables = db.metadata.tables.values()
        referring = {table.name for table in tables
                     if any(fk.column.table.name in ("persons", "lp_requests")
                            for column in table.columns for fk in column.foreign_keys)}
    assert referring | {"persons"} == set(EXPORTED) | set(NOT_THE_PERSON_S), (
        "export the new table in lp/privacy/access_export.py (or add it with a reason to NOT_THE_PERSON_S)")
