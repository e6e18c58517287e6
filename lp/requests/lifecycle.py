"""The LP request lifecycle as data: states, and the transitions allowed between them.

DESIGN.md, "LP request lifecycle". Services apply these; views only offer the
transitions that ``available`` returns for the current state.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from lp.core.fields import FieldSpec

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


@dataclass(frozen=True)
class Transition:
    """A change of status that staff can record, with the data it needs."""

    name: str
    label: object
    sources: frozenset[str]
    target: str
    fields: tuple[str, ...] = ()

    def allowed_from(self, status: str) -> bool:
        return status in self.sources


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition("submit", _l("Record submission to the embassy"), frozenset({"draft"}), "submitted",
                   ("submitted_on", "channel", "embassy_reference", "documents_enclosed")),
        Transition("schedule_presentation", _l("Schedule a presentation"), AWAITING_ANSWER,
                   "presentation_scheduled", ("presentation_at", "place", "interpreter", "staff_admitted")),
        # The target is "presented"; when the presentation did not take place the
        # request goes back to "submitted" (see services.apply_transition).
        Transition("record_presentation", _l("Record the presentation's result"),
                   frozenset({"presentation_scheduled"}), "presented", ("occurred_on", "took_place")),
        Transition("issue", _l("Record LP issued"), AWAITING_ANSWER, "issued",
                   ("lp_number", "issued_on", "valid_until")),
        Transition("refuse", _l("Record refusal"), AWAITING_ANSWER, "refused", ("refusal_reason", "decided_on")),
        Transition("agree_handover", _l("Record handover agreed"), AWAITING_ANSWER, "handover_agreed",
                   ("decided_on", "basis")),
        Transition("record_no_reply", _l("Record no reply"), AWAITING_ANSWER, "no_reply", ("decided_on",)),
        Transition("withdraw", _l("Withdraw the request"), frozenset({"draft", "issued"}) | AWAITING_ANSWER,
                   "withdrawn", ("closure_reason", "decided_on")),
        Transition("record_departure", _l("Record departure (LP used)"), frozenset({"issued"}), "used",
                   ("departed_on",)),
        Transition("record_expiry", _l("Record LP expired unused"), frozenset({"issued"}), "expired", ()),
    )
}

#: Events that do not change the status, with the states they may be recorded in.
CONTACT_STATES = OPEN - {"draft"}
PAUSE_STATES = AWAITING_ANSWER


def available(status: str) -> list[Transition]:
    """Return the transitions that a request in ``status`` allows, in a sensible order."""
    return [t for t in TRANSITIONS.values() if t.allowed_from(status)]
