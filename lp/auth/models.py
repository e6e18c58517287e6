"""Accounts, API tokens and login attempts."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lp.auth.roles import Role
from lp.core.types import UTCDateTime, utcnow
from lp.web.extensions import IDS_NEVER_REUSED, Model


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_users_oidc_identity"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16), default=Role.VIEWER.value)
    password_hash: Mapped[str] = mapped_column(String(255))
    preferred_language: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    #: SHA-256 of the secret in the user's calendar feed URL; None when revoked.
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Set by a one-time password from the command line: the next login must choose a new one.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The single sign-on identity (OpenID Connect ``iss`` and ``sub``) this account signs in
    #: with; None for a local account. Accounts are matched on both, never on e-mail alone.
    oidc_issuer: Mapped[str | None] = mapped_column(String(255))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    #: The TOTP secret, encrypted with a key derived from SECRET_KEY (lp.auth.sealing); None without one.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    #: When the first code confirmed the secret; until then the secret is an enrolment in progress.
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The time step of the last accepted code: a code is never accepted twice.
    totp_last_step: Mapped[int | None]

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(back_populates="user")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def has_second_factor(self) -> bool:
        return self.totp_confirmed_at is not None

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def may(self, needed: Role) -> bool:
        """Return whether this account's role allows what ``needed`` allows."""
        return self.role_enum.allows(needed)

    def get_id(self) -> str:
        """Return what the session cookie names: this account and its server-side session.

        ``lp.auth.sessions`` sets ``session_token`` when it starts or loads a session; an
        account without one gets an id that no session record matches.
        """
        return getattr(self, "session_token", None) or f"{self.id}:"

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class ApiToken(Model):
    __tablename__ = "api_tokens"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")


class LoginAttempt(Model):
    """One try to log in; failures within a window lock an account or address."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )


class UserSession(Model):
    """One signed-in browser; deleting the row ends that session on the server."""

    __tablename__ = "user_sessions"
    __table_args__ = IDS_NEVER_REUSED  # search terms refer to a session

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: SHA-256 of the secret the session cookie carries.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The last request of this session: the idle time-out counts from here.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SessionSearchTerm(Model):
    """A search term (a name, a V-number) kept on the server for one session, never in the cookie."""

    __tablename__ = "session_search_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("user_sessions.id"), index=True)
    #: The short random key that stands for the term in URLs.
    key: Mapped[str] = mapped_column(String(16))
    term: Mapped[str] = mapped_column(String(100))


class PasswordReset(Model):
    """A one-time link to choose a new password; only a hash of its token is kept."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The administrator who started it; None when the user asked for it.
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class RecoveryCode(Model):
    """A one-time code that stands in for a lost authenticator; only its SHA-256 is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="recovery_codes")
