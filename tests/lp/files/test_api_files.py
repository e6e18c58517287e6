"""The files of a request in the JSON API: list, upload (multipart), download (logged)."""

from __future__ import annotations

import io

from lp.web.extensions import db
from tests.lp.files import samples
from tests.lp.files.test_files import _attachments


def _post_file(client, request_id: int, headers, data: bytes, name: str):
    return client.post(f"/api/v1/requests/{request_id}/files", headers=headers,
                       data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_upload_list_and_download_through_the_api(app, client, bearer, request_id):
    from lp.persons.views_log import EXPORTED, views_query
    from lp.requests.models import LpRequest

    staff = bearer("staff")
    created = _post_file(client, request_id, staff, samples.PDF, "brief.pdf")
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["filename"], body["content_type"], body["size"], body["scanned"]) == (
        "brief.pdf", "application/pdf", len(samples.PDF), False)
    assert created.headers["Location"] == body["download"] == f"/api/v1/requests/{request_id}/files/{body['id']}"

    viewer = bearer("viewer")
    listed = client.get(f"/api/v1/requests/{request_id}/files", headers=viewer).get_json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]

    download = client.get(body["download"], headers={**viewer, "Accept": "application/pdf"})
    assert download.status_code == 200 and download.data == samples.PDF and download.mimetype == "application/pdf"
    assert download.headers["API-Version"]
    with app.app_context():
        person_id = db.session.get(LpRequest, request_id).person_id
        logged = [(e.action, e.details["via"]) for e in db.session.scalars(views_query(person_id))]
    assert (EXPORTED, "api") in logged


def test_the_api_refuses_a_renamed_executable_and_a_viewer(app, client, bearer, request_id):
    refused = _post_file(client, request_id, bearer("staff"), samples.EXE, "brief.pdf")
    assert refused.status_code == 400
    problem = refused.get_json()
    assert refused.mimetype == "application/problem+json"
    assert [p["name"] for p in problem["invalidParams"]] == ["file"]
    assert _post_file(client, request_id, bearer("viewer"), samples.PDF, "brief.pdf").status_code == 403
    not_multipart = client.post(f"/api/v1/requests/{request_id}/files", headers=bearer("staff"), json={})
    assert not_multipart.status_code == 415
    assert _attachments(app) == []


def test_a_file_of_another_request_is_not_found(app, client, bearer, request_id, make_request):
    other = make_request("GN", submitted_on="2026-10-02")
    staff = bearer("staff")
    file_id = _post_file(client, request_id, staff, samples.PNG, "scan.png").get_json()["id"]
    assert client.get(f"/api/v1/requests/{other}/files/{file_id}", headers=staff).status_code == 404
    assert client.get(f"/api/v1/requests/{other}/files", headers=staff).get_json() == {"items": [], "count": 0}


def _post_person_file(client, person_id: int, headers, data: bytes, name: str):
    return client.post(f"/api/v1/persons/{person_id}/files", headers=headers,
                       data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_a_person_s_files_through_the_api_include_those_on_the_requests(app, client, bearer, request_id):
    from lp.persons.views_log import EXPORTED, views_query
    from lp.requests.models import LpRequest

    with app.app_context():
        person_id = db.session.get(LpRequest, request_id).person_id
    staff = bearer("staff")
    on_request = _post_file(client, request_id, staff, samples.PDF, "brief.pdf").get_json()
    own = _post_person_file(client, person_id, staff, samples.PNG, "paspoort.png")
    assert own.status_code == 201, own.get_json()
    body = own.get_json()
    assert body["request_id"] is None and on_request["request_id"] == request_id
    assert own.headers["Location"] == body["download"] == f"/api/v1/persons/{person_id}/files/{body['id']}"

    viewer = bearer("viewer")
    listed = client.get(f"/api/v1/persons/{person_id}/files", headers=viewer).get_json()
    assert listed["count"] == 2
    assert {(item["filename"], item["request_id"]) for item in listed["items"]} == {
        ("paspoort.png", None), ("brief.pdf", request_id)}
    # The request's file is the person's too, and downloads from either place.
    through_person = client.get(f"/api/v1/persons/{person_id}/files/{on_request['id']}", headers=viewer)
    assert through_person.status_code == 200 and through_person.data == samples.PDF
    download = client.get(body["download"], headers=viewer)
    assert download.status_code == 200 and download.data == samples.PNG and download.mimetype == "image/png"
    with app.app_context():
        exports = [e for e in db.session.scalars(views_query(person_id)) if e.action == EXPORTED]
    assert len(exports) == 2 and {e.details["via"] for e in exports} == {"api"}


def test_a_person_file_refused_or_of_someone_else_changes_and_shows_nothing(app, client, bearer, request_id,
                                                                             make_person):
    from lp.requests.models import LpRequest

    with app.app_context():
        person_id = db.session.get(LpRequest, request_id).person_id
    other = make_person(nationality="GN")
    staff = bearer("staff")
    refused = _post_person_file(client, person_id, staff, samples.EXE, "paspoort.pdf")
    assert refused.status_code == 400
    assert [p["name"] for p in refused.get_json()["invalidParams"]] == ["file"]
    assert _post_person_file(client, person_id, bearer("viewer"), samples.PDF, "x.pdf").status_code == 403
    assert _post_person_file(client, 999999, staff, samples.PDF, "x.pdf").status_code == 404
    assert _attachments(app) == []
    file_id = _post_person_file(client, person_id, staff, samples.PDF, "brief.pdf").get_json()["id"]
    missing = client.get(f"/api/v1/persons/{other}/files/{file_id}", headers=staff)
    assert missing.status_code == 404
    assert missing.get_json()["detail"] == f"Deze persoon heeft geen bestand met nummer {file_id}."
