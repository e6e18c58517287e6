"""Server-side sessions: a signed-in browser holds a key the server can revoke.

The session cookie names the account and a random key (``"<user id>:<key>"``); the
server keeps only the key's SHA-256 in ``user_sessions``. Each request loads the
account through that row, so deleting it ends the session at once, whatever the
cookie says. Logging out deletes the browser's row; a password change or reset, a
role change and a deactivation delete all rows of the account. The search terms
kept for a session (``lp.web.search_terms``) go with it.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app, g, session
from flask_login import login_user, logout_user
from sqlalchemy import delete, select

from lp.auth.models import SessionSearchTerm, User, UserSession
from lp.core.types import utcnow
from lp.web import audit
from lp.web.extensions import db
from lp.web.i18n import SESSION_KEY as LANGUAGE_KEY

#: What survives signing in and out: the language a visitor chose.
KEPT_ON_SIGN_IN = (LANGUAGE_KEY,)
#: The audit action of a new session (read by the access review, lp.auth.review).
SIGNED_IN = "user.signed_in"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _oldest_valid():
    return utcnow() - current_app.permanent_session_lifetime


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
    _delete(UserSession.created_at < _oldest_valid())  # expired ones, of anybody: keeps the table small
    db.session.add(UserSession(user_id=user.id, key_hash=_digest(key), created_at=utcnow()))
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
    """Return the active account whose live session the cookie names, else None."""
    user_id, _sep, key = cookie_id.partition(":")
    if not user_id.isdigit() or not key:
        return None
    row = db.session.execute(
        select(User, UserSession.id)
        .join(UserSession, UserSession.user_id == User.id)
        .where(User.id == int(user_id), UserSession.key_hash == _digest(key),
               UserSession.created_at >= _oldest_valid())
    ).first()
    if row is None or not row.User.active:
        return None
    user, g.lp_session_id = row
    user.session_token = cookie_id
    return user


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
