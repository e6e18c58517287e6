"""Bulk work on the request list and the reminder inbox: confirm with the count, then per item done or refused."""

import csv
import html
import io
import re
from datetime import date, datetime

import pytest
import time_machine
from sqlalchemy import select

from lp.reminders.models import Reminder
from lp.requests import services
from lp.requests.models import LpRequest, RequestEvent
from lp.web.extensions import db
from tests.conftest import csrf_token_from

from .conftest import AMSTERDAM


@pytest.fixture(autouse=True)
def clock():
    """Every test runs at 09:00 on Friday 6 February 2026."""
    with time_machine.travel(datetime(2026, 2, 6, 9, tzinfo=AMSTERDAM), tick=False):
        yield


@pytest.fixture
def world(app, login_as, make_user, make_country, make_person, make_request, sweep_on):
    """Three overdue Guinean requests (mine, each with a reminder) and one Moroccan one of a colleague."""
    me = login_as("staff", email="me@example.org", language="en")
    other = make_user("other@example.org", role="staff")
    make_country("GN", portfolio_holder_id=me, last_reviewed_on=date(2026, 1, 1),
                 missions=[{"name": "Ambassade van Guinee"}])
    make_country("MA", portfolio_holder_id=other, last_reviewed_on=date(2026, 1, 1),
                 missions=[{"name": "Ambassade van Marokko"}])
    guinean = [make_request("GN", person_id=make_person(name=f"Guinee {n}", nationality="GN"),
                            submitted_on="2025-12-31") for n in range(3)]
    moroccan = make_request("MA", person_id=make_person(name="Marokko", nationality="MA"), submitted_on="2025-12-31")
    sweep_on("2026-02-05")
    with app.app_context():
        reminders = {r.request_id: r.id for r in db.session.scalars(select(Reminder))}
        refs = {rid: db.session.get(LpRequest, rid).reference for rid in [*guinean, moroccan]}
    return {"guinean": guinean, "moroccan": moroccan, "reminders": reminders, "refs": refs}


def _post(client, listing: str, form_action: str, data: dict):
    """Post the list's bulk form as the page has it (its URL carries the filters, never the selection)."""
    page = client.get(listing).get_data(as_text=True)
    action = html.unescape(re.search(rf'formaction="([^"]*{form_action}[^"]*)"', page).group(1))
    return client.post(action, data={**data, "csrf_token": csrf_token_from(page)})


def _confirm(client, step, **fields):
    """Press the confirmation page's button, with the fields filled in."""
    assert step.status_code == 200, step.get_data(as_text=True)[:2000]
    page = step.get_data(as_text=True)
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)" novalidate', page).group(1))
    data: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page):
        data.setdefault(name, []).append(html.unescape(value))
    return client.post(action, data={**data, **fields})


def _sections(page: str) -> tuple[str, str]:
    done = re.search(r'id="bulk-done">.*?</section>', page, re.S)
    refused = re.search(r'id="bulk-refused">.*?</section>', page, re.S)
    return (done.group(0) if done else ""), (refused.group(0) if refused else "")


def test_bulk_acknowledge_does_the_open_ones_and_refuses_one_closed_meanwhile(app, client, world):
    first, second, third = world["guinean"]
    ticked = [str(world["reminders"][rid]) for rid in world["guinean"]]
    step = _post(client, "/reminders/", "/reminders/bulk", {"action": "acknowledge", "ids": ticked})
    assert "This will be done to 3 items" in step.get_data(as_text=True)
    with app.test_request_context():  # meanwhile a colleague withdraws the second request: its reminder closes
        services.apply_transition(db.session.get(LpRequest, second), "withdraw",
                                  {"closure_reason": "absconded", "decided_on": "2026-02-06"}, user_id=None,
                                  note="")
    result = _confirm(client, step, note="called them")
    page = result.get_data(as_text=True)
    assert result.status_code == 200
    assert "Done: 2. Refused: 1." in page
    done, refused = _sections(page)
    assert world["refs"][first] in done and world["refs"][third] in done
    assert world["refs"][second] in refused and "Closed in the meantime." in refused
    with app.app_context():
        acknowledged = {r.request_id: r.note for r in db.session.scalars(
            select(Reminder).where(Reminder.acknowledged_at.is_not(None)))}
    assert acknowledged == {first: "called them", third: "called them"}


def test_select_all_that_match_acts_on_the_filtered_set_only(app, client, world):
    listing = "/reminders/?scope=all&country=GN"
    step = _post(client, listing, "/reminders/bulk", {"action": "snooze", "all": "1"})
    page = step.get_data(as_text=True)
    assert "This will be done to 3 items" in page
    confirm_url = re.search(r'<form method="post" action="([^"]+)" novalidate', page).group(1)
    assert "ids" not in confirm_url and "shown" not in confirm_url  # the selection is never in a URL
    bad = _confirm(client, step, until="2026-02-01", note="later")
    assert bad.status_code == 422 and "Choose a day after today." in bad.get_data(as_text=True)
    result = _confirm(client, step, until="2026-03-01", note="waiting for the embassy")
    assert "Done: 3. Refused: 0." in result.get_data(as_text=True)
    with app.app_context():
        snoozed = {r.request_id for r in db.session.scalars(
            select(Reminder).where(Reminder.snoozed_until.is_not(None)))}
    assert snoozed == set(world["guinean"])  # not the Moroccan one, though it is in the unfiltered inbox


def test_bulk_contact_records_an_event_on_each_and_refuses_a_stale_one(app, client, world):
    first, second, third = world["guinean"]
    step = _post(client, "/requests/?country=GN", "/requests/bulk",
                 {"action": "contact", "ids": [str(first), str(second), str(third)]})
    with app.test_request_context():  # someone changes the third request after the confirmation was shown
        services.pause_clock(db.session.get(LpRequest, third),
                             {"occurred_on": "2026-02-05", "reason": "waiting for documents"}, user_id=None)
    result = _confirm(client, step, contact_kind="email", occurred_on="2026-02-06", note="asked again")
    page = result.get_data(as_text=True)
    assert "Done: 2. Refused: 1." in page
    _done, refused = _sections(page)
    assert world["refs"][third] in refused and "Someone else changed it" in refused
    with app.app_context():
        mine = sorted(e.request_id for e in db.session.scalars(
            select(RequestEvent).where(RequestEvent.kind == "contact", RequestEvent.note == "asked again")))
    assert mine == [first, second]
    assert "asked again" in client.get(f"/requests/{first}").get_data(as_text=True)


def test_bulk_csv_export_has_the_selected_requests_with_the_list_columns(app, client, world):
    first, _second, third = world["guinean"]
    response = _post(client, "/requests/", "/requests/bulk", {"action": "export", "ids": [str(first), str(third)]})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    from lp.requests.export import COLUMNS

    assert rows[0] == [name for name, _value in COLUMNS]
    assert sorted(row[0] for row in rows[1:]) == sorted([world["refs"][first], world["refs"][third]])
    assert {row[3] for row in rows[1:]} == {"Guinee 0", "Guinee 2"}


def test_a_ticked_request_outside_the_filters_is_never_touched(app, client, world):
    step = _post(client, "/requests/?country=GN", "/requests/bulk",
                 {"action": "contact", "ids": [str(world["guinean"][0]), str(world["moroccan"])]})
    assert "This will be done to 1 item" in step.get_data(as_text=True)
    assert world["refs"][world["moroccan"]] not in step.get_data(as_text=True)


def test_a_viewer_may_download_but_not_change_in_bulk(app, client, world, auth, make_user):
    auth.logout()
    make_user("viewer@example.org", role="viewer", language="en")
    auth.login("viewer@example.org")
    page = client.get("/requests/").get_data(as_text=True)
    assert 'value="export"' in page and 'value="contact"' not in page
    ids = [str(world["guinean"][0])]
    assert _post(client, "/requests/", "/requests/bulk", {"action": "export", "ids": ids}).status_code == 200
    assert _post(client, "/requests/", "/requests/bulk", {"action": "contact", "ids": ids}).status_code == 403
    assert "/reminders/bulk" not in client.get("/reminders/?scope=all").get_data(as_text=True)
    token = csrf_token_from(client.get("/reminders/").get_data(as_text=True))
    refused = client.post("/reminders/bulk", data={"action": "acknowledge", "all": "1", "csrf_token": token})
    assert refused.status_code == 403


def test_nothing_selected_is_refused_with_a_message(client, world):
    response = _post(client, "/requests/", "/requests/bulk", {"action": "contact"})
    assert response.status_code == 422
    assert "Select at least one item, or all that match." in response.get_data(as_text=True)


def test_bulk_reassign_gives_each_request_the_new_owner_and_refuses_one_it_already_has(app, client, world):
    from countries.services import staff_user_id

    with app.app_context():
        other = staff_user_id("other@example.org")
        first = db.session.get(LpRequest, world["guinean"][0])
        first.owner_id = other  # already other's: refused for that one, with the reason
        moroccan_before = db.session.get(LpRequest, world["moroccan"]).version
        db.session.commit()
    step = _post(client, "/requests/?country=GN", "/requests/bulk", {"action": "reassign", "all": "1"})
    assert 'value="other@example.org"' in step.get_data(as_text=True)  # the staff to choose from
    bad = _confirm(client, step, owner="nobody@example.org")
    assert bad.status_code == 422
    assert "No staff account with this email address." in bad.get_data(as_text=True)
    done = _confirm(client, step, owner="other@example.org").get_data(as_text=True)
    assert "Done: 2. Refused: 1." in done
    with app.app_context():
        owners = {r.id: r.owner_id for r in db.session.scalars(
            select(LpRequest).where(LpRequest.id.in_(world["guinean"])))}
        moroccan_after = db.session.get(LpRequest, world["moroccan"]).version
    assert owners == dict.fromkeys(world["guinean"], other)
    assert moroccan_after == moroccan_before  # not in the filter: untouched


def _mission(app):
    from countries.services import get_country

    with app.app_context():
        return get_country("GN").missions[0].id


def test_the_note_verbale_is_one_of_the_bulk_actions_all_or_none(app, client, world):
    listing = f"/requests/?mission={_mission(app)}"
    assert 'value="note_verbale"' not in client.get("/requests/").get_data(as_text=True)  # one mission only
    step = _post(client, listing, "/requests/bulk", {"action": "note_verbale", "all": "1"})
    assert "This will be done to 3 items" in step.get_data(as_text=True)
    result = _confirm(client, step, occurred_on="2026-02-06", note="second reminder")
    assert "Done: 3. Refused: 0." in result.get_data(as_text=True)
    with app.app_context():
        notes = sorted(e.request_id for e in db.session.scalars(
            select(RequestEvent).where(RequestEvent.kind == "contact", RequestEvent.note == "second reminder")))
    assert notes == sorted(world["guinean"])
    assert "Recorded today" in client.get(listing).get_data(as_text=True)  # and undoable there, as before


def test_the_mission_cards_button_takes_all_that_match_too(app, client, world):
    listing = f"/requests/?mission={_mission(app)}"
    page = client.get(listing).get_data(as_text=True)
    action = html.unescape(re.search(r'id="bulk-form" method="post" action="([^"]+)"', page).group(1))
    step = client.post(action, data={"all": "1", "occurred_on": "2026-02-06", "note": "all of them",
                                     "csrf_token": csrf_token_from(page)})
    assert step.status_code == 200
    for request_id in world["guinean"]:
        assert world["refs"][request_id] in step.get_data(as_text=True)
    assert world["refs"][world["moroccan"]] not in step.get_data(as_text=True)
