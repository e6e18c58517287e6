"""Seed all 249 ISO 3166-1 countries and bring the public readmission agreements up to date.

Idempotent: adds missing countries, keeps names current with CLDR, and brings the
agreements up to the shipped reference data without overwriting what a person
changed (see countries.reference).
"""

from __future__ import annotations

import pycountry
from babel import Locale
from sqlalchemy import select

from countries import reference
from countries.models import Country
from lp.web.extensions import db


def seed_countries() -> dict[str, int]:
    """Create missing countries and apply the shipped agreements; return counts of what changed.

    ``review`` counts the shipped values left alone because a person changed them.
    """
    regions = {row["alpha2"]: row["region"] or None for row in reference.data_rows("regions.csv")}
    dutch, english = Locale("nl").territories, Locale("en").territories
    existing = {c.alpha2: c for c in db.session.scalars(select(Country))}
    added = 0
    for entry in pycountry.countries:
        code = entry.alpha_2
        country = existing.get(code)
        if country is None:
            country = Country(alpha2=code, alpha3=entry.alpha_3, version=1)
            db.session.add(country)
            existing[code] = country
            added += 1
        # Reference data, not profile facts: kept in step with CLDR, not versioned.
        country.name_nl = dutch.get(code, entry.name)
        country.name_en = english.get(code, entry.name)
        country.region = regions.get(code)
    db.session.flush()
    outcome = reference.apply_reference_data()
    db.session.commit()
    return {"countries": added, "agreements": outcome.added, "updated": outcome.updated,
            "review": len(outcome.review)}
