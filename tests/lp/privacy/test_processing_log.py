"""The processing log (Logboek Dataverwerkingen): one record per person per processing, pseudonymised, no user.

Records are read from an in-memory span exporter added to the app's own tracer provider;
the JSON-lines file and the OTLP transport are checked as they are written or sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode
from sqlalchemy import select, text

from lp.persons.models import Person
from lp.web import processing_export, processing_log
from lp.web.audit import AuditEvent
from lp.web.extensions import db
from tests.conftest import post_form
from tests.live import free_port
from tests.lp.privacy.conftest import years_ago

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"
URN = "urn:lp-tracker:processing-activity:"
USER_EMAIL = "olga.officier@example.org"
USER_NAME = "Olga Officier"


@pytest.fixture
def spans(app) -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    processing_log.provider(app).add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


def records(spans: InMemorySpanExporter) -> list:
    """Return the processing records written: the spans that name a processing activity."""
    return [s for s in spans.get_finished_spans() if processing_log.ACTIVITY_ID in s.attributes]


def pseudonym(app, v_number: str) -> str:
    return processing_log.pseudonym(v_number, processing_log.subject_key(app.config))


def v_number_of(app, person_id: int) -> str:
    with app.app_context():
        return db.session.get(Person, person_id).v_number


def _no_user_and_no_v_number(record, user_id: int, v_numbers) -> None:
    text = record.to_json()
    for secret in (USER_EMAIL, USER_NAME, *v_numbers):
        assert secret not in text
    assert not any("user" in key or "actor" in key or "enduser" in key for key in record.attributes)
    assert str(user_id) not in record.attributes.values()


def test_a_page_view_writes_one_pseudonymised_record_in_the_callers_trace(app, client, make_user, auth,
                                                                          make_person, spans):
    user_id = make_user(USER_EMAIL, role="viewer", display_name=USER_NAME)
    auth.login(USER_EMAIL)
    person_id = make_person(name="Zwaantje Kwartelkoning")
    v_number = v_number_of(app, person_id)
    spans.clear()

    response = client.get(f"/persons/{person_id}", headers={"traceparent": TRACEPARENT})

    assert response.status_code == 200
    [record] = records(spans)
    assert dict(record.attributes) == {
        "dpl.core.processing_activity_id": URN + "view",
        "dpl.core.data_subject_id": pseudonym(app, v_number),
        "dpl.core.data_subject_id_type": "Vreemdelingennummer",
    }
    assert record.status.status_code == StatusCode.OK
    assert record.start_time <= record.end_time
    assert format(record.context.trace_id, "032x") == CALLER_TRACE
    _no_user_and_no_v_number(record, user_id, [v_number])
    # The record's parent is the request's span, itself the caller's child.
    [request_span] = [s for s in spans.get_finished_spans() if s.context.span_id == record.parent.span_id]
    assert format(request_span.parent.span_id, "016x") == CALLER_SPAN
    assert "Zwaantje" not in request_span.to_json() and USER_EMAIL not in request_span.to_json()
    # The audit row names the user and carries the same trace id: the link between the two logs.
    with app.app_context():
        row = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.viewed")).one()
        assert (row.actor_id, row.subject_id, row.details["trace_id"]) == (user_id, person_id, CALLER_TRACE)


def test_without_a_traceparent_each_request_is_a_trace_of_its_own(app, client, login_as, make_person, spans):
    login_as("viewer")
    person_id = make_person()
    spans.clear()

    client.get(f"/persons/{person_id}")
    client.get(f"/persons/{person_id}")

    first, second = records(spans)
    assert first.context.trace_id != second.context.trace_id
    assert first.attributes == second.attributes  # the same person has the same pseudonym


def test_the_csv_export_of_n_persons_writes_n_records(app, client, login_as, make_country, make_request, spans):
    user_id = login_as("viewer", email=USER_EMAIL)
    make_country("GN", missions=[{"name": "Ambassade van Guinee"}])
    request_ids = [make_request("GN", submitted_on="2026-10-01") for _ in range(4)]
    with app.app_context():
        v_numbers = list(db.session.scalars(select(Person.v_number)))
    spans.clear()

    response = client.get("/requests/export.csv", headers={"traceparent": TRACEPARENT})

    assert response.status_code == 200 and len(response.get_data().splitlines()) == 1 + len(request_ids)
    exported = records(spans)
    assert len(exported) == 4
    assert {r.attributes["dpl.core.processing_activity_id"] for r in exported} == {URN + "csv-export"}
    assert sorted(r.attributes["dpl.core.data_subject_id"] for r in exported) == sorted(
        pseudonym(app, v) for v in v_numbers)
    assert {format(r.context.trace_id, "032x") for r in exported} == {CALLER_TRACE}
    for record in exported:
        _no_user_and_no_v_number(record, user_id, v_numbers)


def test_register_and_change_a_person_and_create_a_request(app, client, login_as, make_country, spans):
    login_as("staff")
    make_country("GN", name_nl="Guinee", missions=[{"name": "Ambassade van Guinee"}])
    person = {"v_number": "1234567890", "name": "Mamadou Diallo", "date_of_birth": "1990-04-01",
              "nationality": "GN", "in_detention_since": "", "willingness": "unwilling", "case_officer": ""}

    assert post_form(client, "/persons/new", person).status_code == 302
    with app.app_context():
        person_id = db.session.scalar(select(Person.id).where(Person.v_number == "1234567890"))
    [created] = records(spans)
    assert created.attributes["dpl.core.processing_activity_id"] == URN + "create"
    assert created.attributes["dpl.core.data_subject_id"] == pseudonym(app, "1234567890")
    spans.clear()

    changed = {**person, "name": "Mamadou Bah", "version": "1"}
    assert post_form(client, f"/persons/{person_id}/edit", changed).status_code == 302
    assert [(r.attributes["dpl.core.processing_activity_id"], r.attributes["dpl.core.data_subject_id"])
            for r in records(spans) if r.name == "change person data"] == [
        (URN + "change", pseudonym(app, "1234567890"))]
    spans.clear()

    # A stale form changes nothing, and no change is recorded.
    assert post_form(client, f"/persons/{person_id}/edit", changed).status_code == 409
    assert [r for r in records(spans) if r.name == "change person data"] == []


def test_a_new_request_and_its_transition_are_processings_of_the_person(app, make_country, make_person,
                                                                        make_request, spans):
    from lp.requests import services
    from lp.requests.models import LpRequest

    make_country("GN")
    person_id = make_person()
    spans.clear()
    request_id = make_request("GN", person_id=person_id)
    with app.test_request_context():
        services.apply_transition(db.session.get(LpRequest, request_id), "submit",
                                  {"submitted_on": "2026-10-01", "channel": "email"}, user_id=None)

    expected = pseudonym(app, v_number_of(app, person_id))
    assert [(r.attributes["dpl.core.processing_activity_id"], r.attributes["dpl.core.data_subject_id"])
            for r in records(spans)] == [(URN + "create", expected), (URN + "change", expected)]


def test_right_of_access_export_and_retention(app, client, login_as, make_case, spans):
    from lp.privacy.retention import apply_retention

    ids = make_case(years_ago(7), years_ago(6))
    v_number = v_number_of(app, ids["person"])
    login_as("admin")
    spans.clear()

    assert client.get(f"/privacy/persons/{ids['person']}/export.json").status_code == 200
    [exported] = records(spans)
    assert exported.attributes["dpl.core.processing_activity_id"] == URN + "access-export"
    spans.clear()

    with app.app_context():
        apply_retention()
    # Recorded under the V-number the person had: the one the pseudonyms of his earlier records hide.
    [anonymised] = records(spans)
    assert anonymised.attributes["dpl.core.processing_activity_id"] == URN + "retention"
    assert anonymised.attributes["dpl.core.data_subject_id"] == exported.attributes["dpl.core.data_subject_id"]
    assert anonymised.attributes["dpl.core.data_subject_id"] == pseudonym(app, v_number)
    # The audit row of the export keeps its link to the (pseudonymised) record.
    with app.app_context():
        row = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.exported")).one()
        assert row.details["trace_id"] == format(exported.context.trace_id, "032x")


@pytest.mark.parametrize("config_overrides", [{
    "LP_DPL_ACTIVITY_VIEW": "https://register.example.org/verwerkingsactiviteiten/17",
    "LP_DPL_SUBJECT_KEY": "a key held by the privacy officer only",
}])
def test_the_register_uri_and_the_key_are_settings(app, client, login_as, make_person, spans, config_overrides):
    login_as("viewer")
    person_id = make_person()
    v_number = v_number_of(app, person_id)
    spans.clear()

    client.get(f"/persons/{person_id}")

    [record] = records(spans)
    assert record.attributes["dpl.core.processing_activity_id"] == config_overrides["LP_DPL_ACTIVITY_VIEW"]
    key = config_overrides["LP_DPL_SUBJECT_KEY"].encode()
    assert record.attributes["dpl.core.data_subject_id"] == hmac.new(key, v_number.encode(), "sha256").hexdigest()
    assert record.attributes["dpl.core.data_subject_id"] != hashlib.sha256(v_number.encode()).hexdigest()


def test_records_go_to_a_private_json_lines_file_in_the_instance_folder(app, client, login_as, make_person):
    login_as("viewer")
    person_id = make_person()
    v_number = v_number_of(app, person_id)

    client.get(f"/persons/{person_id}", headers={"traceparent": TRACEPARENT})

    path = Path(app.instance_path, processing_export.LOG_FILE)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    views = [line for line in lines
             if line["attributes"].get("dpl.core.processing_activity_id") == URN + "view"]
    assert len(views) == 1
    assert views[0]["context"]["trace_id"] == "0x" + CALLER_TRACE
    assert views[0]["attributes"]["dpl.core.data_subject_id"] == pseudonym(app, v_number)
    assert views[0]["status"]["status_code"] == "OK" and 0 < views[0]["start_time"] <= views[0]["end_time"]
    [request_span] = [line for line in lines if line["context"]["span_id"] == views[0]["parent_id"]]
    assert request_span["parent_id"] == "0x" + CALLER_SPAN
    assert v_number not in "".join(json.dumps(line) for line in lines)


class _Collector(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, ExportTraceServiceRequest]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        message = ExportTraceServiceRequest()
        message.ParseFromString(body)
        type(self).received.append((self.path, message))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *_args) -> None:
        pass


OTLP_PORT = free_port()


@pytest.mark.parametrize("config_overrides", [{"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{OTLP_PORT}"}])
def test_with_an_otlp_endpoint_records_are_sent_there(app, client, login_as, make_person, config_overrides):
    server = HTTPServer(("127.0.0.1", OTLP_PORT), _Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Collector.received.clear()
    try:
        login_as("viewer")
        person_id = make_person()
        client.get(f"/persons/{person_id}", headers={"traceparent": TRACEPARENT})
        assert processing_log.provider(app).force_flush()
    finally:
        processing_log.provider(app).shutdown()
        server.shutdown()
        server.server_close()

    sent = [(path, span) for path, message in _Collector.received for resource in message.resource_spans
            for scope in resource.scope_spans for span in scope.spans]
    views = [(path, span) for path, span in sent
             if any(a.key == "dpl.core.processing_activity_id" and a.value.string_value == URN + "view"
                    for a in span.attributes)]
    assert len(views) == 1
    path, span = views[0]
    assert path == "/v1/traces" and span.trace_id.hex() == CALLER_TRACE
    assert not Path(app.instance_path, processing_export.LOG_FILE).exists()  # sent, not written


REFUSE_AUDIT_ROWS = {
    "sqlite": ["CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'refused'); END"],
    "postgresql": [
        "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'refused'; END $$",
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
    ],
}
ALLOW_AUDIT_ROWS = {
    "sqlite": ["DROP TRIGGER refuse_audit"],
    "postgresql": ["DROP TRIGGER refuse_audit ON audit_events", "DROP FUNCTION refuse_audit()"],
}


def _run(app, statements: dict[str, list[str]]) -> None:
    with app.app_context():
        for statement in statements[db.engine.dialect.name]:
            db.session.execute(text(statement))
        db.session.commit()


def test_a_view_whose_log_cannot_be_saved_is_recorded_as_failed(app, client, login_as, make_person, spans):
    login_as("viewer")
    person_id = make_person()
    spans.clear()
    _run(app, REFUSE_AUDIT_ROWS)
    try:
        response = client.get(f"/persons/{person_id}")
    finally:
        _run(app, ALLOW_AUDIT_ROWS)

    assert response.status_code == 503  # the view log withholds the answer
    [record] = records(spans)
    assert record.attributes["dpl.core.processing_activity_id"] == URN + "view"
    assert record.status.status_code == StatusCode.ERROR


def test_a_command_is_a_trace_of_its_own_linked_to_its_audit_row(app, runner, make_person, spans, tmp_path):
    person_id = make_person()
    v_number = v_number_of(app, person_id)
    spans.clear()

    result = runner.invoke(args=["lp", "persons", "export", str(person_id), str(tmp_path / "person.json")])

    assert result.exit_code == 0, result.output
    [record] = records(spans)
    assert record.attributes["dpl.core.processing_activity_id"] == URN + "access-export"
    assert record.attributes["dpl.core.data_subject_id"] == pseudonym(app, v_number)
    [command] = [s for s in spans.get_finished_spans() if s.context.span_id == record.parent.span_id]
    assert command.name.endswith("lp persons export") and command.parent is None
    with app.app_context():
        row = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.exported")).one()
        assert row.details == {"via": "cli", "trace_id": format(record.context.trace_id, "032x")}


@pytest.mark.parametrize(("setting", "value", "message"), [
    ("LP_DPL_ACTIVITY_VIEW", "view", "LP_DPL_ACTIVITY_VIEW must be the absolute URI"),
    ("LP_DPL_ACTIVITY_RETENTION", "", "LP_DPL_ACTIVITY_RETENTION must be the absolute URI"),
    ("LP_DPL_SUBJECT_KEY", "short", "LP_DPL_SUBJECT_KEY is shorter than 32 characters"),
])
def test_an_invalid_setting_stops_the_app_with_a_clear_message(database_url, tmp_path, setting, value, message):
    from lp import create_app
    from tests.conftest import base_config

    with pytest.raises(processing_log.InvalidProcessingLogSetting, match=message):
        create_app({**base_config(database_url, tmp_path / "instance"), setting: value})
