"""The steps from a correct password to a signed-in session.

After the password, an account that has a second factor, or must enrol one
(``lp.auth.mfa.required_for``), is only *pending*: the signed cookie names it and
when the password was checked, nothing more. It is no session: no page but the code
step and the enrolment opens. The code step (or the enrolment's first code) then
starts the real server-side session (``lp.auth.sessions.sign_in``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import flash, redirect, session, url_for
from flask_babel import gettext as _

from lp.auth import sessions
from lp.auth.models import User
from lp.core.types import utcnow
from lp.web.extensions import db

PENDING_KEY = "lp_second_step"
#: How long the code step waits after the password before it has to be given again.
PENDING_FOR = timedelta(minutes=10)


def safe_next(target: str | None) -> str:
    """Return ``target`` if it is a path on this site, else the home page."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("main.index")


def await_second_factor(user: User, next_url: str | None) -> str:
    """Remember that ``user`` gave the right password; return the URL of the step that comes next.

    That is the code step, or the enrolment for an account that has no second factor yet.
    """
    session[PENDING_KEY] = {"user": user.id, "at": utcnow().isoformat(), "next": next_url or ""}
    return url_for("mfa.code" if user.has_second_factor else "mfa.setup")


def pending_user() -> User | None:
    """Return the active account waiting for its code step, or None (none, or waited too long)."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    try:
        since = datetime.fromisoformat(pending["at"])
        user = db.session.get(User, int(pending["user"]))
    except (KeyError, TypeError, ValueError):
        return None
    if user is None or not user.active or utcnow() - since > PENDING_FOR:
        return None
    return user


def pending_next() -> str | None:
    pending = session.get(PENDING_KEY)
    return pending.get("next") or None if isinstance(pending, dict) else None


def complete(user: User, next_url: str | None):
    """Start the session of ``user`` in this browser and answer where to go next."""
    sessions.sign_in(user)  # also forgets the pending step: the cookie session starts afresh
    if user.must_change_password:
        flash(_("You logged in with a one-time password: choose your own password now."), "warning")
        return redirect(url_for("auth.change_password"))
    return redirect(safe_next(next_url))
