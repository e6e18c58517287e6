"""The building blocks of the API's JSON schemas, shared by every resource.

``Schema`` names a schema that the OpenAPI document lists once and refers to;
``field_schema`` describes a defined field (FieldSpec) by its kind. Each resource
declares its own schemas with these in ``lp/api/<resource>/schemas.py``.
"""

from __future__ import annotations

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


def query_parameter(name: str, schema: Mapping[str, Any], description: Any = "") -> dict[str, Any]:
    """Describe an optional query parameter."""
    parameter = {"name": name, "in": "query", "required": False, "schema": dict(schema)}
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


ERROR = Schema("Error", object_schema(
    {"error": {"type": "string", "description": "What went wrong, in the caller's language."}},
))
VALIDATION_ERROR = Schema("ValidationError", object_schema(
    {
        "error": {"type": "string", "description": "Names the fields that were refused."},
        "fields": {
            "type": "object",
            "description": "Messages per refused field or parameter, in the caller's language.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
))


def page_schema(name: str, item: Schema) -> Schema:
    """Describe one page of a list: its items, the number of matches, this page and the page count."""
    return Schema(name, object_schema({
        "items": {"type": "array", "items": item},
        "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1},
        "pages": {"type": "integer", "minimum": 1},
    }))
