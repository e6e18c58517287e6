"""The LP request lifecycle as data: states, the transitions between them and the other actions.

docs/design.md, "Request lifecycle". ``ACTIONS`` is the one table of what staff can record
on a request: each transition with everything it does besides changing the status, and
the contact, pause and resume that record an event without changing it. Services apply
them without naming any; the request page, its forms and the API offer exactly what
``available`` returns for the current state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from lp.core.clock import today
from lp.core.fields import FieldSpec
from lp.core.validation import ValidationFailed

STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "presentation_scheduled": _l("Presentation scheduled"),
    "presented": _l("Presented"),
    "issued": _l("LP issued"),
    "used": _l("Used (departed)"),
    "expired": _l("LP expired"),
    "refused": _l("Refused"),
    "handover_agreed": _l("Handover agreed"),
    "no_reply": _l("No reply"),
    "withdrawn": _l("Withdrawn"),
}
STATUSES = tuple(STATUS_LABELS)
#: Waiting for the embassy's answer: the deadline clock runs in these states.
AWAITING_ANSWER = frozenset({"submitted", "presentation_scheduled", "presented"})
CLOSED = frozenset({"used", "expired", "refused", "handover_agreed", "no_reply", "withdrawn"})
OPEN = frozenset(STATUSES) - CLOSED

CHANNELS = (
    ("post", _l("Post")),
    ("courier", _l("Courier")),
    ("email", _l("Email")),
    ("in_person", _l("In person")),
    ("electronic", _l("Electronic system")),
)
REFUSAL_REASONS = (
    ("nationality_not_established", _l("Nationality not established")),
    ("not_recognised", _l("Not recognised as a national (non-statement)")),
    ("unwilling", _l("Recognised, but the person is unwilling and the embassy honours that")),
    ("other", _l("Other reason")),
)
CLOSURE_REASONS = (
    ("departed_independently", _l("Departed independently")),
    ("absconded", _l("Absconded (whereabouts unknown)")),
    ("residence_permit", _l("Residence permit granted")),
    ("deceased", _l("Deceased")),
    ("other", _l("Other reason")),
)
#: Why a handover is agreed: the embassy said so, or it stayed silent where the agreement makes
#: silence consent (lp.requests.deadlines.deemed_agreed_on).
HANDOVER_BASES = (
    ("answer", _l("The embassy's answer")),
    ("silence", _l("Silence: deemed agreed under the agreement")),
)
CONTACT_KINDS = (
    ("call", _l("Phone call")),
    ("email", _l("Email")),
    ("visit", _l("Visit")),
    ("note_verbale", _l("Note verbale")),
)

#: Every value a transition or event can take, defined once.
EVENT_FIELDS = {
    spec.name: spec
    for spec in (
        FieldSpec("submitted_on", _l("Submitted on"), "date", required=True),
        FieldSpec("channel", _l("Channel"), "choice", CHANNELS, required=True),
        FieldSpec("embassy_reference", _l("Embassy's reference"), "text", max_length=60, identifier=True),
        FieldSpec("documents_enclosed", _l("Documents enclosed"), "longtext", max_length=4000),
        FieldSpec("presentation_at", _l("Date and time of the presentation"), "datetime", required=True),
        FieldSpec("place", _l("Place"), "text", required=True, max_length=200),
        FieldSpec("interpreter", _l("Interpreter"), "text", max_length=120),
        FieldSpec("staff_admitted", _l("Agency staff admitted"), "bool"),
        FieldSpec("took_place", _l("The presentation took place"), "bool", required=True),
        FieldSpec("lp_number", _l("LP number"), "text", required=True, max_length=40, identifier=True),
        FieldSpec("issued_on", _l("Issued on"), "date", required=True),
        FieldSpec("valid_until", _l("Valid until"), "date", required=True),
        FieldSpec("refusal_reason", _l("Reason for refusal"), "choice", REFUSAL_REASONS, required=True),
        FieldSpec("closure_reason", _l("Reason for withdrawal"), "choice", CLOSURE_REASONS, required=True),
        FieldSpec("decided_on", _l("Date"), "date", required=True),
        FieldSpec("basis", _l("Basis"), "choice", HANDOVER_BASES, default="answer"),
        # Recorded with a handover on the basis of silence (not entered): the agreement relied on.
        FieldSpec("agreement", _l("Agreement"), "longtext", max_length=8000),
        FieldSpec("departed_on", _l("Departed on"), "date", required=True),
        FieldSpec("occurred_on", _l("Date"), "date", required=True),
        FieldSpec("contact_kind", _l("Kind of contact"), "choice", CONTACT_KINDS, required=True),
        FieldSpec("reason", _l("Reason"), "text", required=True, max_length=500),
        FieldSpec("note", _l("Note"), "longtext", max_length=4000),
    )
}

#: What actions change on a request besides the values they take (the deadline clock, the
#: next presentation): together with those, each change shows on the timeline as old → new.
DERIVED_FIELDS = {
    spec.name: spec
    for spec in (
        FieldSpec("reply_due_on", _l("Reply due"), "date"),
        FieldSpec("paused_since", _l("Clock paused since"), "date"),
        FieldSpec("paused_days", _l("Days paused"), "int"),
        FieldSpec("next_presentation_at", _l("Next presentation"), "datetime"),
    )
}


def _lp_still_valid(request: Any) -> Any | None:
    """Return why the expiry cannot be recorded yet (the LP's last valid day has not passed), or None."""
    if request.valid_until is None or request.valid_until >= today():
        return _l("The LP is still valid; it can only expire after its last day.")
    return None


def _pause_clock(request: Any, values: dict[str, Any]) -> None:
    request.paused_since = values["occurred_on"]


def _resume_clock(request: Any, values: dict[str, Any]) -> None:
    """Add the days paused to the total; the clock cannot resume before it was paused."""
    if values["occurred_on"] < request.paused_since:
        raise ValidationFailed.single("occurred_on", _l("The clock cannot resume before it was paused."))
    request.paused_days += (values["occurred_on"] - request.paused_since).days
    request.paused_since = None


@dataclass(frozen=True, eq=False)
class Transition:
    """A change of status that staff can record, with the data it needs and what it does besides.

    Every rule of a transition is declared here; ``services.apply_transition`` applies them
    without knowing any transition by name.
    """

    name: str
    label: Any
    sources: frozenset[str]
    target: str
    fields: tuple[str, ...] = ()
    #: Closing a request cannot be undone: the page asks for a ticked confirmation.
    confirm: bool = False
    #: The yes/no value that says whether the target was reached; when it is "no" the
    #: request goes to ``otherwise`` instead (a presentation that did not take place).
    reached_if: str | None = None
    otherwise: str | None = None
    #: Columns of the request that take one of the values, {column: value}, besides the
    #: outcome columns that keep their own name (the presentation's date and time).
    sets: Mapping[str, str] = field(default_factory=dict)
    #: Columns of the request this empties (the presentation reported on is no longer ahead).
    clears: tuple[str, ...] = ()
    #: The column of the request that holds the day of the decision once the values are
    #: stored, for a transition that does not take ``decided_on`` itself.
    decided_on_from: str | None = None
    #: Returns why this request cannot take the transition although its status allows it, or None.
    guard: Callable[[Any], Any | None] | None = None

    def allowed_from(self, status: str) -> bool:
        return status in self.sources

    def allowed(self, status: str, paused: bool) -> bool:
        """Return whether a request in ``status`` (its clock ``paused`` or not) may take this action."""
        return self.allowed_from(status)

    @property
    def form_fields(self) -> tuple[str, ...]:
        """The values its form shows: the transition's, then a note for the timeline."""
        return (*self.fields, "note")

    def target_for(self, values: dict[str, Any]) -> str:
        """Return the status the request goes to with these values."""
        if self.reached_if is not None and not values[self.reached_if]:
            return self.otherwise or self.target
        return self.target


@dataclass(frozen=True, eq=False)
class EventAction:
    """An action that records an event on the timeline without changing the status.

    ``services.record_event`` applies it: it is refused with ``refusal`` unless the
    request is in one of ``states`` (and its clock paused, or not, as ``paused`` says);
    ``effect`` changes the request (the deadline clock), and the event keeps the value
    ``note_from`` as its note and the values ``data`` as its data.
    """

    name: str
    label: Any
    fields: tuple[str, ...]
    states: frozenset[str]
    refusal: Any
    note_from: str
    data: tuple[str, ...]
    #: True: only while the clock is paused; False: only while it runs; None: either.
    paused: bool | None = None
    effect: Callable[[Any, dict[str, Any]], None] | None = None
    confirm: bool = False

    def allowed(self, status: str, paused: bool) -> bool:
        """Return whether a request in ``status`` (its clock ``paused`` or not) may take this action."""
        return status in self.states and self.paused in (None, paused)

    @property
    def form_fields(self) -> tuple[str, ...]:
        return self.fields


Action = Transition | EventAction

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition("submit", _l("Record submission to the embassy"), frozenset({"draft"}), "submitted",
                   ("submitted_on", "channel", "embassy_reference", "documents_enclosed")),
        Transition("schedule_presentation", _l("Schedule a presentation"), AWAITING_ANSWER,
                   "presentation_scheduled", ("presentation_at", "place", "interpreter", "staff_admitted"),
                   sets={"next_presentation_at": "presentation_at"}),
        Transition("record_presentation", _l("Record the presentation's result"),
                   frozenset({"presentation_scheduled"}), "presented", ("occurred_on", "took_place"),
                   reached_if="took_place", otherwise="submitted",  # still waiting for a new date
                   clears=("next_presentation_at",)),
        Transition("issue", _l("Record LP issued"), AWAITING_ANSWER, "issued",
                   ("lp_number", "issued_on", "valid_until"), decided_on_from="issued_on"),
        Transition("refuse", _l("Record refusal"), AWAITING_ANSWER, "refused", ("refusal_reason", "decided_on"),
                   confirm=True),
        Transition("agree_handover", _l("Record handover agreed"), AWAITING_ANSWER, "handover_agreed",
                   ("decided_on", "basis")),
        Transition("record_no_reply", _l("Record no reply"), AWAITING_ANSWER, "no_reply", ("decided_on",),
                   confirm=True),
        Transition("withdraw", _l("Withdraw the request"), frozenset({"draft", "issued"}) | AWAITING_ANSWER,
                   "withdrawn", ("closure_reason", "decided_on"), confirm=True),
        Transition("record_departure", _l("Record departure (LP used)"), frozenset({"issued"}), "used",
                   ("departed_on",)),
        Transition("record_expiry", _l("Record LP expired unused"), frozenset({"issued"}), "expired", (),
                   decided_on_from="valid_until", guard=_lp_still_valid),
    )
}

#: Contacts are recorded after submission and before closure (a note verbale to many requests too).
CONTACT_STATES = OPEN - {"draft"}
#: The deadline clock can be paused while it runs: while waiting for the answer.
PAUSE_STATES = AWAITING_ANSWER
_CLOCK_FIELDS = ("occurred_on", "reason")

#: The actions that record an event and keep the status.
KEEPING_STATUS: dict[str, EventAction] = {
    a.name: a
    for a in (
        EventAction("contact", _l("Record a contact with the embassy"), ("contact_kind", "occurred_on", "note"),
                    CONTACT_STATES, _l("Contacts can be recorded only after submission and before closure."),
                    note_from="note", data=("contact_kind", "occurred_on")),
        EventAction("pause", _l("Pause the deadline clock"), _CLOCK_FIELDS, PAUSE_STATES,
                    _l("The clock can be paused only while waiting for an answer, and not twice."),
                    note_from="reason", data=("reason",), paused=False, effect=_pause_clock),
        EventAction("resume", _l("Resume the deadline clock"), _CLOCK_FIELDS, frozenset(STATUSES),
                    _l("The clock is not paused."), note_from="reason", data=("reason",), paused=True,
                    effect=_resume_clock),
    )
}
#: Every action a request page and the API offer, in the order they are offered.
ACTIONS: dict[str, Action] = {**TRANSITIONS, **KEEPING_STATUS}


def available(status: str, paused: bool) -> list[Action]:
    """Return the actions that a request in ``status`` allows (its clock ``paused`` or not), in a sensible order."""
    return [action for action in ACTIONS.values() if action.allowed(status, paused)]
