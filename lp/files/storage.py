"""The bytes of uploaded files, outside the database: ``<instance>/files/ab/cd/<sha256>``, written once.

The name is the content's SHA-256, so the same file uploaded twice is stored once, and
a stored file is never changed (a new version is a new file). Files and folders are
private to the app's user (lp.web.files).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import current_app

from lp.web.files import make_private_directory, write_private

FOLDER = "files"


def digest(data: bytes) -> str:
    """Return the SHA-256 of ``data`` as 64 hex digits."""
    return hashlib.sha256(data).hexdigest()


def root() -> Path:
    """Return the folder the files are stored under."""
    return Path(current_app.instance_path) / FOLDER


def path_of(sha256: str) -> Path:
    """Return where the file with this hash is (or would be) stored."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return root() / sha256[:2] / sha256[2:4] / sha256


def store(data: bytes) -> str:
    """Store ``data`` (once) and return its hash; written to a temporary name first, then renamed."""
    sha256 = digest(data)
    target = path_of(sha256)
    if target.exists():
        return sha256
    make_private_directory(target.parent)
    temporary = target.with_name(f".{sha256}.{os.getpid()}.tmp")
    write_private(temporary, data)
    os.replace(temporary, target)
    return sha256


def read(sha256: str) -> bytes:
    """Return the stored bytes of the file with this hash (FileNotFoundError when gone)."""
    return path_of(sha256).read_bytes()


def delete(sha256: str) -> bool:
    """Delete the stored file with this hash; return whether there was one."""
    try:
        path_of(sha256).unlink()
    except FileNotFoundError:
        return False
    return True
