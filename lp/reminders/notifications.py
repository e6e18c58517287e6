"""Notifications that are not weekly: a mail when something happens to a request I own.

Four kinds (``KINDS``): a request assigned to me by someone else, a reminder of mine that
reaches level 3, the embassy's answer recorded on my request by someone else, and an LP of
mine about to expire. Each person chooses per kind: at once, in the daily summary (08:00 on
working days, only when there is something), or not at all.

Exactly once: a ``Notification`` row per (user, kind, subject, occasion) under a unique key
(INSERT ... ON CONFLICT DO NOTHING), and its mail queued in the outbox under a key made of
the row's id (or, for the summary, of the person and the day), in the same transaction.
Retries, a second worker or a second scheduler find the row and send nothing again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from lp.auth.models import User
from lp.core.chunks import chunks
from lp.core.types import utcnow
from lp.core.validation import ValidationFailed
from lp.mail import outbox
from lp.reminders.models import Notification, NotificationPreference
from lp.requests.display import day
from lp.requests.lifecycle import STATUS_LABELS
from lp.requests.models import LpRequest
from lp.web import audit
from lp.web.database import insert_unless_present
from lp.web.extensions import db
from lp.web.i18n import locale_for

ASSIGNED, LEVEL3, ANSWER, LP_EXPIRING = "assigned", "level3", "answer", "lp_expiring"
#: Each kind with what it is called on the preferences page and its default.
KINDS: dict[str, tuple[Any, str]] = {
    ASSIGNED: (_l("A request is assigned to me by someone else"), "immediately"),
    LEVEL3: (_l("A reminder of mine reaches level 3 (escalate to management)"), "immediately"),
    ANSWER: (_l("Someone else records the embassy's answer on a request I own"), "daily"),
    LP_EXPIRING: (_l("The LP of a request I own is about to expire"), "daily"),
}
IMMEDIATELY, DAILY, NEVER = "immediately", "daily", "never"
#: People, preferences or notifications per query of the batch path (``notify_many``).
BATCH = 500
MODES = ((IMMEDIATELY, _l("Immediately")), (DAILY, _l("In the daily summary")), (NEVER, _l("Not at all")))


# --- preferences ---------------------------------------------------------------------------


def preferences_defaults() -> dict[str, str]:
    """Return the choice per kind of someone who never chose."""
    return {kind: default for kind, (_label, default) in KINDS.items()}


def preferences(user_id: int) -> dict[str, str]:
    """Return the person's choice for every kind (the default where none was saved)."""
    return preferences_of([user_id])[user_id]


def preferences_of(user_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Return ``preferences`` of each of ``user_ids``, by user id (a query per ``BATCH`` people)."""
    saved: dict[int, dict[str, str]] = {user_id: {} for user_id in user_ids}
    ids = sorted(saved)
    for batch in chunks(ids, BATCH):
        for row in db.session.execute(
                select(NotificationPreference.user_id, NotificationPreference.kind, NotificationPreference.mode)
                .where(NotificationPreference.user_id.in_(batch))):
            saved[row.user_id][row.kind] = row.mode
    return {user_id: {kind: chosen.get(kind, default) for kind, (_label, default) in KINDS.items()}
            for user_id, chosen in saved.items()}


def save_preferences(user_id: int, raw: Mapping[str, Any]) -> dict[str, str]:
    """Store the person's choice per kind (form field = kind); raise ValidationFailed and change nothing."""
    allowed = {mode for mode, _label in MODES}
    errors: dict[str, list[Any]] = {}
    chosen = {}
    for kind in KINDS:
        value = (raw.get(kind) or "").strip()
        if value not in allowed:
            errors[kind] = [_l("Choose immediately, in the daily summary or not at all.")]
        chosen[kind] = value
    if errors:
        raise ValidationFailed(errors)
    before = preferences(user_id)
    saved = {row.kind: row for row in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id))}
    for kind, mode in chosen.items():
        if kind in saved:
            saved[kind].mode = mode
        else:
            db.session.add(NotificationPreference(user_id=user_id, kind=kind, mode=mode))
    changed = {kind: [before[kind], mode] for kind, mode in chosen.items() if before[kind] != mode}
    if changed:
        audit.record("notifications.preferences", "user", user_id, actor_id=user_id, changes=changed)
    db.session.commit()
    return chosen


# --- recording and sending -------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """Something to tell ``user_id`` about ``request`` once per ``occasion`` (``notify_many``)."""

    user_id: int | None
    kind: str
    request: LpRequest
    occasion: str
    actor_id: int | None = None


def notify(user_id: int | None, kind: str, request: LpRequest, occasion: str, *,
           actor_id: int | None = None) -> bool:
    """Tell ``user_id`` about ``request`` once per ``occasion``, as they chose; the caller commits.

    Return whether a new notification was recorded (False: they want none, or had it already).
    """
    return bool(notify_many([Notice(user_id, kind, request, occasion, actor_id)]))


def notify_many(notices: Sequence[Notice]) -> int:
    """``notify`` each notice, reading the people and their choices once and inserting in bulk; the caller commits.

    Return how many new notifications were recorded. The notifications (and the mails of those
    wanted at once) are inserted in the notices' order; each mail is in its recipient's language.
    """
    with db.session.no_autoflush:  # runs inside the sender's change; its flush comes with the commit
        wanted = {notice.user_id for notice in notices if notice.user_id is not None}
        people = _users(wanted | {notice.actor_id for notice in notices if notice.actor_id is not None})
        recipients = {user_id for user_id in wanted if user_id in people and people[user_id].active}
        modes = preferences_of(recipients)
        rows: dict[tuple[int, str, str, str], dict[str, Any]] = {}
        told: dict[tuple[int, str, str, str], Notice] = {}
        now = utcnow()
        for notice in notices:
            if notice.user_id not in recipients or modes[notice.user_id][notice.kind] == NEVER:
                continue
            key = (notice.user_id, notice.kind, f"request:{notice.request.id}", notice.occasion[:40])
            if key not in rows:  # the same occasion twice in one batch is news once
                rows[key] = {"user_id": key[0], "kind": key[1], "subject": key[2], "occasion": key[3],
                             "request_id": notice.request.id, "mode": modes[key[0]][key[1]],
                             "actor_id": notice.actor_id, "created_at": now}
                told[key] = notice
        statement = insert_unless_present(Notification, ["user_id", "kind", "subject", "occasion"]).returning(
            Notification.user_id, Notification.kind, Notification.subject, Notification.occasion)
        values = list(rows.values())
        created: dict[tuple[int, str, str, str], int] = {}
        for batch in chunks(values, BATCH):
            for new in db.session.execute(statement, batch):
                created[(new.user_id, new.kind, new.subject, new.occasion)] = new.id
        mails = []
        for key, row in rows.items():  # the notices' order, whatever order RETURNING gave
            if key in created and row["mode"] == IMMEDIATELY:
                notice, user = told[key], people[key[0]]
                subject, text, html = _render_one(user, notice.kind, notice.request,
                                                  people.get(notice.actor_id) if notice.actor_id else None)
                mails.append(outbox.Mail(f"notice:{created[key]}", user.email, subject, text, html, user.id))
        outbox.enqueue_many(mails)
        return len(created)


def _users(user_ids: set[int]) -> dict[int, User]:
    """Return the users of ``user_ids`` that exist, by id (a query per ``BATCH``)."""
    ids = sorted(user_ids)
    return {user.id: user for batch in chunks(ids, BATCH)
            for user in db.session.scalars(select(User).where(User.id.in_(batch)))}


def _link(request_id: int) -> str:
    return f"{current_app.config['LP_BASE_URL'].rstrip('/')}/requests/{request_id}"


def _line(kind: str, request: LpRequest, actor: User | None) -> str:
    """Return what happened, in one sentence in the current language (no personal data beyond the reference)."""
    reference = request.reference or f"#{request.id}"
    who = (actor.display_name or actor.email) if actor is not None else _("LP-tracker")
    if kind == ASSIGNED:
        return _("%(who)s assigned request %(reference)s to you.", who=who, reference=reference)
    if kind == LEVEL3:
        return _("The embassy's reply to request %(reference)s is overdue at level 3: escalate to management.",
                 reference=reference)
    if kind == ANSWER:
        return _("%(who)s recorded the embassy's answer on request %(reference)s: %(status)s.", who=who,
                 reference=reference, status=STATUS_LABELS.get(request.status, request.status))
    return _("The LP of request %(reference)s is valid until %(date)s and no departure is recorded.",
             reference=reference, date=day(request.valid_until))


def _subject(kind: str, request: LpRequest) -> str:
    reference = request.reference or f"#{request.id}"
    return {
        ASSIGNED: _("LP-tracker: %(reference)s is assigned to you", reference=reference),
        LEVEL3: _("LP-tracker: %(reference)s reply overdue, level 3", reference=reference),
        ANSWER: _("LP-tracker: answer recorded on %(reference)s", reference=reference),
        LP_EXPIRING: _("LP-tracker: the LP of %(reference)s expires soon", reference=reference),
    }[kind]


def _render_one(user: User, kind: str, request: LpRequest, actor: User | None) -> tuple[str, str, str]:
    with force_locale(locale_for(user.preferred_language)):
        subject = _subject(kind, request)
        context = {"user": user, "subject": subject, "line": _line(kind, request, actor),
                   "link": _link(request.id)}
        return subject, render_template("mail/notification.txt", **context), render_template(
            "mail/notification.html", **context)


@dataclass(frozen=True)
class SummaryItem:
    line: str
    link: str


def _render_daily(user: User, items: list[Notification], as_of: date) -> tuple[str, str, str]:
    actors = {a.id: a for a in db.session.scalars(
        select(User).where(User.id.in_({n.actor_id for n in items if n.actor_id is not None})))}
    with force_locale(locale_for(user.preferred_language)):
        subject = _("LP-tracker daily summary %(date)s", date=day(as_of))
        rows = [SummaryItem(_line(n.kind, n.request, actors.get(n.actor_id or 0)), _link(n.request.id))
                for n in items if n.request is not None]
        context = {"user": user, "subject": subject, "items": rows}
        return subject, render_template("mail/daily_summary.txt", **context), render_template(
            "mail/daily_summary.html", **context)


@dataclass
class DailyResult:
    queued: int = 0
    already_sent: int = 0


def send_daily(as_of: date) -> DailyResult:
    """Queue one summary per person with daily notifications not yet summarised (nobody else gets one).

    The outbox key daily:<user>:<day> and marking the notifications in the same transaction
    make two runs (or two schedulers) send each summary once.
    """
    result = DailyResult()
    user_ids = list(db.session.scalars(
        select(Notification.user_id).where(Notification.mode == DAILY, Notification.summarised_on.is_(None))
        .distinct().order_by(Notification.user_id)))
    for user_id in user_ids:
        items = list(db.session.scalars(
            select(Notification).where(Notification.user_id == user_id, Notification.mode == DAILY,
                                       Notification.summarised_on.is_(None))
            .options(joinedload(Notification.request)).order_by(Notification.id)))
        user = db.session.get(User, user_id)
        if items and user is not None and user.active:
            subject, text, html = _render_daily(user, items, as_of)
            if not outbox.enqueue(f"daily:{user_id}:{as_of.isoformat()}", user.email, subject, text, html, user_id):
                db.session.rollback()
                result.already_sent += 1
                continue
            result.queued += 1
        db.session.execute(update(Notification).where(Notification.id.in_([n.id for n in items]),
                                                      Notification.summarised_on.is_(None))
                           .values(summarised_on=as_of))
        db.session.commit()
    return result
