"""The access review (BIO2): accounts, roles, last sign-in, second factor, admins due; reviews recorded."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import time_machine
from sqlalchemy import select

from lp.auth.models import User
from lp.core.types import utcnow
from lp.web.audit import AuditEvent
from lp.web.extensions import db
from tests.conftest import post_form


def _review_csv(runner, *args) -> dict[str, dict[str, str]]:
    result = runner.invoke(args=["lp", "users", "review", "--csv", *args])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("email,"))
    return {row["email"]: row for row in csv.DictReader(io.StringIO("\n".join(lines[start:])))}


def test_the_review_lists_every_account_and_the_admins_due(app, runner, make_user, auth):
    boss_id = make_user("boss@example.org", role="admin", display_name="Baas")
    make_user("clerk@example.org", role="staff")
    assert auth.login("clerk@example.org").status_code == 302
    with app.app_context():  # the boss has a confirmed second factor (lp.auth.mfa), the clerk none
        db.session.get(User, boss_id).totp_confirmed_at = utcnow()
        db.session.commit()
    rows = _review_csv(runner)
    assert set(rows) == {"boss@example.org", "clerk@example.org"}
    boss, clerk = rows["boss@example.org"], rows["clerk@example.org"]
    assert (boss["role"], boss["last_sign_in"], boss["last_reviewed"], boss["review_due"]) == (
        "admin", "never", "never", "due")
    assert clerk["last_sign_in"].endswith("UTC") and clerk["review_due"] == "ok"  # only admins fall due
    assert (boss["second_factor"], clerk["second_factor"]) == ("on", "off")


def test_a_recorded_review_lasts_ninety_days(app, runner, make_user):
    make_user("boss@example.org", role="admin")
    rows = _review_csv(runner, "--reviewed", "boss@example.org")
    assert rows["boss@example.org"]["review_due"] == "ok"
    with time_machine.travel(utcnow() + timedelta(days=89), tick=False):
        assert _review_csv(runner)["boss@example.org"]["review_due"] == "ok"
    with time_machine.travel(utcnow() + timedelta(days=91), tick=False):
        assert _review_csv(runner)["boss@example.org"]["review_due"] == "due"
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.reviewed")).all()
        assert (event.subject_type, event.result, event.origin_address) == ("user", "ok", "local")


def test_the_table_says_how_many_admins_are_due(runner, make_user):
    make_user("boss@example.org", role="admin")
    result = runner.invoke(args=["lp", "users", "review"])
    assert result.exit_code == 0
    assert "1 accounts; 1 administrator(s) not reviewed for 90 days." in result.output


def test_an_admin_reviews_accounts_on_the_page(app, client, login_as, make_user):
    other = make_user("other@example.org", role="admin", display_name="Andere Beheerder")
    me = login_as("admin")
    page = client.get("/admin/review").get_data(as_text=True)
    assert "Toegangscontrole" in page and "Andere Beheerder" in page
    assert page.count("controle nodig") == 2  # both administrators are due
    assert "<td>uit</td>" in page  # no second factor for either
    response = post_form(client, f"/admin/review/{other}", page="/admin/review")
    assert response.status_code == 302
    page = client.get("/admin/review").get_data(as_text=True)
    assert page.count("controle nodig") == 1
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.reviewed")).all()
        assert (event.subject_id, event.actor_id) == (other, me)


def test_only_admins_see_the_review(client, login_as):
    login_as("staff")
    assert client.get("/admin/review").status_code == 403
