"""Every view of a person's record, in the browser or the API, lands in the view log."""

from sqlalchemy import select

from lp.web.audit import AuditEvent
from lp.web.extensions import db


def test_person_and_request_pages_and_api_reads_are_logged(app, client, login_as, bearer, make_country,
                                                           make_request):
    make_country("GN", missions=[{"name": "Ambassade"}])
    request_id = make_request("GN", submitted_on="2026-01-05")
    with app.app_context():
        from lp.requests.models import LpRequest

        person_id = db.session.get(LpRequest, request_id).person_id
    staff_id = login_as("staff")
    assert client.get(f"/persons/{person_id}").status_code == 200
    assert client.get(f"/requests/{request_id}").status_code == 200
    headers = bearer("viewer")
    assert client.get(f"/api/v1/persons/{person_id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/requests/{request_id}", headers=headers).status_code == 200
    with app.app_context():
        views = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.viewed")
                                   .order_by(AuditEvent.id)).all()
        assert [(v.subject_id, v.actor_id == staff_id, v.details["via"]) for v in views] == [
            (person_id, True, "web"), (person_id, True, "web"), (person_id, False, "api"), (person_id, False, "api")]
    # and the administrator sees them
    client.post("/auth/logout")
