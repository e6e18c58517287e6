"""The audit trail as BIO2 asks: result, origin, actor and time in every row; refusals audited;
no secret in any row; rows hash-chained so that a change in the database is caught."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select, text

from lp.auth import services
from lp.core.types import utcnow
from lp.web import audit
from lp.web.audit import AuditEvent, verify_chain
from lp.web.extensions import db
from tests.conftest import PASSWORD, csrf_token_from, post_form

BROWSER = "Mozilla/5.0 (AuditTest) Firefox/140.0"
CLIENT_ADDRESS = "203.0.113.7"


@pytest.fixture
def config_overrides():
    return {"LP_TRUST_PROXY": True}


def _events(app, **where) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        for name, value in where.items():
            query = query.where(getattr(AuditEvent, name) == value)
        events = db.session.scalars(query).all()
        db.session.expunge_all()
        return list(events)


def _behind_proxy(client):
    """Send what the trusted proxy adds: the client's address; and a browser's user agent."""
    client.environ_base.update({"HTTP_X_FORWARDED_FOR": CLIENT_ADDRESS, "HTTP_USER_AGENT": BROWSER})


def test_a_row_says_action_object_result_origin_actor_and_time(app, client, login_as):
    _behind_proxy(client)
    admin = login_as("admin")
    before = utcnow()
    response = post_form(client, "/admin/users/new", {"email": "new@example.org", "display_name": "Nieuw",
                                                     "role": "staff", "preferred_language": "",
                                                     "password": "a long enough password"})
    assert response.status_code == 302
    [created] = [event for event in _events(app, action="user.created") if event.actor_id is not None]
    assert (created.subject_type, created.result, created.origin_address, created.user_agent) == (
        "user", "ok", CLIENT_ADDRESS, BROWSER)
    assert created.actor_id == admin
    assert created.subject_id == services_user_id(app, "new@example.org")
    assert before <= created.at <= utcnow() and created.at.utcoffset() == timedelta(0)


def services_user_id(app, email: str) -> int:
    with app.app_context():
        return services.find_user_by_email(email).id


def test_refused_attempts_are_audited(app, client, auth, make_user, login_as):
    _behind_proxy(client)
    ann = make_user("ann@example.org")
    assert auth.login("ann@example.org", "not the password").status_code == 422
    assert auth.login("nobody@example.org", "not the password").status_code == 422
    failed = _events(app, action="user.login_failed")
    assert [(e.subject_id, e.result, e.origin_address) for e in failed] == [
        (ann, "refused", CLIENT_ADDRESS), (None, "refused", CLIENT_ADDRESS)]

    viewer = login_as("viewer")
    assert client.get("/admin/users").status_code == 403
    [refused] = _events(app, action="access.refused")
    assert (refused.actor_id, refused.result, refused.details["path"]) == (viewer, "refused", "/admin/users")

    response = client.post("/auth/logout", data={"csrf_token": "forged"})
    assert response.status_code == 400
    [csrf] = _events(app, action="csrf.refused")
    assert (csrf.actor_id, csrf.result, csrf.details["path"]) == (viewer, "refused", "/auth/logout")

    assert client.get("/api/v1/persons", headers={"Authorization": "Bearer lp_not-a-token"}).status_code == 401
    [token] = _events(app, action="token.refused")
    assert (token.result, token.actor_id, token.origin_address) == ("refused", None, CLIENT_ADDRESS)


def test_an_unexpected_error_is_audited_as_an_error(app, client, login_as):
    @app.get("/boom")
    @audit_public
    def boom():
        raise RuntimeError("boom")

    staff = login_as("staff")
    assert client.get("/boom").status_code == 500
    [failed] = _events(app, action="request.failed")
    assert (failed.result, failed.actor_id, failed.details["error"]) == ("error", staff, "RuntimeError")


def audit_public(view):
    from lp.web.access import public

    return public(view)


def test_the_request_csv_export_is_audited_with_its_count(app, client, login_as, make_country, make_request):
    make_country("GN")
    for _ in range(3):
        make_request("GN")
    viewer = login_as("viewer")
    response = client.get("/requests/export.csv")
    assert response.status_code == 200
    response.get_data()  # the whole download
    [exported] = _events(app, action="requests.exported")
    assert (exported.actor_id, exported.result, exported.details) == (viewer, "ok", {"count": 3, "format": "csv"})


def test_no_secret_lands_in_any_row(app, client, auth, make_user, login_as, runner):
    """A broad run through everything that handles a secret, then every row of the trail searched for them."""
    _behind_proxy(client)
    secrets_seen = [PASSWORD]
    typed_into_the_address_field = "Mijn-Geheime-Wachtwoord-42"
    assert auth.login(typed_into_the_address_field, "x").status_code in (200, 422)
    secrets_seen.append(typed_into_the_address_field)
    login_as("admin")
    page = client.get("/admin/users/new").get_data(as_text=True)
    with client.session_transaction() as session:
        secrets_seen.append(session["_user_id"].partition(":")[2])  # the server-side session key
        secrets_seen.append(session["csrf_token"])
    secrets_seen.append(csrf_token_from(page))
    secrets_seen.append(client.get_cookie("session").value)
    new_password = "een heel nieuw wachtwoord"
    assert post_form(client, "/auth/password", {"current_password": PASSWORD, "new_password": new_password,
                                                "confirm_password": new_password}).status_code == 302
    secrets_seen.append(new_password)
    created = post_form(client, "/admin/users/new", {"email": "gen@example.org", "display_name": "Gen",
                                                     "role": "staff", "password": ""})
    assert created.status_code == 302
    with app.app_context():
        user = services.find_user_by_email("gen@example.org")
        _token, plaintext = services.create_token(user, "robot")
    secrets_seen.append(plaintext)
    assert client.get("/api/v1/persons", headers={"Authorization": f"Bearer {plaintext}"}).status_code == 200
    assert client.get("/api/v1/persons", headers={"Authorization": f"Bearer {plaintext}x"}).status_code == 401
    secrets_seen.append(f"{plaintext}x")
    result = runner.invoke(args=["lp", "users", "reset-password", "gen@example.org"])
    assert result.exit_code == 0, result.output
    secrets_seen.append(result.output.split("(shown once): ")[1].split()[0])
    assert client.post("/auth/logout", data={"csrf_token": "forged-csrf-value"}).status_code == 400
    secrets_seen.append("forged-csrf-value")

    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM audit_events")).mappings().all()
    assert len(rows) >= 8
    written = "\n".join(str(dict(row)) for row in rows)
    assert [secret for secret in secrets_seen if secret in written] == []


# --- the chain -----------------------------------------------------------------------------------


def _write(app, count: int, action: str = "test.written") -> None:
    with app.app_context():
        for number in range(count):
            audit.record(action, "thing", number, note=f"row {number}")
            db.session.commit()


def _verify(runner):
    result = runner.invoke(args=["lp", "audit", "verify"])
    return result.exit_code, result.output


def test_verify_passes_on_an_untouched_trail(app, runner):
    _write(app, 5)
    assert _verify(runner) == (0, "Audit trail intact: 5 rows chained.\n")


@pytest.mark.parametrize(("change", "caught"), [
    ("UPDATE audit_events SET action = 'test.innocent' WHERE seq = 3", "row 3 (audit event id 3) was changed"),
    ("UPDATE audit_events SET details = '{\"note\": \"row x\"}' WHERE seq = 3",
     "row 3 (audit event id 3) was changed: its details"),
    ("UPDATE audit_events SET result = 'refused' WHERE seq = 2", "row 2 (audit event id 2) was changed"),
    ("DELETE FROM audit_events WHERE seq = 4", "row 4 missing"),
    ("DELETE FROM audit_events WHERE seq = 5", "row 5 to 5 missing"),
    ("UPDATE audit_chain_head SET seq = 4", "row 4 does not match the chain's head"),
])
def test_a_change_in_the_database_is_caught_and_named(app, runner, change, caught):
    _write(app, 5)
    with app.app_context():
        db.session.execute(text(change))
        db.session.commit()
    code, output = _verify(runner)
    assert code == 1
    assert caught in output


def test_a_changed_row_with_its_hash_recomputed_still_breaks_the_chain(app, runner):
    from lp.web.audit_chain import details_digest, row_digest

    _write(app, 4)
    with app.app_context():
        row = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == 2))
        row.action = "test.forged"
        row.details_hash = details_digest(row.details)
        row.row_hash = row_digest(row.prev_hash, 2, at=row.at, actor_id=row.actor_id, action=row.action,
                                  subject_type=row.subject_type, subject_id=row.subject_id, result=row.result,
                                  origin_address=row.origin_address, user_agent=row.user_agent,
                                  details_hash=row.details_hash)
        db.session.commit()
    code, output = _verify(runner)
    assert code == 1 and "row 3 (audit event id 3) does not follow the row before it" in output


def test_a_row_added_behind_the_chains_back_is_caught(app, runner):
    _write(app, 2)
    with app.app_context():
        db.session.execute(text("INSERT INTO audit_events (at, action, subject_type, details, result) "
                                "VALUES (CURRENT_TIMESTAMP, 'test.smuggled', 'thing', '{}', 'ok')"))
        db.session.commit()
    code, output = _verify(runner)
    assert code == 1 and "outside the chain" in output


def test_a_rolled_back_row_leaves_no_gap(app, runner):
    _write(app, 2)
    with app.app_context():
        audit.record("test.abandoned", "thing", None)
        db.session.flush()
        db.session.rollback()
    _write(app, 2)
    assert _verify(runner)[0] == 0


def test_rows_added_together_are_inserted_sealed_after_the_rows_added_one_by_one(app, runner):
    """A page's view log (add_events) and a row of the same transaction (record) share one chain."""
    _write(app, 1)
    with app.app_context():
        audit.record("test.single", "thing", 1)
        audit.add_events([audit.new_event("test.many", "thing", n) for n in (7, 8, 9)])
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 2  # the three wait for the commit
        db.session.commit()
        rows = db.session.execute(select(AuditEvent.seq, AuditEvent.action, AuditEvent.subject_id)
                                  .order_by(AuditEvent.seq)).all()
    assert [tuple(row) for row in rows[1:]] == [(2, "test.single", 1), (3, "test.many", 7), (4, "test.many", 8),
                                               (5, "test.many", 9)]
    assert _verify(runner) == (0, "Audit trail intact: 5 rows chained.\n")


def test_many_rows_added_together_are_chained_in_order(app, runner):
    count = 1001
    with app.app_context():
        audit.add_events([audit.new_event("test.many", "thing", n) for n in range(count)])
        db.session.commit()
        assert db.session.scalars(select(AuditEvent.subject_id).order_by(AuditEvent.seq)).all() == list(range(count))
    assert _verify(runner) == (0, f"Audit trail intact: {count} rows chained.\n")


def test_rows_added_together_and_rolled_back_are_not_inserted(app, runner):
    _write(app, 1)
    with app.app_context():
        audit.add_events([audit.new_event("test.many", "thing", n) for n in (1, 2)])
        db.session.rollback()
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 1
    assert _verify(runner)[0] == 0


@pytest.mark.parametrize("together", [False, True], ids=["one by one", "added together"])
def test_parallel_writers_do_not_fork_the_chain(app, runner, together):
    """Eight threads, each with its own connection, commit audit rows at the same moments: added one
    by one (as a form's change), or together in a transaction that wrote nothing else (as the view log)."""
    writers, rows_each = 8, 15
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(number: int) -> None:
        try:
            with app.app_context():
                start.wait()
                for row in range(rows_each):
                    if together:
                        audit.add_events([audit.new_event("test.parallel", "thing", number * 100 + row)])
                    else:
                        audit.record("test.parallel", "thing", number * 100 + row)
                    db.session.commit()
                db.session.remove()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=write, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert _verify(runner) == (0, f"Audit trail intact: {writers * rows_each} rows chained.\n")
    with app.app_context():
        assert db.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all() == list(
            range(1, writers * rows_each + 1))


def test_the_chain_head_is_not_left_locked_by_a_refusal(app, client, login_as):
    """A refused request audits in its own short transaction; the next writer is not kept waiting."""
    login_as("viewer")
    with time_machine.travel(utcnow(), tick=True):
        assert client.get("/admin/users").status_code == 403
    _write(app, 1)
    with app.app_context():
        assert verify_chain().problem is None


def test_rows_blanked_by_retention_verify_but_any_other_change_to_them_is_caught(app, runner):
    """Retention blanks the text in old rows and names them in its own row; only that blanking is accepted."""
    with app.app_context():
        kept = audit.record("reminder.acknowledged", "reminder", 1, note="belde met de moeder")
        db.session.commit()
        kept_id = kept.id
        audit.record(audit.RETENTION_APPLIED, "retention", None, **{audit.BLANKED_EVENTS: [kept_id]})
        db.session.execute(text("UPDATE audit_events SET details = :blank WHERE id = :id"),
                           {"blank": '{"note": ""}', "id": kept_id})
        db.session.commit()
    assert _verify(runner) == (0, "Audit trail intact: 2 rows chained.\n")
    with app.app_context():
        db.session.execute(text("UPDATE audit_events SET details = :other WHERE id = :id"),
                           {"other": '{"note": "iets anders"}', "id": kept_id})
        db.session.commit()
    code, output = _verify(runner)
    assert code == 1 and f"row 1 (audit event id {kept_id}) was changed: its details" in output
