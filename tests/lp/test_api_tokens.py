"""API tokens: created once on the command line, hashed, revocable, role of their user."""

import re


def _create_token(runner, email) -> str:
    result = runner.invoke(args=["lp", "tokens", "create", email])
    assert result.exit_code == 0, result.output
    return re.search(r"^(lp_\S+)$", result.output, re.M).group(1)


def test_bearer_token_acts_as_its_user(app, client, runner, make_user):
    make_user("api@example.org", role="staff")
    token = _create_token(runner, "api@example.org")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json["email"] == "api@example.org" and response.json["role"] == "staff"
    assert "Set-Cookie" not in response.headers


def test_token_is_stored_hashed(app, runner, make_user):
    from lp.auth.models import ApiToken
    from lp.web.extensions import db

    make_user("api@example.org")
    token = _create_token(runner, "api@example.org")
    with app.app_context():
        stored = db.session.scalars(db.select(ApiToken.token_hash)).all()
    assert stored and token not in stored[0]


def test_bad_missing_and_revoked_tokens_get_401_json(app, client, runner, make_user):
    make_user("api@example.org")
    token = _create_token(runner, "api@example.org")
    assert client.get("/api/v1/me").status_code == 401
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer lp_nonsense"})
    assert bad.status_code == 401 and bad.is_json and bad.json["detail"]
    listing = runner.invoke(args=["lp", "tokens", "list", "api@example.org"]).output
    token_id = re.search(r"^(\d+)\t", listing, re.M).group(1)
    assert runner.invoke(args=["lp", "tokens", "revoke", token_id]).exit_code == 0
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_token_of_deactivated_user_stops_working(app, client, runner, make_user):
    from lp.auth import services
    from lp.web.extensions import db

    user_id = make_user("api@example.org")
    token = _create_token(runner, "api@example.org")
    with app.app_context():
        services.get_user(user_id).active = False
        db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_api_ignores_the_browser_session(client, login_as):
    login_as("admin")
    assert client.get("/api/v1/me").status_code == 401


def test_unknown_email_is_an_error(runner):
    result = runner.invoke(args=["lp", "tokens", "create", "nobody@example.org"])
    assert result.exit_code != 0


def test_unknown_api_url_and_wrong_method_answer_json(client, runner, make_user):
    make_user("api@example.org")
    headers = {"Authorization": f"Bearer {_create_token(runner, 'api@example.org')}"}
    missing = client.get("/api/v1/no-such-thing", headers=headers)
    assert missing.status_code == 404 and missing.is_json
    wrong = client.delete("/api/v1/me", headers=headers)
    assert wrong.status_code == 405 and wrong.is_json
