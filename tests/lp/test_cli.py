"""``lp init`` and ``lp users create`` from the command line."""

import re

from sqlalchemy import func, select

from lp.auth.models import User
from lp.web.extensions import db


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
        _created, generated = ensure_admin(None, None)
    assert len(generated) >= 12
    assert auth.login("admin@example.org", generated).status_code == 302


def _block(output: str) -> str:
    """Return the start block: the last lines of the output, between two rules."""
    lines = output.rstrip().splitlines()
    assert lines[-1].startswith("=" * 40), output
    start = max(i for i, line in enumerate(lines[:-1]) if line.startswith("=" * 40))
    return "\n".join(lines[start:])


def test_lp_init_ends_with_one_block_of_login_address_accounts_and_passwords(empty_database_url, tmp_path, auth):
    """Defect 16 of issue 11: the generated passwords scrolled past in the install output."""
    from lp import create_app
    from lp.demo.data import STAFF, staff_email
    from tests.conftest import base_config

    app = create_app({**base_config(empty_database_url, tmp_path / "instance"),
                      "LP_BASE_URL": "http://127.0.0.1:5301"})
    result = app.test_cli_runner().invoke(args=["lp", "init", "--demo", "--persons", "25"])
    assert result.exit_code == 0, result.output
    block = _block(result.output)
    assert "Log in at http://127.0.0.1:5301/auth/login" in block
    assert "Administrator: admin@example.org" in block
    admin_password = re.search(r"Administrator's password \(shown once\): (\S+)", block).group(1)
    demo_password = re.search(r"Password of every demo account \(shown once\): (\S+)", block).group(1)
    for name, role, _language, _job in STAFF:  # every demo account, with what it may do
        assert re.search(rf"{re.escape(staff_email(name))}\s+{role}", block), name
    # Nothing follows the block, and the passwords appear only in it.
    assert result.output.count(admin_password) == result.output.count(demo_password) == 1
    client = app.test_client()
    from tests.conftest import Auth

    assert Auth(client).login("admin@example.org", admin_password).status_code == 302
    assert Auth(app.test_client()).login(staff_email(STAFF[0][0]), demo_password).status_code == 302

    again = app.test_cli_runner().invoke(args=["lp", "init"])
    block = _block(again.output)
    assert "Log in at http://127.0.0.1:5301/auth/login" in block and "shown once" not in again.output
    assert "Administrator: admin@example.org" in block and staff_email(STAFF[0][0]) in block
    with app.app_context():
        db.engine.dispose()


def test_make_run_points_links_at_the_port_it_serves_on():
    """Defect 16 of issue 11: digest links pointed at port 5000 while the app ran on 5301."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {"PATH": "/usr/bin:/bin"}
    plan = subprocess.run(["make", "-n", "run", "PORT=5301"], cwd=root, env=env, capture_output=True,
                          text=True, check=True).stdout
    run_line = next(line for line in plan.splitlines() if " run --host" in line)
    init_line = next(line for line in plan.splitlines() if " lp init" in line)
    assert "LP_BASE_URL=http://127.0.0.1:5301 " in run_line and "--port 5301" in run_line
    assert "LP_BASE_URL=http://127.0.0.1:5301 " in init_line
    chosen = subprocess.run(["make", "-n", "run", "PORT=5301"], cwd=root, capture_output=True, text=True,
                            env={**env, "LP_BASE_URL": "https://lp.example.org"}, check=True).stdout
    assert "LP_BASE_URL=https://lp.example.org " in chosen  # a chosen address wins
    with_demo = subprocess.run(["make", "-n", "run", "PORT=5301", "DEMO=1"], cwd=root, env=env,
                               capture_output=True, text=True, check=True).stdout
    assert "lp init --demo" in with_demo and " lp demo" not in with_demo


def test_pyproject_license_is_an_spdx_expression():
    """The setuptools warning about a `project.license` table, printed four times at install."""
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert project["project"]["license"] == "EUPL-1.2"
    assert "setuptools>=77" in project["build-system"]["requires"]


def test_the_readme_names_the_login_address_and_every_demo_account_with_its_role():
    from pathlib import Path

    from lp.demo.data import STAFF, staff_email

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "http://127.0.0.1:5000/auth/login" in readme
    for name, role, _language, _job in STAFF:
        assert re.search(rf"`{re.escape(staff_email(name))}` \| {role}", readme), name
