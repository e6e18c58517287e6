"""``lp init`` and ``lp users create`` from the command line."""

import re

from sqlalchemy import func, select

from lp.auth.models import User
from lp.extensions import db


def _count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_users_create_with_role(app, runner, auth):
    result = runner.invoke(args=["lp", "users", "create", "kim@example.org", "--role", "staff"])
    assert result.exit_code == 0, result.output
    password = re.search(r"shown once\): (\S+)", result.output).group(1)
    assert auth.login("kim@example.org", password).status_code == 302


def test_users_create_refuses_bad_input(app, runner):
    result = runner.invoke(args=["lp", "users", "create", "not-an-email"])
    assert result.exit_code == 1
    assert _count_users(app) == 0
    result = runner.invoke(args=["lp", "users", "create", "kim@example.org", "--role", "boss"])
    assert result.exit_code != 0


def test_first_admin_from_environment_settings(app, database_url, tmp_path, auth):
    from lp.auth.services import ensure_admin

    with app.app_context():
        created, generated = ensure_admin("boss@example.org", "a long admin password")
        assert generated is None and created.role == "admin"
        assert ensure_admin("other@example.org", None) is None  # only once
    assert auth.login("boss@example.org", "a long admin password").status_code == 302


def test_first_admin_gets_a_generated_password(app, auth):
    from lp.auth.services import ensure_admin

    with app.app_context():
        created, generated = ensure_admin(None, None)
    assert len(generated) >= 12
    assert auth.login("admin@example.org", generated).status_code == 302
