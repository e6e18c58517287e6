"""Backups of the SQLite database with SQLite's online backup API.

The backup API copies a consistent snapshot while the app keeps running: the copy
is taken in one step under a read lock, so a write in progress either is in it
completely or not at all. PostgreSQL is backed up with pg_dump (README, "Backups").
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import URL

from lp.web.files import create_private


class BackupRefused(Exception):
    """The database cannot be backed up this way; the message says what to do instead."""


def sqlite_path(url: URL) -> Path:
    """Return the file of a SQLite database URL; refuse other databases and in-memory ones."""
    if url.get_backend_name() != "sqlite":
        raise BackupRefused(
            f"The database is {url.get_backend_name()}, not SQLite: back it up with pg_dump, e.g. "
            "pg_dump -Fc -f lp-tracker.dump \"$DATABASE_URL\" (see README, Backups)."
        )
    if not url.database or url.database == ":memory:":
        raise BackupRefused("The database is in memory; there is no file to back up.")
    return Path(url.database).resolve()


def backup_sqlite(source: Path, target: Path) -> int:
    """Copy the SQLite database ``source`` to ``target`` while it may be in use; return the size.

    The copy is written next to ``target`` and moved into place only after it passed
    an integrity check, so ``target`` is never a half-written file. It is readable by
    the owner only (mode 0600), whatever the umask.
    """
    target = target.resolve()
    if target == source.resolve():
        raise BackupRefused("The backup file cannot be the database itself.")
    if not source.exists():
        raise BackupRefused(f"There is no database file at {source}.")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    create_private(partial)  # SQLite keeps the mode of the (empty) file it is given
    try:
        check = _copy(source, partial)
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise BackupRefused(f"The backup failed: {error}.") from error
    if check != "ok":
        partial.unlink(missing_ok=True)
        raise BackupRefused(f"The copy failed its integrity check ({check}); nothing was written.")
    os.replace(partial, target)
    return target.stat().st_size


def _copy(source: Path, target: Path) -> str:
    """Copy with the backup API; return the copy's integrity check result ("ok")."""
    reader = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        writer = sqlite3.connect(target)
        try:
            reader.backup(writer)  # all pages in one step: one consistent snapshot
            return writer.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            writer.close()
    finally:
        reader.close()
