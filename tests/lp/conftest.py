"""Fixtures for the API tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def bearer(app, make_user):
    """Return ``Authorization`` headers with a new API token of an account with ``role``.

    The account (``<role>@example.org`` unless ``email`` is given) is created on first use.
    """
    from lp.auth import services

    def make(role: str = "staff", email: str | None = None, **kw) -> dict[str, str]:
        email = email or f"{role}@example.org"
        with app.app_context():
            user = services.find_user_by_email(email)
        user_id = user.id if user is not None else make_user(email=email, role=role, **kw)
        with app.app_context():
            _token, plaintext = services.create_token(services.get_user(user_id), "tests")
        return {"Authorization": f"Bearer {plaintext}"}

    return make
