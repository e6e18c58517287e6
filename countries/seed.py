"""Seed all 249 ISO 3166-1 countries and the public readmission agreements.

Idempotent: adds what is missing, keeps names current with CLDR, and never
touches the agreements of a profile that a person has edited.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pycountry
from babel import Locale
from sqlalchemy import select

from countries import services
from countries.models import Country
from lp.web.extensions import db

DATA = Path(__file__).parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        return list(csv.DictReader(lines))


def seed_countries() -> dict[str, int]:
    """Create missing countries and seed agreements; return counts of what was added."""
    regions = {row["alpha2"]: row["region"] or None for row in _rows("regions.csv")}
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
    agreements = _seed_agreements(existing)
    db.session.commit()
    return {"countries": added, "agreements": agreements}


def _seed_agreements(countries: dict[str, Country]) -> int:
    added = 0
    by_country: dict[str, list[dict[str, str]]] = {}
    for row in _rows("agreements.csv"):
        by_country.setdefault(row["alpha2"], []).append(row)
    for code, rows in sorted(by_country.items()):
        country = countries[code]
        if country.edited:
            continue
        known = {(a.kind, a.title) for a in country.agreements}
        new = [r for r in rows if (r["kind"], r["title"]) not in known]
        if not new:
            continue
        edit = services.ProfileEdit(country, expected_version=None, user_id=None, source="seed")
        for row in new:
            edit.add("agreement", services.parse_values("agreement", row))
            added += 1
        edit.flush()
    return added
