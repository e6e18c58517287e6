"""Password resets: a one-time link by mail (valid one hour), or a one-time password from the CLI.

Only a SHA-256 of a link's token is stored; the token itself is only in the mail.
Using a link, or setting a one-time password, ends every session of the account.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, render_template
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from lp.auth.models import PasswordReset, User
from lp.auth.services import find_user_by_email, generate_password, set_password
from lp.core.types import utcnow
from lp.core.validation import ValidationFailed
from lp.mail import outbox
from lp.web import audit
from lp.web.extensions import db

VALID_FOR = timedelta(hours=1)
#: Links asked for one account within VALID_FOR; more are silently not sent (no mail bombing).
MAX_OPEN_LINKS = 3
PATH = "/auth/reset"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _mail(user: User, token: str) -> tuple[str, str, str]:
    link = f"{current_app.config['LP_BASE_URL'].rstrip('/')}{PATH}?token={token}"
    context = {"user": user, "link": link, "minutes": int(VALID_FOR.total_seconds() // 60)}
    with force_locale(user.preferred_language or "nl"):
        return (gettext("Choose a new password for LP-tracker"),
                render_template("mail/password_reset.txt", **context),
                render_template("mail/password_reset.html", **context))


def _recent_links(user_id: int) -> int:
    return db.session.execute(select(func.count()).select_from(PasswordReset).where(
        PasswordReset.user_id == user_id, PasswordReset.created_at >= utcnow() - VALID_FOR)).scalar_one()


def send_link(user: User, *, started_by: User | None) -> None:
    """Mail ``user`` a one-time link to choose a new password, through the outbox."""
    token = secrets.token_urlsafe(32)
    starter_id = started_by.id if started_by else None
    reset = PasswordReset(user_id=user.id, token_hash=_digest(token), created_at=utcnow(),
                          expires_at=utcnow() + VALID_FOR, started_by_id=starter_id)
    db.session.add(reset)
    db.session.flush()
    subject, text, html = _mail(user, token)
    outbox.enqueue(f"password-reset:{reset.id}", user.email, subject, text, html, user.id)
    audit.record("user.password_reset_started", "user", user.id, actor_id=starter_id or user.id,
                 by="administrator" if started_by else "user")
    db.session.commit()


def request_link(email: str) -> None:
    """Mail a link if an active account has this address; the caller says the same either way.

    For an unknown address the same token and mail are made and dropped, so the
    answer takes about as long.
    """
    user = find_user_by_email(email)
    if user is None or not user.active or _recent_links(user.id) >= MAX_OPEN_LINKS:
        _mail(user or User(email=email, display_name=""), secrets.token_urlsafe(32))
        _digest(secrets.token_urlsafe(32))
        return
    send_link(user, started_by=None)


def find_open(token: str | None) -> PasswordReset | None:
    """Return the unused, unexpired reset of an active account a token stands for, else None."""
    if not token:
        return None
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _digest(token)))
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow():
        return None
    user = db.session.get(User, reset.user_id)
    return reset if user is not None and user.active else None


def use_link(token: str | None, new_password: str) -> User:
    """Set a new password through a link, once; every session of the account ends."""
    reset = find_open(token)
    if reset is None:
        raise ValidationFailed.single("_", _l("This link is invalid, used or expired. Ask for a new one."))
    user = db.session.get_one(User, reset.user_id)  # find_open checked it is there and active
    set_password(user, new_password, "new_password")
    # This link and every other open link of the account are used up.
    db.session.execute(update(PasswordReset).where(PasswordReset.user_id == user.id,
                                                   PasswordReset.used_at.is_(None)).values(used_at=utcnow()))
    audit.record("user.password_reset_used", "user", user.id, actor_id=user.id)
    db.session.commit()
    return user


def one_time_password(user: User) -> str:
    """Give the account a generated password that must be changed at the next login."""
    password = generate_password()
    set_password(user, password, must_change=True)
    audit.record("user.password_reset_started", "user", user.id, by="command line")
    db.session.commit()
    return password
