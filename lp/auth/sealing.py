"""Encrypt small secrets at rest with a key derived from SECRET_KEY.

A TOTP secret must be readable by the app (it computes the expected code), so it
cannot be hashed like a password. Encrypting it with Fernet (AES-128-CBC with an
HMAC-SHA256, from the ``cryptography`` package) under a key derived from SECRET_KEY
means a dump of the database alone does not give anyone the secrets. HKDF with a
purpose label keeps this key apart from the one that signs session cookies.

Changing SECRET_KEY makes the stored secrets unreadable: every second factor then
has to be reset by an administrator (the README says so).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

_PURPOSE = b"lp-tracker second-factor secrets v1"


class Unreadable(ValueError):
    """The sealed value was made under another SECRET_KEY, or was changed."""


def _fernet() -> Fernet:
    secret = current_app.config["SECRET_KEY"].encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(plaintext: str) -> str:
    """Return ``plaintext`` encrypted and authenticated, as text for a database column."""
    return _fernet().encrypt(plaintext.encode()).decode()


def unseal(sealed: str) -> str:
    """Return what ``seal`` was given; raise Unreadable if the key differs or the value was changed."""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise Unreadable("sealed with another key, or changed") from None
