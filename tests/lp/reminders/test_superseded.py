"""A higher escalation level supersedes the lower one: one open reminder per request and kind.

Defect 5 of issue 11: levels 1, 2 and 3 of "reply overdue" stood open side by side
(258 open reminders for 117 requests in the demo), in the inbox, on the dashboard
and in the count in the menu.
"""

import re
from collections import Counter
from datetime import date, datetime

import pytest
import time_machine
from sqlalchemy import select

from lp.reminders.models import Reminder
from lp.web.extensions import db
from tests.conftest import Auth

from .conftest import AMSTERDAM

REQUESTS = 12


def _nine_on(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=9, tzinfo=AMSTERDAM)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(_nine_on("2026-01-05"), tick=False) as traveller:
        yield traveller


@pytest.fixture
def requests(login_as, make_country, make_request):
    """Twelve requests submitted on 5 January 2026 to a country in my portfolio that wants presentations."""
    me = login_as("staff", email="me@example.org")
    make_country("GN", portfolio_holder_id=me, last_reviewed_on=date(2026, 1, 1), presentation_required="yes",
                 missions=[{"name": "Ambassade van Guinee"}])
    return [make_request("GN", submitted_on="2026-01-05") for _ in range(REQUESTS)]


def _rows(app) -> list[Reminder]:
    with app.app_context():
        rows = list(db.session.scalars(select(Reminder)))
        db.session.expunge_all()
        return rows


def _logged_in(app):
    client = app.test_client()
    Auth(client).login("me@example.org")
    return client


def _badge(html: str) -> int:
    match = re.search(r"Herinneringen <span class=\"badge[^\"]*\">(\d+)<", html)
    return int(match.group(1)) if match else 0


def _dashboard_references(html: str) -> list[str]:
    block = re.search(r'<ul[^>]*id="list-reminders".*?</ul>', html, flags=re.S)
    assert block
    return re.findall(r"LP-\d{4}-\d{6}", block.group(0))


@pytest.mark.parametrize("day, level", [("2026-02-05", 1), ("2026-03-07", 2), ("2026-05-06", 3)])
def test_one_open_reminder_per_request_and_kind_at_its_highest_level(app, clock, requests,
                                                                      sweep_on, day, level):
    # Walk the days in order up to ``day``: each sweep on its own day, as the scheduler does.
    for step in ("2026-02-05", "2026-03-07", "2026-05-06"):
        sweep_on(step)
        if step == day:
            break
    rows = _rows(app)
    open_rows = [r for r in rows if r.closed_at is None]
    per_subject_kind = Counter((r.subject, r.kind) for r in open_rows)
    assert set(per_subject_kind.values()) == {1}, per_subject_kind
    assert {r.level for r in open_rows if r.kind == "reply_overdue"} == {level}
    assert len([r for r in open_rows if r.kind == "reply_overdue"]) == REQUESTS
    # The lower levels are kept, closed and marked as superseded.
    lower = [r for r in rows if r.kind == "reply_overdue" and r.level < level]
    assert len(lower) == REQUESTS * (level - 1)
    assert all(r.closed_at is not None and r.closed_reason == "superseded" for r in lower)

    clock.move_to(_nine_on(day))
    client = _logged_in(app)  # a session lasts a working day, not months
    html = client.get("/").get_data(as_text=True)
    # The count in the menu is the number of distinct (request, kind) open.
    assert _badge(html) == len(per_subject_kind)
    # The dashboard's first ten are ten different requests.
    references = _dashboard_references(html)
    assert len(references) == 10 and len(set(references)) == 10
    inbox = client.get("/reminders/?kind=reply_overdue").get_data(as_text=True)
    assert f"{REQUESTS} herinneringen" in inbox
    assert len(re.findall(rf"href=\"/reminders/\d+[^\"]*\">Antwoord te laat – niveau {level}", inbox)) == REQUESTS
    assert "niveau" not in inbox.replace(f"niveau {level}", "")


def test_the_reminder_page_says_it_was_superseded(app, clock, requests, sweep_on):
    sweep_on("2026-02-05")
    sweep_on("2026-03-07")
    first = next(r for r in _rows(app) if r.kind == "reply_overdue" and r.level == 1)
    clock.move_to(_nine_on("2026-03-07"))
    client = _logged_in(app)
    html = client.get(f"/reminders/{first.id}").get_data(as_text=True)
    assert "Vervangen door een hoger niveau" in html
