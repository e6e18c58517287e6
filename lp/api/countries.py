"""Country profiles in the JSON API: list, read and change them.

Values appear in the field definitions' text form (countries.fields), except that
numbers are numbers and unset numbers, dates and portfolio holders are null; a
PATCH takes values in the same form, parsed by the same rules as the UI and CSV.
"""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from typing import Any

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from countries.fields import AGREEMENT_FIELDS, AGREEMENT_KINDS, COUNTRY_FIELDS, MISSION_FIELDS, TRI_STATE, spec
from countries.models import Agreement, Country, Mission, ProfileChange
from countries.search import FACT_FILTERS, SORTS, CountryFilter, country_query, parse_filters
from countries.services import find_country, parse_values, update_profile
from lp.web.access import api_error, requires
from lp.api.inputs import BODY_REFUSED, VERSION_READ, gather, json_object, read_version
from lp.core.clock import today
from lp.core.fields import FieldSpec
from lp.api.openapi import (
    ERROR,
    VALIDATION_ERROR,
    Schema,
    documented,
    enum_of,
    fields_schema,
    object_schema,
    query_parameter,
)
from lp.auth.roles import Role
from lp.core.validation import Conflict, ValidationFailed
from lp.web.extensions import db
from lp.web.i18n import DEFAULT_LANGUAGE, LANGUAGES

bp = Blueprint("countries", __name__)

EDITABLE: dict[str, FieldSpec] = {field.name: field for field in COUNTRY_FIELDS}

# -- Output -------------------------------------------------------------------------


def field_value(field: FieldSpec, obj: Any) -> Any:
    """Return a field's value for JSON: numbers as numbers, the rest as text, unset as null."""
    value = getattr(obj, field.name)
    if value is None:
        return None
    return value if field.kind == "int" else field.to_text(value)


def _fields_json(specs: tuple[FieldSpec, ...], obj: Any) -> dict[str, Any]:
    return {field.name: field_value(field, obj) for field in specs}


def _item_json(specs: tuple[FieldSpec, ...], obj: Any) -> dict[str, Any]:
    return {"id": obj.id, **_fields_json(specs, obj)}


def country_json(country: Country, language: str, *, agreement_count: int, mission_count: int) -> dict:
    """Return a country's codes, names, version, every profile field and its counts."""
    return {
        "alpha2": country.alpha2,
        "alpha3": country.alpha3,
        "name": country.name(language),
        "name_nl": country.name_nl,
        "name_en": country.name_en,
        "region": country.region,
        "version": country.version,
        **_fields_json(COUNTRY_FIELDS, country),
        "agreement_count": agreement_count,
        "mission_count": mission_count,
    }


def country_detail_json(country: Country, language: str) -> dict:
    """Return a country as in the list, with its agreements and missions."""
    return {
        **country_json(country, language, agreement_count=len(country.agreements),
                       mission_count=len(country.missions)),
        "agreements": [_item_json(AGREEMENT_FIELDS, a) for a in country.agreements],
        "missions": [_item_json(MISSION_FIELDS, m) for m in country.missions],
    }


def change_json(change: ProfileChange) -> dict:
    """Return one recorded change (history entry) of a profile."""
    return {
        "version": change.version,
        "entity": change.entity,
        "entity_id": change.entity_id,
        "field": change.field,
        "old": change.old_value,
        "new": change.new_value,
        "by": change.user.display_name if change.user else None,
        "at": change.at.isoformat(),
        "source": change.source,
    }


# -- Input --------------------------------------------------------------------------


def _language() -> str:
    """Return the language asked for with ``lang`` (names only; messages follow the user)."""
    language = request.args.get("lang") or DEFAULT_LANGUAGE
    if language not in LANGUAGES:
        raise ValidationFailed.single("lang", _l("Choose nl or en."))
    return language


def _list_arguments() -> tuple[CountryFilter, str]:
    """Read the filters and the language, reporting every bad argument at once."""
    errors: dict[str, list[Any]] = {}
    language = gather(errors, _language)
    filters = gather(errors, parse_filters, request.args)
    if errors:
        raise ValidationFailed(errors)
    return filters, language


def _fits_json_type(field: FieldSpec, value: Any) -> bool:
    # Only what GET gives back: text or null, and whole numbers for number fields
    # (bool is an int in Python, but true is not a number of days).
    if value is None or isinstance(value, str):
        return True
    return field.kind == "int" and isinstance(value, int) and not isinstance(value, bool)


def _read_patch(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Return the expected version and the parsed values; raise ValidationFailed with all errors."""
    errors: dict[str, list[Any]] = {}
    version = read_version(body, errors)
    raw: dict[str, Any] = {}
    for name, value in body.items():
        if name == "version":
            continue
        field = EDITABLE.get(name)
        if field is None:
            errors[name] = [_l("There is no such field, or it cannot be changed.")]
        elif not _fits_json_type(field, value):
            errors[name] = [_l("Enter a whole number of 0 or more.") if field.kind == "int"
                            else _l("Send text or null.")]
        else:
            raw[name] = value
    values = gather(errors, parse_values, "country", raw, partial=True)
    if errors:
        raise ValidationFailed(errors)
    assert version is not None, "read_version added an error otherwise"
    return version, values


def _unknown_country(alpha2: str):
    return api_error(404, _("There is no country with code %(code)s.", code=alpha2.upper()[:10]))


# -- OpenAPI description ------------------------------------------------------------

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
    "source": {"type": "string", "enum": ["ui", "api", "import", "seed"]},
}))
COUNTRY_CONFLICT = Schema("CountryConflict", object_schema({
    "error": {"type": "string"},
    "current_version": {"type": "integer"},
    "changes": {"type": "array", "items": PROFILE_CHANGE,
                "description": "What others changed since the version you sent."},
}))

_LANG = query_parameter("lang", {"type": "string", "enum": list(LANGUAGES), "default": DEFAULT_LANGUAGE},
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


def _filter_parameters() -> list[dict[str, Any]]:
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


# -- Routes -------------------------------------------------------------------------


@bp.get("/countries")
@requires(Role.VIEWER)
@documented(
    "List country profiles",
    description="The same search and filters as the country list in the application.",
    parameters=[*_filter_parameters(), _LANG],
    responses={200: COUNTRY_LIST, 422: VALIDATION_ERROR},
)
def list_countries():
    """List the countries matching the filters, with their profile fields."""
    filters, language = _list_arguments()
    agreement_count = (
        select(func.count(Agreement.id)).where(Agreement.country_id == Country.id).scalar_subquery()
    )
    mission_count = select(func.count(Mission.id)).where(Mission.country_id == Country.id).scalar_subquery()
    query = (
        country_query(filters, language, today())
        .options(selectinload(Country.portfolio_holder))
        .add_columns(agreement_count, mission_count)
    )
    items = [
        country_json(country, language, agreement_count=agreements, mission_count=missions)
        for country, agreements, missions in db.session.execute(query)
    ]
    return jsonify({"items": items, "count": len(items)})


@bp.get("/countries/<alpha2>")
@requires(Role.VIEWER)
@documented(
    "Read one country profile with its agreements and missions",
    parameters=[_LANG],
    responses={200: COUNTRY_DETAIL, 404: ERROR, 422: VALIDATION_ERROR},
)
def get_country(alpha2: str):
    """Show one country with all its fields, agreements and missions."""
    language = _language()
    country = find_country(alpha2)
    if country is None:
        return _unknown_country(alpha2)
    return jsonify(country_detail_json(country, language))


@bp.patch("/countries/<alpha2>")
@requires(Role.VIEWER, Role.STAFF)
@documented(
    "Change fields of a country profile",
    description=(
        "Send the `version` you read and any of the profile fields, in the form GET returns "
        "them. When someone changed the profile since, nothing is saved and the answer (409) "
        "lists their changes."
    ),
    parameters=[_LANG],
    request_body=COUNTRY_PATCH,
    responses={
        200: ("The profile as saved, with its new version.", COUNTRY_DETAIL),
        400: BODY_REFUSED,
        404: ERROR,
        409: ("Someone changed the profile since the version sent; nothing was saved.", COUNTRY_CONFLICT),
        422: ("Refused values, unknown fields, or a JSON body that is not an object.", VALIDATION_ERROR),
    },
)
def update_country(alpha2: str):
    """Change a country's profile fields if nobody saved in between."""
    language = _language()
    country = find_country(alpha2)
    if country is None:
        return _unknown_country(alpha2)
    version, values = _read_patch(json_object())
    try:
        update_profile(country, values, expected_version=version, user_id=current_user.id, source="api")
    except Conflict as conflict:
        return api_error(409, str(conflict.message), current_version=country.version,
                         changes=[change_json(change) for change in conflict.changes])
    return jsonify(country_detail_json(country, language))
