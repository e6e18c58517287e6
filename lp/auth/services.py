"""Accounts: creation, authentication, passwords, roles and API tokens."""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from lp import audit
from lp.auth.models import ApiToken, LoginAttempt, User
from lp.auth.roles import Role
from lp.extensions import db
from lp.i18n import LANGUAGES
from lp.types import utcnow
from lp.validation import ValidationFailed

TOKEN_PREFIX = "lp_"


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
        raise ValidationFailed.single("email", _l("This is not a valid email address."))
    return email


def check_password_strength(password: str, field: str = "password") -> None:
    """Refuse passwords shorter than the configured minimum."""
    minimum = current_app.config["LP_PASSWORD_MIN_LENGTH"]
    if len(password or "") < minimum:
        raise ValidationFailed.single(
            field, _l("Use at least %(n)d characters.", n=minimum)
        )


def _hash(password: str) -> str:
    method = current_app.config.get("LP_PASSWORD_HASH_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


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
        raise ValidationFailed.single("role", _l("Unknown role."))
    if language is not None and language not in LANGUAGES:
        raise ValidationFailed.single("preferred_language", _l("Unknown language."))
    display_name = (display_name or "").strip() or email.split("@")[0]
    check_password_strength(password)
    user = User(
        email=email,
        display_name=display_name,
        role=role.value,
        password_hash=_hash(password),
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


def _recent_failures(column, value: str, since) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since)
    )


def authenticate(email: str, password: str, address: str) -> LoginResult:
    """Check a login attempt, record it, and enforce the failure limits."""
    config = current_app.config
    email = normalise_email(email)
    address = address or "unknown"
    window = timedelta(minutes=config["LP_LOGIN_WINDOW_MINUTES"])
    since = utcnow() - window
    if (
        _recent_failures(LoginAttempt.email, email, since)
        >= config["LP_LOGIN_MAX_FAILURES_PER_ACCOUNT"]
        or _recent_failures(LoginAttempt.address, address, since)
        >= config["LP_LOGIN_MAX_FAILURES_PER_ADDRESS"]
    ):
        minutes = math.ceil(window.total_seconds() / 60)
        return LoginResult(
            None,
            _l(
                "Too many failed login attempts. Wait %(minutes)d minutes and try again, "
                "or ask an administrator.",
                minutes=minutes,
            ),
        )
    user = find_user_by_email(email)
    valid = bool(user and user.active and check_password_hash(user.password_hash, password or ""))
    db.session.add(LoginAttempt(email=email, address=address, succeeded=valid))
    db.session.commit()
    if not valid:
        return LoginResult(None, _l("Email address or password is incorrect."))
    return LoginResult(user, None)


def change_password(user: User, current: str, new: str) -> None:
    """Change a user's own password after checking the current one."""
    if not check_password_hash(user.password_hash, current or ""):
        raise ValidationFailed.single("current_password", _l("The current password is incorrect."))
    check_password_strength(new, "new_password")
    user.password_hash = _hash(new)
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
    changes = {}
    if user.role != role.value:
        changes["role"] = [user.role, role.value]
        user.role = role.value
    user.display_name = display_name.strip() or user.display_name
    user.preferred_language = language or None
    audit.record("user.updated", "user", user.id, **changes)
    db.session.commit()


def set_active(user: User, active: bool, *, acting_user: User) -> None:
    """Deactivate or reactivate an account; nobody can deactivate themselves."""
    if user.id == acting_user.id and not active:
        raise ValidationFailed.single("_", _l("You cannot deactivate your own account."))
    user.active = active
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
