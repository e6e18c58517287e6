"""The files the app writes (database, WAL, backups, .eml mails) are readable by their owner only.

Each test starts from the common umask 022 (files 0644), as a shell would give the
app, so that the mode comes from the app and not from the test run.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from lp import create_app
from lp.web.extensions import db
from tests.conftest import base_config


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def shell_umask():
    """Run with umask 022, as from a login shell; put the test run's umask back afterwards."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def sqlite_file(request, tmp_path) -> Path:
    if request.config.getoption("--db") != "sqlite":
        pytest.skip("the SQLite files; PostgreSQL keeps its own")
    return tmp_path / "lp.sqlite3"


def _app(database: Path, tmp_path: Path, **config):
    return create_app({**base_config(f"sqlite:///{database}", tmp_path / "instance"), **config})


def test_lp_init_and_writes_make_the_database_and_its_wal_private(shell_umask, sqlite_file, tmp_path):
    app = _app(sqlite_file, tmp_path)
    result = app.test_cli_runner().invoke(args=["lp", "init"])
    assert result.exit_code == 0, result.output
    assert _mode(sqlite_file) == 0o600
    with app.app_context():
        db.session.execute(text("UPDATE countries SET notes = 'x' WHERE alpha2 = 'GN'"))
        db.session.commit()  # a write in WAL mode: the -wal and -shm files exist while connected
        wal, shm = Path(f"{sqlite_file}-wal"), Path(f"{sqlite_file}-shm")
        assert wal.exists() and shm.exists()
        assert (_mode(wal), _mode(shm)) == (0o600, 0o600)
        db.engine.dispose()


def test_an_existing_readable_database_is_made_private_on_connect(shell_umask, sqlite_file, tmp_path):
    app = _app(sqlite_file, tmp_path)
    assert app.test_cli_runner().invoke(args=["lp", "init"]).exit_code == 0
    sqlite_file.chmod(0o644)  # made before this rule, or by another tool

    app = _app(sqlite_file, tmp_path)
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.remove()
        db.engine.dispose()

    assert _mode(sqlite_file) == 0o600


def test_lp_backup_writes_a_private_file(shell_umask, sqlite_file, tmp_path):
    app = _app(sqlite_file, tmp_path)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["lp", "init"]).exit_code == 0
    os.umask(0o022)  # whatever the umask of the process that runs the backup
    target = tmp_path / "backups" / "lp.sqlite3"
    target.parent.mkdir()

    result = runner.invoke(args=["lp", "backup", str(target)])

    assert result.exit_code == 0, result.output
    assert _mode(target) == 0o600


def test_outbox_eml_files_are_private(app, runner, shell_umask):
    from lp.mail import outbox

    with app.app_context():
        outbox.enqueue("test:eml", "holder@example.org", "Digest", "text", "<p>html</p>")
        db.session.commit()
    os.umask(0o022)

    result = runner.invoke(args=["lp", "outbox", "deliver"])

    assert "1 mails delivered" in result.output, result.output
    folder = Path(app.instance_path) / "outbox"
    [mail] = folder.glob("*.eml")
    assert _mode(mail) == 0o600
    assert _mode(folder) == 0o700
