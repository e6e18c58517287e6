"""Plan presentation days, put requests on them, and record each person's result.

Every change to a request goes through the lifecycle (``lp.requests.services.perform``):
putting a request on a day is its ``schedule_presentation``, a result is its
``record_presentation``, so the timeline, the deadline clock and the reminders follow
as they do for a single request. Each request is its own transaction: one refused (a
stale form, a request closed meanwhile) is reported, the others are saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from countries.models import Mission
from lp.core.clock import today
from lp.core.fields import FieldSpec, parse_fields
from lp.core.types import utcnow
from lp.core.validation import Conflict, ValidationFailed
from lp.persons.models import Person
from lp.presentations.models import PresentationDay, PresentationItem
from lp.requests import groups
from lp.requests import services as request_services
from lp.requests.models import LpRequest
from lp.web import audit
from lp.web.extensions import db

RESULTS = (
    ("held", _l("Held")),
    ("no_show", _l("No-show")),
    ("postponed", _l("Postponed")),
)
RESULT_LABELS = dict(RESULTS)
#: The status a request waits in for a presentation (submitted, no presentation ahead).
WAITING_STATUS = "submitted"

DAY_FIELDS = {
    spec.name: spec
    for spec in (
        FieldSpec("starts_at", _l("Date and time"), "datetime", required=True),
        FieldSpec("place", _l("Place"), "text", required=True, max_length=200),
        # As long as the request's own presentation keeps it (lifecycle.EVENT_FIELDS["interpreter"]).
        FieldSpec("interpreter", _l("Interpreter(s)"), "text", max_length=120),
        FieldSpec("transport_by", _l("Transport and escort by"), "text", max_length=200),
        FieldSpec("detention_centre", _l("From detention centre"), "text", max_length=200),
        FieldSpec("notes", _l("Notes"), "longtext", max_length=4000),
    )
}
RESULT_FIELDS = {
    spec.name: spec
    for spec in (
        FieldSpec("result", _l("Result"), "choice", RESULTS),
        FieldSpec("note", _l("Note"), "text", max_length=500),
    )
}


@dataclass
class Outcome:
    """What a step over several requests did: the references done, and those refused with why."""

    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def local_day(moment: datetime) -> date:
    """Return the day of ``moment`` where the users are."""
    return moment.astimezone(ZoneInfo(current_app.config["LP_TIMEZONE"])).date()


def _local_text(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(current_app.config["LP_TIMEZONE"])).strftime("%Y-%m-%dT%H:%M")


def parse_day(raw: dict[str, Any]) -> dict[str, Any]:
    """Parse the values of a day; a day before today cannot be planned. Raise ValidationFailed."""
    try:
        values = parse_fields(DAY_FIELDS.values(), raw)
    except ValidationFailed as failure:
        errors = failure.errors
    else:
        errors = {}
    if "starts_at" not in errors:
        starts_at = parse_fields([DAY_FIELDS["starts_at"]], raw)["starts_at"]
        if local_day(starts_at) < today():
            errors["starts_at"] = [_l("A presentation day cannot be planned in the past.")]
    if errors:
        raise ValidationFailed(errors)
    return values


def plan_day(mission: Mission, raw: dict[str, Any], *, user_id: int | None) -> PresentationDay:
    """Plan a presentation day at ``mission``; or raise and change nothing."""
    values = parse_day(raw)
    day = PresentationDay(mission=mission, created_by_id=user_id, created_at=utcnow(), **values)
    db.session.add(day)
    db.session.flush()
    audit.record("presentation_day.planned", "presentation_day", day.id, actor_id=user_id, mission=mission.id)
    db.session.commit()
    return day


def update_day(day: PresentationDay, raw: dict[str, Any], *, user_id: int | None,
               expected_version: int) -> Outcome:
    """Change a day (version-checked); the requests not yet presented move with its time and place."""
    if day.version != expected_version:
        raise Conflict(_l("Someone else changed this presentation day after you opened the page. "
                          "Nothing of yours was saved; reload to see the current state."))
    values = parse_day(raw)
    changed = {name: [DAY_FIELDS[name].to_text(getattr(day, name)), DAY_FIELDS[name].to_text(value)]
               for name, value in values.items() if getattr(day, name) != value}
    for name, value in values.items():
        setattr(day, name, value)
    if changed:
        audit.record("presentation_day.changed", "presentation_day", day.id, actor_id=user_id,
                     fields=sorted(changed))
    db.session.commit()
    outcome = Outcome()
    if changed.keys() & {"starts_at", "place", "interpreter"}:
        for item in open_items(day):
            if item.request.status == "presentation_scheduled":
                _one(outcome, item.request, lambda item=item: _schedule(day, item.request, user_id=user_id))
    return outcome


def open_items(day: PresentationDay) -> list[PresentationItem]:
    """Return the day's requests whose result is not recorded yet."""
    return [item for item in day.items if item.result is None]


def _on_an_open_day():
    return exists().where(PresentationItem.request_id == LpRequest.id, PresentationItem.result.is_(None))


def waiting(mission_id: int) -> list[LpRequest]:
    """Return the mission's requests waiting for a presentation, not on any day yet (detained persons first)."""
    return list(db.session.scalars(
        select(LpRequest).join(Person, Person.id == LpRequest.person_id)
        .where(LpRequest.mission_id == mission_id, LpRequest.is_open.is_(True),
               LpRequest.status == WAITING_STATUS, ~_on_an_open_day())
        .options(joinedload(LpRequest.person))
        .order_by(Person.in_detention_since.is_(None), LpRequest.submitted_on, LpRequest.id)))


def _reference(request: LpRequest) -> str:
    return request.reference or f"#{request.id}"


def _schedule(day: PresentationDay, request: LpRequest, *, user_id: int | None) -> None:
    raw = {"presentation_at": _local_text(day.starts_at), "place": day.place, "interpreter": day.interpreter}
    request_services.perform(request, "schedule_presentation", raw, user_id=user_id,
                             note=_("Presentation day %(number)d", number=day.id))


def _one(outcome: Outcome, request: LpRequest, step) -> bool:
    """Run one request's step in its own transaction; note it as done or refused (and roll it back)."""
    reference = _reference(request)
    try:
        step()
    except (Conflict, ValidationFailed) as error:
        db.session.rollback()
        if isinstance(error, Conflict):
            message = str(error.message)
        else:
            message = " ".join(str(m) for messages in error.errors.values() for m in messages)
        outcome.refused.append((reference, message))
        return False
    outcome.done.append(reference)
    return True


def add_requests(day: PresentationDay, request_ids: list[int], *, with_group: bool,
                 user_id: int | None) -> Outcome:
    """Put the chosen requests (and, ``with_group``, the waiting requests of their groups) on the day.

    A request of another mission, or one not waiting for a presentation, refuses the
    whole step before anything is saved; then each request is scheduled in its own transaction.
    """
    if not request_ids:
        raise ValidationFailed.single("requests", _l("Choose at least one request."))
    if local_day(day.starts_at) < today():
        raise ValidationFailed.single("requests", _l("This presentation day lies in the past."))
    chosen = list(db.session.scalars(select(LpRequest).where(LpRequest.id.in_(request_ids)).order_by(LpRequest.id)))
    if len(chosen) != len(set(request_ids)):
        raise ValidationFailed.single("requests", _l("A chosen request does not exist (any more)."))
    others = [_reference(r) for r in chosen if r.mission_id != day.mission_id]
    if others:
        raise ValidationFailed.single("requests", _l(
            "Only requests to this mission can be presented on this day: %(references)s.",
            references=", ".join(others)))
    waiting_ids = {r.id for r in waiting(day.mission_id)}
    not_waiting = [_reference(r) for r in chosen if r.id not in waiting_ids]
    if not_waiting:
        raise ValidationFailed.single("requests", _l(
            "Not waiting for a presentation (or on a day already): %(references)s.",
            references=", ".join(not_waiting)))
    if with_group:
        group_ids = set(groups.group_ids_of([r.id for r in chosen]).values())
        linked = {request_id for members in groups.members_of_groups(group_ids).values() for request_id in members}
        extra = sorted((linked & waiting_ids) - {r.id for r in chosen})
        chosen += list(db.session.scalars(select(LpRequest).where(LpRequest.id.in_(extra)).order_by(LpRequest.id)))
    outcome = Outcome()
    day_id = day.id
    for request in chosen:
        def step(request: LpRequest = request) -> None:
            db.session.add(PresentationItem(day_id=day_id, request=request, added_at=utcnow()))
            _schedule(day, request, user_id=user_id)  # commits the item with the request's transition
        _one(outcome, request, step)
    if outcome.done:
        audit.record("presentation_day.requests_added", "presentation_day", day_id, actor_id=user_id,
                     requests=outcome.done)
        db.session.commit()
    return outcome


@dataclass(frozen=True)
class ResultRow:
    """One row of the results form as posted: the item, the result chosen, a note, and the versions seen."""

    item_id: int
    result: str
    note: str
    item_version: int | None
    request_version: int | None


def record_results(day: PresentationDay, rows: list[ResultRow], *, user_id: int | None) -> Outcome:
    """Record each person's result (held, no-show, postponed); each request in its own transaction.

    Held records the presentation as taken place; no-show and postponed record that it did
    not, so the request waits for a presentation again (and can go on a later day). A row
    whose item or request changed since the form was opened is refused; the others are saved.
    """
    chosen = [row for row in rows if row.result]
    if not chosen:
        raise ValidationFailed.single("results", _l("Choose a result for at least one person."))
    if local_day(day.starts_at) > today():
        raise ValidationFailed.single("results", _l("Results can be recorded from the day of the presentation on."))
    items = {item.id: item for item in day.items}
    outcome = Outcome()
    for row in chosen:
        item = items.get(row.item_id)
        if item is None:
            outcome.refused.append((f"#{row.item_id}", _("Not on this presentation day.")))
            continue
        _one(outcome, item.request, lambda item=item, row=row: _record_result(day, item, row, user_id=user_id))
    if outcome.done:
        audit.record("presentation_day.results_recorded", "presentation_day", day.id, actor_id=user_id,
                     requests=outcome.done)
        db.session.commit()
    return outcome


def _stale_item() -> Conflict:
    return Conflict(_l("Changed by someone else after you opened the page; not saved. Reload to see it."))


def _record_result(day: PresentationDay, item: PresentationItem, row: ResultRow, *, user_id: int | None) -> None:
    values = parse_fields(RESULT_FIELDS.values(), {"result": row.result, "note": row.note})
    if item.result is not None or row.item_version != item.version:
        raise _stale_item()
    request = item.request
    if request.status != "presentation_scheduled" or request.next_presentation_at != day.starts_at:
        raise _stale_item()
    result = values["result"]
    note = values["note"] or ""
    item.result, item.note, item.recorded_at = result, note, utcnow()
    label = str(RESULT_LABELS[result])
    timeline_note = f"{label}: {note}" if note else label
    raw = {"occurred_on": local_day(day.starts_at).isoformat(), "took_place": "yes" if result == "held" else "no"}
    request_services.perform(request, "record_presentation", raw, user_id=user_id,
                             note=_("Presentation day %(number)d: %(result)s", number=day.id, result=timeline_note),
                             expected_version=row.request_version)


def days_of_request(request_id: int) -> list[PresentationDay]:
    """Return the presentation days the request is (or was) on, the latest first."""
    return list(db.session.scalars(
        select(PresentationDay).join(PresentationItem, PresentationItem.day_id == PresentationDay.id)
        .where(PresentationItem.request_id == request_id).order_by(PresentationDay.starts_at.desc())))
