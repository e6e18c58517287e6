"""The building blocks of the API's JSON schemas, shared by every resource.

``Schema`` names a schema that the OpenAPI document lists once and refers to;
``field_schema`` describes a defined field (FieldSpec) by its kind. Each resource
declares its own schemas with these in ``lp/api/<resource>/schemas.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lp.core.fields import FieldSpec

#: Text as the fields take it (lp.core.validation.CONTROL_CHARACTERS refused), in ECMA-262 regex syntax.


@dataclass(frozen=True)
class Schema:
    """A named schema: listed once under ``components`` and referenced by ``$ref``.

    ``body`` may contain other Schema objects and lazy (translatable) strings.
    """

    name: str
    body: Mapping[str, Any]

    @property
    def ref(self) -> dict[str, str]:
        return {"$ref": f"#/components/schemas/{self.name}"}


#: Query keys whose API name is not simply the lowerCamelCase of the name the app uses inside.
RENAMED_QUERY_KEYS = {"per_page": "pageSize"}
_RENAMED_BACK = {api: internal for internal, api in RENAMED_QUERY_KEYS.items()}


def api_name(internal: str) -> str:
    """Return a query key's lowerCamelCase API name (/core/query-keys-camel-case): ``per_page`` → ``pageSize``."""
    return RENAMED_QUERY_KEYS.get(internal) or re.sub(r"_([a-z0-9])", lambda m: m[1].upper(), internal)


def internal_name(api: str) -> str:
    """Return the name the app's filters and parsers use for a query key's API name (the inverse of api_name)."""
    return _RENAMED_BACK.get(api) or re.sub(r"[A-Z]", lambda m: "_" + m[0].lower(), api)


def query_parameter(name: str, schema: Mapping[str, Any], description: Any = "") -> dict[str, Any]:
    """Describe an optional query parameter, ``name`` as the app's filters call it (documented by its API name)."""
    parameter = {"name": api_name(name), "in": "query", "required": False, "schema": dict(schema)}
    if description:
        parameter["description"] = description
    return parameter


def enum_of(choices) -> list[str]:
    """Return the stored values of a choices tuple, as an enum for a schema."""
    return [value for value, _label in choices]


def field_schema(spec: FieldSpec, *, unset_null: bool = False) -> dict[str, Any]:
    """Describe a field's API value: numbers as numbers, dates ISO, users by email, unset null.

    The one place that maps a field's kind to a JSON schema. ``unset_null``: the value is
    read back from a column where unset is null, for every kind but text (empty text).
    """
    schema = {**spec.json_schema(), "description": spec.label}
    if unset_null and spec.empty_value() is None:
        schema = nullable(schema)
    return schema


def nullable(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``schema`` that also admits null (in its enum too, which would refuse it otherwise)."""
    widened = dict(schema)
    types = widened["type"] if isinstance(widened["type"], list) else [widened["type"]]
    widened["type"] = types if "null" in types else [*types, "null"]
    if "enum" in widened and None not in widened["enum"]:
        widened["enum"] = [*widened["enum"], None]
    return widened


def fields_schema(specs: tuple[FieldSpec, ...]) -> dict[str, dict[str, Any]]:
    """Describe each field of an entity, keyed by name."""
    return {spec.name: field_schema(spec) for spec in specs}


def object_schema(properties: Mapping[str, Any], *, required: list[str] | None = None) -> dict[str, Any]:
    """Describe a JSON object with exactly these properties, all present unless ``required`` says."""
    return {
        "type": "object",
        "properties": dict(properties),
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


#: The members of every RFC 9457 problem the API answers with (lp.web.access.api_error).
PROBLEM_MEMBERS = {
    "type": {"type": "string", "format": "uri-reference",
             "description": "about:blank: the status code says what kind of problem it is."},
    "title": {"type": "string", "description": "The HTTP status phrase."},
    "status": {"type": "integer", "minimum": 400, "maximum": 599},
    "detail": {"type": "string", "description": "What went wrong here, in the caller's language."},
}


def problem_schema(name: str, extensions: Mapping[str, Any] | None = None, *,
                   required: tuple[str, ...] | None = None) -> Schema:
    """Describe an RFC 9457 problem with extension members (all present unless ``required`` lists them)."""
    extra = dict(extensions or {})
    return Schema(name, object_schema(
        {**PROBLEM_MEMBERS, **extra},
        required=[*PROBLEM_MEMBERS, *(extra if required is None else required)],
    ))


PROBLEM = problem_schema("Problem")
INVALID_PARAM = Schema("InvalidParam", object_schema({
    "name": {"type": "string", "description": "The refused body field or query parameter."},
    "reason": {"type": "string", "description": "Why, in the caller's language."},
}))
#: Invalid input (/core/error-handling/invalid-input): every refusal at once (/core/error-handling/all-errors).
INVALID_INPUT = problem_schema("InvalidInputProblem", {
    "invalidParams": {"type": "array", "items": INVALID_PARAM,
                      "description": "Every refused field or parameter with the reason (absent when the "
                                     "body itself could not be read)."},
}, required=())


def page_schema(name: str, item: Schema) -> Schema:
    """Describe one page of a list: its items, the number of matches, this page and the page count."""
    return Schema(name, object_schema({
        "items": {"type": "array", "items": item},
        "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1},
        "pages": {"type": "integer", "minimum": 1},
    }))
