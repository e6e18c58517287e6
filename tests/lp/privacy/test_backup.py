"""``lp backup``: a consistent copy of the SQLite database while the app keeps writing."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from lp.persons.models import Person
from lp.privacy.backup import BackupRefused, sqlite_path
from lp.web.extensions import db


@pytest.fixture
def database_file(app):
    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite backups only; PostgreSQL is backed up with pg_dump")
    return url.database


def _fill(path: str, first: int, count: int) -> None:
    connection = sqlite3.connect(path, timeout=30)
    with connection:
        connection.executemany(
            "INSERT INTO persons (v_number, name, willingness, created_at, version) VALUES (?, ?, 'unknown', "
            "'2026-01-01 00:00:00', 1)",
            [(f"{n:010d}", "x" * 150) for n in range(first, first + count)])
    connection.close()


def _check(backup_file) -> int:
    """Return the number of persons in a backup after checking its integrity."""
    connection = sqlite3.connect(backup_file)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return connection.execute("SELECT count(*) FROM persons").fetchone()[0]
    finally:
        connection.close()


def test_backup_is_consistent_while_another_connection_writes(runner, database_file, tmp_path):
    _fill(database_file, 1, 20_000)
    stop = threading.Event()
    written = [0]

    def keep_writing():
        connection = sqlite3.connect(database_file, timeout=30)
        number = 1_000_000
        while not stop.is_set():
            with connection:  # one transaction per row, as the app's requests would
                connection.execute("INSERT INTO persons (v_number, name, willingness, created_at, version) "
                                   "VALUES (?, 'y', 'unknown', '2026-01-01 00:00:00', 1)", (f"{number:010d}",))
            number += 1
            written[0] += 1
            time.sleep(0.002)  # a busy app, not a bulk load: SQLite lets a reader in between writes
        connection.close()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        results = [runner.invoke(args=["lp", "backup", str(tmp_path / f"backup-{n}.sqlite3")]) for n in range(3)]
    finally:
        stop.set()
        writer.join()

    for n, result in enumerate(results):
        assert result.exit_code == 0, result.output
        assert "integrity check ok" in result.output
        assert 20_000 <= _check(tmp_path / f"backup-{n}.sqlite3") <= 20_000 + written[0]
    assert written[0] > 0
    assert not list(tmp_path.glob(".*.partial"))


def test_a_backup_restores_into_a_working_app(app, runner, database_file, make_person, tmp_path):
    from lp import create_app
    from tests.conftest import base_config

    make_person(name="Aïcha Baldé")
    backup_file = tmp_path / "lp.sqlite3"
    assert runner.invoke(args=["lp", "backup", str(backup_file)]).exit_code == 0

    restored = create_app(base_config(f"sqlite:///{backup_file}", tmp_path / "restored"))
    with restored.app_context():
        assert db.session.scalar(select(Person.name)) == "Aïcha Baldé"
        assert db.session.scalar(select(func.count()).select_from(Person)) == 1
        db.engine.dispose()


def test_the_backup_cannot_overwrite_the_database(runner, database_file):
    result = runner.invoke(args=["lp", "backup", database_file])
    assert result.exit_code == 1
    assert "cannot be the database itself" in result.output


def test_postgresql_is_refused_with_a_pointer_to_pg_dump():
    with pytest.raises(BackupRefused, match="pg_dump -Fc"):
        sqlite_path(make_url("postgresql+psycopg://lp@db/lp"))
    with pytest.raises(BackupRefused, match="in memory"):
        sqlite_path(make_url("sqlite://"))


def test_on_postgresql_the_command_refuses(app, runner):
    with app.app_context():
        if db.engine.url.get_backend_name() != "postgresql":
            pytest.skip("runs with --db=postgresql")
    result = runner.invoke(args=["lp", "backup", "backup.sqlite3"])
    assert result.exit_code == 1
    assert "back it up with pg_dump" in result.output
