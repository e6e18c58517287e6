"""The routes of persons in the JSON API: find them, register them, read one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from lp.api import files as api_files
from lp.api.headers import created
from lp.api.inputs import PAGING_PARAMETERS, json_object, pages, query_args, read_paging
from lp.api.openapi import documented
from lp.api.paging import paged
from lp.api.persons.inputs import read_new_person
from lp.api.persons.schemas import NEW_PERSON, PERSON_DETAIL, PERSON_LIST
from lp.api.persons.serialise import person_detail_json, person_json
from lp.api.schemas import INVALID_INPUT, PROBLEM, query_parameter
from lp.auth.roles import Role
from lp.core.validation import ValidationFailed, search_text
from lp.files import services as files
from lp.files.models import Attachment
from lp.persons.models import Person
from lp.persons.services import create_person
from lp.requests.models import LpRequest
from lp.web.access import api_error, requires
from lp.web.extensions import db

bp = Blueprint("persons", __name__)

V_NUMBER_LENGTH = 10


def load_person(person_id: int) -> Person:
    """Return a person with everything the detail shows loaded, or answer 404."""
    person = db.session.scalar(
        select(Person).where(Person.id == person_id).options(
            joinedload(Person.nationality), joinedload(Person.case_officer), selectinload(Person.documents),
            selectinload(Person.requests).joinedload(LpRequest.country),
        )
    )
    if person is None:
        abort(api_error(404, _("There is no person with number %(id)d.", id=person_id)))
    return person


def _search(text: str):
    """Return a query for persons: by exact V-number when ``text`` is one, else by part of the name."""
    query = select(Person)
    if text.isdigit() and len(text) == V_NUMBER_LENGTH:
        return query.where(Person.v_number == text)
    if text:
        return query.where(func.lower(Person.name).like(f"%{text.lower()}%"))
    return query


@bp.get("/persons")
@requires(Role.VIEWER)
@documented(
    "Find persons",
    description="By exact V-number, or by part of the name; sorted by name.",
    parameters=[query_parameter("q", {"type": "string", "maxLength": 100}, "A V-number or part of the name."),
                *PAGING_PARAMETERS],
    paged=True,
    responses={200: PERSON_LIST, 400: INVALID_INPUT},
)
def list_persons():
    """List the persons matching ``q``, one page at a time."""
    errors: dict[str, list[Any]] = {}
    page, per_page = read_paging(query_args(), errors)
    if errors:
        raise ValidationFailed(errors)
    query = _search(search_text(query_args().get("q")))
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    found = db.session.scalars(
        query.options(joinedload(Person.nationality), joinedload(Person.case_officer))
        .order_by(Person.name, Person.id).limit(per_page).offset((page - 1) * per_page)
    )
    return paged({"items": [person_json(person) for person in found], "total": total, "page": page,
                  "pages": pages(total, per_page)}, page, pages(total, per_page))


@bp.post("/persons")
@requires(Role.STAFF)
@documented(
    "Register a person",
    description=("Send the person fields (the nationality as an alpha-2 code, the case officer as the "
                 "email address of a staff account) and, optionally, their identity documents."),
    request_body=NEW_PERSON,
    responses={
        201: ("The person as registered.", PERSON_DETAIL),
        400: ("Refused values or unknown fields; nothing was saved.", INVALID_INPUT),
    },
)
def create():
    """Register a person with their identity documents."""
    values, documents = read_new_person(json_object())
    person = create_person(values, documents)
    return created(person_detail_json(load_person(person.id)), url_for(".get_person", person_id=person.id))


@bp.get("/persons/<int:person_id>")
@requires(Role.VIEWER)
@documented("Read one person with their documents and requests", responses={200: PERSON_DETAIL, 404: PROBLEM})
def get_person(person_id: int):
    """Show one person with their identity documents and requests."""
    person = load_person(person_id)
    return jsonify(person_detail_json(person))


# --- files -------------------------------------------------------------------------------


def _download(attachment: Attachment) -> str:
    return url_for(".download_file", person_id=attachment.person_id, file_id=attachment.id)


def _person_or_404(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        abort(api_error(404, _("There is no person with number %(id)d.", id=person_id)))
    return person


@bp.get("/persons/<int:person_id>/files")
@requires(Role.VIEWER)
@documented("List the files of a person",
            description="The current version of each, newest first: the person's own files and those on "
                        "the person's LP requests (`request_id` says which).",
            responses={200: api_files.FILE_LIST, 404: PROBLEM})
def list_files(person_id: int):
    """List the current files of a person, on the person's requests or not."""
    _person_or_404(person_id)
    return api_files.file_list(files.files_of_person(person_id), _download)


@bp.post("/persons/<int:person_id>/files")
@requires(Role.STAFF)
@api_files.documented_upload("Upload a file of a person", "The file belongs to the person, on none of the LP requests.")
def upload_file(person_id: int):
    """Store an uploaded file of a person."""
    person = _person_or_404(person_id)
    attachment = api_files.store_upload(lambda upload: files.add_to_person(person, upload, user_id=current_user.id))
    return created(api_files.file_json(attachment, _download(attachment)), _download(attachment))


@bp.get("/persons/<int:person_id>/files/<int:file_id>")
@requires(Role.VIEWER)
@api_files.documented_download("Download a file of a person")
def download_file(person_id: int, file_id: int):
    """Send one file of a person (also one on the person's requests), as it was uploaded."""
    _person_or_404(person_id)
    return api_files.send_file(db.session.get(Attachment, file_id), lambda a: a.person_id == person_id,
                               _("This person has no file with number %(id)d.", id=file_id))
