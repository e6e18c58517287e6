"""Passwords: hashing, checking (with the same work for unknown accounts) and strength rules."""

from __future__ import annotations

import re
import secrets
from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from lp.core.entropy import estimated_bits, is_pattern
from lp.core.validation import ValidationFailed

COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords.txt"
#: Fewer distinct characters than this is a pattern, not a password ("aaaaaaaaaaaa", "abababab...").
MIN_DISTINCT_CHARACTERS = 5
#: A 12-character password of 5 letters used evenly has about 28 bits: a pattern.
MIN_BITS = 28
#: Parts of the user's own data shorter than this are too common to refuse on their own.
MIN_PERSONAL_PART = 4


def _method() -> str:
    return current_app.config.get("LP_PASSWORD_HASH_METHOD", "scrypt")


def hash_password(password: str) -> str:
    """Return the hash to store, made with the configured method."""
    return generate_password_hash(password, method=_method())


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method)


def password_matches(stored_hash: str | None, password: str) -> bool:
    """Check a password against a stored hash.

    Without a stored hash (no such account) the password is checked against a dummy
    hash of the same method, so an unknown address costs as much time as a known one.
    """
    if stored_hash is None:
        check_password_hash(_dummy_hash(_method()), password or "")
        return False
    return check_password_hash(stored_hash, password or "")


@cache
def common_passwords() -> frozenset[str]:
    """Return the list of common passwords, in lower case."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def _personal_parts(personal: tuple[str | None, ...]) -> set[str]:
    """Return the user's data as the pieces a password must not be made of."""
    parts: set[str] = set()
    for value in personal:
        value = (value or "").strip().lower()
        if not value:
            continue
        parts.add(value)
        local = value.split("@")[0]
        parts.add(local)
        parts.update(re.split(r"[^\w]+|_", local))
        parts.update(value.split())
    return {part for part in parts if len(part) >= MIN_PERSONAL_PART}


def _low_variety(password: str) -> bool:
    """Return whether a password has too few different characters or is a pattern."""
    return (len(set(password)) < MIN_DISTINCT_CHARACTERS or is_pattern(password)
            or estimated_bits(password) < MIN_BITS)


def check_password_strength(password: str, field: str = "password", *personal: str | None) -> None:
    """Refuse a password that is short, common, made of the user's own data, or low in variety.

    ``personal`` is the account's own data (email address, name).
    """
    password = password or ""
    minimum = current_app.config["LP_PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise ValidationFailed.single(field, _l("Use at least %(n)d characters.", n=minimum))
    lowered = password.lower()
    # A common password padded with digits or signs ("Password-1234", "summer2026!!") is no better.
    variants = {lowered, re.sub(r"[\W_]+", "", lowered), re.sub(r"^[\d\W_]+|[\d\W_]+$", "", lowered)}
    if variants & common_passwords():
        raise ValidationFailed.single(
            field, _l("This password is one of the most common passwords. Choose another one.")
        )
    if any(part in lowered for part in _personal_parts(personal)):
        raise ValidationFailed.single(
            field, _l("The password must not contain your email address or name.")
        )
    if _low_variety(password):
        raise ValidationFailed.single(
            field, _l("This password is too easy to guess: use more different characters, or a few words.")
        )
