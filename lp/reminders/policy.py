"""Per-country overrides of the reminder policy, recorded in the profile's history."""

from __future__ import annotations

import json

from countries.models import Country
from countries.services import ProfileEdit
from lp.core.validation import ValidationFailed
from lp.requests import deadlines
from lp.requests.models import LpRequest
from lp.requests.services import refresh_deadlines
from lp.web.extensions import db


def set_country_policy(country: Country, overrides: dict[str, int | None], *, user_id: int | None) -> dict[str, int]:
    """Change a country's policy overrides (None removes one); return the effective policy.

    Open requests of the country get their reply-due day recomputed in the same transaction.
    """
    unknown = sorted(set(overrides) - set(deadlines.POLICY_DEFAULTS))
    if unknown:
        raise ValidationFailed.single("policy", f"unknown policy values: {', '.join(unknown)}")
    if any(value is not None and value < 0 for value in overrides.values()):
        raise ValidationFailed.single("policy", "days must be 0 or more")
    current = dict(country.reminder_policy or {})
    for name, value in overrides.items():
        if value is None:
            current.pop(name, None)
        else:
            current[name] = value
    if current != (country.reminder_policy or {}):
        edit = ProfileEdit(country, expected_version=country.version, user_id=user_id, source="ui")
        edit.record("country", country, "reminder_policy", json.dumps(country.reminder_policy or {}, sort_keys=True),
                    json.dumps(current, sort_keys=True))
        country.reminder_policy = current
        edit.flush()
        refresh_deadlines(db.session.scalars(
            db.select(LpRequest).where(LpRequest.country_id == country.id, LpRequest.is_open.is_(True))))
        db.session.commit()
    return deadlines.policy(current)
