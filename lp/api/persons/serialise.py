"""Persons as the API returns them: every person field, their identity documents and requests."""

from __future__ import annotations

from typing import Any

from lp.core.fields import FieldSpec
from lp.persons.models import Person
from lp.persons.services import DOCUMENT_FIELDS, PERSON_FIELDS


def person_value(spec: FieldSpec, person: Person) -> Any:
    """Return a person field for JSON: the nationality as alpha-2, the case officer by email, unset null."""
    return spec.json_value(getattr(person, spec.name))


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
