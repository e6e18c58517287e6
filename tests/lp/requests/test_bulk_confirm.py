"""Defect 10 of issue 11: the list's bulk note verbale recorded on every selected request in one click.

Now the bulk form first shows a page with the count, the requests, the date and the
note; only its button records. The same day the batch can be undone: a reversal on
each request's timeline, nothing deleted; the next day, or a second time, it cannot.
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from countries.services import get_country
from lp.requests.models import RequestEvent
from lp.web.extensions import db
from tests.conftest import Auth, csrf_token_from, post_form
from tests.lp.requests.test_views import _ref, confirm_bulk

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(autouse=True)
def frozen():
    """Every test here runs on Tuesday 10 November 2026."""
    with time_machine.travel(datetime(2026, 11, 10, 9, tzinfo=AMSTERDAM), tick=False):
        yield


@pytest.fixture
def guinean(app, login_as, make_country, make_person, make_request):
    """Three submitted requests of Diallo to the Guinean embassy, and a Moroccan one."""
    make_country("GN", missions=[{"name": "Ambassade van Guinee"}])
    make_country("MA", missions=[{"name": "Ambassade van Marokko"}])
    person = make_person(name="Amadou Diallo", nationality="GN")
    ids = [make_request("GN", person_id=person, submitted_on="2026-10-01", repeat_reason="three files")
           for _ in range(3)]
    moroccan = make_request("MA", submitted_on="2026-10-01")
    with app.app_context():
        mission = get_country("GN").missions[0].id
    login_as("staff")
    return mission, ids, moroccan


def _step(client, mission, ids, note="second reminder", listing=None):
    listing = listing or f"/requests/?mission={mission}"
    page = client.get(listing).get_data(as_text=True)
    action = re.search(r'id="bulk-form" method="post" action="([^"]+)"', page).group(1).replace("&amp;", "&")
    return client.post(action, data={"ids": [str(i) for i in ids], "occurred_on": "2026-11-03", "note": note,
                                     "csrf_token": csrf_token_from(page)})


def _events(app, kind):
    with app.app_context():
        return sorted(db.session.scalars(select(RequestEvent.request_id).where(RequestEvent.kind == kind)))


def _undo_action(client, mission):
    page = client.get(f"/requests/?mission={mission}").get_data(as_text=True)
    found = re.search(r'action="(/requests/bulk/note-verbale/\d+/undo[^"]*)"', page)
    return (found.group(1).replace("&amp;", "&") if found else None), page


def test_the_bulk_form_first_shows_the_count_and_the_requests_and_records_nothing(app, client, guinean):
    mission, ids, _moroccan = guinean
    step = _step(client, mission, ids, note="Rappel & relance")
    assert step.status_code == 200
    page = " ".join(step.get_data(as_text=True).split())
    assert "De nota verbale wordt vastgelegd bij 3 aanvragen:" in page
    assert all(f">{_ref(i)}</a> · Ambassade van Guinee" in page for i in ids)
    assert "3 november 2026" in page and "Rappel &amp; relance" in page
    assert "Vastleggen bij 3 aanvragen" in page and "Annuleren" in page
    assert "Diallo" not in page  # no personal names needed to confirm
    assert _events(app, "contact") == []  # nothing recorded before confirming

    done = confirm_bulk(client, step)
    assert done.status_code == 302
    assert "Nota verbale vastgelegd bij 3 aanvragen" in client.get(done.headers["Location"]).get_data(as_text=True)
    assert _events(app, "contact") == sorted(ids)
    with app.app_context():
        assert {e.note for e in db.session.scalars(select(RequestEvent).where(RequestEvent.kind == "contact"))} \
            == {"Rappel & relance"}


def test_the_confirmation_keeps_the_filtered_list_rule_and_is_recorded_once(app, client, guinean):
    mission, ids, moroccan = guinean
    step = _step(client, mission, ids[:2])
    # A request slipped into the confirmation that the filtered list does not hold: refused.
    forged = step.get_data(as_text=True).replace(f'name="ids" value="{ids[0]}"', f'name="ids" value="{moroccan}"')
    refused = confirm_bulk(client, forged)
    assert refused.status_code == 422 and "niet in de gefilterde lijst" in refused.get_data(as_text=True)
    assert confirm_bulk(client, step).status_code == 302
    again = confirm_bulk(client, step)  # the same confirmation sent twice (back button, double click)
    assert again.status_code == 409 and "Er is niets vastgelegd" in again.get_data(as_text=True)
    assert _events(app, "contact") == sorted(ids[:2])


def test_the_search_term_stays_out_of_the_urls_of_the_confirmation(app, client, guinean):
    mission, ids, _moroccan = guinean
    listed = post_form(client, "/requests/", {"q": "Diallo", "mission": str(mission)})
    listing = listed.headers["Location"]
    assert "Diallo" not in listing and "search=" in listing
    step = _step(client, mission, ids, listing=listing)
    page = step.get_data(as_text=True)
    assert "Diallo" not in page and "search=" in page
    done = confirm_bulk(client, step)
    assert done.status_code == 302 and "Diallo" not in done.headers["Location"]
    assert "search=" in done.headers["Location"]


def test_a_bulk_note_verbale_is_undone_the_same_day_once_nothing_deleted(app, client, guinean):
    mission, ids, _moroccan = guinean
    assert _undo_action(client, mission)[0] is None  # nothing recorded today yet
    assert confirm_bulk(client, _step(client, mission, ids)).status_code == 302
    undo, page = _undo_action(client, mission)
    assert "Vandaag vastgelegd" in page and "3 aanvragen" in page
    response = client.post(undo, data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302 and f"mission={mission}" in response.headers["Location"]
    listing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nota verbale ongedaan gemaakt bij 3 aanvragen; er is niets verwijderd." in listing
    assert "Vandaag vastgelegd" not in listing
    assert _events(app, "contact") == sorted(ids) and _events(app, "reversal") == sorted(ids)
    timeline = client.get(f"/requests/{ids[0]}").get_data(as_text=True)
    assert "Vastlegging ongedaan gemaakt (per vergissing vastgelegd)" in timeline
    again = client.post(undo, data={"csrf_token": csrf_token_from(page)})
    assert again.status_code == 409 and "Deze nota verbale is al ongedaan gemaakt." in again.get_data(as_text=True)
    assert _events(app, "reversal") == sorted(ids)


def test_a_bulk_note_verbale_cannot_be_undone_the_next_day(app, client, guinean):
    mission, ids, _moroccan = guinean
    assert confirm_bulk(client, _step(client, mission, ids)).status_code == 302
    undo, _page = _undo_action(client, mission)
    with time_machine.travel(datetime(2026, 11, 11, 9, tzinfo=AMSTERDAM), tick=False):
        tomorrow = app.test_client()
        Auth(tomorrow).login("staff@example.org")
        page = tomorrow.get(f"/requests/?mission={mission}").get_data(as_text=True)
        assert "Vandaag vastgelegd" not in page
        response = tomorrow.post(undo, data={"csrf_token": csrf_token_from(page)})
        assert response.status_code == 409
        assert "alleen ongedaan maken op de dag" in response.get_data(as_text=True)
    assert _events(app, "reversal") == []


def test_a_viewer_sees_no_undo_and_cannot_undo(app, client, make_user, guinean):
    mission, ids, _moroccan = guinean
    assert confirm_bulk(client, _step(client, mission, ids)).status_code == 302
    undo, _page = _undo_action(client, mission)
    make_user(email="viewer@example.org", role="viewer")
    viewer = app.test_client()
    Auth(viewer).login("viewer@example.org")
    page = viewer.get(f"/requests/?mission={mission}").get_data(as_text=True)
    assert "Vandaag vastgelegd" not in page
    assert viewer.post(undo, data={"csrf_token": csrf_token_from(page)}).status_code == 403
    assert _events(app, "reversal") == []
