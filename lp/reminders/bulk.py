"""Bulk work on the reminder inbox: acknowledge, snooze with a note (see ``lp.web.bulk``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lp.auth.roles import Role
from lp.reminders import services
from lp.reminders.models import Reminder
from lp.web.bulk import BulkAction, BulkList
from lp.web.extensions import db


def _load(ids: Iterable[int]) -> dict[int, Reminder]:
    rows = db.session.scalars(select(Reminder).where(Reminder.id.in_(list(ids)))
                              .options(joinedload(Reminder.request), joinedload(Reminder.country)))
    return {row.id: row for row in rows}


def _label(reminder: Reminder) -> str:
    subject = (reminder.request.reference if reminder.request is not None else None) or reminder.country.alpha2
    return f"{services.kind_label(reminder.kind, reminder.level)} · {subject}"


def _gone(reminder: Reminder) -> Any:
    if reminder.closed_at is not None:
        return _l("Closed in the meantime.")
    if reminder.acknowledged_at is not None:
        return _l("Acknowledged in the meantime.")
    return _l("No longer matches the filters of the list.")


REMINDERS = BulkList(
    name="reminders",
    load=_load,
    label=_label,
    link=lambda reminder: url_for("reminders.show", reminder_id=reminder.id),
    gone=_gone,
)


def selection(f: services.InboxFilter, user_id: int, day: date, *, everything: bool, ticked: set[int]) -> list[int]:
    """Return the ids to act on in inbox order: all that match ``f``, or the ticked ones that do."""
    conditions = services.conditions(f, user_id, day)
    if not everything:
        if not ticked:
            return []
        conditions.append(Reminder.id.in_(ticked))
    return list(db.session.scalars(select(Reminder.id).where(*conditions)
                                   .order_by(Reminder.priority.desc(), Reminder.due_since, Reminder.id).limit(10_000)))


def still_listed(f: services.InboxFilter, user_id: int, day: date, ids: Iterable[int]) -> set[int]:
    """Return those of ``ids`` that the inbox filtered by ``f`` still holds (one query)."""
    ids = list(ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(Reminder.id).where(*services.conditions(f, user_id, day),
                                                            Reminder.id.in_(ids))))


def _acknowledge(reminder: Reminder, raw: dict[str, Any], *, user_id: int, version: int | None) -> None:
    services.acknowledge(reminder, raw, user_id=user_id)


def _snooze(reminder: Reminder, raw: dict[str, Any], *, user_id: int, version: int | None) -> None:
    services.snooze(reminder, raw, user_id=user_id)


REMINDERS.register(BulkAction(
    "acknowledge", _l("Acknowledge"), Role.STAFF, fields=services.ACKNOWLEDGE_FIELDS, apply=_acknowledge,
    explanation=_l("Each reminder is marked as dealt with, by you, with the note."),
))
REMINDERS.register(BulkAction(
    "snooze", _l("Snooze with a note"), Role.STAFF, fields=services.SNOOZE_FIELDS, apply=_snooze,
    check=services.check_snooze,
    explanation=_l("Each reminder is hidden until the day you choose, with the note."),
))
