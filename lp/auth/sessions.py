"""Server-side sessions: a signed-in browser holds a key the server can revoke.

The session cookie names the account and a random key (``"<user id>:<key>"``); the
server keeps only the key's SHA-256 in ``user_sessions``. Each request loads the
account through that row, so deleting it ends the session at once, whatever the
cookie says. Logging out deletes the browser's row; a password change or reset, a
role change, a deactivation, a reset of the second factor and "sign out everywhere"
delete all rows of the account. The search terms kept for a session
(``lp.web.search_terms``) go with it.

Time-outs are enforced here, on the server, for every request: a session ends
LP_IDLE_TIMEOUT_MINUTES after its last request and LP_ABSOLUTE_TIMEOUT_HOURS after
sign-in, whatever the browser's script does. Only the status check of that script
(``STATUS_ENDPOINT``) does not count as activity.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, flash, g, request, session
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import delete, select, update
from sqlalchemy.orm.attributes import set_committed_value

from lp.auth.models import SessionSearchTerm, User, UserSession
from lp.core.types import utcnow
from lp.web import audit
from lp.web.extensions import db
from lp.web.i18n import SESSION_KEY as LANGUAGE_KEY

#: What survives signing in and out: the language a visitor chose.
KEPT_ON_SIGN_IN = (LANGUAGE_KEY,)
#: The audit action of a new session (read by the access review, lp.auth.review).
SIGNED_IN = "user.signed_in"
#: The endpoint the time-out warning polls; asking how long is left is not activity.
STATUS_ENDPOINT = "auth.session_status"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


#: Activity is written at most this often: a page's requests (and a busy user's clicks) do not each
#: write and commit the session row. The recorded time lags by at most this much, so a session ends
#: at most this much *before* its idle time-out, never after it.
ACTIVITY_GRANULARITY = timedelta(seconds=15)


def idle_timeout() -> timedelta:
    return timedelta(minutes=current_app.config["LP_IDLE_TIMEOUT_MINUTES"])


def absolute_timeout() -> timedelta:
    return timedelta(hours=current_app.config["LP_ABSOLUTE_TIMEOUT_HOURS"])


def _oldest_valid():
    return utcnow() - absolute_timeout()


def _timed_out(row: UserSession, now: datetime) -> bool:
    return row.created_at < now - absolute_timeout() or row.last_seen_at < now - idle_timeout()


def seconds_left(row: UserSession) -> dict[str, int]:
    """Return how many seconds this session has before the idle and the absolute time-out."""
    now = utcnow()
    return {"idle": max(0, int((row.last_seen_at + idle_timeout() - now).total_seconds())),
            "absolute": max(0, int((row.created_at + absolute_timeout() - now).total_seconds()))}


def _delete(condition) -> None:
    ids = list(db.session.scalars(select(UserSession.id).where(condition)))
    if ids:
        db.session.execute(delete(SessionSearchTerm).where(SessionSearchTerm.session_id.in_(ids)))
        db.session.execute(delete(UserSession).where(UserSession.id.in_(ids)))


def _fresh_cookie_session() -> None:
    """Empty the cookie session (a new CSRF secret with it), keeping only the language."""
    kept = {name: session[name] for name in KEPT_ON_SIGN_IN if name in session}
    session.clear()
    session.update(kept)


def sign_in(user: User) -> None:
    """Start a new server-side session for ``user`` in this browser, with a fresh cookie session."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    # Timed-out ones, of anybody: keeps the table small.
    _delete((UserSession.created_at < _oldest_valid()) | (UserSession.last_seen_at < now - idle_timeout()))
    db.session.add(UserSession(user_id=user.id, key_hash=_digest(key), created_at=now, last_seen_at=now))
    # Every way in (password, second factor, single sign-on) ends here: the access review reads it.
    audit.record(SIGNED_IN, "user", user.id, actor_id=user.id)
    db.session.commit()
    user.session_token = f"{user.id}:{key}"
    _fresh_cookie_session()
    login_user(user)


def current_session_id() -> int | None:
    """Return the id of this browser's server-side session (None without one)."""
    return g.get("lp_session_id")


def load(cookie_id: str) -> User | None:
    """Return the active account whose live session the cookie names, else None.

    A session past a time-out is deleted (the browser is told why); any other request
    than the warning's status check counts as activity.
    """
    user_id, _sep, key = cookie_id.partition(":")
    if not user_id.isdigit() or not key:
        return None
    row = db.session.execute(
        select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(User.id == int(user_id), UserSession.key_hash == _digest(key))
    ).first()
    if row is None or not row.User.active:
        return None
    user, user_session = row
    now = utcnow()
    if _timed_out(user_session, now):
        _delete(UserSession.id == user_session.id)
        db.session.commit()
        flash(_("You have been signed out because your session timed out. Please log in again."), "info")
        return None
    if request.endpoint != STATUS_ENDPOINT and now - user_session.last_seen_at >= ACTIVITY_GRANULARITY:
        # A plain UPDATE: if another request ended the session a moment ago, it matches
        # nothing, where the ORM would fail on the row it expected to update.
        db.session.execute(update(UserSession).where(UserSession.id == user_session.id).values(last_seen_at=now))
        _commit_keeping(user_session, now)
    g.lp_session_id = user_session.id
    g.lp_session = user_session
    user.session_token = cookie_id
    return user


def _commit_keeping(user_session: UserSession, seen_at: datetime) -> None:
    """Commit the activity without expiring the user and session just read (the UPDATE changed only
    ``last_seen_at``): expired, each would be read again by the first page that uses it (two queries)."""
    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire
    set_committed_value(user_session, "last_seen_at", seen_at)


def current_session() -> UserSession | None:
    """Return this browser's server-side session record (None without one)."""
    return g.get("lp_session")


def sign_out() -> None:
    """End this browser's session on the server and in the cookie."""
    session_id = current_session_id()
    if session_id is not None:
        _delete(UserSession.id == session_id)
        db.session.commit()
    logout_user()
    _fresh_cookie_session()


def end_all(user_id: int) -> None:
    """End every session of an account (the caller commits)."""
    _delete(UserSession.user_id == user_id)
