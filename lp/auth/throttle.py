"""Login throttling: a slot is taken before a password is checked, atomically.

Every attempt is first recorded as a failure; only if that leaves the account and the
address within their limits is the password checked (and the record turned into a
success when it matches). Taking the slot is serialised per account and address:
on PostgreSQL by transaction-scoped advisory locks, on SQLite by the database's single
writer lock, which the INSERT takes before the count is read. So 30 parallel guesses
in several processes get exactly as many password checks as the limit allows.
"""

from __future__ import annotations

import math
import zlib
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text, update

from lp.auth.models import LoginAttempt
from lp.core.types import utcnow
from lp.web.extensions import db

#: First key of the advisory locks: one namespace per kind of throttled value.
_LOCK_EMAIL, _LOCK_ADDRESS = 0x4C50_0001, 0x4C50_0002


def _lock(namespace: int, value: str) -> None:
    key = zlib.crc32(value.encode()) - 2**31  # a signed 32-bit key
    db.session.execute(text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": namespace, "key": key})


def _failures(column, value: str, since) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(LoginAttempt)
        .where(column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since)
    ).scalar_one()


def window() -> timedelta:
    return timedelta(minutes=current_app.config["LP_LOGIN_WINDOW_MINUTES"])


def locked_message():
    minutes = math.ceil(window().total_seconds() / 60)
    return _l(
        "Too many failed login attempts. Wait %(minutes)d minutes and try again, or ask an administrator.",
        minutes=minutes,
    )


def take_slot(email: str, address: str) -> int | None:
    """Record an attempt as failed and return its id, or None (recording nothing) when over a limit."""
    config = current_app.config
    db.session.rollback()  # start a fresh transaction: the count must see every committed attempt
    if db.session.get_bind().dialect.name == "postgresql":
        _lock(_LOCK_EMAIL, email)  # always the account first, then the address: no deadlock
        _lock(_LOCK_ADDRESS, address)
    attempt = LoginAttempt(email=email, address=address, succeeded=False, at=utcnow())
    db.session.add(attempt)
    db.session.flush()  # on SQLite this takes the write lock before the counts below
    since = utcnow() - window()
    if (
        _failures(LoginAttempt.email, email, since) > config["LP_LOGIN_MAX_FAILURES_PER_ACCOUNT"]
        or _failures(LoginAttempt.address, address, since) > config["LP_LOGIN_MAX_FAILURES_PER_ADDRESS"]
    ):
        db.session.rollback()
        return None
    attempt_id = attempt.id
    db.session.commit()
    return attempt_id


def mark_succeeded(attempt_id: int) -> None:
    """Turn the attempt taken by ``take_slot`` into a success (the caller commits)."""
    db.session.execute(update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(succeeded=True))
