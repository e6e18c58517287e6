"""The OpenAPI schemas of persons: a person, their identity documents and requests, a new person."""

from __future__ import annotations

from typing import Any

from lp.api.schemas import Schema, fields_schema, nullable, object_schema, page_schema
from lp.persons.services import DOCUMENT_FIELDS, PERSON_FIELDS
from lp.requests.lifecycle import STATUSES


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
_REQUIRED = [spec.name for spec in PERSON_FIELDS if spec.required and spec.default is None]


def _not_blank(schema: dict[str, Any]) -> dict[str, Any]:
    """A required text is refused when blank ("This field is required"): the schema says so too.

    Blank as Python's str.strip sees it: ECMA-262's \\s and U+0085 (next line)."""
    return {**schema, "allOf": [{"pattern": "[^\\s\\x85]"}]} if schema.get("type") == "string" else schema


NEW_PERSON = Schema("NewPerson", object_schema(
    {**{name: _not_blank(schema) if name in _REQUIRED else schema for name, schema in _NEW_PERSON_PROPERTIES.items()},
     "documents": {"type": "array", "items": NEW_DOCUMENT}},
    required=_REQUIRED,
))

#: Every named schema of this resource, for the OpenAPI document's components.
SCHEMAS = (PERSON, PERSON_DETAIL, PERSON_LIST, NEW_PERSON, DOCUMENT, NEW_DOCUMENT, PERSON_REQUEST)
