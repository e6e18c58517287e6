"""Persons (vreemdelingen): creating and changing them, with their identity documents."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from countries.services import find_country, staff_user_id
from lp.core.clock import today
from lp.core.fields import FieldError, FieldSpec, parse_fields
from lp.core.validation import Conflict, identifier
from lp.persons import detention
from lp.persons.models import IdentityDocument, Person
from lp.requests import plausible
from lp.requests.services import refresh_deadlines
from lp.web.extensions import db

#: Ten ASCII digits: ``\d`` alone would also take Arabic-Indic and other digits.
V_NUMBER = re.compile(r"^[0-9]{10}$")
WILLINGNESS = (("willing", _l("willing to return")), ("unwilling", _l("unwilling to return")),
               ("unknown", _l("unknown")))
DOCUMENT_KINDS = (
    ("passport", _l("Passport (expired or copy)")),
    ("id_card", _l("Identity card")),
    ("birth_certificate", _l("Birth certificate")),
    ("driving_licence", _l("Driving licence")),
    ("other", _l("Other document")),
)

PERSON_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("v_number", _l("V-number"), "text", required=True, max_length=10, identifier=True),
    FieldSpec("name", _l("Name"), "text", required=True, max_length=200),
    FieldSpec("date_of_birth", _l("Date of birth"), "date"),
    FieldSpec("nationality", _l("Claimed nationality"), "country", attribute="nationality_id"),
    FieldSpec("in_detention_since", _l("In detention since"), "date"),
    FieldSpec("detention_legal_basis", _l("Legal basis of the detention"), "text", max_length=200,
              help=_l("For example: art. 59 Vreemdelingenwet 2000.")),
    FieldSpec("detention_max_months", _l("Maximum detention term (months)"), "int",
              extra={"min": 1, "max": detention.EXTENDED_MONTHS},  # min: documented; _check_person_value refuses 0
              help=_l("Empty: the default term. At most 18 months in all (Return Directive, art. 15(5)-(6)).")),
    FieldSpec("willingness", _l("Willingness to return"), "choice", WILLINGNESS,
              default="unknown"),
    FieldSpec("case_officer", _l("Case officer"), "user", attribute="case_officer_id"),
)
DOCUMENT_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("kind", _l("Kind of document"), "choice", DOCUMENT_KINDS, required=True),
    FieldSpec("number", _l("Document number"), "text", max_length=60, identifier=True),
    FieldSpec("copy_on_file", _l("Copy on file"), "bool"),
)


def find_person_by_v_number(v_number: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.v_number == identifier(v_number)))


def parse_person(raw: dict[str, Any], *, partial: bool = False, person_id: int | None = None) -> dict[str, Any]:
    """Parse and check person input; raise ValidationFailed listing every problem."""
    return parse_fields(PERSON_FIELDS, raw, partial=partial, resolve_user=staff_user_id,
                        check=lambda name, value: _check_person_value(name, value, person_id))


def _check_person_value(name: str, value: Any, person_id: int | None) -> Any:
    if name == "v_number":
        if not V_NUMBER.match(value):
            raise FieldError(_l("A V-number has exactly 10 digits."))
        existing = find_person_by_v_number(value)
        if existing is not None and existing.id != person_id:
            raise FieldError(_l("A person with this V-number is already registered."))
    if name in ("date_of_birth", "in_detention_since") and value and value > today():
        raise FieldError(_l("This date lies in the future."))
    if name in ("date_of_birth", "in_detention_since") and value:
        for message in plausible.date_errors({name: value}, today()).get(name, []):
            raise FieldError(message)
    if name == "detention_max_months" and value is not None and value < 1:
        raise FieldError(_l("A detention term lasts at least one month."))
    if name == "nationality" and value:
        country = find_country(value)
        if country is None:
            raise FieldError(_l("Unknown country code."))
        return country
    return value


def _assign(person: Person, values: dict[str, Any]) -> None:
    for spec in PERSON_FIELDS:
        if spec.name not in values:
            continue
        value = values[spec.name]
        if spec.name == "nationality":
            person.nationality = value  # the check turned the code into the country on record
        else:
            setattr(person, spec.model_attribute, value)


def create_person(values: dict[str, Any], documents: Sequence[dict[str, Any]] = ()) -> Person:
    """Register a person from parsed values (see ``parse_person``)."""
    person = Person()
    _assign(person, values)
    for document in documents:
        person.documents.append(IdentityDocument(**document))
    db.session.add(person)
    db.session.commit()
    return person


def update_person(person: Person, values: dict[str, Any], *, expected_version: int) -> Person:
    """Change a person; refuse if someone else saved in between."""
    if person.version != expected_version:
        raise Conflict(_l("Someone else changed this person after you opened the page. "
                          "Nothing of yours was saved; reload to see their changes."))
    _assign(person, values)
    try:
        refresh_deadlines(person.requests)  # keeps the cached due dates in step with the person
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(_l("Someone else changed this person after you opened the page. "
                          "Nothing of yours was saved; reload to see their changes.")) from None
    return person


def parse_document(raw: dict[str, Any]) -> dict[str, Any]:
    """Parse one identity document's input."""
    values = parse_fields(DOCUMENT_FIELDS, raw)
    values["copy_on_file"] = bool(values.get("copy_on_file"))
    return values


def add_document(person: Person, values: dict[str, Any]) -> IdentityDocument:
    """Record an identity document the person holds."""
    document = IdentityDocument(person=person, **values)
    db.session.add(document)
    db.session.commit()
    return document


def remove_document(document: IdentityDocument) -> None:
    db.session.delete(document)
    db.session.commit()
