"""An append-only, hash-chained audit trail: who did what to which object, from where, with what result.

Every row says action, object (``subject_type`` + ``subject_id``), result (ok, refused,
error), origin (the client's address, behind the trusted proxy when ``LP_TRUST_PROXY``
is set, and its user agent), actor and UTC time, as the BIO2 asks of log rows.

Rows are chained (``lp.web.audit_chain``): each holds the hash of the one before it, so
a changed, removed or inserted row breaks the chain and ``lp audit verify`` names it.
A row is added to the transaction as usual and sealed into the chain just before the
transaction commits (``_seal``): the chain's head (one row in ``audit_chain_head``) is
locked then, as the last lock the transaction takes, so two writers never fork the
chain (an UPDATE of the head that changes nothing: PostgreSQL's row lock; SQLite's single
writer lock) and no lock waits behind the head.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, String, event, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from lp.core.types import UTCDateTime, utcnow
from lp.web.audit_chain import GENESIS, details_digest, row_digest
from lp.web.database import conflict_insert
from lp.web.extensions import Model, db

if TYPE_CHECKING:  # only for the annotation of AuditEvent.actor; the mapper resolves it by name
    from lp.auth.models import User

log = logging.getLogger(__name__)

OK, REFUSED, ERROR = "ok", "refused", "error"
RESULTS = (OK, REFUSED, ERROR)
#: Where rows written outside a web request (command line, scheduler) come from.
LOCAL_ORIGIN = "local"
#: The action of the retention job's row; its ``blanked_events`` names the rows whose details it blanked.
RETENTION_APPLIED = "retention.applied"
BLANKED_EVENTS = "blanked_events"
#: Audit details that say how, never what about the person: kept by the retention job; other texts blanked.
#: ``trace_id`` (random, no personal data) keeps a row linked to its pseudonymised processing records.
KEPT_BY_RETENTION = frozenset({"via", "path", "until", "trace_id"})
_UNSEALED = "lp_audit_unsealed"
#: Events of ``add_events``, inserted (sealed) when the transaction commits.
_PENDING = "lp_audit_pending"
#: The columns an event is inserted with (besides its place in the chain).
_COLUMNS = ("at", "actor_id", "action", "subject_type", "subject_id", "details", "result", "origin_address",
            "user_agent")
USER_AGENT_LENGTH = 256


class AuditEvent(Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[str] = mapped_column(String(8), default=OK)
    #: The client's address (after the trusted proxy) or "local"; its user agent (None outside requests).
    origin_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(USER_AGENT_LENGTH))
    #: The row's place in the chain, the hash of its details, of the row before it, and its own.
    #: None until the transaction that wrote it commits (``_seal``).
    seq: Mapped[int | None] = mapped_column(unique=True)
    details_hash: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    # The view log and the right-of-access export look events up per subject.
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id", "id"),)


class AuditChainHead(Model):
    """The last row of the chain (one row, id 1): locked by every writer, and tells a removed last row."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]
    row_hash: Mapped[str] = mapped_column(String(64))


def origin() -> tuple[str, str | None]:
    """Return where the current request comes from: the client's address and its user agent."""
    if not has_request_context():
        return LOCAL_ORIGIN, None
    agent = request.headers.get("User-Agent", "")[:USER_AGENT_LENGTH] or None
    return request.remote_addr or "unknown", agent


def record(
    action: str,
    subject_type: str,
    subject_id: int | None,
    *,
    actor_id: int | None = None,
    result: str = OK,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the current transaction; the caller commits (which seals it into the chain).

    The actor is the logged-in user unless ``actor_id`` says otherwise (CLI, jobs).
    Details never hold a secret (password, token, session key): callers pass ids and codes.
    """
    event_ = new_event(action, subject_type, subject_id, actor_id=actor_id, result=result, details=details)
    db.session.add(event_)
    return event_


def new_event(action: str, subject_type: str, subject_id: int | None, *, actor_id: int | None = None,
              result: str = OK, details: dict[str, Any] | None = None, at: datetime | None = None) -> AuditEvent:
    """Return an unsaved event with its origin; ``record`` adds one to the session."""
    if result not in RESULTS:
        raise ValueError(f"unknown audit result {result!r}")
    if actor_id is None and has_request_context() and current_user and current_user.is_authenticated:
        actor_id = current_user.id
    address, agent = origin()
    return AuditEvent(at=at or utcnow(), actor_id=actor_id, action=action, subject_type=subject_type,
                      subject_id=subject_id, details=details or {}, result=result, origin_address=address,
                      user_agent=agent)


def add_events(events: list[AuditEvent]) -> None:
    """Add many events at once (a page that shows 50 persons logs 50 views): inserted sealed at commit.

    Rows added one by one are inserted when the session flushes and sealed by an UPDATE
    when it commits. These are kept aside instead, and inserted at commit with their place
    in the chain already in them: one INSERT for all, no UPDATE (the view log of the request
    list cost 13 ms of its 30; the INSERT ... RETURNING and the UPDATE of 50 rows 7.6 of it).
    """
    if events:
        db.session.connection()  # the transaction begins here, so that a rollback discards them
        db.session.info.setdefault(_PENDING, []).extend(events)


def record_apart(action: str, subject_type: str = "route", subject_id: int | None = None, *,
                 actor_id: int | None = None, result: str = REFUSED, **details: Any) -> None:
    """Record a refused or failed attempt in a transaction of its own (what the request wrote is discarded).

    A failure to write it is logged, never raised: the refusal itself must still be answered.
    """
    try:
        db.session.rollback()
        record(action, subject_type, subject_id, actor_id=actor_id, result=result, **details)
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        log.error("%s could not be audited: %s", action, type(error).__name__)


def request_details() -> dict[str, Any]:
    """Return what a refused request asked for: method, endpoint and path (ids only; never the query string)."""
    if not has_request_context():
        return {}
    return {"method": request.method, "endpoint": request.endpoint, "path": request.path}


# --- sealing rows into the chain when their transaction commits -----------------------------


def _note_new_events(session: Session, _context: Any) -> None:
    new = [obj for obj in session.new if isinstance(obj, AuditEvent)]
    if new:
        session.info.setdefault(_UNSEALED, []).extend(new)


def _forget_unsealed(session: Session, *_args: Any) -> None:
    session.info.pop(_UNSEALED, None)
    session.info.pop(_PENDING, None)


def _lock_head(session: Session) -> tuple[int, str]:
    """Lock the chain's head until this transaction ends; return its last seq and hash.

    The lock is a write (an UPDATE that changes nothing, returning the head): on PostgreSQL it
    locks the row as SELECT ... FOR UPDATE would; on SQLite, where FOR UPDATE means nothing,
    it takes the writer lock, which a transaction that wrote nothing else yet (the view log's)
    would otherwise take only at its INSERT, after two writers had read the same head.
    """
    locked = (update(AuditChainHead).where(AuditChainHead.id == 1).values(seq=AuditChainHead.seq)
              .returning(AuditChainHead.seq, AuditChainHead.row_hash))
    row = session.execute(locked).first()
    if row is None:  # a new database: create the head, once, whoever comes first
        head = conflict_insert(AuditChainHead, session).values(id=1, seq=0, row_hash=GENESIS)
        session.execute(head.on_conflict_do_nothing())
        row = session.execute(locked).one()
    return row.seq, row.row_hash


def _seal(session: Session) -> None:
    """Give this transaction's new rows their place in the chain, just before it commits."""
    pending: list[AuditEvent] = session.info.pop(_PENDING, [])
    if not pending and not session.info.get(_UNSEALED) and not any(
            isinstance(obj, AuditEvent) for obj in session.new):
        return
    session.flush()  # everything else first: the head is the last lock this transaction takes
    events = sorted(session.info.pop(_UNSEALED, []), key=lambda e: e.id)
    if not events and not pending:
        return
    seq, prev = _lock_head(session)
    places = list(_places(events + pending, seq, prev))
    one_by_one, together = places[:len(events)], places[len(events):]
    if events:
        # One UPDATE for all of them (an executemany by primary key), not one per row. The
        # objects take the values as saved, not as changes.
        session.execute(update(AuditEvent),
                        [{"id": e.id, **place} for e, place in zip(events, one_by_one, strict=True)])
        for event_, place in zip(events, one_by_one, strict=True):
            for name, value in place.items():
                set_committed_value(event_, name, value)
    if pending:
        session.execute(insert(AuditEvent), [{**{name: getattr(e, name) for name in _COLUMNS}, **place}
                                             for e, place in zip(pending, together, strict=True)])
    last = places[-1]
    session.execute(update(AuditChainHead).where(AuditChainHead.id == 1).values(seq=last["seq"],
                                                                                row_hash=last["row_hash"]))


def _places(events: list[AuditEvent], seq: int, prev: str) -> Iterator[dict[str, Any]]:
    """Yield each event's place in the chain after the row ``seq`` whose hash is ``prev``."""
    for event_ in events:
        seq += 1
        digest = details_digest(event_.details)
        row_hash = row_digest(
            prev, seq, at=event_.at, actor_id=event_.actor_id, action=event_.action,
            subject_type=event_.subject_type, subject_id=event_.subject_id, result=event_.result,
            origin_address=event_.origin_address, user_agent=event_.user_agent, details_hash=digest)
        yield {"seq": seq, "prev_hash": prev, "details_hash": digest, "row_hash": row_hash}
        prev = row_hash


def init_session_events() -> None:
    """Seal audit rows at every commit of every session of the app (idempotent)."""
    if event.contains(Session, "before_commit", _seal):
        return
    event.listen(Session, "after_flush", _note_new_events)
    event.listen(Session, "before_commit", _seal)
    event.listen(Session, "after_rollback", _forget_unsealed)
    event.listen(Session, "after_soft_rollback", _forget_unsealed)


# --- the retention job's blanking ----------------------------------------------------------


def blank_details(details: dict[str, Any]) -> dict[str, Any]:
    """Return audit details with every text blanked but how the event came about (via, path, until)."""
    return _blank(details, None)


def _blank(value: Any, key: str | None) -> Any:
    if isinstance(value, str):
        return value if key in KEPT_BY_RETENTION else ""
    if isinstance(value, dict):
        return {name: _blank(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [_blank(item, key) for item in value]
    return value


# --- verifying the chain -------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    """What ``verify_chain`` found: how many rows it checked, and the first problem (None: intact)."""

    rows: int
    problem: str | None
    seq: int | None = None
    event_id: int | None = None


def verify_chain() -> ChainReport:
    """Recompute the chain from the first row to the head; report the first changed or missing row.

    The head is read first: rows appended while the walk runs lie beyond it and are left
    for the next run, so a busy trail is never reported broken.
    """
    head = db.session.execute(select(AuditChainHead.seq, AuditChainHead.row_hash)
                              .where(AuditChainHead.id == 1)).first()
    last_seq, last_hash = (head.seq, head.row_hash) if head else (0, GENESIS)
    blanked = _blanked_by_retention()
    prev, expected = GENESIS, 1
    for row in _rows_in_chain_order(last_seq):
        problem = _check(row, prev, expected, blanked)
        if problem:
            return ChainReport(expected - 1, problem, expected, row.id)
        prev, expected = row.row_hash or "", expected + 1
    checked = expected - 1
    if checked < last_seq:
        return ChainReport(checked, f"row {expected} to {last_seq} missing: the chain ends at row {checked} "
                                    f"but its head says {last_seq}", expected)
    if prev != last_hash:
        return ChainReport(checked, f"row {checked} does not match the chain's head: one of them was changed",
                           checked)
    outside = db.session.scalar(select(AuditEvent.id).where(AuditEvent.seq.is_(None))
                                .order_by(AuditEvent.id).limit(1))
    if outside is not None:
        return ChainReport(checked, f"audit event id {outside} is outside the chain (added behind its back)",
                           None, outside)
    return ChainReport(checked, None)


def _rows_in_chain_order(up_to: int, batch: int = 1000) -> Iterator[AuditEvent]:
    """Yield the chained rows up to seq ``up_to`` in order, a batch at a time (no cursor is left
    open when the walk stops early)."""
    last = 0
    while True:
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.seq > last, AuditEvent.seq <= up_to)
                                  .order_by(AuditEvent.seq).limit(batch)).all()
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1].seq or 0
        for row in rows:  # a long trail: keep only one batch in memory
            db.session.expunge(row)


def _check(row: AuditEvent, prev: str, expected: int, blanked: set[int]) -> str | None:
    if row.seq != expected:
        return f"row {expected} missing (the next row present is row {row.seq}, audit event id {row.id})"
    if row.prev_hash != prev:
        return f"row {expected} (audit event id {row.id}) does not follow the row before it: one of them was changed"
    digest = row_digest(prev, expected, at=row.at, actor_id=row.actor_id, action=row.action,
                        subject_type=row.subject_type, subject_id=row.subject_id, result=row.result,
                        origin_address=row.origin_address, user_agent=row.user_agent,
                        details_hash=row.details_hash or "")
    if digest != row.row_hash:
        return f"row {expected} (audit event id {row.id}) was changed"
    if details_digest(row.details) != row.details_hash and not (
            row.id in blanked and blank_details(row.details or {}) == row.details):
        return f"row {expected} (audit event id {row.id}) was changed: its details"
    return None


def _blanked_by_retention() -> set[int]:
    """Return the ids of the rows whose details the retention job blanked (its rows name them)."""
    ids: set[int] = set()
    for details in db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == RETENTION_APPLIED)):
        listed = (details or {}).get(BLANKED_EVENTS) or []
        ids.update(i for i in listed if isinstance(i, int))
    return ids
