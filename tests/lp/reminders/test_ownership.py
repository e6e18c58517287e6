"""An owner per request: the default, reassigning it (page, API, service), "mine" following the owner."""

import re
from datetime import date, datetime

import pytest
import time_machine
from sqlalchemy import select, text

from lp.auth.models import User
from lp.core.validation import Conflict, ValidationFailed
from lp.reminders import services as reminder_services
from lp.reminders.models import Reminder
from lp.requests import ownership
from lp.requests.models import LpRequest
from lp.web.audit import AuditEvent
from lp.web.extensions import db
from tests.conftest import csrf_token_from

from .conftest import AMSTERDAM


@pytest.fixture(autouse=True)
def clock():
    """09:00 on Friday 6 February 2026, logging in included."""
    with time_machine.travel(datetime(2026, 2, 6, 9, 0, tzinfo=AMSTERDAM), tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(app, login_as, make_user, make_country, make_person, make_request, sweep_on):
    """Me (staff, logged in) holding GN; a colleague holding MA; one MA person is my case.

    Swept on 5 February: each request has an open "reply overdue" reminder.
    """
    me = login_as("staff", email="me@example.org", display_name="Mia Mine")
    other = make_user("other@example.org", role="staff", display_name="Olle Other")
    reviewed = date(2026, 1, 1)
    make_country("GN", portfolio_holder_id=me, last_reviewed_on=reviewed, missions=[{"name": "Ambassade van Guinee"}])
    make_country("MA", portfolio_holder_id=other, last_reviewed_on=reviewed,
                 missions=[{"name": "Ambassade van Marokko"}])
    ids = {
        "gn": make_request("GN", submitted_on="2025-12-20"),
        "my_case": make_request("MA", person_id=make_person(nationality="MA", case_officer="me@example.org"),
                                submitted_on="2025-12-31"),
        "theirs": make_request("MA", submitted_on="2025-12-31"),
    }
    sweep_on("2026-02-05")
    return {"me": me, "other": other, "ids": ids}


def _owner(app, request_id):
    with app.app_context():
        return db.session.get(LpRequest, request_id).owner_id


def _badge(html):
    match = re.search(r"Herinneringen <span class=\"badge[^\"]*\">(\d+)<", html)
    return int(match.group(1)) if match else 0


def _reassign(client, request_id, owner_id, version=None):
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    if version is None:
        version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', page).group(1)
    return client.post(f"/requests/{request_id}/owner", data={
        "owner": str(owner_id), "version": str(version), "csrf_token": csrf_token_from(page)})


def test_the_default_owner_is_the_case_officer_else_the_portfolio_holder(app, world):
    assert _owner(app, world["ids"]["my_case"]) == world["me"]  # my case, in the colleague's country
    assert _owner(app, world["ids"]["gn"]) == world["me"]  # no case officer: the holder of GN
    assert _owner(app, world["ids"]["theirs"]) == world["other"]
    with app.app_context():
        for reminder in db.session.scalars(select(Reminder)):
            assert reminder.owner_id == reminder.request.owner_id  # the sweep gave each its owner


def test_reassigning_on_the_page_moves_mine_the_menu_count_and_the_reminders(app, client, world):
    assert _badge(client.get("/").get_data(as_text=True)) == 2
    mine = client.get("/requests/?owner=me").get_data(as_text=True)
    assert "2 aanvragen" in mine
    response = _reassign(client, world["ids"]["gn"], world["other"])
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Toegewezen aan Olle Other." in page  # the flash
    assert re.search(r'id="owner-name">Olle Other<', page)
    assert "Toegewezen aan Olle Other</h3>" in page  # the timeline
    assert "Vorige eigenaar" in page and "Mia Mine" in page
    assert _owner(app, world["ids"]["gn"]) == world["other"]
    assert _badge(client.get("/").get_data(as_text=True)) == 1
    assert "1 aanvraag" in client.get("/requests/?owner=me").get_data(as_text=True)
    with app.app_context():
        assert {r.owner_id for r in db.session.scalars(
            select(Reminder).where(Reminder.request_id == world["ids"]["gn"]))} == {world["other"]}
        assert reminder_services.count_mine_open(world["other"], date(2026, 2, 6)) == 2
        audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "request.reassigned")).one()
        assert audit.subject_id == world["ids"]["gn"] and audit.actor_id == world["me"]


def test_a_stale_version_is_409_with_the_message_and_changes_nothing(app, client, world):
    request_id = world["ids"]["gn"]
    with app.app_context():
        version = db.session.get(LpRequest, request_id).version
    # Someone changes the request after the page was opened.
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    with app.app_context():
        ownership.reassign(db.session.get(LpRequest, request_id), db.session.get(User, world["other"]), None)
    response = client.post(f"/requests/{request_id}/owner", data={
        "owner": str(world["me"]), "version": str(version), "csrf_token": csrf_token_from(page)})
    assert response.status_code == 409
    assert "Iemand anders heeft deze aanvraag gewijzigd" in response.get_data(as_text=True)
    assert _owner(app, request_id) == world["other"]
    with app.app_context():
        assert db.session.scalar(select(text("count(*)")).select_from(AuditEvent).where(
            AuditEvent.action == "request.reassigned")) == 1


def test_the_service_refuses_with_reasons_and_changes_nothing(app, world, make_user):
    viewer = make_user("viewer@example.org", role="viewer")
    with app.test_request_context():
        request = db.session.get(LpRequest, world["ids"]["theirs"])
        before = request.version
        with pytest.raises(ValidationFailed) as refused:
            ownership.reassign(request, db.session.get(User, viewer), None)
        assert "actieve medewerker" in str(refused.value.errors["owner"][0])
        with pytest.raises(ValidationFailed) as already:
            ownership.reassign(request, db.session.get(User, world["other"]), None)
        assert "Olle Other is al eigenaar" in str(already.value.errors["owner"][0])
        with pytest.raises(Conflict):
            ownership.reassign(request, db.session.get(User, world["me"]), None, expected_version=before - 1)
        db.session.rollback()
        request.is_open = False
        db.session.commit()
        with pytest.raises(Conflict) as closed:
            ownership.reassign(request, db.session.get(User, world["me"]), None)
        assert "afgesloten" in str(closed.value.message)
    assert _owner(app, world["ids"]["theirs"]) == world["other"]


def test_a_viewer_cannot_reassign(app, client, auth, make_user, world):
    auth.logout()
    make_user("viewer@example.org", role="viewer")
    auth.login("viewer@example.org")
    page = client.get(f"/requests/{world['ids']['gn']}").get_data(as_text=True)
    assert "Opnieuw toewijzen" not in page
    response = client.post(f"/requests/{world['ids']['gn']}/owner",
                           data={"owner": str(world["other"]), "version": "1", "csrf_token": csrf_token_from(page)})
    assert response.status_code == 403
    assert _owner(app, world["ids"]["gn"]) == world["me"]


def test_a_portfolio_change_moves_the_countrys_own_reminders(app, world, make_user):
    from countries.models import Country
    from lp.core.signals import profile_changed

    with app.test_request_context():
        country = db.session.scalars(select(Country).where(Country.alpha2 == "MA")).one()
        db.session.add(Reminder(subject=f"country:{country.id}", kind="profile_review", level=1,
                                country_id=country.id, due_since=date(2026, 1, 1), owner_id=world["other"]))
        db.session.commit()
        country.portfolio_holder_id = world["me"]
        profile_changed.send(country, user_id=world["me"])
        db.session.commit()
        owners = {r.kind: r.owner_id for r in db.session.scalars(
            select(Reminder).where(Reminder.country_id == country.id, Reminder.request_id.is_(None)))}
        assert owners == {"profile_review": world["me"]}
        # A request's reminders stay with the request's owner.
        assert db.session.scalars(select(Reminder.owner_id).where(
            Reminder.request_id == world["ids"]["theirs"])).all() == [world["other"]]


def test_the_api_shows_filters_and_reassigns(app, client, bearer, world):
    headers = bearer("staff", email="api@example.org")
    request_id = world["ids"]["theirs"]
    got = client.get(f"/api/v1/requests/{request_id}", headers=headers).json
    assert got["owner"] == {"id": world["other"], "name": "Olle Other"}
    stale = client.put(f"/api/v1/requests/{request_id}/owner", headers=headers,
                       json={"owner_id": world["me"], "version": got["version"] - 1})
    assert stale.status_code == 409
    bad = client.put(f"/api/v1/requests/{request_id}/owner", headers=headers,
                     json={"owner_id": 999999, "version": got["version"]})
    assert bad.status_code == 400 and bad.json["invalidParams"][0]["name"] == "owner_id"
    done = client.put(f"/api/v1/requests/{request_id}/owner", headers=headers,
                      json={"owner_id": world["me"], "version": got["version"]})
    assert done.status_code == 200 and done.json["owner"]["id"] == world["me"]
    listed = client.get(f"/api/v1/requests?owner={world['me']}", headers=headers).json
    assert sorted(item["id"] for item in listed["items"]) == sorted(world["ids"].values())
    mine = client.get("/api/v1/requests?owner=me", headers=headers).json
    assert mine["total"] == 0  # the token's own account owns nothing
    assert client.get("/api/v1/requests?owner=nobody", headers=headers).status_code == 400


def test_submitting_the_owner_unchanged_is_refused_and_changes_nothing(app, client, world):
    request_id = world["ids"]["gn"]
    with app.app_context():
        version = db.session.get(LpRequest, request_id).version
    response = _reassign(client, request_id, world["me"])
    assert response.status_code == 422
    assert "Mia Mine is al eigenaar van deze aanvraag." in response.get_data(as_text=True)
    with app.app_context():
        request = db.session.get(LpRequest, request_id)
        assert (request.owner_id, request.version, len(request.events)) == (world["me"], version, 2)
