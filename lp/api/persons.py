"""Persons in the JSON API: find them, register them with their identity documents, read one.

Values appear as the person fields define them (lp.persons.services): dates ISO,
the claimed nationality as an alpha-2 code, the case officer by email, unset null;
a POST takes them in the same form and parses them by the same rules as the UI.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from lp.web.access import api_error, requires
from lp.api.inputs import BODY_REFUSED, PAGING_PARAMETERS, gather, json_object, page_schema, pages, read_paging
from lp.core.fields import FieldSpec
from lp.api.openapi import (
    ERROR,
    VALIDATION_ERROR,
    Schema,
    documented,
    fields_schema,
    nullable,
    object_schema,
    query_parameter,
)
from lp.auth.roles import Role
from lp.web.extensions import db
from lp.requests.lifecycle import STATUSES
from lp.requests.models import LpRequest
from lp.persons.models import Person
from lp.persons.services import (
    DOCUMENT_FIELDS,
    PERSON_FIELDS,
    create_person,
    parse_document,
    parse_person,
)
from lp.core.validation import ValidationFailed, search_text

bp = Blueprint("persons", __name__)

PERSON_NAMES = frozenset(spec.name for spec in PERSON_FIELDS)
DOCUMENT_NAMES = frozenset(spec.name for spec in DOCUMENT_FIELDS)
V_NUMBER_LENGTH = 10

# -- Output -------------------------------------------------------------------------


def person_value(spec: FieldSpec, person: Person) -> Any:
    """Return a person field for JSON: the nationality as alpha-2, the case officer by email, unset null."""
    value = getattr(person, spec.name)
    if value is None:
        return None
    return value.alpha2 if spec.kind == "country" else spec.to_text(value)


def person_json(person: Person) -> dict[str, Any]:
    """Return a person's id, version and every person field."""
    return {
        "id": person.id,
        "version": person.version,
        **{spec.name: person_value(spec, person) for spec in PERSON_FIELDS},
        "in_detention": person.in_detention,
    }


def person_detail_json(person: Person) -> dict[str, Any]:
    """Return a person with their identity documents and their requests (newest first)."""
    return {
        **person_json(person),
        "documents": [
            {"id": document.id, **{spec.name: getattr(document, spec.name) for spec in DOCUMENT_FIELDS}}
            for document in person.documents
        ],
        "requests": [
            {"id": lp.id, "reference": lp.reference, "country": lp.country.alpha2, "status": lp.status,
             "submitted_on": lp.submitted_on.isoformat() if lp.submitted_on else None, "is_open": lp.is_open}
            for lp in person.requests
        ],
    }


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


# -- Input --------------------------------------------------------------------------


def _wrong_type(value: Any, allowed: type | tuple[type, ...]) -> bool:
    return value is not None and not isinstance(value, allowed)


def _read_documents(raw: Any, errors: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Parse the optional ``documents`` list; errors are keyed ``documents.<index>.<field>``."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        errors["documents"] = [_l("Send a list of objects with kind, number and copy_on_file.")]
        return []
    documents = []
    for index, item in enumerate(raw):
        found: dict[str, list[Any]] = {}
        for name, value in item.items():
            if name not in DOCUMENT_NAMES:
                found[name] = [_l("There is no such field, or it cannot be changed.")]
            elif _wrong_type(value, bool if name == "copy_on_file" else str):
                found[name] = [_l("Send true or false.") if name == "copy_on_file" else _l("Send text or null.")]
        document = gather(found, parse_document, item) if not found else None
        errors |= {f"documents.{index}.{name}": messages for name, messages in found.items()}
        if document is not None:
            documents.append(document)
    return documents


def read_new_person(body: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return the parsed person values and documents; raise ValidationFailed with every problem."""
    errors: dict[str, list[Any]] = {}
    type_errors: dict[str, list[Any]] = {}
    raw: dict[str, Any] = {}
    for name, value in body.items():
        if name == "documents":
            continue
        if name not in PERSON_NAMES:
            type_errors[name] = [_l("There is no such field, or it cannot be changed.")]
        elif _wrong_type(value, str):
            type_errors[name] = [_l("Send text or null.")]
        else:
            raw[name] = value
    # Fields with a default (willingness: unknown) may be left out, unlike in the form that shows it.
    raw = {spec.name: spec.default for spec in PERSON_FIELDS if spec.default is not None} | raw
    values = gather(errors, parse_person, raw)
    documents = _read_documents(body.get("documents"), errors)
    # A value of the wrong type is also missing for parse_person; say what is wrong with it.
    errors |= type_errors
    if errors:
        raise ValidationFailed(errors)
    return values, documents


def _search(text: str):
    """Return a query for persons: by exact V-number when ``text`` is one, else by part of the name."""
    query = select(Person)
    if text.isdigit() and len(text) == V_NUMBER_LENGTH:
        return query.where(Person.v_number == text)
    if text:
        return query.where(func.lower(Person.name).like(f"%{text.lower()}%"))
    return query


# -- OpenAPI description ------------------------------------------------------------


def _person_properties() -> dict[str, Any]:
    properties = fields_schema(PERSON_FIELDS)
    properties["nationality"] = nullable(properties["nationality"])
    properties["v_number"]["pattern"] = "^\\s*[0-9]{10}\\s*$"
    return properties


_NEW_PERSON_PROPERTIES = _person_properties()
DOCUMENT = Schema("IdentityDocument", object_schema({"id": {"type": "integer"}, **fields_schema(DOCUMENT_FIELDS)}))
NEW_DOCUMENT = Schema("NewIdentityDocument", object_schema(fields_schema(DOCUMENT_FIELDS), required=["kind"]))
PERSON = Schema("Person", object_schema({
    "id": {"type": "integer"},
    "version": {"type": "integer", "minimum": 1},
    **_NEW_PERSON_PROPERTIES,
    "in_detention": {"type": "boolean", "description": "Whether the person is in detention now."},
}))
PERSON_REQUEST = Schema("PersonRequest", object_schema({
    "id": {"type": "integer"},
    "reference": {"type": "string"},
    "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
    "status": {"type": "string", "enum": list(STATUSES)},
    "submitted_on": {"type": ["string", "null"], "format": "date"},
    "is_open": {"type": "boolean"},
}))
PERSON_DETAIL = Schema("PersonDetail", object_schema({
    **PERSON.body["properties"],
    "documents": {"type": "array", "items": DOCUMENT},
    "requests": {"type": "array", "items": PERSON_REQUEST, "description": "The person's LP requests, newest first."},
}))
PERSON_LIST = page_schema("PersonList", PERSON)
NEW_PERSON = Schema("NewPerson", object_schema(
    {**_NEW_PERSON_PROPERTIES, "documents": {"type": "array", "items": NEW_DOCUMENT}},
    required=[spec.name for spec in PERSON_FIELDS if spec.required and spec.default is None],
))


# -- Routes -------------------------------------------------------------------------


@bp.get("/persons")
@requires(Role.VIEWER)
@documented(
    "Find persons",
    description="By exact V-number, or by part of the name; sorted by name.",
    parameters=[query_parameter("q", {"type": "string", "maxLength": 100}, "A V-number or part of the name."),
                *PAGING_PARAMETERS],
    responses={200: PERSON_LIST, 422: VALIDATION_ERROR},
)
def list_persons():
    """List the persons matching ``q``, one page at a time."""
    errors: dict[str, list[Any]] = {}
    page, per_page = read_paging(request.args, errors)
    if errors:
        raise ValidationFailed(errors)
    query = _search(search_text(request.args.get("q")))
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    found = db.session.scalars(
        query.options(joinedload(Person.nationality), joinedload(Person.case_officer))
        .order_by(Person.name, Person.id).limit(per_page).offset((page - 1) * per_page)
    )
    return jsonify({"items": [person_json(person) for person in found], "total": total, "page": page,
                    "pages": pages(total, per_page)})


@bp.post("/persons")
@requires(Role.STAFF)
@documented(
    "Register a person",
    description=("Send the person fields (the nationality as an alpha-2 code, the case officer as the "
                 "email address of a staff account) and, optionally, their identity documents."),
    request_body=NEW_PERSON,
    responses={
        201: ("The person as registered.", PERSON_DETAIL),
        400: BODY_REFUSED,
        422: ("Refused values or unknown fields; nothing was saved.", VALIDATION_ERROR),
    },
)
def create():
    """Register a person with their identity documents."""
    values, documents = read_new_person(json_object())
    person = create_person(values, documents)
    response = jsonify(person_detail_json(load_person(person.id)))
    response.status_code = 201
    response.headers["Location"] = url_for(".get_person", person_id=person.id)
    return response


@bp.get("/persons/<int:person_id>")
@requires(Role.VIEWER)
@documented("Read one person with their documents and requests", responses={200: PERSON_DETAIL, 404: ERROR})
def get_person(person_id: int):
    """Show one person with their identity documents and requests."""
    person = load_person(person_id)
    return jsonify(person_detail_json(person))
