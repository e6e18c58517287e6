"""Two people act on one request at the same moment: one change is saved, the other is told so.

The loser's UPDATE finds the version changed (StaleDataError), often during an autoflush
deep inside the service; that used to be a 500. It is a 409 with a clear message.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import update

from lp.requests.models import LpRequest
from lp.web.extensions import db
from tests.conftest import post_form

ROUNDS = 4
PARALLEL = 8


@pytest.fixture
def submitted_request(make_country, make_request):
    make_country("GN", missions=[{"name": "Ambassade van Guinee"}])

    def make() -> int:
        return make_request("GN", submitted_on=date.today() - timedelta(days=60))

    return make


def _no_reply() -> dict:
    return {"action": "record_no_reply", "data": {"decided_on": (date.today() - timedelta(days=1)).isoformat()}}


def test_parallel_transitions_on_gunicorn_one_applies_the_others_get_409(live_server, bearer, submitted_request):
    headers = bearer("staff")
    for _round in range(ROUNDS):
        request_id = submitted_request()
        start = threading.Barrier(PARALLEL)
        answers: list[tuple[int, object]] = []

        def act(start: threading.Barrier, answers: list, request_id: int) -> None:
            start.wait()
            answers.append(live_server.request("POST", f"/api/v1/requests/{request_id}/events",
                                               json_body=_no_reply(), headers=headers))

        threads = [threading.Thread(target=act, args=(start, answers, request_id)) for _ in range(PARALLEL)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        statuses = sorted(status for status, _body in answers)
        assert statuses == [201] + [409] * (PARALLEL - 1), statuses
        assert all(isinstance(body, dict) and (body.get("detail") or body.get("error"))
                   for status, body in answers if status == 409)
        status, events = live_server.request("GET", f"/api/v1/requests/{request_id}/events", headers=headers)
        assert status == 200
        assert [e["to_status"] for e in events["items"]].count("no_reply") == 1


@pytest.fixture
def someone_else_saves_first(monkeypatch):
    """Call it to make another transaction change the request just before the service's own UPDATE."""
    from lp.requests import services

    original = services.refresh_deadlines

    def other_person_first(requests):
        requests = list(requests)
        # As if another transaction had committed: the row's version moves on, past the
        # session (which SQLite would otherwise make wait for our own open write).
        table = LpRequest.__table__
        db.session.connection().execute(update(table).where(table.c.id == requests[0].id)
                                        .values(version=table.c.version + 1))
        original(requests)  # its query autoflushes the now stale UPDATE

    return lambda: monkeypatch.setattr(services, "refresh_deadlines", other_person_first)


def test_a_lost_race_on_the_request_page_is_a_409_with_a_message(app, client, login_as, submitted_request,
                                                                  someone_else_saves_first):
    login_as("staff")
    request_id = submitted_request()
    with app.app_context():
        version = db.session.get(LpRequest, request_id).version
    someone_else_saves_first()
    response = post_form(client, f"/requests/{request_id}/actions/record_no_reply",
                         {"record_no_reply-decided_on": (date.today() - timedelta(days=1)).isoformat(),
                          "record_no_reply-version": str(version), "record_no_reply-confirm": "y"},
                         page=f"/requests/{request_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    # Whichever check sees the other save first (the version, or the flush), the message says so.
    assert "Iemand anders" in page and "niets opgeslagen" in page
    with app.app_context():
        assert db.session.get(LpRequest, request_id).status == "submitted"


def test_a_lost_race_in_the_api_is_a_409_json(app, client, bearer, submitted_request, someone_else_saves_first):
    request_id = submitted_request()
    headers = bearer("staff")
    someone_else_saves_first()
    response = client.post(f"/api/v1/requests/{request_id}/events", json=_no_reply(), headers=headers)
    assert response.status_code == 409 and response.is_json
    message = response.json.get("detail") or response.json.get("error")
    assert "Iemand anders" in message and "niets opgeslagen" in message
    with app.app_context():
        assert db.session.get(LpRequest, request_id).status == "submitted"
