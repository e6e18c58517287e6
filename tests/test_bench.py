"""The bench tooling: the generator makes consistent data on both engines; the load run counts what it gets.

A bench that counts a login redirect as a served page measures nothing (issue 19): the
load client must fail when the session it signed in with does not hold.
"""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select, text

from bench.generate import PASSWORD, RICH_EVENTS, generate
from bench.run import DetailsEdit, run_load
from countries.models import Country, Mission
from lp.core.clock import today
from lp.persons.models import Person
from lp.reminders.models import Reminder
from lp.requests.lifecycle import CLOSED, STATUSES
from lp.requests.models import LpRequest, RequestEvent
from lp.web.extensions import db
from tests.conftest import csrf_token_from

SIZE = 60


@pytest.fixture(scope="module")
def generated(module_app):
    with module_app.app_context():
        counts = generate(SIZE, today=today())
    return counts


def test_generator_makes_consistent_data(module_app, generated):
    with module_app.app_context():
        count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
        assert count(LpRequest) == generated["requests"] == SIZE
        assert count(Person) == generated["persons"] == SIZE * 8 // 10
        assert count(RequestEvent) == generated["events"] > SIZE * 3
        assert count(Reminder) == generated["reminders"] > 0
        assert count(Mission) == generated["missions"]
        requests = db.session.scalars(select(LpRequest)).all()
        for r in requests:
            assert r.status in STATUSES
            assert r.is_open == (r.status not in CLOSED), r.id
            assert r.country_id == r.person.nationality_id
            assert r.mission.country_id == r.country_id
            if r.status == "draft":
                assert r.submitted_on is None
            elif r.is_open:
                assert (r.reply_due_on is not None and r.decided_on is None) or r.status == "issued"
            else:
                assert r.decided_on is not None and r.decided_on >= r.submitted_on
        # Every event and reminder belongs to a request that exists (foreign keys are off while generating).
        orphans = db.session.scalar(text(
            "SELECT count(*) FROM request_events e LEFT JOIN lp_requests r ON r.id = e.request_id WHERE r.id IS NULL"))
        assert orphans == 0
        # The sweep's history: closed reminders of closed requests only.
        assert db.session.scalar(select(func.count()).select_from(Reminder).where(Reminder.closed_at.is_(None))) == 0
        assert not db.session.scalar(select(func.count()).select_from(Reminder).join(LpRequest)
                                     .where(LpRequest.is_open))
        # The long case for the request page.
        assert db.session.scalar(select(func.count()).select_from(RequestEvent)
                                 .where(RequestEvent.request_id == generated["rich_request"])) == RICH_EVENTS
        assert db.session.scalar(select(func.count()).select_from(Country)) == generated["countries"]


def test_generated_data_serves_pages_and_takes_new_rows(module_app, generated):
    client = module_app.test_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login", data={"email": "user1@bench.example", "password": PASSWORD,
                                                "csrf_token": token})
    assert response.status_code == 302
    page = client.get(f"/requests/{generated['rich_request']}")
    assert page.status_code == 200
    assert client.get("/requests/").status_code == 200
    # The bench's edit saves the details form as a browser would: every field kept, the reference new.
    with module_app.app_context():
        shown = db.session.get(LpRequest, 1)
        assert shown is not None
        before = (shown.mission_id, shown.documents_enclosed, shown.identity_requested, shown.embassy_reference)
    edit = DetailsEdit(client, 1)
    edit.save()
    edit.save()  # the form read again: its version moved on
    with module_app.app_context():
        saved = db.session.get(LpRequest, 1)
        assert saved is not None
        assert (saved.mission_id, saved.documents_enclosed, saved.identity_requested) == before[:3]
        assert saved.embassy_reference.startswith("bench ") and saved.embassy_reference != before[3]
    with module_app.app_context():
        # The id sequences continue after the bulk-loaded rows (COPY on PostgreSQL does not advance them).
        db.session.execute(text("INSERT INTO request_events (request_id, kind, occurred_on, at, note, data) "
                                "VALUES (1, 'contact', '2026-01-01', '2026-01-01 10:00:00', '', '{}')"))
        db.session.rollback()


@pytest.mark.parametrize("client", ["python", "wrk"])
def test_load_run_counts_statuses_and_fails_on_a_redirect(app, live_server, client):
    if client == "wrk" and not shutil.which("wrk"):
        pytest.skip("wrk is not installed (apt-get install wrk); the python client covers the same")
    with app.app_context():
        generate(5, today=today())
    # Signed in as one browser, then asking as another: the strong session protection
    # drops the session and every answer is the redirect to the login page.
    stolen = run_load(live_server.url, 1, 2, client, user_agent="other-browser/1", session_user_agent="lp-bench/2")
    assert stolen.statuses["302"] > 0
    assert "200" not in stolen.statuses
    assert not stolen.ok
    honest = run_load(live_server.url, 1, 2, client)
    assert set(honest.statuses) == {"200"} and honest.total > 0
    assert honest.ok and honest.p50_ms is not None
