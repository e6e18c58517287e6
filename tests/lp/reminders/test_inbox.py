"""The reminder inbox: mine and all, filters, acknowledge and snooze, the count in the menu."""

import re
from datetime import date, datetime

import pytest
import time_machine
from sqlalchemy import select

from lp.reminders.models import Reminder
from lp.requests.models import LpRequest
from lp.web.extensions import db
from tests.conftest import csrf_token_from

from .conftest import AMSTERDAM


def _nine_on(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=9, tzinfo=AMSTERDAM)


@pytest.fixture(autouse=True)
def clock():
    """Start every test at 09:00 on Friday 6 February 2026 (logging in included); ``move_to`` moves on."""
    with time_machine.travel(_nine_on("2026-02-06"), tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(app, login_as, make_user, make_country, make_person, make_request, sweep_on):
    """Me (staff, logged in) holding GN; a colleague holding MA, where one person is my case.

    Swept on 5 February 2026: each request has "reply overdue, level 1" (since 31 January for
    MA); the GN request of a detained person (submitted 20 December, due 19 January like
    anyone's) has level 2 instead, since 4 February: detention halves our own escalation
    interval, and level 2 supersedes level 1.
    """
    me = login_as("staff", email="me@example.org", display_name="Mia Mine")
    other = make_user("other@example.org", role="staff")
    reviewed = date(2026, 1, 1)
    make_country("GN", portfolio_holder_id=me, last_reviewed_on=reviewed, missions=[{"name": "Ambassade van Guinee"}])
    make_country("MA", portfolio_holder_id=other, last_reviewed_on=reviewed,
                 missions=[{"name": "Ambassade van Marokko"}])
    detained = make_person(name="Gina <script>alert(1)</script> Guinee", nationality="GN",
                           in_detention_since="2025-12-01")
    my_case = make_person(name="Mo Mine", nationality="MA", case_officer="me@example.org")
    theirs = make_person(name="Tom Theirs", nationality="MA")
    ids = {
        "gn": make_request("GN", person_id=detained, submitted_on="2025-12-20"),
        "my_case": make_request("MA", person_id=my_case, submitted_on="2025-12-31"),
        "theirs": make_request("MA", person_id=theirs, submitted_on="2025-12-31"),
    }
    sweep_on("2026-02-05")
    with app.app_context():
        refs = {key: db.session.get(LpRequest, rid).reference for key, rid in ids.items()}
        reminders = {(r.request_id, r.kind, r.level): r.id for r in db.session.scalars(select(Reminder))}
    return {"me": me, "ids": ids, "refs": refs, "reminders": reminders}


def _reminder(world, key, level=1):
    return world["reminders"][(world["ids"][key], "reply_overdue", level)]


def _page(client, url="/reminders/", status=200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_mine_shows_my_portfolio_and_my_cases_only(client, world):
    html = _page(client)
    assert world["refs"]["gn"] in html and world["refs"]["my_case"] in html
    assert world["refs"]["theirs"] not in html
    assert "Antwoord te laat – niveau 2 (nota verbale)" in html
    # Detention first: the GN reminders come before the others, despite equal or later dates.
    assert html.index(world["refs"]["gn"]) < html.index(world["refs"]["my_case"])
    assert "Bewaring: voorrang" in html


def test_all_shows_everyones_reminders(client, world):
    html = _page(client, "/reminders/?scope=all")
    assert all(world["refs"][key] in html for key in ("gn", "my_case", "theirs"))
    assert "3 herinneringen" in html  # one per request: GN at level 2 supersedes its level 1


def test_filters_by_kind_level_country_and_mission(app, client, world):
    with app.app_context():
        ma_mission = db.session.get(LpRequest, world["ids"]["theirs"]).mission_id
    level2 = _page(client, "/reminders/?scope=all&kind=reply_overdue&level=2")
    morocco = _page(client, "/reminders/?scope=all&country=ma")
    mission = _page(client, f"/reminders/?scope=all&mission={ma_mission}")
    other_kind = _page(client, "/reminders/?scope=all&kind=lp_expiring")
    bad = _page(client, "/reminders/?level=7&kind=nonsense", status=422)
    assert "1 herinnering" in level2 and world["refs"]["gn"] in level2
    for html in (morocco, mission):
        assert world["refs"]["theirs"] in html and world["refs"]["my_case"] in html
        assert world["refs"]["gn"] not in html
    assert "Geen herinneringen" in other_kind
    assert "Kies niveau 1, 2 of 3." in bad and "Onbekende soort herinnering." in bad


def test_acknowledge_hides_it_and_records_who_and_when(app, client, world):
    reminder_id = _reminder(world, "my_case")
    page = _page(client, f"/reminders/{reminder_id}")
    response = client.post(f"/reminders/{reminder_id}/acknowledge",
                           data={"acknowledge-note": "Embassy phoned: answer next week",
                                 "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    inbox = _page(client)
    handled = _page(client, "/reminders/?handled=1")
    with app.app_context():
        reminder = db.session.get(Reminder, reminder_id)
        assert reminder.acknowledged_by_id == world["me"]
        assert reminder.acknowledged_at.date() == date(2026, 2, 6)
        assert reminder.note == "Embassy phoned: answer next week"
    assert world["refs"]["my_case"] not in inbox
    assert world["refs"]["my_case"] in handled and "Afgehandeld door Mia Mine" in handled


def test_snooze_hides_it_until_the_day_it_comes_back(app, client, world, clock):
    reminder_id = _reminder(world, "my_case")
    page = _page(client, f"/reminders/{reminder_id}")
    response = client.post(f"/reminders/{reminder_id}/snooze",
                           data={"snooze-until": "2026-02-20", "snooze-note": "Awaiting the consul's visit",
                                 "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    assert world["refs"]["my_case"] not in _page(client)
    clock.move_to(_nine_on("2026-02-19"))
    assert world["refs"]["my_case"] not in _page(client)
    clock.move_to(_nine_on("2026-02-20"))
    assert world["refs"]["my_case"] in _page(client)
    assert "Uitgesteld tot 20 feb 2026" in _page(client, f"/reminders/{reminder_id}")  # who and when, kept


@pytest.mark.parametrize("until", ["2026-02-06", "2026-01-31"])
def test_a_snooze_date_not_in_the_future_is_refused(app, client, world, until):
    reminder_id = _reminder(world, "my_case")
    page = _page(client, f"/reminders/{reminder_id}")
    response = client.post(f"/reminders/{reminder_id}/snooze",
                           data={"snooze-until": until, "snooze-note": "later",
                                 "csrf_token": csrf_token_from(page)})
    assert response.status_code == 422
    assert "Kies een dag na vandaag." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Reminder, reminder_id).snoozed_until is None


def test_a_snooze_needs_a_note(app, client, world):
    reminder_id = _reminder(world, "my_case")
    page = _page(client, f"/reminders/{reminder_id}")
    response = client.post(f"/reminders/{reminder_id}/snooze",
                           data={"snooze-until": "2026-02-20", "csrf_token": csrf_token_from(page)})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Reminder, reminder_id).snoozed_until is None


def test_the_menu_counts_my_open_reminders(client, world):
    def badge(html):
        match = re.search(r"Herinneringen <span class=\"badge[^\"]*\">(\d+)<", html)
        return int(match.group(1)) if match else 0

    assert badge(_page(client, "/")) == 2  # GN at level 2 (level 1 superseded), and my case in MA
    page = _page(client, f"/reminders/{_reminder(world, 'gn', 2)}")
    client.post(f"/reminders/{_reminder(world, 'gn', 2)}/acknowledge", data={"csrf_token": csrf_token_from(page)})
    assert badge(_page(client, "/requests/")) == 1


def test_a_viewer_reads_but_cannot_acknowledge_or_snooze(app, client, auth, make_user, world):
    auth.logout()
    make_user("viewer@example.org", role="viewer")
    auth.login("viewer@example.org")
    reminder_id = _reminder(world, "theirs")
    page = _page(client, "/reminders/?scope=all")
    assert world["refs"]["theirs"] in page and "Afhandelen" not in page
    token = csrf_token_from(page)
    for action in ("acknowledge", "snooze"):
        response = client.post(f"/reminders/{reminder_id}/{action}",
                               data={"snooze-until": "2026-03-01", "snooze-note": "x", "csrf_token": token})
        assert response.status_code == 403
    with app.app_context():
        reminder = db.session.get(Reminder, reminder_id)
        assert reminder.acknowledged_at is None and reminder.snoozed_until is None


def test_a_stored_script_in_a_name_is_shown_as_text(client, world):
    html = _page(client)
    assert "<script>alert(1)</script>" not in html
    assert "Gina &lt;script&gt;alert(1)&lt;/script&gt; Guinee" in html


def test_due_since_is_worded_as_a_task_not_as_expired(client, world):
    """Defect 17 of issue 11: "Verlopen sinds" read as "expired since"."""
    inbox = _page(client)
    assert "Te doen sinds" in inbox and "Verlopen sinds" not in inbox
    page = _page(client, f"/reminders/{_reminder(world, 'my_case')}")
    assert "Te doen sinds" in page and "Verlopen sinds" not in page
