"""The schema comes from migrations; they must build exactly what the models describe."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, make_url

from lp import create_app
from lp.config import normalise_database_url
from lp.extensions import db
from tests.conftest import base_config


@pytest.fixture
def empty_database_url(request, tmp_path):
    """A brand-new, empty database of the kind the suite runs on."""
    if request.config.getoption("--db") != "postgresql":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    server_url = make_url(normalise_database_url(request.getfixturevalue("database_url")))
    name = f"lp_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield server_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.dispose()


def test_lp_init_migrates_seeds_and_is_idempotent(empty_database_url, tmp_path):
    app = create_app(
        {**base_config(empty_database_url, tmp_path / "instance"),
         "LP_ADMIN_EMAIL": "boss@example.org", "LP_ADMIN_PASSWORD": "a long admin password"}
    )
    runner = app.test_cli_runner()
    first = runner.invoke(args=["lp", "init"])
    assert first.exit_code == 0, first.output
    assert "Created administrator boss@example.org." in first.output
    second = runner.invoke(args=["lp", "init"])
    assert second.exit_code == 0, second.output
    assert "Created administrator" not in second.output

    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []
