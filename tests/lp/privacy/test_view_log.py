"""Every view of a person's record is logged, and administrators can see who viewed whom."""

from __future__ import annotations

import re

import pytest
from flask_login import login_user
from sqlalchemy import select

from lp.auth.models import User
from lp.persons.views_log import record_person_view
from lp.web.audit import AuditEvent
from lp.web.extensions import db


@pytest.fixture
def view(app):
    """Record that the user with ``user_id`` viewed ``person_id`` (as a page would)."""

    def record(user_id: int, person_id: int) -> None:
        with app.test_request_context("/persons/1"):
            login_user(db.session.get(User, user_id))
            record_person_view(person_id)

    return record


def test_a_view_is_logged_with_who_and_no_personal_data(app, make_user, make_person, view):
    person_id = make_person(name="Aïcha Baldé", v_number="1234567890")
    kim = make_user("kim@example.org")

    view(kim, person_id)

    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.viewed")).one()
        assert (event.action, event.subject_type, event.subject_id, event.actor_id) == (
            "person.viewed", "person", person_id, kim)
        details = dict(event.details)
        trace_id = details.pop("trace_id")  # of the processing records (test_processing_log.py)
        assert details == {"via": "web", "path": "/persons/1"}
        assert re.fullmatch("[0-9a-f]{32}", trace_id)


def test_the_caller_may_commit_the_view_itself(app, make_person):
    person_id = make_person()
    with app.test_request_context("/api/v1/persons/1"):
        record_person_view(person_id, commit=False)
        db.session.rollback()  # the caller's transaction failed: the view goes with it
    with app.app_context():
        assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.viewed")).all() == []


def test_admin_sees_who_viewed_which_person_newest_first(app, client, login_as, make_user, make_person, view):
    first = make_person(v_number="1111111111")
    second = make_person(v_number="2222222222")
    kim = make_user("kim@example.org", display_name="Kim de Vries")
    sam = make_user("sam@example.org", display_name="Sam Bakker")
    view(kim, first)
    view(sam, second)
    login_as("admin", display_name="Anna Admin")

    page = client.get("/privacy/views").get_data(as_text=True)

    assert "Raadplegingen van personen" in page
    assert page.index("Sam Bakker") < page.index("Kim de Vries")
    # The list names persons by id: their V-numbers there would be views of each.
    assert "1111111111" not in page and "2222222222" not in page
    assert f'href="/privacy/views?person={first}"' in page

    only_first = client.get(f"/privacy/views?person={first}").get_data(as_text=True)
    assert "Kim de Vries" in only_first and "Sam Bakker" not in only_first
    assert f"Persoon {first}, V-nummer 1111111111." in only_first  # and this view is logged:
    assert f"/privacy/persons/{first}/export.json" in only_first
    again = client.get(f"/privacy/views?person={first}").get_data(as_text=True)
    assert again.index("Anna Admin") < again.index("Kim de Vries")
    assert '<span class="text-muted small">/privacy/views</span>' in again  # the page that showed it


def test_the_view_log_is_paged(app, client, login_as, make_user, make_person, view):
    from lp.privacy.views import PAGE_SIZE

    person_id = make_person()
    kim = make_user("kim@example.org", display_name="Kim de Vries")
    for _ in range(PAGE_SIZE + 1):
        view(kim, person_id)
    login_as("admin")

    page = client.get(f"/privacy/views?person={person_id}").get_data(as_text=True)

    assert page.count("Kim de Vries") == PAGE_SIZE
    older_link = re.search(r'href="([^"]+)">Ouder<', page).group(1).replace("&amp;", "&")
    older = client.get(older_link).get_data(as_text=True)
    assert older.count("Kim de Vries") == 1 and "Ouder" not in older


def test_a_bad_person_number_is_refused_with_a_message(client, login_as):
    login_as("admin")
    response = client.get("/privacy/views?person=Jansen")
    assert response.status_code == 422
    assert "Vul het nummer (id) van een persoon in." in response.get_data(as_text=True)


def test_admin_pages_link_to_the_view_log(client, login_as):
    login_as("admin")
    assert 'href="/privacy/views"' in client.get("/admin/audit").get_data(as_text=True)
    assert 'href="/privacy/views"' in client.get("/admin/users").get_data(as_text=True)


@pytest.mark.parametrize("role", ["viewer", "staff"])
@pytest.mark.parametrize("path", ["/privacy/views", "/privacy/views?person=1", "/privacy/persons/1/export.json"])
def test_only_administrators_see_the_privacy_pages(client, login_as, make_person, role, path):
    make_person()
    login_as(role)
    assert client.get(path).status_code == 403
