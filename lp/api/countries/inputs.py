"""Read what a client sends about country profiles: the list's filters, the language, a PATCH."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from countries.fields import COUNTRY_FIELDS
from countries.search import CountryFilter, parse_filters
from countries.services import parse_values
from lp.api.inputs import gather, query_args, read_version
from lp.core.fields import FieldSpec
from lp.core.validation import ValidationFailed
from lp.web.i18n import DEFAULT_LANGUAGE, LANGUAGES

EDITABLE: dict[str, FieldSpec] = {field.name: field for field in COUNTRY_FIELDS}


def requested_language() -> str:
    """Return the language asked for with ``lang`` (names only; messages follow the user)."""
    language = query_args().get("lang") or DEFAULT_LANGUAGE
    if language not in LANGUAGES:
        raise ValidationFailed.single("lang", _l("Choose nl or en."))
    return language


def list_arguments() -> tuple[CountryFilter, str]:
    """Read the filters and the language, reporting every bad argument at once."""
    errors: dict[str, list[Any]] = {}
    language = gather(errors, requested_language)
    filters = gather(errors, parse_filters, query_args())
    if errors:
        raise ValidationFailed(errors)
    return filters, language


def read_patch(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
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
        elif (refusal := field.field_kind.json_input_error(value)) is not None:  # only what GET gives back
            errors[name] = [refusal]
        else:
            raw[name] = value
    values = gather(errors, parse_values, "country", raw, partial=True)
    if errors:
        raise ValidationFailed(errors)
    assert version is not None, "read_version added an error otherwise"
    return version, values
