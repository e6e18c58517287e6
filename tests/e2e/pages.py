"""Every HTML page of the app: the URL map's GET routes, with ids taken from the data in the database."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from lp.web.extensions import db

#: Endpoints that are not pages: the API, feeds, the health check, static files, the time-out
#: warning's status (JSON), the code step (only between password and session: tests/e2e/test_mfa.py), and a file's
#: download.
#: (oidc.: the single sign-on hand-offs, which redirect to the provider or answer 404 without one.)
NOT_PAGES = ("api.", "calendar.", "health.", "static", "auth.session_status", "mfa.code", "oidc.", "files.download",
             "saved.open_view")  # opening a saved view redirects to its list
#: Query arguments a page needs besides those of its URL rule.
QUERIES = {"requests.new": "?person={person_id}"}


def page_urls(app, ids: dict[str, object]) -> list[str]:
    """Return a URL of every HTML page in the URL map (downloads and API left out)."""
    urls = []
    for rule in app.url_map.iter_rules():
        download = rule.rule.endswith((".csv", ".json", ".pdf"))
        if "GET" not in rule.methods or rule.endpoint.startswith(NOT_PAGES) or download:
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **{name: ids[name] for name in rule.arguments})
        urls.append(url + QUERIES.get(rule.endpoint, "").format(**ids))
    return sorted(urls)


def seeded_ids(app) -> dict[str, object]:
    """Return values for the URL rules' arguments, taken from rich records of the database.

    The country has agreements and missions; the request is an open one of that country with a reminder, so its page
    shows actions, a checklist and a timeline, and its person has an identity document.
    """
    from countries.models import Agreement, Country
    from lp.auth.models import User
    from lp.persons.models import IdentityDocument
    from lp.reminders.models import Reminder
    from lp.requests.models import LpRequest

    with app.app_context():
        request_id, country_id = db.session.execute(
            select(LpRequest.id, LpRequest.country_id).join(Reminder, Reminder.request_id == LpRequest.id)
            .join(Agreement, Agreement.country_id == LpRequest.country_id)
            .join(IdentityDocument, IdentityDocument.person_id == LpRequest.person_id)
            .where(LpRequest.is_open.is_(True), LpRequest.mission_id.isnot(None))
            .order_by(LpRequest.id).limit(1)).one()
        request = db.session.get(LpRequest, request_id)
        document = db.session.scalar(select(IdentityDocument.id).where(IdentityDocument.person_id == request.person_id)
                                     .order_by(IdentityDocument.id).limit(1))
        mission = request.mission_id
        return {
            "alpha2": db.session.get(Country, country_id).alpha2, "items": "missions", "item_id": mission,
            "mission_id": mission, "person_id": request.person_id, "request_id": request_id,
            "user_id": db.session.scalar(select(User.id).where(User.role == "staff").order_by(User.id).limit(1)),
            "document_id": document,
            "reminder_id": db.session.scalar(select(Reminder.id).where(Reminder.request_id == request_id)
                                             .order_by(Reminder.id).limit(1)),
            "day_id": presentation_day(mission),
            "attachment_id": attachment_of(request),
            "view_id": saved_view_id(app),  # last: it ends the session the others use
        }


def presentation_day(mission_id: int) -> int:
    """Return a presentation day at the mission (made, empty, once: the demo data has none)."""
    from datetime import datetime, time, timedelta

    from lp.presentations.models import PresentationDay

    found = db.session.scalar(select(PresentationDay.id).where(PresentationDay.mission_id == mission_id)
                              .order_by(PresentationDay.id).limit(1))
    if found is None:
        starts = datetime.combine(datetime.now().date() + timedelta(days=7), time(10))
        day = PresentationDay(mission_id=mission_id, starts_at=starts.astimezone(), place="Den Haag")
        db.session.add(day)
        db.session.commit()
        found = day.id
    return found


def saved_view_id(app, email: str = "admin@example.org") -> int:
    """Return the id of a shared saved view of ``email`` (the walks' administrator), made the first time."""
    from lp.auth.models import User
    from lp.saved.models import SavedView

    with app.app_context():
        owner = db.session.scalar(select(User.id).where(User.email == email))
        found = db.session.scalar(select(SavedView.id).where(SavedView.owner_id == owner).limit(1))
        if found is None:
            view = SavedView(owner_id=owner, name="Ingediend", list_name="requests",
                             params={"status": "submitted"}, shared=True)
            db.session.add(view)
            db.session.commit()
            found = view.id
        db.session.remove()
        return found


def attachment_of(request) -> int:
    """Return a file of the request (one uploaded here when it has none): the file pages need one."""
    from lp.files import services
    from lp.files.models import Attachment

    found = db.session.scalar(select(Attachment.id).where(Attachment.request_id == request.id).limit(1))
    if found is not None:
        return found
    letter = b"%PDF-1.4\n%%EOF\n"
    return services.add_to_request(request, services.check_upload(letter, "brief.pdf"), user_id=None).id
