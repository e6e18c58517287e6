"""The schema comes from migrations; they must build exactly what the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lp import create_app
from lp.extensions import db
from tests.conftest import base_config


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
