"""LP requests and the append-only timeline of each request."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lp.core.types import UTCDateTime, utcnow
from lp.persons.models import Person
from lp.web.extensions import IDS_NEVER_REUSED, Model

#: ``LpRequest.next_due_on`` of a request the reminder sweep must look at again at its next run
#: (new, or something its rules read changed): a day long past, so the sweep's one index range finds it.
CHANGED = date(1, 1, 1)
#: How many days after ``CHANGED`` a mark may be (``changed_mark``): all before the year 1600.
_MARKS = 580_000


def changed_mark() -> date:
    """Return a mark like ``CHANGED`` that differs from mark to mark (one in 580,000 alike).

    For the marks set with a plain UPDATE, which bumps no version: the sweep stores a request's
    next day only where the day it read is still there, so a mark set while it ran survives.
    """
    return CHANGED + timedelta(days=secrets.randbelow(_MARKS))

if TYPE_CHECKING:  # only for the annotations of the relationships; the mapper resolves them by name
    from countries.models import Country, Mission
    from lp.auth.models import User


class LpRequest(Model):
    """One request for a laissez-passer to one country's mission."""

    __tablename__ = "lp_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id"), active_history=True)
    mission_id: Mapped[int | None] = mapped_column(ForeignKey("missions.id"), active_history=True)
    embassy_reference: Mapped[str] = mapped_column(String(60), default="")
    status: Mapped[str] = mapped_column(String(24), default="draft", active_history=True)
    submitted_on: Mapped[date | None] = mapped_column(Date, active_history=True)
    channel: Mapped[str | None] = mapped_column(String(16))
    documents_enclosed: Mapped[str] = mapped_column(Text, default="")
    identity_requested: Mapped[bool] = mapped_column(Boolean, default=False, active_history=True)

    # Outcome (docs/design.md, "Request lifecycle").
    decided_on: Mapped[date | None] = mapped_column(Date, active_history=True)
    lp_number: Mapped[str] = mapped_column(String(40), default="")
    issued_on: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    departed_on: Mapped[date | None] = mapped_column(Date)
    refusal_reason: Mapped[str | None] = mapped_column(String(32), active_history=True)
    closure_reason: Mapped[str | None] = mapped_column(String(32), active_history=True)

    # The embassy's answer, measured when it is recorded (issued, refused, handover):
    # calendar days from submission, paused days excluded, and the days it was allowed.
    response_days: Mapped[int | None] = mapped_column(Integer, active_history=True)
    allowed_days: Mapped[int | None] = mapped_column(Integer, active_history=True)
    #: The handover was agreed by the embassy's silence under the agreement (no answer to time).
    agreed_by_silence: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(),
                                                    active_history=True)
    #: The embassy's answer came after "no reply" was recorded (the request was closed then).
    answered_late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    # The deadline clock, kept on the row so lists can filter on it with an index.
    paused_since: Mapped[date | None] = mapped_column(Date, active_history=True)
    paused_days: Mapped[int] = mapped_column(Integer, default=0, active_history=True)
    reply_due_on: Mapped[date | None] = mapped_column(Date)
    next_presentation_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The family or travelling group the request is linked with (lp.requests.groups), if any.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("request_groups.id"), index=True)

    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The day the daily reminder sweep must look at the request again (lp.reminders.sweep): the
    #: first day a reminder of it starts or ends (``deadlines.next_change``), as of its last sweep;
    #: ``CHANGED`` when new or when what the rules read changed since (lp.reminders.due); None when
    #: nothing more falls due while it stays as it is, or when it closed. Only open requests are read.
    next_due_on: Mapped[date | None] = mapped_column(Date, server_default=CHANGED.isoformat())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The staff member who looks after the request ("mine"): at creation the person's case
    #: officer, else the country's portfolio holder; changed by ``lp.requests.ownership.reassign``.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    person: Mapped[Person] = relationship(back_populates="requests")
    country: Mapped[Country] = relationship()
    mission: Mapped[Mission | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_lp_requests_country_status", "country_id", "status", "id"),
        Index("ix_lp_requests_mission_status", "mission_id", "status", "id"),
        Index("ix_lp_requests_status_id", "status", "id"),
        Index("ix_lp_requests_open_due", "is_open", "reply_due_on"),
        Index("ix_lp_requests_submitted", "submitted_on", "id"),
        Index("ix_lp_requests_country_decided", "country_id", "decided_on"),
        # Open requests per country with what "overdue" needs: the insights read it
        # from the index alone. And the presentations ahead, for the dashboard.
        Index("ix_lp_requests_open_country", "is_open", "country_id", "status", "reply_due_on", "submitted_on"),
        Index("ix_lp_requests_next_presentation", "next_presentation_at"),
        Index("ix_lp_requests_owner", "owner_id", "is_open", "id"),
        # One country's requests of a period (country statistics, its assessment, expected
        # answer dates) as one index range, not the country's whole history.
        Index("ix_lp_requests_country_submitted", "country_id", "submitted_on"),
        # Issued LPs about to expire (dashboard, sweep) as one index range.
        Index("ix_lp_requests_status_valid_until", "status", "valid_until"),
        # The same two of one owner (the home page's "mine"): only that owner's rows.
        Index("ix_lp_requests_owner_presentation", "owner_id", "next_presentation_at"),
        Index("ix_lp_requests_owner_valid_until", "owner_id", "status", "valid_until"),
        # The open requests the daily sweep must look at (due, or changed) as one index range.
        Index("ix_lp_requests_next_due", "is_open", "next_due_on"),
        IDS_NEVER_REUSED,
    )

    @property
    def priority(self) -> bool:
        """Requests for a person in detention come first (courts want progress)."""
        return self.person.in_detention


#: The requests' table, for Core statements that bypass the ORM: no rows loaded, no version bumped.
REQUESTS = cast(Table, LpRequest.__table__)


#: The events of ``ix_request_events_presentations``; a query that names this condition, as SQL text,
#: can read that index (a partial index is used when the query's condition contains its own).
PRESENTATION_EVENTS = ("kind = 'status' AND (to_status = 'presentation_scheduled' "
                       "OR from_status = 'presentation_scheduled')")


class RequestEvent(Model):
    """Something that happened to a request: append-only, shown as its timeline."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("lp_requests.id"))
    kind: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    occurred_on: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    request: Mapped[LpRequest] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship()

    # Files (lp.files) point at the event they came with: its id is never given to another.
    __table_args__ = (
        Index("ix_request_events_request_id", "request_id", "id"),
        # The presentations of a year's requests (lp.insights.assessment) without reading every event:
        # only the status changes into and out of "presentation scheduled" (a few in a hundred).
        Index("ix_request_events_presentations", "request_id", "from_status", "to_status",
              postgresql_where=text(PRESENTATION_EVENTS), sqlite_where=text(PRESENTATION_EVENTS)),
        IDS_NEVER_REUSED,
    )


class AnswerTimeFact(Model):
    """How many requests of a country, mission and month of submission took how long to answer.

    The life table of the time to answer (lp.requests.answer_times), kept up to date in the
    transaction that changes a request (lp.requests.facts), so the curves of a period read
    distinct days x months instead of every request. ``days`` is the days to the answer or
    to censoring; for a request still at risk today (``until_today``) it is the ordinal of
    its submission date plus its paused days, today's ordinal minus it being its days.
    """

    __tablename__ = "answer_time_facts"

    id: Mapped[int] = mapped_column(primary_key=True)
    country_id: Mapped[int] = mapped_column(Integer)
    mission_id: Mapped[int] = mapped_column(Integer)  # 0: none
    month: Mapped[date] = mapped_column(Date)  # the first day of the submission month
    until_today: Mapped[bool] = mapped_column(Boolean)
    days: Mapped[int] = mapped_column(Integer)
    done: Mapped[bool] = mapped_column(Boolean)  # answered
    waiting: Mapped[bool] = mapped_column(Boolean)  # still waiting for the answer
    n: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("country_id", "mission_id", "month", "until_today", "days", "done", "waiting",
                         name="uq_answer_time_facts_key"),
        Index("ix_answer_time_facts_month", "month", "country_id"),
        # One mission's curve (the request page's expected answer) without reading every country's months.
        Index("ix_answer_time_facts_mission", "mission_id", "month"),
    )


class OutcomeFact(Model):
    """How many requests of a country, mission and month of submission ended how (lp.requests.facts).

    The counts of the insights' tables, trend and assessment (lp.insights.stats), kept up
    to date in the transaction that changes a request, so a period's counts read a few
    rows per country and month instead of every request. ``reason`` is the refusal reason
    of a refused request and the closure reason of a withdrawn one ("" otherwise or when
    none was recorded: ``None`` cannot take part in a unique key).
    """

    __tablename__ = "outcome_facts"

    id: Mapped[int] = mapped_column(primary_key=True)
    country_id: Mapped[int] = mapped_column(Integer)
    mission_id: Mapped[int] = mapped_column(Integer)  # 0: none
    month: Mapped[date] = mapped_column(Date)  # the first day of the submission month
    status: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(String(32))
    silence: Mapped[bool] = mapped_column(Boolean)  # a handover agreed by silence
    answered: Mapped[bool] = mapped_column(Boolean)  # a response time is recorded
    within: Mapped[bool] = mapped_column(Boolean)  # ... and it is within the limit that applied
    identity: Mapped[bool] = mapped_column(Boolean)  # the embassy required the identity to be established
    n: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("country_id", "mission_id", "month", "status", "reason", "silence", "answered", "within",
                         "identity", name="uq_outcome_facts_key"),
        Index("ix_outcome_facts_month", "month", "country_id"),
        Index("ix_outcome_facts_country", "country_id", "month"),
    )


class ResponseDayFact(Model):
    """How many requests of a country, mission and month of submission had which response time, in days.

    The histogram the answered-only percentiles and the distribution are read from
    (lp.insights.stats), kept like ``OutcomeFact``; only requests with a recorded response time.
    """

    __tablename__ = "response_day_facts"

    id: Mapped[int] = mapped_column(primary_key=True)
    country_id: Mapped[int] = mapped_column(Integer)
    mission_id: Mapped[int] = mapped_column(Integer)  # 0: none
    month: Mapped[date] = mapped_column(Date)  # the first day of the submission month
    days: Mapped[int] = mapped_column(Integer)
    n: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("country_id", "mission_id", "month", "days", name="uq_response_day_facts_key"),
        Index("ix_response_day_facts_month", "month", "country_id"),
        Index("ix_response_day_facts_country", "country_id", "month"),
    )


class FigureVersion(Model):
    """How often a country's requests changed: a kept figure of an older version is not used again.

    One row per country, made at its first change; no row is version 0. Raised in the
    transaction that changes a request (lp.requests.snapshots), so a reader that reads the
    version before the requests never keeps figures older than the version it keeps them under.
    """

    __tablename__ = "figure_versions"

    country_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)


#: The kinds of ``FigureSnapshot``: a country's row of the overview (country id 0: all countries
#: together; lp.insights.stats), a country's own page (its missions, distribution, trend:
#: lp.insights.kept_country), and the curves its waiting requests' expected answers are read
#: from (lp.requests.answer_times).
COUNTRY_FIGURES, COUNTRY_PAGE, EXPECTED_ANSWERS = "countries", "country", "expected"


class FigureSnapshot(Model):
    """One country's figures of one ``kind`` for one period, as computed on ``day`` from its requests at ``version``.

    ``body`` and ``detail``: JSON written by the module of the kind (``COUNTRY_FIGURES``:
    lp.insights.stats.encode, "null" when the country has no row: no request in the period
    and none open). Rows of earlier days are removed as new ones are written.
    """

    __tablename__ = "figure_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    day: Mapped[date] = mapped_column(Date)
    #: What the body holds (``KINDS``); each kind is kept per country.
    kind: Mapped[str] = mapped_column(String(16), server_default=COUNTRY_FIGURES)
    country_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    #: JSON: what only a total of several countries reads (the life table, the response days), apart
    #: so that a page of every country's figures does not read it.
    detail: Mapped[str] = mapped_column(Text, default="null")

    __table_args__ = (
        UniqueConstraint("period_start", "period_end", "day", "kind", "country_id", name="uq_figure_snapshots_key"),
        Index("ix_figure_snapshots_day", "day"),
    )
