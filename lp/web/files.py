"""Files the app writes hold personal data: they are readable and writable by their owner only.

Three layers, so that none depends on the others: the process's umask (set when the
app is created) makes every new file 0600 and every new directory 0700, the SQLite
database included, whose ``-wal`` and ``-shm`` files SQLite creates with the
database's own mode; files the app writes itself (backups, ``.eml`` mails) are
created with mode 0600 explicitly; and a SQLite database file made before this
rule, or by another tool, is narrowed to 0600 when the app connects to it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from flask import Flask
from sqlalchemy import event

from lp.web.extensions import db

#: New files: owner read/write; new directories: owner only.
UMASK = 0o077
PRIVATE = 0o600
PRIVATE_DIRECTORY = 0o700
#: The files SQLite keeps next to a database.
SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")


def restrict_new_files() -> None:
    """Make every file and directory this process creates from now on private to its owner."""
    os.umask(UMASK)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (replacing it), readable by the owner only, whatever the umask."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE)
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(handle.fileno(), PRIVATE)  # an existing file keeps its mode on open
        handle.write(data)


def create_private(path: Path) -> None:
    """Create ``path`` as a new, empty file readable by the owner only (fails if it exists)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))


def make_private_directory(path: Path) -> None:
    """Create the directory ``path`` (and its parents) if needed; new ones are owner-only."""
    path.mkdir(mode=PRIVATE_DIRECTORY, parents=True, exist_ok=True)


def narrow_to_owner(path: Path) -> None:
    """Take away the group's and others' access to ``path``, if it exists and has any."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            path.chmod(mode & 0o700)
    except FileNotFoundError:
        pass


def init_app(app: Flask) -> None:
    """Keep the files of ``app``'s SQLite database private (see the module's docstring)."""
    with app.app_context():
        engine = db.engine
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return

    def narrow(_connection, _record) -> None:
        for suffix in SQLITE_SIDE_FILES:
            narrow_to_owner(Path(database + suffix))

    event.listen(engine, "connect", narrow)
