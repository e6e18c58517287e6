"""Saved views: a list's filters under a name, private or shared, counted, renamed, deleted, mailed weekly."""

import csv
import io
import re
from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from lp.mail.models import OutboxMail
from lp.saved.models import SavedView
from lp.scheduler import JOBS, run_job
from lp.web.extensions import db
from tests.conftest import csrf_token_from

MONDAY = datetime(2026, 3, 9, 8, 5)  # a Monday in week 11, when the job runs


@pytest.fixture
def config_overrides(mail_settings):
    return mail_settings


@pytest.fixture
def lists(app, make_user, make_country, make_person, make_request):
    """Two Guinean requests (one submitted), one Moroccan; two staff members."""
    make_user("ann@example.org", role="staff", display_name="Ann", language="en")
    make_user("bob@example.org", role="staff", display_name="Bob", language="en")
    make_country("GN", missions=[{"name": "Ambassade van Guinee"}])
    make_country("MA", missions=[{"name": "Ambassade van Marokko"}])
    return {
        "gn": make_request("GN", person_id=make_person(name="Alpha Barry", nationality="GN"),
                           submitted_on="2026-01-05"),
        "gn_draft": make_request("GN", person_id=make_person(name="Binta Barry", nationality="GN")),
        "ma": make_request("MA", person_id=make_person(name="Omar Alaoui", nationality="MA"),
                           submitted_on="2026-01-05"),
    }


def _save(client, listing: str, name: str, **flags):
    """Save the list's current filters with the list's own form (its hidden inputs as the page has them)."""
    page = client.get(listing).get_data(as_text=True)
    form = re.search(r'<form method="post" action="/views/"(.*?)</form>', page, re.S).group(1)
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    return client.post("/views/", data={**data, "name": name, "csrf_token": csrf_token_from(page), **flags})


def _view(app, name):
    with app.app_context():
        return db.session.scalar(select(SavedView).where(SavedView.name == name))


def test_a_shared_view_is_seen_by_a_colleague_a_private_one_is_not(app, client, auth, lists):
    auth.login("ann@example.org")
    assert _save(client, "/requests/?country=GN&status=submitted", "Guinea waiting", shared="yes").status_code == 302
    assert _save(client, "/requests/?country=MA", "My Morocco").status_code == 302
    shared, private = _view(app, "Guinea waiting"), _view(app, "My Morocco")
    assert shared.params == {"country": "GN", "status": "submitted"} and shared.shared
    page = client.get("/requests/").get_data(as_text=True)
    assert re.search(r"Guinea waiting <span class=\"badge[^>]*>1</span>", page)  # one COUNT: the submitted one
    auth.logout()

    auth.login("bob@example.org")
    listing = client.get("/views/").get_data(as_text=True)
    assert "Guinea waiting" in listing and "My Morocco" not in listing
    opened = client.get(f"/views/{shared.id}")
    assert opened.status_code == 302
    location = opened.headers["Location"]
    assert location.startswith("/requests/?") and "country=GN" in location and "status=submitted" in location
    assert client.get(f"/views/{private.id}").status_code == 404
    assert client.get(f"/views/{shared.id}/edit").status_code == 403  # not his to change
    token = csrf_token_from(listing)
    assert client.post(f"/views/{shared.id}/delete", data={"csrf_token": token}).status_code == 403


def test_rename_and_delete_own_view_after_confirmation(app, client, auth, lists):
    auth.login("ann@example.org")
    _save(client, "/reminders/?scope=all&kind=reply_overdue", "Overdue")
    view = _view(app, "Overdue")
    assert view.list_name == "reminders" and view.params == {"scope": "all", "kind": "reply_overdue"}
    page = client.get(f"/views/{view.id}/edit").get_data(as_text=True)
    token = csrf_token_from(page)
    bad = client.post(f"/views/{view.id}/edit", data={"name": " ", "csrf_token": token})
    assert bad.status_code == 422 and "Give the view a name." in bad.get_data(as_text=True)
    client.post(f"/views/{view.id}/edit", data={"name": "Late answers", "shared": "yes", "csrf_token": token})
    assert _view(app, "Late answers").shared
    confirm = client.get(f"/views/{view.id}/delete").get_data(as_text=True)
    assert "Delete view “Late answers”?" in confirm
    client.post(f"/views/{view.id}/delete", data={"csrf_token": csrf_token_from(confirm)})
    assert _view(app, "Late answers") is None


def test_filters_are_validated_when_saved_and_the_search_term_is_not_kept(app, client, auth, lists):
    auth.login("ann@example.org")
    page = client.get("/requests/").get_data(as_text=True)
    refused = client.post("/views/", data={"list_name": "requests", "name": "Broken", "p.status": "nonsense",
                                           "csrf_token": csrf_token_from(page)}, follow_redirects=True)
    assert "The view was not saved: Unknown status." in refused.get_data(as_text=True)
    assert _view(app, "Broken") is None
    client.post("/views/", data={"list_name": "requests", "name": "Named", "p.q": "Barry", "p.country": "GN",
                                 "csrf_token": csrf_token_from(page)})
    assert _view(app, "Named").params == {"country": "GN"}
    _save(client, "/countries/?presentation_required=yes", "Presentation")
    assert _view(app, "Presentation").list_name == "countries"


def test_the_weekly_csv_arrives_once_through_the_real_smtp_server(app, client, auth, lists, smtp_server):
    auth.login("ann@example.org")
    _save(client, "/requests/?country=GN", "Guinea weekly", weekly_csv="yes")
    _save(client, "/requests/?country=MA", "Not mailed")
    job = next(job for job in JOBS if job.name == "saved_views")
    with time_machine.travel(MONDAY, tick=False):
        run_job(app, job)
        run_job(app, job)  # a second scheduler, or a restart: no second mail
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        run_job(app, job)
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "ann@example.org"
    assert message["Subject"] == "LP-tracker view “Guinea weekly”, week 2026-W11"
    assert "holds 2 rows this week" in message.get_body(("plain",)).get_content()
    attachment = next(message.iter_attachments())
    assert attachment.get_filename().endswith("-2026-W11.csv")
    rows = list(csv.reader(io.StringIO(attachment.get_content().lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:2] == ["reference", "embassy_reference"]
    assert sorted(row[3] for row in rows[1:]) == ["Alpha Barry", "Binta Barry"]
    with app.app_context():
        assert db.session.scalar(select(db.func.count(OutboxMail.id))) == 1
    with time_machine.travel(MONDAY + timedelta(days=7), tick=False):
        run_job(app, job)
    assert len(smtp_server.messages) == 2  # the next week's


def test_the_views_beside_a_list_cost_one_count_each_and_are_capped(app, client, auth, lists, count_queries):
    from lp.saved.services import SHOWN

    auth.login("ann@example.org")

    def add(n):
        with app.app_context():
            from lp.auth.models import User

            owner = db.session.scalar(select(User.id).where(User.email == "bob@example.org"))
            for i in range(n):
                db.session.add(SavedView(owner_id=owner, name=f"View {i:02d}", list_name="requests",
                                         params={"country": "GN"}, shared=True))
            db.session.commit()

    def cost():
        with count_queries:
            assert client.get("/requests/").status_code == 200
        return count_queries.count

    none = cost()
    add(1)
    one = cost()
    add(SHOWN + 5)
    many = cost()
    assert one == none + 1  # one COUNT for the one view
    assert many == none + SHOWN  # at most SHOWN views, one COUNT each
    page = client.get("/requests/").get_data(as_text=True)
    assert page.count('href="/views/') == SHOWN + 2  # and "All views", and the menu


def test_a_country_view_is_mailed_in_the_country_export_format(app, client, auth, lists, smtp_server):
    auth.login("ann@example.org")
    _save(client, "/countries/", "Countries in use", weekly_csv="yes")
    with time_machine.travel(MONDAY, tick=False):
        run_job(app, next(job for job in JOBS if job.name == "saved_views"))
    attachment = next(smtp_server.messages[0].iter_attachments())
    rows = list(csv.reader(io.StringIO(attachment.get_content().lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "alpha2" and sorted(row[0] for row in rows[1:]) == ["GN", "MA"]  # in use: the list's rows
