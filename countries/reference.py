"""Bring a database up to the shipped reference data without overwriting what staff changed.

The public agreements in ``data/agreements.csv`` get corrected over time (a reply limit
found in the Official Journal, a date of entry into force). Adding only the missing rows
would leave every existing database with the old values, so ``lp init`` runs
``apply_reference_data`` after the migrations. Per field of a shipped agreement:

- equal to the shipped value: nothing happens;
- different, and the field's last recorded change came from the reference data (source
  ``seed`` or ``reference``) or was never recorded: the shipped value is written and
  recorded in the profile's history with source ``reference``;
- different, and a person changed the field after the last reference value (source
  ``ui``, ``api`` or ``import``): the value stays; the difference is listed for review
  (``lp reference review`` and the page ``/countries/reference``).

A shipped agreement missing from the database is added, unless a person removed it:
that is listed for review too. Running it again changes nothing.

This runs as an init step, not as an Alembic data migration: it needs today's models,
field definitions and the profile-changed receivers (which move due dates), while a
migration must keep working against the schema of its own revision; and ``lp init``
is already what every upgrade runs right after migrating.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from countries import services
from countries.fields import AGREEMENT_FIELDS
from countries.models import Agreement, Country, ProfileChange, ReferenceDataVersion
from lp.core.fields import FieldSpec
from lp.core.types import utcnow
from lp.web.extensions import db

DATA = Path(__file__).parent / "data"
#: The version of the shipped agreements. Raise it with every change to agreements.csv;
#: tests/countries/test_reference_data.py holds the file's checksum to remind you.
REFERENCE_VERSION = 2
DATASET = "agreements"


def data_rows(name: str) -> list[dict[str, str]]:
    """Return the rows of a shipped CSV file; lines starting with # are comments."""
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        return list(csv.DictReader(lines))


def shipped_agreements() -> dict[str, list[dict[str, Any]]]:
    """Return the shipped agreements per country code, parsed like any other input."""
    by_country: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in data_rows("agreements.csv"):
        by_country[row["alpha2"]].append(services.parse_values("agreement", row))
    return dict(by_country)


@dataclass(frozen=True)
class ReviewItem:
    """A shipped value that differs from one a person chose: theirs stays until someone decides."""

    alpha2: str
    agreement: str
    #: The agreement in the database, None when a person removed it.
    agreement_id: int | None
    #: The field's name; empty when a person removed the whole agreement.
    field: str
    current: str
    shipped: str
    #: Where the person's change came from (ui, api, import) and when.
    changed_by: str
    changed_at: datetime | None


@dataclass
class Plan:
    """What bringing the database up to the shipped data would do."""

    #: (agreement, field definition, shipped value)
    updates: list[tuple[Agreement, FieldSpec, Any]] = field(default_factory=list)
    #: (country, shipped values)
    additions: list[tuple[Country, dict[str, Any]]] = field(default_factory=list)
    review: list[ReviewItem] = field(default_factory=list)


def _match(existing: list[Agreement], rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Agreement | None]]:
    """Pair each shipped row with the agreement it describes: same kind and title, or else
    the only agreement of that kind when the country ships only one (a corrected title)."""
    by_key = {(a.kind, a.title): a for a in existing}
    pairs = [(row, by_key.get((row["kind"], row["title"]))) for row in rows]
    taken = {id(a) for _row, a in pairs if a is not None}
    for index, (row, found) in enumerate(pairs):
        if found is not None:
            continue
        same_kind = [a for a in existing if a.kind == row["kind"] and id(a) not in taken]
        shipped_same_kind = [r for r in rows if r["kind"] == row["kind"]]
        if len(same_kind) == 1 and len(shipped_same_kind) == 1:
            pairs[index] = (row, same_kind[0])
            taken.add(id(same_kind[0]))
    return pairs


def _last_changes(country: Country) -> dict[tuple[int | None, str], ProfileChange]:
    """Return the newest recorded change per (agreement id, field) of a country."""
    changes = db.session.scalars(
        select(ProfileChange)
        .where(ProfileChange.country_id == country.id, ProfileChange.entity == "agreement")
        .order_by(ProfileChange.id)
    )
    return {(change.entity_id, change.field): change for change in changes}


def _removed_by_hand(country: Country, title: str) -> ProfileChange | None:
    """Return the record of a person removing the agreement with this title, if any."""
    return db.session.scalars(
        select(ProfileChange)
        .where(ProfileChange.country_id == country.id, ProfileChange.entity == "agreement",
               ProfileChange.field == "title", ProfileChange.old_value == title,
               ProfileChange.new_value.is_(None),
               ProfileChange.source.not_in(services.REFERENCE_SOURCES))
        .order_by(ProfileChange.id.desc())
        .limit(1)
    ).first()


def plan() -> Plan:
    """Compare the database with the shipped agreements; change nothing."""
    result = Plan()
    shipped = shipped_agreements()
    countries = {c.alpha2: c for c in db.session.scalars(select(Country).where(Country.alpha2.in_(shipped)))}
    for code in sorted(shipped):
        country = countries.get(code)
        if country is None:  # not seeded yet: seed_countries creates every country first
            continue
        last = _last_changes(country)
        for row, agreement in _match(list(country.agreements), shipped[code]):
            if agreement is None:
                removal = _removed_by_hand(country, row["title"])
                if removal is None:
                    result.additions.append((country, row))
                else:
                    result.review.append(ReviewItem(code, row["title"], None, "", "", row["title"],
                                                    removal.source, removal.at))
                continue
            for spec in AGREEMENT_FIELDS:
                current, wanted = spec.text_of(agreement), spec.to_text(row[spec.name])
                if current == wanted:
                    continue
                change = last.get((agreement.id, spec.name))
                if change is None or change.source in services.REFERENCE_SOURCES:
                    result.updates.append((agreement, spec, row[spec.name]))
                else:
                    result.review.append(ReviewItem(code, agreement.title, agreement.id, spec.name, current, wanted,
                                                    change.source, change.at))
    return result


@dataclass(frozen=True)
class Outcome:
    added: int
    updated: int
    review: list[ReviewItem]


def apply_reference_data() -> Outcome:
    """Apply the plan, record the version reached, and flush; the caller commits.

    Each country's changes become one new profile version with source ``reference``.
    """
    todo = plan()
    edits: dict[int, services.ProfileEdit] = {}

    def edit_of(country: Country) -> services.ProfileEdit:
        if country.id not in edits:
            edits[country.id] = services.ProfileEdit(country, expected_version=None, user_id=None,
                                                     source="reference")
        return edits[country.id]

    for agreement, spec, value in todo.updates:
        edit_of(agreement.country).set_fields("agreement", agreement, {spec.name: value})
    for country, values in todo.additions:
        edit_of(country).add("agreement", values)
    for edit in edits.values():
        edit.flush()
    record = db.session.get(ReferenceDataVersion, DATASET)
    if record is None:
        db.session.add(ReferenceDataVersion(name=DATASET, version=REFERENCE_VERSION, applied_at=utcnow()))
    elif record.version != REFERENCE_VERSION:
        record.version, record.applied_at = REFERENCE_VERSION, utcnow()
    db.session.flush()
    return Outcome(added=len(todo.additions), updated=len(todo.updates), review=todo.review)


def applied_version() -> ReferenceDataVersion | None:
    """Return which version of the shipped agreements this database last received."""
    return db.session.get(ReferenceDataVersion, DATASET)
