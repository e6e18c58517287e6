"""Accounts: creation, authentication, passwords, roles and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lp.auth import sessions, throttle
from lp.auth.models import ApiToken, User
from lp.auth.passwords import check_password_strength, hash_password, password_matches
from lp.auth.roles import Role
from lp.core.types import utcnow
from lp.core.validation import ValidationFailed
from lp.web import audit
from lp.web.extensions import db
from lp.web.i18n import LANGUAGES

TOKEN_PREFIX = "lp_"
#: Audit actions of refused logins: wrong address or password (or inactive), too many attempts.
LOGIN_FAILED, LOGIN_LOCKED = "user.login_failed", "user.login_locked"


def normalise_email(email: str) -> str:
    """Return the address in the form we store and compare: trimmed and lower-case."""
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise LookupError(f"no user {user_id}")
    return user


def _check_email(email: str) -> str:
    email = normalise_email(email)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationFailed.single("email", _l("This is not a valid email address.")) from None
    return email


def create_user(
    email: str,
    display_name: str,
    role: Role | str,
    password: str,
    language: str | None = None,
    *,
    actor_id: int | None = None,
) -> User:
    """Create an account, or raise ValidationFailed and create nothing."""
    email = _check_email(email)
    if find_user_by_email(email) is not None:
        raise ValidationFailed.single("email", _l("An account with this email address exists."))
    try:
        role = Role(role)
    except ValueError:
        raise ValidationFailed.single("role", _l("Unknown role.")) from None
    if language is not None and language not in LANGUAGES:
        raise ValidationFailed.single("preferred_language", _l("Unknown language."))
    display_name = (display_name or "").strip() or email.split("@")[0]
    check_password_strength(password, "password", email, display_name)
    user = User(
        email=email,
        display_name=display_name,
        role=role.value,
        password_hash=hash_password(password),
        preferred_language=language,
        active=True,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", "user", user.id, actor_id=actor_id, role=role.value)
    db.session.commit()
    return user


def generate_password() -> str:
    """Return a random password that meets the length rule with room to spare."""
    return secrets.token_urlsafe(18)


def ensure_admin(email: str | None, password: str | None) -> tuple[User, str | None] | None:
    """Create the first administrator when there are no accounts yet.

    Returns the new account and the generated password (None when one was given),
    or None when accounts already exist.
    """
    if db.session.scalar(select(func.count()).select_from(User)):
        return None
    generated = None
    if not password:
        password = generated = generate_password()
    user = create_user(email or "admin@example.org", "Administrator", Role.ADMIN, password)
    return user, generated


@dataclass
class LoginResult:
    user: User | None
    error: object | None


def authenticate(email: str, password: str, address: str | None) -> LoginResult:
    """Check a login attempt within the failure limits, and record it.

    An unknown or deactivated account costs the same password check as a known one,
    so the answer's timing does not tell which addresses have an account.
    """
    email = normalise_email(email)
    attempt_id = throttle.take_slot(email, address or "unknown")
    if attempt_id is None:
        _refused(LOGIN_LOCKED, email)
        return LoginResult(None, throttle.locked_message())
    user = find_user_by_email(email)
    matches = password_matches(user.password_hash if user else None, password)
    if user is None or not (matches and user.active):
        _refused(LOGIN_FAILED, email)
        return LoginResult(None, _l("Email address or password is incorrect."))
    throttle.mark_succeeded(attempt_id)
    db.session.commit()
    return LoginResult(user, None)


def _refused(action: str, email: str) -> None:
    """Audit a refused login: of the account the address names, if any.

    Never what was typed: a password typed into the address field would land in the trail.
    """
    user = find_user_by_email(email)
    audit.record_apart(action, "user", user.id if user else None, known_account=user is not None)


def set_password(user: User, new: str, field: str = "password", *, must_change: bool = False) -> None:
    """Give an account a new password and end all its sessions (the caller commits)."""
    check_password_strength(new, field, user.email, user.display_name)
    user.password_hash = hash_password(new)
    user.must_change_password = must_change
    sessions.end_all(user.id)


def change_password(user: User, current: str, new: str) -> None:
    """Change a user's own password after checking the current one.

    Every session of the account ends, this one included: the view signs the
    browser in again with a fresh session.
    """
    if not password_matches(user.password_hash, current):
        raise ValidationFailed.single("current_password", _l("The current password is incorrect."))
    set_password(user, new, "new_password")
    audit.record("user.password_changed", "user", user.id)
    db.session.commit()


def update_user(
    user: User,
    *,
    display_name: str,
    role: Role | str,
    language: str | None,
    expected_version: int,
    acting_user: User,
) -> None:
    """Change an account's name, role and language as an administrator."""
    if user.version != expected_version:
        raise ValidationFailed.single(
            "_", _l("Someone else changed this account meanwhile. Reload the page and try again.")
        )
    role = Role(role)
    if user.id == acting_user.id and role != Role.ADMIN:
        raise ValidationFailed.single("role", _l("You cannot take away your own administrator role."))
    wanted = {"display_name": display_name.strip() or user.display_name, "role": role.value,
              "preferred_language": language or None}
    changes: dict[str, Any] = {name: [getattr(user, name), value] for name, value in wanted.items()
               if getattr(user, name) != value}
    if not changes:
        return  # saved unchanged: nothing happened, so nothing is recorded
    for name, (_old, value) in changes.items():
        setattr(user, name, value)
    if "role" in changes:
        sessions.end_all(user.id)  # the account signs in again with its new role
    audit.record("user.updated", "user", user.id, **changes)
    db.session.commit()


def set_active(user: User, active: bool, *, acting_user: User) -> None:
    """Deactivate or reactivate an account; nobody can deactivate themselves."""
    if user.id == acting_user.id and not active:
        raise ValidationFailed.single("_", _l("You cannot deactivate your own account."))
    user.active = active
    if not active:
        sessions.end_all(user.id)
    audit.record("user.activated" if active else "user.deactivated", "user", user.id)
    db.session.commit()


def set_language(user: User, language: str) -> None:
    """Save a user's preferred interface language."""
    if language not in LANGUAGES:
        raise ValidationFailed.single("language", _l("Unknown language."))
    user.preferred_language = language
    db.session.commit()


def _token_digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create an API token; the plaintext is returned once and only its hash is kept."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name.strip() or "api", token_hash=_token_digest(plaintext))
    db.session.add(token)
    db.session.flush()
    audit.record("token.created", "api_token", token.id, user_id=user.id)
    db.session.commit()
    return token, plaintext


def revoke_token(token: ApiToken) -> None:
    """Revoke a token; requests that present it get 401 from then on."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record("token.revoked", "api_token", token.id, user_id=token.user_id)
        db.session.commit()


def user_for_token(plaintext: str) -> User | None:
    """Return the active user a valid, unrevoked token belongs to, else None."""
    if not plaintext or not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(plaintext)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    return token.user
