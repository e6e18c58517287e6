"""Changing country profiles: every change is recorded per field, and concurrent
edits are refused instead of overwriting each other."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from countries.fields import FIELDS_BY_ENTITY
from countries.models import Agreement, Country, Mission, ProfileChange
from lp.auth.models import User
from lp.core import signals
from lp.core.clock import today
from lp.core.fields import FieldSpec, parse_fields
from lp.core.signals import profile_changed
from lp.core.validation import Conflict, InUse
from lp.web.extensions import db

ENTITY_MODELS = {"agreement": Agreement, "mission": Mission}
#: The field that names an item in headings, messages and the history.
ITEM_NAME_FIELDS = {"agreement": "title", "mission": "name"}
SOURCES = ("ui", "api", "import", "seed", "reference")
#: Sources that stand for the shipped reference data, not a person: they leave ``edited`` alone.
REFERENCE_SOURCES = ("seed", "reference")


def find_country(alpha2: str) -> Country | None:
    return db.session.scalar(select(Country).where(Country.alpha2 == (alpha2 or "").upper()))


def get_country(alpha2: str) -> Country:
    country = find_country(alpha2)
    if country is None:
        raise LookupError(f"no country {alpha2}")
    return country


def staff_user_id(email: str) -> int | None:
    """Resolve a portfolio holder given by email: an active staff or admin account."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active or user.role == "viewer":
        return None
    return user.id


def holder_user_id(email: str) -> int | None:
    """Resolve a portfolio holder given by email in an import: staff, or whoever holds one now.

    An account that became a viewer keeps the countries it held until someone hands them
    over; re-importing an unchanged export must not refuse those rows.
    """
    user_id = staff_user_id(email)
    if user_id is not None:
        return user_id
    return db.session.scalar(select(Country.portfolio_holder_id).join(
        User, User.id == Country.portfolio_holder_id).where(User.email == email.strip().lower()).limit(1))


def parse_values(entity: str, raw: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Parse text input for an entity's fields; raise ValidationFailed with every error.

    With ``partial`` only the fields present in ``raw`` are parsed (PATCH).
    """
    return parse_fields(FIELDS_BY_ENTITY[entity], raw, partial=partial, resolve_user=staff_user_id)


def changes_since(country: Country, version: int) -> list[ProfileChange]:
    """Return the recorded changes that made the country newer than ``version``."""
    return list(
        db.session.scalars(
            select(ProfileChange)
            .where(ProfileChange.country_id == country.id, ProfileChange.version > version)
            .order_by(ProfileChange.id)
        )
    )


def _conflict(country: Country, version: int) -> Conflict:
    return Conflict(
        _l("Someone else saved this profile after you opened it. Nothing of yours was saved; "
           "these are their changes:"),
        changes=changes_since(country, version),
    )


class ProfileEdit:
    """Collect changes to one country's profile, agreements and missions.

    ``flush`` records each changed field and bumps the country's version once;
    the caller commits (so an import can edit many countries in one transaction).
    """

    def __init__(self, country: Country, *, expected_version: int | None, user_id: int | None,
                 source: str):
        if source not in SOURCES:
            raise ValueError(source)
        if expected_version is not None and country.version != expected_version:
            raise _conflict(country, expected_version)
        self.country = country
        self.user_id = user_id
        self.source = source
        self.base_version = country.version
        self._pending: list[tuple[str, Any, str, str | None, str | None]] = []

    def set_fields(self, entity: str, obj: Any, values: dict[str, Any]) -> None:
        """Give ``obj`` (the country, an agreement or a mission) new field values."""
        for spec in FIELDS_BY_ENTITY[entity]:
            if spec.name in values:
                self._set(entity, obj, spec, values[spec.name], record_empty=True)

    def add(self, entity: str, values: dict[str, Any]) -> Any:
        """Add an agreement or a mission with the given values."""
        obj = ENTITY_MODELS[entity](country=self.country)
        for spec in FIELDS_BY_ENTITY[entity]:
            value = values.get(spec.name, spec.empty_value())
            self._set(entity, obj, spec, value, record_empty=False, old_text=None)
        db.session.add(obj)
        return obj

    def remove(self, entity: str, obj: Any) -> None:
        """Remove an agreement or a mission; its last values stay in the history.

        Raise InUse, naming what uses it, when something still needs it (e.g. LP requests
        to a mission): their records would otherwise lose their mission or, worse, get
        another one.
        """
        uses = signals.uses_of(entity, obj)
        if uses:
            raise InUse(" ".join(str(use) for use in uses))
        signals.item_removing.send(obj, entity=entity)
        for spec in FIELDS_BY_ENTITY[entity]:
            old = spec.text_of(obj)
            if old:
                self._pending.append((entity, obj, spec.name, old, None))
        getattr(self.country, entity + "s").remove(obj)

    def _set(self, entity, obj, spec: FieldSpec, value, *, record_empty: bool, old_text="unset"):
        old = spec.text_of(obj) if old_text == "unset" else old_text
        if spec.field_kind.account:  # set the account, not its id, so its email is the history's text
            value = db.session.get(User, value) if value else None
            setattr(obj, spec.name, value)
        else:
            setattr(obj, spec.model_attribute, value)
        new = spec.to_text(value)
        if new != (old or "") and (record_empty or new):
            self._pending.append((entity, obj, spec.name, old or None, new or None))

    def record(self, entity: str, obj: Any, field: str, old: str | None, new: str | None) -> None:
        """Record a change made outside the field definitions (e.g. the reminder policy)."""
        if (old or "") != (new or ""):
            self._pending.append((entity, obj, field, old or None, new or None))

    @property
    def changed(self) -> bool:
        return bool(self._pending)

    def flush(self) -> list[ProfileChange]:
        """Record the changes and bump the version; raise Conflict if someone was faster."""
        if not self._pending:
            return []
        new_version = self.base_version + 1
        self.country.version = new_version
        if self.source not in REFERENCE_SOURCES:
            self.country.edited = True
        try:
            db.session.flush()
        except StaleDataError:
            db.session.rollback()
            raise _conflict(db.session.get_one(Country, self.country.id), self.base_version) from None
        records = [
            ProfileChange(
                country_id=self.country.id,
                version=new_version,
                user_id=self.user_id,
                source=self.source,
                entity=entity,
                entity_id=None if entity == "country" else obj.id,
                field=field,
                old_value=old,
                new_value=new,
            )
            for entity, obj, field, old, new in self._pending
        ]
        db.session.add_all(records)
        db.session.flush()
        self._pending = []
        # Before the commit: what the receivers change (due dates) is saved with the profile.
        profile_changed.send(self.country, user_id=self.user_id)
        return records


def _save(edit: ProfileEdit) -> list[ProfileChange]:
    records = edit.flush()
    db.session.commit()
    return records


def update_profile(country: Country, values: dict[str, Any], *, expected_version: int,
                   user_id: int | None, source: str = "ui") -> list[ProfileChange]:
    """Change a country's own fields (parsed values) if nobody saved in between."""
    edit = ProfileEdit(country, expected_version=expected_version, user_id=user_id, source=source)
    edit.set_fields("country", country, values)
    return _save(edit)


def mark_reviewed(country: Country, *, expected_version: int, user_id: int | None) -> list[ProfileChange]:
    """Record that the profile was checked today."""
    return update_profile(country, {"last_reviewed_on": today()}, expected_version=expected_version,
                          user_id=user_id)


def add_item(country: Country, entity: str, values: dict[str, Any], *, expected_version: int,
             user_id: int | None, source: str = "ui") -> Any:
    """Add an agreement or a mission to a country."""
    edit = ProfileEdit(country, expected_version=expected_version, user_id=user_id, source=source)
    obj = edit.add(entity, values)
    _save(edit)
    return obj


def update_item(obj: Any, entity: str, values: dict[str, Any], *, expected_version: int,
                user_id: int | None, source: str = "ui") -> list[ProfileChange]:
    """Change an agreement or a mission."""
    edit = ProfileEdit(obj.country, expected_version=expected_version, user_id=user_id, source=source)
    edit.set_fields(entity, obj, values)
    return _save(edit)


def remove_item(obj: Any, entity: str, *, expected_version: int, user_id: int | None,
                source: str = "ui") -> list[ProfileChange]:
    """Remove an agreement or a mission; raise InUse (and change nothing) while something needs it."""
    edit = ProfileEdit(obj.country, expected_version=expected_version, user_id=user_id, source=source)
    try:
        edit.remove(entity, obj)
    except InUse:
        db.session.rollback()
        raise
    return _save(edit)


def history(country: Country, limit: int | None = None) -> list[ProfileChange]:
    """Return the country's recorded changes, newest first."""
    query = (
        select(ProfileChange)
        .where(ProfileChange.country_id == country.id)
        .order_by(ProfileChange.version.desc(), ProfileChange.id)
    )
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def item_name(entity: str, item: Any) -> str:
    """Return what people call an agreement (its title) or a mission (its name)."""
    return getattr(item, ITEM_NAME_FIELDS[entity])


def iter_items(country: Country, entity: str) -> Iterable[Any]:
    return getattr(country, entity + "s")
