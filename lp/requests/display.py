"""Requests and persons in words: field values, the request's facts and its timeline.

Values are shown in the UI language: choice labels, dates and times in the
configured time zone. Used by the request and person pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, Literal, cast

from babel import Locale, dates
from flask_babel import format_date, format_datetime
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from lp.auth.models import User
from lp.auth.roles import Role
from lp.core import signals
from lp.core.clock import today
from lp.core.fields import FieldSpec
from lp.core.kinds import yes_no
from lp.persons import detention
from lp.persons.models import Person
from lp.persons.services import PERSON_FIELDS
from lp.requests import deadlines
from lp.requests.lifecycle import AWAITING_ANSWER, DERIVED_FIELDS, EVENT_FIELDS, STATUS_LABELS
from lp.requests.models import LpRequest, RequestEvent
from lp.web.extensions import db
from lp.web.i18n import gettext as _
from lp.web.i18n import locale_and_zone

#: How the non-workflow details are labelled (their changes are "details" events).
DETAIL_LABELS = {
    "mission": _l("Mission"),
    "embassy_reference": EVENT_FIELDS["embassy_reference"].label,
    "documents_enclosed": EVENT_FIELDS["documents_enclosed"].label,
    "identity_requested": _l("Identity requested by the embassy"),
}
EVENT_TITLES = {
    "created": _l("Request created"),
    "contact": _l("Contact with the embassy"),
    "pause": _l("Deadline clock paused"),
    "resume": _l("Deadline clock resumed"),
    "details": _l("Details changed"),
    "reversal": _l("Entry undone (recorded by mistake)"),
    "due_date": _l("Reply due date moved: the country profile changed"),
}
#: How event data that is no field of a request is labelled.
OTHER_LABELS = {"previous_owner": _l("Previous owner")}
#: Event data kept for the application's own use (which letter, which event reversed): not shown.
INTERNAL_DATA = frozenset({"letter", "reverses", "owner_id", "previous_owner_id"})


# Dates and moments are written as Flask-Babel's format_date and format_datetime write them
# (the app configures no patterns of its own: Babel's date_formats are the locale's), with the
# locale's patterns parsed once rather than looked up and parsed again for each of a timeline's
# hundreds of dates: the same text in a third of the time.

Style = Literal["short", "medium", "long", "full"]
_STYLES = frozenset({"short", "medium", "long", "full"})


@cache
def _date_pattern(locale: Locale, style: Style) -> dates.DateTimePattern:
    return dates.parse_pattern(dates.get_date_format(style, locale=locale))


@cache
def _moment_patterns(locale: Locale, style: Style) -> tuple[str, dates.DateTimePattern, dates.DateTimePattern]:
    """Return how a moment is written: the date-and-time pattern, the time's, the date's (Babel's format_datetime)."""
    return (str(dates.get_datetime_format(style, locale=locale)).replace("'", ""),
            dates.parse_pattern(dates.get_time_format(style, locale=locale)), _date_pattern(locale, style))


def day(value: date | None, style: str = "medium") -> str:
    """Return a date in the UI language, or an empty string for none."""
    if not value:
        return ""
    locale = locale_and_zone()[0]
    if isinstance(value, datetime) or locale is None or style not in _STYLES:
        return format_date(value, style)
    return _date_pattern(locale, cast(Style, style)).apply(value, locale)


def moment(value: datetime | None) -> str:
    """Return a moment as date and time in the configured time zone, or an empty string."""
    if not value:
        return ""
    locale, zone = locale_and_zone()
    if locale is None or zone is None:
        return format_datetime(value, "short")
    both, time_pattern, date_pattern = _moment_patterns(locale, "short")
    local = (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).astimezone(zone)
    if hasattr(zone, "normalize"):  # pytz
        local = zone.normalize(local)
    on = local.date()
    return (both.replace("{0}", time_pattern.apply(local.timetz(), locale, reference_date=on))
            .replace("{1}", date_pattern.apply(on, locale)))


def shown(spec: FieldSpec | None, value: Any) -> str:
    """Return a stored value (or its stable text, as events keep it) as people read it."""
    if value is None or value == "":
        return ""
    if spec is None or isinstance(value, bool):
        return yes_no(value) if isinstance(value, bool) else str(value)
    return spec.shown(value)


def is_overdue(request: LpRequest, on: date | None = None) -> bool:
    """Return whether the embassy's reply is late (the list's "overdue" filter, per row)."""
    return (request.is_open and request.status in AWAITING_ANSWER and request.reply_due_on is not None
            and request.reply_due_on < (on or today()))


def outcome(request: LpRequest) -> str:
    """Return the outcome of a request in a few words: LP number or reason."""
    if request.lp_number:
        return request.lp_number
    for name in ("refusal_reason", "closure_reason"):
        if getattr(request, name):
            return shown(EVENT_FIELDS[name], getattr(request, name))
    return ""


@dataclass(frozen=True)
class Fact:
    label: Any
    value: str
    long: bool = False


def facts(request: LpRequest, deemed: date | None = None) -> list[Fact]:
    """Return what is recorded on a request, outcome fields only once they are set.

    ``deemed``: since when it is deemed agreed (``deadlines.deemed_agreed_since``), if the caller has it.
    """
    spec = EVENT_FIELDS
    rows = [
        Fact(_l("Status"), str(STATUS_LABELS[request.status])),
        Fact(DETAIL_LABELS["mission"], request.mission.name if request.mission else ""),
        Fact(spec["embassy_reference"].label, request.embassy_reference),
        Fact(spec["submitted_on"].label, day(request.submitted_on)),
        Fact(spec["channel"].label, shown(spec["channel"], request.channel)),
        Fact(spec["documents_enclosed"].label, request.documents_enclosed, long=True),
        Fact(DETAIL_LABELS["identity_requested"], yes_no(request.identity_requested)),
        Fact(_l("Reply due"), day(request.reply_due_on)),
    ]
    if deemed is None:
        deemed = deadlines.deemed_agreed_since(request, today())
    optional = [
        Fact(_l("Deemed agreed since"), day(deemed)),
        Fact(_l("Clock paused since"), day(request.paused_since)),
        Fact(_l("Days paused"), str(request.paused_days) if request.paused_days else ""),
        Fact(_l("Next presentation"), moment(request.next_presentation_at)),
        Fact(_l("Decided on"), day(request.decided_on)),
        Fact(_l("Answered late"), str(_l("yes, after no reply was recorded")) if request.answered_late else ""),
        *(Fact(spec[name].label, shown(spec[name], getattr(request, name)))
          for name in ("lp_number", "issued_on", "valid_until", "departed_on", "refusal_reason", "closure_reason")),
    ]
    return rows + [fact for fact in optional if fact.value]


def person_facts(person: Person) -> list[Fact]:
    """Return every defined field of a person as people read it, and when the detention term ends."""
    rows = []
    for spec in PERSON_FIELDS:
        rows.append(Fact(spec.label, shown(spec, getattr(person, spec.name))))
        if spec.name == "detention_max_months" and person.in_detention:
            rows.append(Fact(_l("Detention term ends on"), day(detention.ends_on(person))))
    return rows


@dataclass(frozen=True)
class Entry:
    """One event of the timeline, ready to show."""

    kind: str
    at: datetime
    occurred_on: date
    who: str
    title: str
    lines: list[Fact]
    note: str
    event_id: int = 0


#: The events the request page shows at first; the rest behind "show the whole timeline".
TIMELINE_SHOWN = 50


def timeline(request: LpRequest, limit: int | None = None) -> list[Entry]:
    """Return the request's events, newest first, in words (one query, people included).

    With ``limit``, at most that many and one more (so the page knows there are more).
    """
    # Plain rows, the recorder's name joined in: a long history is shown, never changed, so
    # it needs no ORM objects (building those cost more than the rest of the timeline).
    e = RequestEvent
    query = (select(e.id, e.kind, e.from_status, e.to_status, e.occurred_on, e.at, e.note, e.data,
                    User.display_name, User.email)
             .outerjoin(User, User.id == e.user_id)
             .where(e.request_id == request.id).order_by(e.id.desc()))
    if limit is not None:
        query = query.limit(limit + 1)
    return [_entry(event) for event in db.session.execute(query)]


def _entry(event: Any) -> Entry:
    """Return one event in words; ``event`` is a row of ``timeline``'s query."""
    data = {name: value for name, value in (event.data or {}).items() if name not in INTERNAL_DATA}
    note = event.note
    if event.kind == "status":
        title = _("Status: %(old)s → %(new)s", old=STATUS_LABELS.get(event.from_status or "", event.from_status),
                  new=STATUS_LABELS.get(event.to_status or "", event.to_status))
    elif event.kind == "owner":  # lp.requests.ownership
        previous, new = data.pop("owner", ["", ""])
        title = _("Assigned to %(name)s", name=new or "—")
        if previous:
            data["previous_owner"] = previous
    else:
        title = str(EVENT_TITLES.get(event.kind, event.kind))
    changes = data.pop("changes", {})
    if event.kind == "details":
        lines = [_change(name, old, new) for name, (old, new) in changes.items()]
    else:
        # What the action changed on the request, old → new; then the values it took
        # that are not columns of the request (a presentation's place, a contact's kind).
        lines = [_tracked_change(name, old, new) for name, (old, new) in changes.items()]
        lines += [Fact(EVENT_FIELDS[name].label if name in EVENT_FIELDS else OTHER_LABELS.get(name, name),
                       shown(EVENT_FIELDS.get(name), value),
                       long=name in EVENT_FIELDS and EVENT_FIELDS[name].field_kind.long)
                  for name, value in data.items() if name not in changes]
        if event.kind in ("pause", "resume") and note == data.get("reason"):
            note = ""  # the reason is the note: show it once
    who = (event.display_name or event.email) if event.email is not None else _("system")
    return Entry(event.kind, event.at, event.occurred_on, who, title, [line for line in lines if line.value], note,
                 event.id)


def _change(name: str, old: Any, new: Any) -> Fact:
    def text(value: Any) -> str:
        return yes_no(value) if isinstance(value, bool) else (value or "—")

    return Fact(DETAIL_LABELS.get(name, name), f"{text(old)} → {text(new)}",
                long=name == "documents_enclosed")


def _tracked_change(name: str, old: str, new: str) -> Fact:
    spec = EVENT_FIELDS.get(name) or DERIVED_FIELDS.get(name)
    return Fact(spec.label if spec else name, f"{shown(spec, old) or '—'} → {shown(spec, new) or '—'}",
                long=spec is not None and spec.field_kind.long)


def can_edit() -> bool:
    """Return whether the current user may record and change requests and persons."""
    return current_user.is_authenticated and current_user.may(Role.STAFF)


@dataclass(frozen=True)
class Clock:
    """The deadline clock of one request as people see it: waiting, due or overdue, paused, reminder level."""

    days_waiting: int | None
    #: Days until the reply is due (0: today); negative when overdue. None when no answer is awaited.
    due_in: int | None
    paused_since: date | None
    level: int | None

    @property
    def overdue_days(self) -> int:
        return -self.due_in if self.due_in is not None and self.due_in < 0 else 0


def clock_of(request: LpRequest, on: date, level: int | None = None) -> Clock:
    """Return the clock of ``request`` on ``on`` (no query: ``level`` comes from ``clocks``)."""
    waiting = request.is_open and request.status in AWAITING_ANSWER and request.submitted_on is not None
    days_waiting = due_in = None
    if waiting and request.submitted_on is not None:
        paused_now = (on - request.paused_since).days if request.paused_since else 0
        days_waiting = max(0, (on - request.submitted_on).days - (request.paused_days or 0) - paused_now)
        if request.reply_due_on is not None and request.paused_since is None:
            due_in = (request.reply_due_on - on).days
    return Clock(days_waiting, due_in, request.paused_since if request.is_open else None,
                 level if request.is_open else None)


def clocks(requests: list[LpRequest], on: date) -> dict[int, Clock]:
    """Return the clock of each request, by id: one query for the reminder levels of them all."""
    levels = signals.levels_of([request.id for request in requests if request.is_open])
    return {request.id: clock_of(request, on, levels.get(request.id)) for request in requests}


#: How a status badge looks: its tone repeats what the status's own words say (never colour alone).
STATUS_TONES = {"draft": "neutral", "issued": "good", "used": "good", "handover_agreed": "good",
                "refused": "bad", "no_reply": "bad", "expired": "neutral", "withdrawn": "neutral"}


def status_tone(status: str) -> str:
    """Return the badge tone of a status: waiting, good, bad or neutral."""
    return STATUS_TONES.get(status, "waiting")


def template_helpers() -> dict[str, Any]:
    """Return the helpers the request and person templates use."""
    return {
        "day": day,
        "moment": moment,
        "is_overdue": is_overdue,
        "outcome": outcome,
        "STATUS_LABELS": STATUS_LABELS,
        "status_tone": status_tone,
        "can_edit": can_edit(),
    }
