"""Database failures in the middle of a request, injected for real: never a 500 or a traceback.

- The connection drops mid-request (PostgreSQL: the backend is killed with
  pg_terminate_backend from another connection, as a restart does; SQLite: the file's
  connection is closed under the session): 503, on pages and in the API, wherever it
  happens: at a statement, at the commit, or after some code swallowed the first error.
- The database refuses a change by a constraint (a mission still used by requests, with
  the application's own check out of the way): 409 with a message, and one line from the CLI.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from countries.models import Mission
from lp.requests.models import LpRequest
from lp.web.access import public
from lp.web.extensions import db
from tests.conftest import post_form


def _drop_connection() -> None:
    """Take the session's database connection away, as a database restart does."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with db.engine.connect() as other:  # another pooled connection: the one that kills
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.commit()
    else:
        connection.connection.dbapi_connection.close()


def _at_a_statement(original, requests):
    _drop_connection()
    original(requests)


def _at_the_commit(original, requests):
    original(requests)
    _drop_connection()


def _after_a_swallowed_error(original, requests):
    _drop_connection()
    with suppress(SQLAlchemyError):  # as careless code does: the session is left unusable
        db.session.execute(text("SELECT 1"))
    original(requests)


FAULTS = [_at_a_statement, _at_the_commit, _after_a_swallowed_error]


@pytest.fixture
def open_request(app, make_country, make_request) -> int:
    make_country("GN", missions=[{"name": "Ambassade van Guinee"}])
    return make_request("GN", submitted_on=date.today() - timedelta(days=60))


@pytest.fixture
def connection_drops(monkeypatch):
    """Call it with a fault: the connection then drops during the next transition."""
    from lp.requests import services

    original = services.refresh_deadlines

    def arm(fault):
        monkeypatch.setattr(services, "refresh_deadlines", lambda requests: fault(original, list(requests)))

    return arm


def _message(response) -> str:
    """The API's error text (``detail`` in problem+json, ``error`` before)."""
    return response.json.get("detail") or response.json.get("error") or ""


def _decided_yesterday() -> str:
    return (date.today() - timedelta(days=1)).isoformat()


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.__name__.strip("_"))
def test_connection_lost_mid_request_on_a_page_is_503_and_saves_nothing(app, client, login_as, open_request,
                                                                        connection_drops, fault):
    login_as("staff")
    with app.app_context():
        version = db.session.get(LpRequest, open_request).version
    connection_drops(fault)
    response = post_form(client, f"/requests/{open_request}/actions/record_no_reply",
                         {"record_no_reply-decided_on": _decided_yesterday(),
                          "record_no_reply-version": str(version), "record_no_reply-confirm": "y"},
                         page=f"/requests/{open_request}")
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page
    assert "Tijdelijk niet beschikbaar" in page and "Traceback" not in page
    with app.app_context():
        assert db.session.get(LpRequest, open_request).status == "submitted"
    assert client.get(f"/requests/{open_request}").status_code == 200  # and the app carries on


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.__name__.strip("_"))
def test_connection_lost_mid_request_in_the_api_is_503_json(app, client, bearer, open_request, connection_drops,
                                                            fault):
    headers = bearer("staff")
    connection_drops(fault)
    response = client.post(f"/api/v1/requests/{open_request}/events", headers=headers,
                           json={"action": "record_no_reply", "data": {"decided_on": _decided_yesterday()}})
    assert response.status_code == 503 and response.is_json
    assert "database" in _message(response)
    with app.app_context():
        assert db.session.get(LpRequest, open_request).status == "submitted"


# -- a constraint refuses the change -----------------------------------------------------------


@pytest.fixture
def unchecked_removal(monkeypatch):
    """Take the application's own "still in use?" check away: only the database's keys remain."""
    monkeypatch.setattr("lp.core.signals.uses_of", lambda entity, item: [])


def _mission_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Mission.id))


def test_a_constraint_violation_on_a_page_is_409_with_a_message(app, client, login_as, open_request,
                                                                unchecked_removal):
    login_as("staff")
    mission = _mission_id(app)
    with app.app_context():
        from countries.services import get_country

        version = get_country("GN").version
    response = post_form(client, f"/countries/GN/missions/{mission}/remove", {"version": str(version)})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Niet opgeslagen" in page and "iets gebruikt nog wat zij zou verwijderen" in page
    assert "Tijdelijk niet beschikbaar" not in page
    with app.app_context():
        assert db.session.get(Mission, mission) is not None
        assert db.session.get(LpRequest, open_request).mission_id == mission


def test_a_constraint_violation_in_the_api_is_409_json(app, client, bearer, make_person):
    from lp.persons.models import Person

    def insert_duplicate():
        db.session.add(Person(v_number="1234567890", name="Dubbel"))
        db.session.commit()

    app.add_url_rule("/api/v1/test-duplicate", "test_duplicate", public(insert_duplicate))
    make_person(v_number="1234567890")
    response = client.get("/api/v1/test-duplicate", headers=bearer("staff"))
    assert response.status_code == 409 and response.is_json
    assert "niets opgeslagen" in _message(response) or "Nothing was saved" in _message(response)


def test_a_constraint_violation_in_the_cli_is_one_line_and_exit_1(app, runner, tmp_path, open_request,
                                                                 unchecked_removal):
    from countries import csv_format
    from countries.models import Country

    with app.app_context():
        data = csv_format.write_csv(db.session.scalars(csv_format.with_items(select(Country))), ",")
    header, row = data.decode("utf-8-sig").splitlines()[:2]
    keep = [i for i, name in enumerate(header.split(",")) if not name.startswith("mission_")]
    path = tmp_path / "landen.csv"
    path.write_text("\n".join(",".join(line.split(",")[i] for i in keep) for line in (header, row)) + "\n")

    result = runner.invoke(args=["lp", "countries", "import", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1] == (
        "Error: the change conflicts with the stored data (something it refers to is gone, something "
        "still uses what it would remove, or a value must be unique); nothing was saved.")
    with app.app_context():
        assert db.session.get(LpRequest, open_request).mission_id is not None
