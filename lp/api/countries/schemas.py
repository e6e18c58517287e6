"""The OpenAPI schemas of country profiles: a profile, its agreements, missions, history and the list's filters."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from typing import Any

from countries.fields import AGREEMENT_FIELDS, AGREEMENT_KINDS, COUNTRY_FIELDS, MISSION_FIELDS, TRI_STATE, spec
from countries.search import FACT_FILTERS, SORTS, CountryFilter
from countries.services import SOURCES
from lp.api.inputs import VERSION_READ
from lp.api.schemas import Schema, enum_of, fields_schema, object_schema, problem_schema, query_parameter
from lp.web.i18n import DEFAULT_LANGUAGE, LANGUAGES

_ALPHA2 = {"type": "string", "pattern": "^[A-Z]{2}$"}
_COUNTS = {
    "agreement_count": {"type": "integer", "minimum": 0},
    "mission_count": {"type": "integer", "minimum": 0},
}
_COUNTRY_PROPERTIES = {
    "alpha2": {**_ALPHA2, "description": "ISO 3166-1 alpha-2 code."},
    "alpha3": {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 3166-1 alpha-3 code."},
    "name": {"type": "string", "description": "Name in the language asked for with `lang`."},
    "name_nl": {"type": "string"},
    "name_en": {"type": "string"},
    "region": {"type": ["string", "null"], "description": "UN M49 region (continent) code."},
    "version": {"type": "integer", "minimum": 1,
                "description": "Bumped by every change; send it back with a PATCH."},
    **fields_schema(COUNTRY_FIELDS),
    **_COUNTS,
}
COUNTRY = Schema("Country", object_schema(_COUNTRY_PROPERTIES))
AGREEMENT = Schema("Agreement", object_schema({"id": {"type": "integer"}, **fields_schema(AGREEMENT_FIELDS)}))
MISSION = Schema("Mission", object_schema({"id": {"type": "integer"}, **fields_schema(MISSION_FIELDS)}))
COUNTRY_DETAIL = Schema("CountryDetail", object_schema({
    **_COUNTRY_PROPERTIES,
    "agreements": {"type": "array", "items": AGREEMENT},
    "missions": {"type": "array", "items": MISSION},
}))
COUNTRY_LIST = Schema("CountryList", object_schema({
    "items": {"type": "array", "items": COUNTRY},
    "count": {"type": "integer", "minimum": 0},
}))
COUNTRY_PATCH = Schema("CountryPatch", object_schema(
    {"version": {**VERSION_READ, "description": "The version you read."}, **fields_schema(COUNTRY_FIELDS)},
    required=["version"],
))
PROFILE_CHANGE = Schema("ProfileChange", object_schema({
    "version": {"type": "integer", "description": "The country version this change produced."},
    "entity": {"type": "string", "enum": ["country", "agreement", "mission"]},
    "entity_id": {"type": ["integer", "null"]},
    "field": {"type": "string"},
    "old": {"type": ["string", "null"], "description": "Old value in text form."},
    "new": {"type": ["string", "null"], "description": "New value in text form."},
    "by": {"type": ["string", "null"], "description": "Display name of who changed it."},
    "at": {"type": "string", "format": "date-time"},
    "source": {"type": "string", "enum": list(SOURCES)},
}))
COUNTRY_CONFLICT = problem_schema("CountryConflict", {
    "current_version": {"type": "integer"},
    "changes": {"type": "array", "items": PROFILE_CHANGE,
                "description": "What others changed since the version you sent."},
})

LANG_PARAMETER = query_parameter("lang", {"type": "string", "enum": list(LANGUAGES), "default": DEFAULT_LANGUAGE},
                                 "Language of the `name` property.")
_FILTER_SCHEMAS: dict[str, tuple[dict[str, Any], str]] = {
    "q": ({"type": "string", "maxLength": 100},
          "Part of the Dutch or English name, or the exact alpha-2 or alpha-3 code."),
    "agreement_kind": ({"type": "string", "enum": [*enum_of(AGREEMENT_KINDS), "none"]},
                       "Only countries with an agreement of this kind (`none`: without agreements)."),
    "portfolio_holder": ({"type": "string", "pattern": "^(none|[0-9]{1,9})$"},
                         "User id of the portfolio holder, or `none` for countries without one."),
    "not_reviewed": ({"type": "boolean"}, "Only profiles not reviewed in the last 12 months."),
    "sort": ({"type": "string", "enum": list(SORTS), "default": "name"}, "Sort order."),
    "desc": ({"type": "boolean"}, "Sort descending."),
}


def filter_parameters() -> list[dict[str, Any]]:
    """Describe every field of CountryFilter as a query parameter.

    A new filter without a description here raises KeyError at import, so the
    document cannot silently miss it.
    """
    parameters = []
    for filter_field in dataclass_fields(CountryFilter):
        name = filter_field.name
        if name in FACT_FILTERS:
            schema, description = {"type": "string", "enum": enum_of(TRI_STATE)}, spec("country", name).label
        else:
            schema, description = _FILTER_SCHEMAS[name]
        parameters.append(query_parameter(name, schema, description))
    return parameters


#: Every named schema of this resource, for the OpenAPI document's components.
SCHEMAS = (COUNTRY, AGREEMENT, MISSION, COUNTRY_DETAIL, COUNTRY_LIST, COUNTRY_PATCH, PROFILE_CHANGE, COUNTRY_CONFLICT)
