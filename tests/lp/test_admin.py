"""Administrators create, re-role, deactivate and reactivate accounts."""

from lp.auth.models import User
from lp.web.extensions import db
from tests.conftest import post_form


def _user(app, email):
    from lp.auth import services

    with app.app_context():
        user = services.find_user_by_email(email)
        return user and {"role": user.role, "active": user.active, "id": user.id, "version": user.version}


def test_admin_creates_a_viewer_who_can_log_in(app, client, auth, login_as):
    login_as("admin")
    response = post_form(
        client,
        "/admin/users/new",
        {"email": "new@example.org", "display_name": "Nieuwe Lezer", "role": "viewer", "preferred_language": "",
         "password": "a long enough password"},
    )
    assert response.status_code == 302
    assert "Nieuwe Lezer" in client.get("/admin/users").get_data(as_text=True)
    auth.logout()
    assert auth.login("new@example.org", "a long enough password").status_code == 302
    assert client.get("/admin/users").status_code == 403


def test_generated_password_is_shown_once(app, client, login_as):
    login_as("admin")
    response = post_form(
        client, "/admin/users/new",
        {"email": "gen@example.org", "display_name": "Gen", "role": "staff", "preferred_language": "en"},
        follow_redirects=True,
    )
    assert "wordt niet nog eens getoond" in response.get_data(as_text=True)
    assert "wordt niet nog eens getoond" not in client.get("/admin/users").get_data(as_text=True)


def test_bad_input_changes_nothing_and_says_why(app, client, login_as):
    login_as("admin")
    response = post_form(
        client, "/admin/users/new",
        {"email": "not-an-address", "display_name": "X", "role": "viewer", "password": "a long enough password"},
    )
    assert response.status_code == 422
    assert "Dit is geen geldig e-mailadres." in response.get_data(as_text=True)
    duplicate = post_form(
        client, "/admin/users/new",
        {"email": "ADMIN@example.org", "display_name": "X", "role": "viewer", "password": "a long enough password"},
    )
    assert "Er bestaat al een account met dit e-mailadres." in duplicate.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(User).count() == 1


def test_admin_changes_a_role(app, client, login_as, make_user):
    login_as("admin")
    user_id = make_user("someone@example.org", role="viewer")
    version = _user(app, "someone@example.org")["version"]
    response = post_form(
        client, f"/admin/users/{user_id}",
        {"display_name": "Someone", "role": "staff", "preferred_language": "", "version": version},
    )
    assert response.status_code == 302
    assert _user(app, "someone@example.org")["role"] == "staff"
    stale = post_form(
        client, f"/admin/users/{user_id}",
        {"display_name": "Someone", "role": "admin", "preferred_language": "", "version": version},
    )
    assert stale.status_code == 422
    assert "Iemand anders heeft dit account intussen gewijzigd" in stale.get_data(as_text=True)
    assert _user(app, "someone@example.org")["role"] == "staff"


def test_deactivation_asks_for_confirmation_and_is_audited(app, client, auth, login_as, make_user):
    login_as("admin")
    user_id = make_user("leaver@example.org", role="staff")
    page = client.get(f"/admin/users/{user_id}/deactivate").get_data(as_text=True)
    assert "kan dan niet meer inloggen" in page
    assert _user(app, "leaver@example.org")["active"] is True
    post_form(client, f"/admin/users/{user_id}/deactivate")
    assert _user(app, "leaver@example.org")["active"] is False
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "user.deactivated" in audit
    post_form(client, f"/admin/users/{user_id}/activate", page="/admin/users")
    assert _user(app, "leaver@example.org")["active"] is True


def test_admin_cannot_lock_themselves_out(app, client, login_as):
    admin_id = login_as("admin")
    post_form(client, f"/admin/users/{admin_id}/deactivate", follow_redirects=True)
    assert _user(app, "admin@example.org")["active"] is True
    version = _user(app, "admin@example.org")["version"]
    response = post_form(
        client, f"/admin/users/{admin_id}",
        {"display_name": "Admin", "role": "viewer", "preferred_language": "", "version": version},
    )
    assert "U kunt uw eigen beheerdersrol niet afnemen." in response.get_data(as_text=True)
    assert _user(app, "admin@example.org")["role"] == "admin"
