"""Country profiles as the API returns them: codes, names, every profile field, agreements, missions, history."""

from __future__ import annotations

from typing import Any

from countries.fields import AGREEMENT_FIELDS, COUNTRY_FIELDS, MISSION_FIELDS
from countries.models import Country, ProfileChange
from lp.core.fields import FieldSpec


def field_value(field: FieldSpec, obj: Any) -> Any:
    """Return a field's value for JSON: numbers as numbers, the rest as text, unset as null."""
    return field.json_value(getattr(obj, field.name))


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
