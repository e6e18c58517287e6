"""LP requests: create them, apply lifecycle transitions and record timeline events.

One function, ``_record``, writes every event, in the same transaction as the change
it describes. Illegal transitions and impossible data raise and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from countries.models import Country, Mission
from lp.core import signals
from lp.core.clock import today
from lp.core.fields import parse_fields
from lp.core.types import utcnow
from lp.core.validation import Conflict, ValidationFailed
from lp.persons.models import Person
from lp.requests import deadlines, plausible
from lp.requests.lifecycle import (
    ACTIONS,
    AWAITING_ANSWER,
    CLOSED,
    CONTACT_STATES,
    DERIVED_FIELDS,
    EVENT_FIELDS,
    KEEPING_STATUS,
    STATUS_LABELS,
    TRANSITIONS,
    EventAction,
    Transition,
)
from lp.requests.models import LpRequest, RequestEvent
from lp.web.extensions import db

#: Outcomes that are the embassy's answer (their timing is measured for the insights).
ANSWERS = frozenset({"issued", "refused", "handover_agreed"})
#: Transition values that are stored on the request itself (the rest live in the event).
OUTCOME_COLUMNS = frozenset({
    "submitted_on", "channel", "embassy_reference", "documents_enclosed", "lp_number", "issued_on",
    "valid_until", "refusal_reason", "closure_reason", "departed_on", "decided_on",
})
#: The columns whose every change an event records as old → new (see ``_changes``).
TRACKED = {**{name: spec for name, spec in EVENT_FIELDS.items() if name in OUTCOME_COLUMNS}, **DERIVED_FIELDS}
#: Editable fields of a request that are not part of the workflow.
DETAIL_FIELDS = ("mission", "embassy_reference", "documents_enclosed", "identity_requested")
#: Dates that are naturally in the future (an LP issued today is valid for weeks).
MAY_LIE_AHEAD = frozenset({"valid_until"})
#: The form field and API value that gives the reason for a second open request (see ``create_request``).
REPEAT_FIELD = "repeat_reason"


class IllegalTransition(Conflict):
    """The request's current status does not allow this action (HTTP 409)."""


def reference_for(request: LpRequest) -> str:
    """Return our readable reference: LP-<year created>-<number>, e.g. LP-2026-000123."""
    return f"LP-{request.created_at:%Y}-{request.id:06d}"


def _stale() -> Conflict:
    return Conflict(_l("Someone else changed this request after you opened the page. "
                       "Nothing of yours was saved; reload to see the current state."))


def parse_event_data(names: Iterable[str], raw: dict[str, Any]) -> dict[str, Any]:
    """Parse the values an action takes; raise ValidationFailed listing each problem."""
    return parse_fields((EVENT_FIELDS[name] for name in names), raw)


def _check_dates(request: LpRequest, values: dict[str, Any]) -> None:
    """Refuse impossible dates: in the future, before submission, out of order."""
    errors: dict[str, list[Any]] = {}
    now = today()
    for name, value in values.items():
        if name in MAY_LIE_AHEAD:
            continue
        if isinstance(value, date) and not isinstance(value, datetime) and value > now:
            errors.setdefault(name, []).append(_l("This date lies in the future."))
    submitted = values.get("submitted_on") or request.submitted_on
    for name in ("issued_on", "decided_on", "occurred_on"):
        value = values.get(name)
        if value and submitted and value < submitted:
            errors.setdefault(name, []).append(
                _l("This date lies before the submission (%(date)s).", date=submitted.isoformat()))
    if values.get("valid_until") and values.get("issued_on") and values["valid_until"] < values["issued_on"]:
        errors.setdefault("valid_until", []).append(_l("Valid until lies before the date of issue."))
    departed = values.get("departed_on")
    if departed and request.issued_on and departed < request.issued_on:
        errors.setdefault("departed_on", []).append(_l("Departure lies before the date of issue."))
    if departed and request.valid_until and departed > request.valid_until:
        errors.setdefault("departed_on", []).append(_l("The LP was no longer valid on that day."))
    for name, messages in plausible.date_errors(values, now).items():
        errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationFailed(errors)


def _record(request: LpRequest, kind: str, *, user_id: int | None, occurred_on: date | None = None,
            note: str = "", data: dict[str, Any] | None = None, from_status: str | None = None,
            to_status: str | None = None) -> RequestEvent:
    event = RequestEvent(
        request=request,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        occurred_on=occurred_on or today(),
        user_id=user_id,
        note=(note or "").strip(),
        data={k: EVENT_FIELDS[k].to_text(v) if k in EVENT_FIELDS else v for k, v in (data or {}).items()},
    )
    db.session.add(event)
    signals.request_changed.send(request, event=event)
    return event


def _snapshot(request: LpRequest) -> dict[str, str]:
    """Return the tracked columns of a request as text (before an action changes them)."""
    return {name: spec.to_text(getattr(request, name)) for name, spec in TRACKED.items()}


def _note_changes(event: RequestEvent, before: dict[str, str]) -> None:
    """Add to ``event`` every tracked column that differs from ``before``, as [old, new] texts."""
    after = _snapshot(event.request)
    changes = {name: [before[name], after[name]] for name in TRACKED if before[name] != after[name]}
    if changes:
        event.data = {**event.data, "changes": changes}


def _commit() -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise _stale() from None


def _check_version(request: LpRequest, expected_version: int | None) -> None:
    if expected_version is not None and request.version != expected_version:
        raise _stale()


def earlier_requests(person: Person, country: Country, before_id: int | None = None) -> list[LpRequest]:
    """Return the person's requests to ``country`` (those before request ``before_id``), oldest first."""
    query = select(LpRequest).where(LpRequest.person_id == person.id, LpRequest.country_id == country.id)
    if before_id is not None:
        query = query.where(LpRequest.id < before_id)
    return list(db.session.scalars(query.order_by(LpRequest.id)))


def _check_repeat(person: Person, country: Country, reason: str) -> dict[str, Any]:
    """Refuse a second open request for the same person and country unless staff give a reason.

    Return the event data that records the reason (empty when there is no open request).
    """
    open_ones = [r for r in earlier_requests(person, country) if r.is_open]
    if not open_ones:
        return {}
    if not reason.strip():
        raise ValidationFailed.single(REPEAT_FIELD, _l(
            "This person already has an open request to this country (%(references)s). Give the reason for "
            "another one, or continue with the open request.",
            references=", ".join(r.reference or f"#{r.id}" for r in open_ones)))
    try:
        return {"reason": parse_event_data(("reason",), {"reason": reason})["reason"]}
    except ValidationFailed as failure:
        raise ValidationFailed({REPEAT_FIELD: failure.errors["reason"]}) from None


def default_owner_id(person: Person, country: Country) -> int | None:
    """Return who owns a new request: the person's case officer, else the country's portfolio holder."""
    return person.case_officer_id or country.portfolio_holder_id


def create_request(person: Person, country: Country, mission: Mission | None, *, user_id: int | None,
                   details: dict[str, Any] | None = None, submit: dict[str, Any] | None = None,
                   repeat_reason: str = "") -> LpRequest:
    """Create a draft request; the reference is assigned from its number.

    With ``submit`` (the raw data of the ``submit`` transition) the submission is
    recorded in the same transaction: if that data is refused, nothing is saved.
    While the person has an open request to the same country, another one needs
    ``repeat_reason`` (kept on the new request's "created" event).
    """
    if mission is not None and mission.country_id != country.id:
        raise ValidationFailed.single("mission", _l("This mission does not represent the chosen country."))
    repeat = _check_repeat(person, country, repeat_reason or "")
    request = LpRequest(person=person, country=country, mission=mission, status="draft",
                        created_by_id=user_id, created_at=utcnow(),
                        owner_id=default_owner_id(person, country))
    for name, value in (details or {}).items():
        if name in ("embassy_reference", "documents_enclosed", "identity_requested"):
            setattr(request, name, value)
    db.session.add(request)
    db.session.flush()
    request.reference = reference_for(request)
    _record(request, "created", user_id=user_id, to_status="draft", data=repeat)
    if submit is not None:
        try:
            _transition(request, "submit", submit, user_id=user_id)
        except Exception:
            db.session.rollback()  # the flushed draft goes too
            raise
    _commit()
    return request


def apply_transition(request: LpRequest, action: str, raw: dict[str, Any], *, user_id: int | None,
                     note: str = "", expected_version: int | None = None,
                     unusual_confirmed: bool = False) -> RequestEvent:
    """Apply a lifecycle transition with its data, and record it; or raise and change nothing.

    An unusual value (see lp.requests.plausible) is refused with a warning unless
    ``unusual_confirmed``.
    """
    event = _transition(request, action, raw, user_id=user_id, note=note, expected_version=expected_version,
                        unusual_confirmed=unusual_confirmed)
    _commit()
    return event


def _transition(request: LpRequest, action: str, raw: dict[str, Any], *, user_id: int | None,
                note: str = "", expected_version: int | None = None,
                unusual_confirmed: bool = False) -> RequestEvent:
    """Check and apply a transition in the session, without committing."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValidationFailed.single("action", _l("Unknown action."))
    _check_version(request, expected_version)
    if not transition.allowed_from(request.status):
        raise IllegalTransition(_l(
            "This is not possible for a request with status “%(status)s”: %(action)s.",
            status=STATUS_LABELS[request.status], action=transition.label))
    # A value the caller did not send is left as it is (an API client naming only the
    # required values); the forms send every value, shown filled in, so clearing one is a choice.
    values = {name: value for name, value in parse_event_data(transition.fields, raw).items()
              if name in raw or EVENT_FIELDS[name].required}
    _check_dates(request, values)
    refusal = transition.guard(request) if transition.guard is not None else None
    if refusal is not None:
        raise ValidationFailed.single("_", refusal)
    warning = plausible.unusual_validity(request.country, values)
    if warning is not None and not unusual_confirmed:
        raise ValidationFailed.single(plausible.CONFIRM_FIELD, warning)
    if values.get("basis") == "silence":
        values["agreement"] = _silence_basis(request, values["decided_on"])
    from_status, before = request.status, _snapshot(request)
    target = _apply(request, transition, values)
    event = _record(request, "status", user_id=user_id, occurred_on=_event_date(values), note=note,
                    data=values, from_status=from_status, to_status=target)
    refresh_deadlines([request])
    _note_changes(event, before)
    return event


def _silence_basis(request: LpRequest, decided_on: date) -> str:
    """Return the agreement that makes silence consent for ``request`` by ``decided_on``; or raise."""
    deemed = deadlines.deemed_agreed_on(request)
    if deemed is None or decided_on < deemed:
        raise ValidationFailed.single("basis", _l(
            "Silence is not consent for this request on that date: no agreement in force on the submission date "
            "says so, or its time limit had not yet passed."))
    agreement = deadlines.silence_agreement(request)
    assert agreement is not None, "a deemed-agreed date comes from such an agreement"
    return f"{agreement.title} ({agreement.source})" if agreement.source else agreement.title


def _event_date(values: dict[str, Any]) -> date:
    for name in ("occurred_on", "decided_on", "issued_on", "departed_on", "submitted_on"):
        if values.get(name):
            return values[name]
    return today()


def _apply(request: LpRequest, transition: Transition, values: dict[str, Any]) -> str:
    """Change the request as the transition declares; return the status it goes to."""
    target = transition.target_for(values)
    for column in transition.clears:
        setattr(request, column, None)
    for column, name in transition.sets.items():
        setattr(request, column, values[name])
    for name, value in values.items():
        if name in OUTCOME_COLUMNS:
            setattr(request, name, value)
    if transition.decided_on_from is not None:
        request.decided_on = getattr(request, transition.decided_on_from)
    if request.status in transition.late_from:
        request.answered_late = True
        request.is_open = target not in CLOSED
    if target == "handover_agreed":
        request.agreed_by_silence = values.get("basis") == "silence"
    if target in ANSWERS and not request.agreed_by_silence:  # silence is no answer to time
        _measure_response(request)
    if target in CLOSED:
        signals.request_closed.send(request)
        request.is_open = False
        request.paused_since = None
        request.next_presentation_at = None
    request.status = target
    return target


def _measure_response(request: LpRequest) -> None:
    """Keep how long the embassy took to answer, and how long it was allowed."""
    decided_on, submitted_on = request.decided_on, request.submitted_on
    assert decided_on is not None and submitted_on is not None, "an answer has its day, after submission"
    paused = request.paused_days
    if request.paused_since is not None:
        paused += max(0, (decided_on - request.paused_since).days)
    request.response_days = max(0, (decided_on - submitted_on).days - paused)
    request.allowed_days = deadlines.reply_limit_days(request.country, submitted_on)


def perform(request: LpRequest, name: str, raw: dict[str, Any], *, user_id: int | None, note: str | None = None,
            expected_version: int | None = None, unusual_confirmed: bool = False,
            before_commit: Callable[[RequestEvent], None] | None = None) -> RequestEvent:
    """Record one action of ``lifecycle.ACTIONS`` by its name, as the request page and the API post it.

    A transition's ``note`` goes to the timeline beside its values; when it is None it is
    read from ``raw`` (the page's form sends it with the values). An event action takes
    its note among its values, if at all. ``before_commit`` (of an event action) gets the new
    event before the transaction commits, to add what belongs to it (a file attached).
    """
    action = ACTIONS.get(name)
    if isinstance(action, EventAction):
        return record_event(request, action, raw, user_id=user_id, expected_version=expected_version,
                            before_commit=before_commit)
    if note is None:
        note = parse_event_data(("note",), raw)["note"]
    return apply_transition(request, name, raw, user_id=user_id, note=note, expected_version=expected_version,
                            unusual_confirmed=unusual_confirmed)


def record_event(request: LpRequest, action: EventAction, raw: dict[str, Any], *, user_id: int | None,
                 expected_version: int | None = None,
                 before_commit: Callable[[RequestEvent], None] | None = None) -> RequestEvent:
    """Record an action that keeps the status (a contact, a pause, a resume); or raise and change nothing.

    An action with an effect moves the deadline clock: the due date is recomputed and
    the event shows what changed as old → new.
    """
    _check_version(request, expected_version)
    if not action.allowed(request.status, request.paused_since is not None):
        raise IllegalTransition(action.refusal)
    values = parse_event_data(action.fields, raw)
    _check_dates(request, values)
    before = _snapshot(request)
    if action.effect is not None:
        action.effect(request, values)
    event = _record(request, action.name, user_id=user_id, occurred_on=values["occurred_on"],
                    note=values[action.note_from], data={name: values[name] for name in action.data})
    if action.effect is not None:
        refresh_deadlines([request])
        _note_changes(event, before)
    if before_commit is not None:
        before_commit(event)
    _commit()
    return event


def record_contact(request: LpRequest, raw: dict[str, Any], *, user_id: int | None,
                   expected_version: int | None = None) -> RequestEvent:
    """Record a call, email, visit or note verbale with the embassy."""
    return record_event(request, KEEPING_STATUS["contact"], raw, user_id=user_id, expected_version=expected_version)


def record_note_verbale(requests: list[LpRequest], raw: dict[str, Any], *, user_id: int | None,
                        mission_id: int | None = None, letter: str | None = None,
                        before_commit: Callable[[list[RequestEvent]], None] | None = None) -> list[RequestEvent]:
    """Record one note verbale to a mission as a contact on each of its ``requests``, all or none.

    Every request must belong to the same mission (``mission_id`` when given) and allow
    contacts; otherwise nothing is recorded. ``letter`` marks the events as one letter's,
    so that it can be undone as a whole (``record_reversal``). ``before_commit`` gets the new
    events before the transaction commits (to attach the letter to each).
    """
    values = check_note_verbale(requests, raw, mission_id=mission_id)
    events = [
        _record(request, "contact", user_id=user_id, occurred_on=values["occurred_on"], note=values["note"],
                data={"contact_kind": "note_verbale", "occurred_on": values["occurred_on"],
                      **({"letter": letter} if letter else {})})
        for request in requests
    ]
    if before_commit is not None:
        before_commit(events)
    _commit()
    return events


def check_note_verbale(requests: list[LpRequest], raw: dict[str, Any], *,
                       mission_id: int | None = None) -> dict[str, Any]:
    """Return the note verbale's parsed values if it can be recorded on ``requests``; else raise.

    Records nothing: the confirmation step asks the same questions as the recording.
    """
    if not requests:
        raise ValidationFailed.single("requests", _l("Select at least one request."))
    missions = {request.mission_id for request in requests}
    if None in missions or len(missions) != 1 or (mission_id is not None and missions != {mission_id}):
        raise ValidationFailed.single("requests", _l("All selected requests must belong to the same mission."))
    closed = [request.reference or f"#{request.id}" for request in requests if request.status not in CONTACT_STATES]
    if closed:
        raise IllegalTransition(_l("Contacts can be recorded only after submission and before closure: "
                                   "%(references)s.", references=", ".join(closed)))
    values = parse_event_data(("occurred_on", "note"), raw)
    for request in requests:
        _check_dates(request, {"occurred_on": values["occurred_on"]})
    return values


def record_reversal(event: RequestEvent, *, user_id: int | None, note: str) -> RequestEvent:
    """Record that ``event`` was entered by mistake and is undone; the caller commits.

    Nothing is deleted: the timeline keeps the event and shows its reversal after it.
    The request's version moves on, so a form opened before the undo is refused.
    """
    request = event.request
    flag_modified(request, "reply_due_on")  # bump the version: the timeline changed
    data = {name: value for name, value in (event.data or {}).items() if name != "letter"}
    return _record(request, "reversal", user_id=user_id, note=note, data={**data, "reverses": event.id})


def pause_clock(request: LpRequest, raw: dict[str, Any], *, user_id: int | None,
                expected_version: int | None = None) -> RequestEvent:
    """Stop the deadline clock, e.g. while waiting for documents from the person."""
    return record_event(request, KEEPING_STATUS["pause"], raw, user_id=user_id, expected_version=expected_version)


def resume_clock(request: LpRequest, raw: dict[str, Any], *, user_id: int | None,
                 expected_version: int | None = None) -> RequestEvent:
    """Restart the deadline clock; the paused days do not count."""
    return record_event(request, KEEPING_STATUS["resume"], raw, user_id=user_id, expected_version=expected_version)


def update_details(request: LpRequest, values: dict[str, Any], *, user_id: int | None,
                   expected_version: int) -> LpRequest:
    """Change the non-workflow fields (mission, references, documents); version-checked."""
    _check_version(request, expected_version)
    changes = {}
    for name in DETAIL_FIELDS:
        if name not in values:
            continue
        new = values[name]
        if name == "mission":
            if new is not None and new.country_id != request.country_id:
                raise ValidationFailed.single("mission", _l("This mission does not represent the chosen country."))
            old = request.mission
            if (old.id if old else None) != (new.id if new else None):
                changes[name] = [old.name if old else "", new.name if new else ""]
            request.mission = new
        else:
            old = getattr(request, name)
            if old != new:
                changes[name] = [old, new]
            setattr(request, name, new)
    if changes:
        _record(request, "details", user_id=user_id, data={"changes": changes})
    _commit()
    return request


def move_due_dates(country: Country, *, user_id: int | None) -> list[RequestEvent]:
    """Recompute the reply-due date of the country's requests awaiting an answer, after its profile changed.

    Each date that moves is recorded on its request's timeline as old → new. Nothing is
    committed here: the profile change that caused it commits both, or neither.
    """
    awaiting = db.session.scalars(
        select(LpRequest).where(LpRequest.country_id == country.id, LpRequest.is_open.is_(True),
                                LpRequest.status.in_(AWAITING_ANSWER))
        .options(joinedload(LpRequest.person)).order_by(LpRequest.id))
    events = []
    for request in awaiting:
        before = _snapshot(request)
        refresh_deadlines([request])
        if _snapshot(request) != before:
            event = _record(request, "due_date", user_id=user_id)
            _note_changes(event, before)
            events.append(event)
    return events


def refresh_deadlines(requests: Iterable[LpRequest]) -> None:
    """Recompute the cached reply-due date of each request (after anything that moves it)."""
    for request in requests:
        request.reply_due_on = deadlines.reply_due_on(request)


#: How many references a refusal names (the count says how many there are in all).
REFERENCES_SHOWN = 10


def requests_to_mission(mission: Any, entity: str, **_extra: Any) -> str | None:
    """Name the LP requests addressed to a mission that is about to be removed."""
    if entity != "mission" or mission.id is None:
        return None
    where = LpRequest.mission_id == mission.id
    total = db.session.scalar(select(func.count(LpRequest.id)).where(where)) or 0
    if not total:
        return None
    rows = db.session.execute(select(LpRequest.id, LpRequest.reference).where(where)
                              .order_by(LpRequest.id).limit(REFERENCES_SHOWN))
    references = [reference or f"#{request_id}" for request_id, reference in rows]
    if total > len(references):
        references.append("…")
    return ngettext(
        "%(num)d LP request is addressed to this mission (%(references)s): move it to another "
        "mission first.",
        "%(num)d LP requests are addressed to this mission (%(references)s): move them to another "
        "mission first.",
        total, references=", ".join(references))
