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
