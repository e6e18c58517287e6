"""Every route needs a login (but health, login, static files and the API's description) and enforces roles."""

import pytest

from lp.web.access import PUBLIC_RULE, rule_for
from tests.conftest import csrf_token_from

#: Calendar programs cannot log in: the feed is authenticated by the secret token in its
#: URL instead (lp/insights/calendar.py), and an unknown token gets 404. The API's OpenAPI
#: document must be readable without a token (NL API Design Rules, /core/publish-openapi).
OPEN_ENDPOINTS = {"health.healthz", "main.accessibility", "auth.login", "auth.forgot_password", "auth.reset_password",
                  "oidc.login", "oidc.callback",  # single sign-on: the way to log in
                  "static",
                  "calendar.feed", "api.openapi_document",
                  # The second sign-in step: after the password, before the session (lp/auth/signin.py);
                  # each page admits only the account whose password was just checked.
                  "mfa.code", "mfa.setup"}


def _sample_value(converter):
    """Return a value the converter accepts: one of its options, else 1."""
    options = getattr(converter, "items", None)
    return sorted(options)[0] if options else 1


def _concrete_url(rule) -> str:
    values = {arg: _sample_value(rule._converters[arg]) for arg in rule.arguments}
    return rule.build(values, append_unknown=False)[1] if rule.arguments else rule.rule


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_endpoint_declares_an_access_rule(app):
    with app.test_request_context():
        missing = [rule.endpoint for rule in app.url_map.iter_rules() if rule_for(rule.endpoint) is None]
    assert missing == []


def test_only_health_login_password_reset_static_and_the_api_description_are_public(app):
    with app.test_request_context():
        public = {r.endpoint for r in app.url_map.iter_rules() if rule_for(r.endpoint) == PUBLIC_RULE}
    assert public == OPEN_ENDPOINTS


def test_anonymous_visitors_are_sent_to_login(app, client):
    checked = 0
    for rule, method in _routes(app):
        if rule.endpoint in OPEN_ENDPOINTS:
            continue
        response = client.open(_concrete_url(rule), method=method)
        if rule.endpoint.startswith("api."):
            assert response.status_code == 401, rule
            assert response.json["detail"]
        elif method == "GET":
            assert response.status_code == 302, rule
            assert "/auth/login" in response.headers["Location"], rule
        else:  # a POST without a CSRF token never reaches the login check
            assert response.status_code in (302, 400), rule
        checked += 1
    assert checked >= 10


def test_viewer_post_to_editing_routes_is_forbidden(app, client, login_as):
    from lp.auth.roles import Role

    login_as("viewer")
    token = csrf_token_from(client.get("/auth/password").get_data(as_text=True))
    checked = 0
    with app.test_request_context():
        editing = [
            (rule, method)
            for rule, method in _routes(app)
            if method != "GET"
            and not rule.endpoint.startswith("api.")
            and rule_for(rule.endpoint).needed_for(method) not in (None, Role.VIEWER)
        ]
    for rule, method in editing:
        response = client.open(_concrete_url(rule), method=method, data={"csrf_token": token})
        assert response.status_code == 403, rule
        checked += 1
    assert checked >= 3


@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/new", "/admin/audit"])
def test_staff_cannot_open_admin_pages(client, login_as, path):
    login_as("staff")
    response = client.get(path)
    assert response.status_code == 403
    assert "Geen toegang" in response.get_data(as_text=True)


def test_unknown_page_is_a_translated_404(client, login_as):
    login_as("viewer")
    response = client.get("/no/such/page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
