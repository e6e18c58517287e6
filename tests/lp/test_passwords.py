"""Password rules (common, personal, patterns) wherever a password is set, and login timing work."""

from __future__ import annotations

import pytest

from lp.web.extensions import db
from tests.conftest import PASSWORD, post_form

REFUSED = {
    "aaaaaaaaaaaa": "te makkelijk te raden",
    "abcabcabcabcabc": "te makkelijk te raden",
    "123456789012": "te makkelijk te raden",
    "aabbaabbaabb": "te makkelijk te raden",
    "ann.devries@example.org": "niet uw e-mailadres of naam",
    "ANN.DEVRIES2026!": "niet uw e-mailadres of naam",
    "Vries-vries-vries": "niet uw e-mailadres of naam",
    "password1234": "een van de meest gebruikte wachtwoorden",
    "Password-1234": "een van de meest gebruikte wachtwoorden",
    "summer2026!!!": "een van de meest gebruikte wachtwoorden",
    "qwertyuiopasdfgh": "te makkelijk te raden",
}


def _change(client, new: str):
    return post_form(client, "/auth/password",
                     {"current_password": PASSWORD, "new_password": new, "confirm_password": new})


@pytest.mark.parametrize("password", sorted(REFUSED))
def test_weak_passwords_are_refused_when_changing_with_a_clear_message(client, login_as, password):
    login_as("viewer", email="ann.devries@example.org", display_name="Ann de Vries")
    response = _change(client, password)
    assert response.status_code == 422
    assert REFUSED[password] in response.get_data(as_text=True)


def test_a_strong_password_is_accepted(client, login_as, auth):
    login_as("viewer", email="ann.devries@example.org", display_name="Ann de Vries")
    assert _change(client, "Lindeboom-Zomer-1987").status_code == 302
    auth.logout()
    assert auth.login("ann.devries@example.org", "Lindeboom-Zomer-1987").status_code == 302


def test_weak_password_refused_when_an_admin_creates_an_account(app, client, login_as):
    login_as("admin")
    response = post_form(client, "/admin/users/new", {
        "email": "kim@example.org", "display_name": "Kim Jansen", "role": "viewer", "password": "kimjansen-2026"})
    assert response.status_code == 422
    assert "niet uw e-mailadres of naam" in response.get_data(as_text=True)
    from lp.auth.services import find_user_by_email

    with app.app_context():
        assert find_user_by_email("kim@example.org") is None


def test_weak_password_refused_on_the_command_line(runner):
    result = runner.invoke(args=["lp", "users", "create", "kim@example.org", "--password", "aaaaaaaaaaaa"])
    assert result.exit_code == 1
    assert "te makkelijk te raden" in result.output


def test_english_message(client, login_as):
    login_as("viewer", language="en")
    response = _change(client, "password1234")
    assert "one of the most common passwords" in response.get_data(as_text=True)


class CountingHashes:
    """Wraps werkzeug's real key derivation and notes the method of each password hashed."""

    def __init__(self, real):
        self.real = real
        self.methods: list[str] = []

    def __call__(self, method: str, salt: str, password: str):
        self.methods.append(method)
        return self.real(method, salt, password)


@pytest.fixture
def hash_work(monkeypatch):
    import werkzeug.security

    counting = CountingHashes(werkzeug.security._hash_internal)
    monkeypatch.setattr(werkzeug.security, "_hash_internal", counting)
    return counting


def test_unknown_and_deactivated_accounts_cost_the_same_hash_work(app, auth, make_user, hash_work):
    from lp.auth import services
    from tests.conftest import FAST_HASH

    make_user("ann@example.org")
    auth.login("someone@example.org", "a wrong password")  # the first one may make the dummy hash
    hash_work.methods.clear()
    auth.login("ann@example.org", "a wrong password")
    known = list(hash_work.methods)
    assert known == [FAST_HASH]

    hash_work.methods.clear()
    assert auth.login("nobody@example.org", "a wrong password").status_code == 422
    assert hash_work.methods == known

    user_id = make_user("gone@example.org")
    with app.app_context():
        services.get_user(user_id).active = False
        db.session.commit()
    hash_work.methods.clear()
    assert auth.login("gone@example.org").status_code == 422
    assert hash_work.methods == known
