"""Files on a request or a person: upload, refusal by content and size, download (logged), versions, removal."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from lp.web.extensions import db
from tests.conftest import csrf_token_from
from tests.lp.files import samples


def _upload(client, url: str, data: bytes, name: str, **fields):
    """Post a file as the upload form does (the body built in memory: the test client spools large ones to disk)."""
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    upload = FileStorage(io.BytesIO(data), filename=name, content_type="application/octet-stream")
    boundary, body = encode_multipart({"csrf_token": token, "file": upload, **fields})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _attachments(app):
    from lp.files.models import Attachment

    with app.app_context():
        return list(db.session.scalars(select(Attachment).order_by(Attachment.id)))


def _stored(app) -> list[Path]:
    root = Path(app.instance_path) / "files"
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.mark.parametrize(("data", "name", "mime"), [
    (samples.PDF, "brief.pdf", "application/pdf"),
    (samples.PNG, "scan.png", "image/png"),
    (samples.JPEG, "foto.jpeg", "image/jpeg"),
    (samples.DOCX, "nota.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (samples.ODT, "nota.odt", "application/vnd.oasis.opendocument.text"),
    (samples.EML, "antwoord.eml", "message/rfc822"),
])
def test_each_accepted_kind_is_stored_by_hash_and_listed(app, client, login_as, request_id, data, name, mime):
    import hashlib

    login_as("staff")
    response = _upload(client, f"/requests/{request_id}/files/new", data, name)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert name in page
    [attachment] = _attachments(app)
    assert (attachment.filename, attachment.content_type, attachment.size) == (name, mime, len(data))
    digest = hashlib.sha256(data).hexdigest()
    [path] = _stored(app)
    assert path.name == digest == attachment.sha256 and path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize(("data", "name"), [
    (samples.EXE, "brief.pdf"), (samples.EXE, "nota.docx"), (samples.ZIP, "nota.docx"),
    (b"just some text, no mail headers\n", "antwoord.eml"), (b"#!/bin/sh\nrm -rf /\n", "scan.png"),
])
def test_a_file_of_another_kind_is_refused_whatever_its_name(app, client, login_as, request_id, data, name):
    login_as("staff")
    response = _upload(client, f"/requests/{request_id}/files/new", data, name)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Dit soort bestand wordt niet aangenomen" in page and "PDF, JPEG, PNG, DOCX, ODT, MSG, EML" in page
    assert _attachments(app) == [] and _stored(app) == []


@pytest.mark.parametrize("config_overrides", [{"LP_FILES_MAX_MB": 1}])
def test_a_file_over_the_size_limit_is_refused(app, client, login_as, request_id):
    login_as("staff")
    too_big = samples.PDF + b"0" * (1024 * 1024)
    response = _upload(client, f"/requests/{request_id}/files/new", too_big, "groot.pdf")
    assert response.status_code == 422
    assert "groter dan 1 MB" in response.get_data(as_text=True)
    assert _attachments(app) == [] and _stored(app) == []
    just_fits = samples.PDF + b"0" * (1024 * 1024 - len(samples.PDF))
    assert _upload(client, f"/requests/{request_id}/files/new", just_fits, "past.pdf").status_code == 302


def test_without_a_scanner_the_upload_says_files_are_not_scanned(app, client, login_as, request_id):
    login_as("staff")
    for url in (f"/requests/{request_id}/files/new", f"/requests/{request_id}"):
        page = client.get(url).get_data(as_text=True)
        assert "Bestanden worden niet op virussen gescand" in page
    _upload(client, f"/requests/{request_id}/files/new", samples.PDF, "brief.pdf")
    assert [a.scanned for a in _attachments(app)] == [False]


def test_a_download_gives_the_file_and_is_logged_as_an_export_of_the_person(app, client, login_as, make_user,
                                                                             auth, request_id):
    from lp.persons.views_log import EXPORTED, views_query
    from lp.requests.models import LpRequest

    login_as("staff")
    _upload(client, f"/requests/{request_id}/files/new", samples.PDF, "brief aan ambassade.pdf")
    [attachment] = _attachments(app)
    make_user("kijker@example.org", role="viewer")
    auth.logout()
    auth.login("kijker@example.org")
    response = client.get(f"/files/{attachment.id}/download")
    assert response.status_code == 200 and response.data == samples.PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "brief" in response.headers["Content-Disposition"]
    with app.app_context():
        person_id = db.session.get(LpRequest, request_id).person_id
        events = list(db.session.scalars(views_query(person_id)))
    assert [(e.action, e.details["path"]) for e in events][:1] == [(EXPORTED, f"/files/{attachment.id}/download")]


def test_a_viewer_may_download_but_not_upload(app, client, login_as, request_id):
    login_as("viewer")
    assert client.get(f"/requests/{request_id}/files/new").status_code == 403
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "files/new" not in page


def test_replacing_makes_a_new_version_and_keeps_the_old(app, client, login_as, request_id):
    login_as("staff")
    _upload(client, f"/requests/{request_id}/files/new", samples.PDF, "brief.pdf")
    [old] = _attachments(app)
    response = _upload(client, f"/files/{old.id}/replace", samples.DOCX, "brief.docx")
    assert response.status_code == 302
    old_now, new = _attachments(app)
    assert old_now.superseded_at is not None and new.previous_id == old.id and new.is_current
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "brief.docx" in page and "brief.pdf" not in page
    assert client.get(f"/files/{old.id}/download").data == samples.PDF
    versions = client.get(f"/files/{new.id}/replace").get_data(as_text=True)
    assert "brief.pdf" in versions and "brief.docx" in versions
    # The old version cannot be replaced again: the new one is the file now.
    assert _upload(client, f"/files/{old.id}/replace", samples.PNG, "x.png").status_code == 422
    assert len(_stored(app)) == 2


def test_removing_asks_for_confirmation_and_keeps_the_file_for_retention(app, client, login_as, request_id):
    login_as("staff")
    _upload(client, f"/requests/{request_id}/files/new", samples.PDF, "brief.pdf")
    [attachment] = _attachments(app)
    page = client.get(f"/files/{attachment.id}/remove").get_data(as_text=True)
    assert "Ja, dit bestand verwijderen" in page
    token = csrf_token_from(page)
    refused = client.post(f"/files/{attachment.id}/remove", data={"csrf_token": token})
    assert refused.status_code == 422 and _attachments(app)[0].removed_at is None
    done = client.post(f"/files/{attachment.id}/remove", data={"csrf_token": token, "confirm": "y"})
    assert done.status_code == 302
    assert "brief.pdf" not in client.get(f"/requests/{request_id}").get_data(as_text=True)
    [kept] = _attachments(app)
    assert kept.removed_at is not None and len(_stored(app)) == 1


def test_a_person_has_files_of_his_own_and_of_his_requests(app, client, login_as, request_id):
    from lp.requests.models import LpRequest

    with app.app_context():
        person_id = db.session.get(LpRequest, request_id).person_id
    login_as("staff")
    _upload(client, f"/requests/{request_id}/files/new", samples.PDF, "brief.pdf")
    assert _upload(client, f"/persons/{person_id}/files/new", samples.PNG, "geboorteakte.png").status_code == 302
    page = client.get(f"/persons/{person_id}").get_data(as_text=True)
    assert "brief.pdf" in page and "geboorteakte.png" in page
    request_page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "brief.pdf" in request_page and "geboorteakte.png" not in request_page


def test_a_contact_records_the_letter_attached_on_its_timeline_event(app, client, login_as, request_id):
    from lp.requests.models import LpRequest, RequestEvent

    login_as("staff")
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    with app.app_context():
        version = db.session.get(LpRequest, request_id).version
    response = client.post(f"/requests/{request_id}/actions/contact", data={
        "csrf_token": csrf_token_from(page), "contact-version": str(version),
        "contact-contact_kind": "note_verbale",
        "contact-occurred_on": "2026-11-02", "contact-note": "Nota verbale verstuurd",
        "file": (io.BytesIO(samples.PDF), "nota-verbale.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    [attachment] = _attachments(app)
    with app.app_context():
        event = db.session.scalars(select(RequestEvent).where(RequestEvent.kind == "contact")).one()
    assert attachment.event_id == event.id
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "Bijgevoegd:" in page and "nota-verbale.pdf" in page


def test_a_contact_with_a_refused_file_records_nothing(app, client, login_as, request_id):
    from lp.requests.models import LpRequest, RequestEvent

    login_as("staff")
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    with app.app_context():
        version = db.session.get(LpRequest, request_id).version
    response = client.post(f"/requests/{request_id}/actions/contact", data={
        "csrf_token": csrf_token_from(page), "contact-version": str(version),
        "contact-contact_kind": "note_verbale",
        "contact-occurred_on": "2026-11-02", "contact-note": "", "file": (io.BytesIO(samples.EXE), "nota-verbale.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Dit soort bestand wordt niet aangenomen" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(RequestEvent).where(RequestEvent.kind == "contact")).all() == []
    assert _attachments(app) == []


def test_the_request_page_reads_its_files_in_a_fixed_number_of_queries(app, client, login_as, request_id,
                                                                       count_queries):
    from lp.files import content, services
    from lp.requests.models import LpRequest

    user_id = login_as("staff")

    def add(n: int) -> None:
        with app.test_request_context():
            lp_request = db.session.get(LpRequest, request_id)
            for i in range(n):
                data = samples.PDF + str(i).encode()
                services.add_to_request(lp_request, services.CheckedUpload(data, f"brief-{i}.pdf", content.PDF,
                                                                           False), user_id=user_id)

    add(1)
    client.get(f"/requests/{request_id}")  # the first view of the day counts and keeps the expected-answer curves
    with count_queries:
        one = client.get(f"/requests/{request_id}")
    few = count_queries.count
    add(19)
    with count_queries:
        twenty = client.get(f"/requests/{request_id}")
    assert one.status_code == twenty.status_code == 200
    assert twenty.get_data(as_text=True).count("/download") == 20
    assert count_queries.count == few, count_queries.statements


def test_retention_deletes_the_files_of_an_anonymised_person_and_old_removed_files(app, make_person, make_user):
    """Rows and bytes go; bytes another row still uses stay."""
    from lp.files import content, services
    from lp.files.models import Attachment
    from lp.persons.models import Person
    from lp.privacy.retention import apply_retention
    from tests.lp.privacy.conftest import on, years_ago

    admin = make_user("kim@example.org", role="admin")
    with on(years_ago(8)):
        old = make_person(name="Oud Geval", v_number="9876543210")
    # Registered now (not due): only his file removed long ago goes.
    removed_long_ago = make_person(name="Recent Geval", v_number="9876543211")
    shared = samples.PDF + b"gedeeld"
    with on(years_ago(8)), app.test_request_context():
        def upload(person_id: int, data: bytes, name: str) -> Attachment:
            return services.add_to_person(db.session.get(Person, person_id),
                                          services.CheckedUpload(data, name, content.PDF, False), user_id=admin)

        upload(old, samples.PDF, "oud.pdf")
        upload(old, shared, "gedeeld.pdf")
        services.remove(upload(removed_long_ago, samples.PDF + b"weg", "weg.pdf"), user_id=admin)
    with app.test_request_context():
        kept = services.add_to_person(db.session.get(Person, removed_long_ago),
                                      services.CheckedUpload(shared, "ook-gedeeld.pdf", content.PDF, False),
                                      user_id=admin).id
    assert len(_stored(app)) == 3

    with app.app_context():
        plan = apply_retention()
        assert plan.person_ids == [old]
        assert (plan.files, len(plan.removed_file_ids)) == (2, 1)
    assert [a.id for a in _attachments(app)] == [kept]
    # The content the surviving row uses stays; the others are gone.
    assert [path.read_bytes() for path in _stored(app)] == [shared]
