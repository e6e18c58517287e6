"""The second factor of local accounts: TOTP codes (RFC 6238) and one-time recovery codes.

pyotp computes the codes: a small, well-kept implementation of RFC 6238 that every
common authenticator app interoperates with. The secret is stored encrypted
(``lp.auth.sealing``); recovery codes carry about 79 random bits each, so a SHA-256
of them is as safe to keep as a slow password hash and can be looked up directly.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

import pyotp
import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from lp.auth import sealing, sessions
from lp.auth.models import RecoveryCode, User
from lp.auth.roles import Role
from lp.core.types import utcnow
from lp.core.validation import ValidationFailed
from lp.web import audit
from lp.web.extensions import db

ISSUER = "LP-tracker"
RECOVERY_CODE_COUNT = 10
#: Letters and digits without look-alikes (0/o, 1/i/l): 31 symbols, 16 of them ~ 79 bits.
_RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
_RECOVERY_LENGTH = 16
#: Codes of the step before and after the current one count too: clocks drift.
_VALID_WINDOW = 1


def required_for(user: User) -> bool:
    """Return whether ``user`` must sign in with a second factor under LP_MFA_REQUIRED."""
    rule = current_app.config["LP_MFA_REQUIRED"]
    return rule == "all" or (rule == "admin" and user.role_enum == Role.ADMIN)


def needed_at_sign_in(user: User) -> bool:
    """Return whether signing in takes a code step: the account has a second factor or must enrol."""
    return user.has_second_factor or required_for(user)


def _totp(user: User) -> pyotp.TOTP:
    if user.totp_secret is None:
        raise LookupError("no TOTP secret")
    return pyotp.TOTP(sealing.unseal(user.totp_secret))


# --- Enrolment ----------------------------------------------------------------------------------


def pending_secret(user: User) -> str:
    """Return the secret of the enrolment in progress, starting one if there is none (commits).

    Reloading the page keeps the secret, so a QR code scanned a moment ago stays valid.
    """
    if user.has_second_factor:
        raise ValueError("a second factor is set up already")
    if user.totp_secret is not None:
        try:
            return sealing.unseal(user.totp_secret)
        except sealing.Unreadable:  # SECRET_KEY changed since the enrolment began: start over
            pass
    secret = pyotp.random_base32()
    user.totp_secret = sealing.seal(secret)
    db.session.commit()
    return secret


def provisioning_uri(user: User, secret: str) -> str:
    """Return the otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_data_uri(uri: str) -> str:
    """Return the QR code of ``uri`` as an SVG data URI (rendered here; no script, no CDN)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _normalise(code: str) -> str:
    """Return what a person typed as we compare it: NFKC, no spaces or dashes, lower-case."""
    text = unicodedata.normalize("NFKC", code or "")
    return "".join(ch for ch in text if ch not in " -\u00a0\t").lower()


def _matching_step(user: User, code: str) -> int | None:
    """Return the time step whose TOTP equals ``code`` (within the drift window), else None."""
    if not (code.isdigit() and len(code) == 6):
        return None
    try:
        totp = _totp(user)
    except sealing.Unreadable:  # SECRET_KEY changed: only a recovery code or a reset helps
        return None
    now = utcnow()
    current = totp.timecode(now)
    for offset in range(-_VALID_WINDOW, _VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(current + offset), code):
            return current + offset
    return None


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
             for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code)) for code in codes)
    return [format_recovery_code(code) for code in codes]


def format_recovery_code(code: str) -> str:
    """Return a recovery code in groups of four, as shown and as typed."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Switch the second factor on once a first code matches; return the ten recovery codes.

    The codes are returned once, to be shown once; only their hashes are kept.
    """
    if user.totp_secret is None or user.has_second_factor:
        raise ValidationFailed.single("code", _l("Start the set-up again: open this page anew."))
    step = _matching_step(user, _normalise(code))
    if step is None:
        raise ValidationFailed.single("code", _l("This code is not correct. Check the time on your phone "
                                                 "and enter the code your app shows now."))
    user.totp_confirmed_at = utcnow()
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    audit.record("mfa.enrolled", "user", user.id, actor_id=user.id)
    db.session.commit()
    return codes


def renew_recovery_codes(user: User, code: str) -> list[str]:
    """Replace an account's recovery codes, used or not, with ten new ones; return them (shown once).

    Asks a code of the app (not a recovery code): whoever holds only a stolen session or a
    sheet of codes cannot make new ones. The old codes stop working in the same commit.
    """
    if not user.has_second_factor:
        raise ValidationFailed.single("code", _l("Set up a second factor first."))
    step = _matching_step(user, _normalise(code))
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        raise ValidationFailed.single("code", _l("This code is not correct, or was used already. Enter the code "
                                                 "your app shows now."))
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    audit.record("mfa.recovery_codes_renewed", "user", user.id, actor_id=user.id)
    db.session.commit()
    return codes


# --- Signing in ---------------------------------------------------------------------------------


def verify(user: User, code: str) -> str | None:
    """Check a TOTP code or an unused recovery code; return which one matched ("totp"/"recovery") or None.

    A TOTP code is accepted once (its time step is remembered); a recovery code is
    marked used. The caller commits.
    """
    code = _normalise(code)
    if not user.has_second_factor:
        return None
    step = _matching_step(user, code)
    if step is not None:
        if user.totp_last_step is not None and step <= user.totp_last_step:
            return None  # replayed, or an older code after a newer one
        user.totp_last_step = step
        return "totp"
    # One UPDATE that only an unused code matches: two sign-ins racing with the same code
    # cannot both use it.
    used = db.session.execute(update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code), RecoveryCode.used_at.is_(None),
    ).values(used_at=utcnow()))
    if used.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult for an UPDATE
        return None
    audit.record("mfa.recovery_code_used", "user", user.id, actor_id=user.id, left=unused_recovery_codes(user) - 1)
    return "recovery"


def unused_recovery_codes(user: User) -> int:
    """Return how many recovery codes the account has left."""
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())


# --- Reset by another administrator -------------------------------------------------------------


def reset(user: User, *, acting_user: User) -> None:
    """Remove an account's second factor so it enrols anew; never one's own, always audited.

    The account's sessions end too: whoever holds one signs in again and enrols.
    """
    if user.id == acting_user.id:
        raise ValidationFailed.single("_", _l("You cannot reset your own second factor; ask another "
                                              "administrator."))
    had = user.has_second_factor
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    sessions.end_all(user.id)
    audit.record("mfa.reset", "user", user.id, actor_id=acting_user.id, had_second_factor=had)
    db.session.commit()
