"""Import country profiles from CSV: check the whole file, preview the changes, apply them.

Nothing is applied unless every row is valid. The preview is computed without
writing; applying edits every changed country in one transaction, each with the
version seen at preview time, so a profile someone saved in between stops the whole
import instead of being overwritten. Agreements and missions are matched by position:
the first in the file is the first existing one (by id); missing ones are removed,
extra ones added.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import IO, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from countries import csv_format, services
from countries.csv_format import CellError, ImportRow
from countries.fields import FIELDS_BY_ENTITY
from countries.models import Country
from lp.auth.models import User
from lp.core import signals
from lp.core.fields import FieldSpec
from lp.web.extensions import db


@dataclass(frozen=True)
class FieldChange:
    """One field that would change, as text: ``old`` and ``new`` ("" is empty)."""

    spec: FieldSpec
    old: str
    new: str

    def shown(self, text: str) -> Any:
        """Return a text as a person reads it: the label of a choice."""
        return self.spec.choice_label(text) if text else text


@dataclass
class ItemChange:
    """An agreement or mission at a position that would be added, changed or removed."""

    entity: str
    position: int
    action: str  # added, changed, removed
    fields: list[FieldChange]


@dataclass
class CountryPreview:
    """What an import would change in one country."""

    country: Country
    fields: list[FieldChange] = field(default_factory=list)
    items: list[ItemChange] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.fields or self.items)


@dataclass
class ImportPlan:
    """A checked file: the rows, the countries they change, and the versions seen."""

    rows: list[ImportRow]
    countries: dict[str, Country]
    previews: list[CountryPreview]
    #: Each country's version when the plan was made; applying expects it unchanged.
    versions: dict[str, int]


def plan_import(source: bytes | IO[bytes]) -> ImportPlan:
    """Check a CSV file (its bytes or a binary stream) against the database; return what it would change.

    The file is read one row at a time. Raise CsvImportError listing the first problems
    (header, and each bad cell by row and column) and counting all of them when
    anything is wrong.
    """
    errors = csv_format.ErrorLog()
    columns, records = csv_format.read_csv(io.BytesIO(source) if isinstance(source, bytes) else source, errors)
    counts = csv_format.item_counts(columns)
    countries = {c.alpha2: c for c in db.session.scalars(csv_format.with_items(select(Country)))}
    parse_group = csv_format.group_parser(services.holder_user_id)
    rows: list[ImportRow] = []
    first_row: dict[str, int] = {}
    for row_number, cells in records:
        row, row_errors = csv_format.parse_row(row_number, cells, counts, parse_group)
        if row.alpha2 not in countries:
            row_errors.insert(0, CellError(row_number, "alpha2", _l(
                "Unknown country code %(code)s.", code=row.alpha2 or "—"), row.alpha2 or None))
        elif row.alpha2 in first_row:
            row_errors.insert(0, CellError(row_number, "alpha2", _l(
                "This country is already in row %(row)d.", row=first_row[row.alpha2]), row.alpha2))
        else:
            first_row[row.alpha2] = row_number
        for error in row_errors:
            errors.add(error)
        if not errors.total:  # after the first problem the rows are never applied: keep none
            rows.append(row)
    if not errors.total:
        for row in rows:
            for error in _refused_removals(countries[row.alpha2], row):
                errors.add(error)
    errors.check()
    previews = [preview_row(countries[row.alpha2], row) for row in rows]
    return ImportPlan(
        rows=rows,
        countries=countries,
        previews=[p for p in previews if p.changed],
        versions={row.alpha2: countries[row.alpha2].version for row in rows},
    )


def _refused_removals(country: Country, row: ImportRow) -> list[CellError]:
    """Refuse to remove, by leaving it out of the file, an item that something still needs."""
    errors = []
    for entity, wanted in row.items.items():
        for obj in list(services.iter_items(country, entity))[len(wanted):]:
            for use in signals.uses_of(entity, obj):
                errors.append(CellError(row.row, None, _l(
                    "“%(name)s” is not in the file, but it cannot be removed. %(use)s",
                    name=services.item_name(entity, obj), use=use), row.alpha2))
    return errors


def _text(spec: FieldSpec, value: Any) -> str:
    # The same text ProfileEdit records in the history, so preview and history agree.
    if spec.field_kind.account:
        value = db.session.get(User, value) if value else None
    return spec.to_text(value)


def _field_changes(entity: str, obj: Any | None,
                   values: dict[str, Any] | None) -> list[FieldChange]:
    changes = []
    for spec in FIELDS_BY_ENTITY[entity]:
        old = spec.text_of(obj) if obj is not None else ""
        new = _text(spec, values.get(spec.name, spec.empty_value())) if values is not None else ""
        if old != new:
            changes.append(FieldChange(spec, old, new))
    return changes


def preview_row(country: Country, row: ImportRow) -> CountryPreview:
    """Return what importing ``row`` would change in ``country``, without writing."""
    preview = CountryPreview(country, _field_changes("country", country, row.values))
    for entity, wanted in row.items.items():
        existing = list(services.iter_items(country, entity))
        for index in range(max(len(existing), len(wanted))):
            obj = existing[index] if index < len(existing) else None
            values = wanted[index] if index < len(wanted) else None
            changes = _field_changes(entity, obj, values)
            if obj is None:
                action = "added"
            elif values is None:
                action = "removed"
            elif changes:
                action = "changed"
            else:
                continue
            preview.items.append(ItemChange(entity, index + 1, action, changes))
    return preview


def apply_import(source: bytes | IO[bytes], versions: dict[str, int], *, user_id: int | None) -> int:
    """Apply a file previewed with ``versions``; return the number of countries changed.

    Raise CsvImportError when the file no longer passes the checks, and Conflict when
    a country changed since the preview; in both cases nothing is applied.
    """
    plan = plan_import(source)
    changed = 0
    try:
        for row in plan.rows:
            country = plan.countries[row.alpha2]
            if not preview_row(country, row).changed:
                continue
            # A country the preview did not see (version 0 never exists) is a conflict too.
            edit = services.ProfileEdit(country, expected_version=versions.get(row.alpha2, 0),
                                        user_id=user_id, source="import")
            _edit_country(edit, country, row)
            if edit.flush():
                changed += 1
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return changed


def _edit_country(edit: services.ProfileEdit, country: Country, row: ImportRow) -> None:
    edit.set_fields("country", country, row.values)
    for entity, wanted in row.items.items():
        existing = list(services.iter_items(country, entity))
        for obj, values in zip(existing, wanted, strict=False):  # the rest is added or removed below
            edit.set_fields(entity, obj, values)
        for values in wanted[len(existing):]:
            edit.add(entity, values)
        for obj in existing[len(wanted):]:
            edit.remove(entity, obj)

