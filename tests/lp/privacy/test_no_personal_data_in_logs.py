"""No personal data in log lines or URLs: names, V-numbers and notes never reach a log.

A realistic flow runs through the services, the command line and HTTP (pages, API,
errors) with every logger at DEBUG (SQL statements at INFO), and no log record may
contain a distinctive name, V-number, note or reference of the person.
"""

from __future__ import annotations

import importlib.util
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from werkzeug.routing import IntegerConverter

from lp import PROJECT_ROOT
from lp.web.access import public
from lp.web.extensions import db
from tests.lp.privacy.conftest import DOCUMENT_NUMBER, EMBASSY_REFERENCE, NAME, NOTE, REASON, years_ago

V_NUMBER = "9081726354"
API_NAME = "Ouseynou Kwikstaartje"
API_V_NUMBER = "9182736450"
API_NOTE = "Belde de ambassade over Ouseynou, ziekenhuisopname"
SECRETS = (NAME, "Kwartelkoning", V_NUMBER, NOTE, REASON, DOCUMENT_NUMBER, EMBASSY_REFERENCE,
           API_NAME, "Kwikstaartje", API_V_NUMBER, API_NOTE)
#: URL parameters that are not ids but still no personal data (besides any(...) choices).
ALLOWED_URL_PARAMETERS = {"alpha2", "action", "filename", "token"}


def _log_text(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in records)


def _break(app) -> None:
    """Add a route that fails as a parsing bug would: with the person's data in the message."""

    @public
    def fail():
        raise ValueError(f"Invalid isoformat string: {NAME!r} ({V_NUMBER})")

    app.add_url_rule("/test-failure", "test_failure", fail)


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="werkzeug")
    caplog.set_level(logging.DEBUG, logger="lp")
    # SQL statements at INFO: hide_parameters keeps the values out of them.
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    return caplog


def test_a_whole_flow_logs_no_personal_data(app, client, runner, logs, make_case, make_user, login_as, auth,
                                            tmp_path):
    from lp.auth import services as auth_services
    from lp.core.validation import ValidationFailed
    from lp.persons import services as persons
    from lp.scheduler import JOBS, run_job

    _break(app)

    # Through the services (a case with notes, documents, a reminder), and a refused duplicate.
    ids = make_case(years_ago(7), years_ago(6), v_number=V_NUMBER)
    with app.test_request_context():
        with pytest.raises(ValidationFailed):
            persons.parse_person({"v_number": V_NUMBER, "name": NAME})

    # Through the command line.
    for args in (["lp", "retention", "--dry-run"], ["lp", "persons", "export", str(ids["person"]),
                                                     str(tmp_path / "p.json")],
                 ["lp", "reminders", "sweep"], ["lp", "backup", str(tmp_path / "b.sqlite3")]):
        runner.invoke(args=args)
    for job in JOBS:
        run_job(app, job)

    # Through HTTP: public routes, a failed and a good login, pages, searches, errors.
    assert client.get("/healthz").status_code == 200
    make_user("kim@example.org", role="staff")
    assert auth.login("kim@example.org", "wrong password").status_code == 422
    assert auth.login("kim@example.org").status_code == 302
    for path in (f"/persons/{ids['person']}", f"/requests/{ids['request']}", f"/persons/?q={NAME}",
                 f"/persons/?q={V_NUMBER}", f"/requests/?q={NAME}", "/requests/export.csv",
                 "/countries/csv/export.csv", "/countries/csv/export.csv?delimiter=,", "/countries/"):
        assert client.get(path).status_code == 200, path
    assert client.get(f"/persons/{NAME}").status_code == 404
    assert client.get(f"/no-such-page?name={NAME}").status_code == 404
    assert client.get("/admin/users").status_code == 403
    assert client.get(f"/privacy/views?person={V_NUMBER}").status_code == 403
    assert client.get("/test-failure").status_code == 500

    # Through the API, with a token.
    with app.app_context():
        _token, bearer = auth_services.create_token(auth_services.find_user_by_email("kim@example.org"), "t")
    headers = {"Authorization": f"Bearer {bearer}"}
    created = client.post("/api/v1/persons", json={"v_number": API_V_NUMBER, "name": API_NAME}, headers=headers)
    assert created.status_code == 201, created.get_json()
    person_id = created.get_json()["id"]
    assert client.post("/api/v1/persons", json={"v_number": API_V_NUMBER, "name": API_NAME},
                       headers=headers).status_code == 400
    lp = client.post("/api/v1/requests", json={"person_id": person_id, "country": "GN"}, headers=headers)
    assert lp.status_code == 201, lp.get_json()
    event = client.post(f"/api/v1/requests/{lp.get_json()['id']}/events", headers=headers,
                        json={"action": "submit", "note": API_NOTE,
                              "data": {"submitted_on": years_ago(0.1).isoformat(), "channel": "email"}})
    assert event.status_code == 201, event.get_json()
    for path in (f"/api/v1/persons/{person_id}", f"/api/v1/persons?q={API_NAME}", "/api/v1/requests"):
        assert client.get(path, headers=headers).status_code == 200, path
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {API_NAME}"}).status_code == 401

    # As an administrator: the view log and the right-of-access download.
    auth.logout()
    login_as("admin")
    assert client.get(f"/privacy/views?person={ids['person']}").status_code == 200
    assert client.get(f"/privacy/persons/{ids['person']}/export.json").status_code == 200
    assert client.get("/privacy/views?person=Kwartelkoning").status_code == 422
    runner.invoke(args=["lp", "retention"])

    text = _log_text(logs.records)
    assert "unhandled error" in text and "ValueError" in text  # the failure was logged, usefully
    assert "test_no_personal_data_in_logs.py" in text  # with where it happened
    for secret in SECRETS:
        assert secret not in text, secret


def test_a_failing_scheduled_job_logs_no_personal_data(app, logs):
    from lp.scheduler import Job, run_job

    def job(day):
        raise KeyError(f"{NAME} {V_NUMBER}")

    run_job(app, Job("failing-test", job, None, False))
    text = _log_text(logs.records)
    assert "job failing-test failed" in text and "KeyError" in text
    assert NAME not in text and V_NUMBER not in text


def test_urls_carry_ids_and_codes_only(app):
    """Every URL parameter is an id (a number) or a code: never a name or a V-number."""
    checked = []
    for rule in app.url_map.iter_rules():
        for name in rule.arguments:
            converter = type(rule._converters[name]).__name__
            if name.endswith("_id"):
                assert isinstance(rule._converters[name], IntegerConverter), (rule.rule, name)
            elif converter != "AnyConverter":  # any(...) takes fixed words only
                assert name in ALLOWED_URL_PARAMETERS, (rule.rule, name)
            checked.append(name)
    assert {"person_id", "request_id"} <= set(checked)


def test_production_access_log_leaves_out_query_strings_and_referrers():
    """gunicorn's access log, with our format, shows paths only: search terms never reach it."""
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    spec = importlib.util.spec_from_file_location("gunicorn_conf", PROJECT_ROOT / "deploy" / "gunicorn.conf.py")
    settings = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(settings)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/persons/?q={NAME}", "PATH_INFO": "/persons/",
               "QUERY_STRING": f"q={NAME}", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.1",
               "HTTP_REFERER": f"https://lp.example.org/persons/?q={V_NUMBER}"}
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    atoms = Logger(Config()).atoms(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=12))

    line = settings.access_log_format % atoms

    assert '"GET /persons/" 200 512' in line
    assert NAME not in line and V_NUMBER not in line


def test_database_errors_are_logged_without_the_values(app, client, make_person, logs):
    """A constraint violation quotes the key (PostgreSQL: "Key (v_number)=(...)"): not in our logs."""
    from lp.persons.models import Person
    from lp.scheduler import Job, run_job

    def insert_duplicate(*_args):
        db.session.add(Person(v_number=V_NUMBER, name=NAME))
        db.session.commit()

    app.add_url_rule("/test-duplicate", "test_duplicate", public(insert_duplicate))
    make_person(v_number=V_NUMBER)

    assert client.get("/test-duplicate").status_code == 409  # a conflict with stored data, not an outage
    run_job(app, Job("duplicate-test", insert_duplicate, None, False))

    text = _log_text(logs.records)
    assert "database error: " in text and "job duplicate-test failed" in text and "IntegrityError" in text
    assert NAME not in text and V_NUMBER not in text


def test_a_logged_traceback_keeps_types_and_places_of_every_cause():
    from lp.core.logsafe import describe

    try:
        try:
            int(NAME)
        except ValueError as error:
            raise RuntimeError(f"could not read {V_NUMBER}") from error
    except RuntimeError as error:
        text = describe(error)
    assert "builtins.ValueError (message not logged)" in text
    assert "builtins.RuntimeError (message not logged)" in text
    assert text.index("ValueError") < text.index("RuntimeError")
    assert "int(NAME)" in text  # the source line, which holds no values
    assert NAME not in text and V_NUMBER not in text
