"""The authorisation matrix, generated from the app's URL map.

Every endpoint and method is tried as anonymous, viewer, staff, admin and with API
tokens, and the answer must match the access rule the view declares. A new route
is covered automatically; a route without a rule fails (see test_access.py).
"""

from __future__ import annotations

import pytest

from lp.auth.roles import Role
from lp.web.access import READ_METHODS, rule_for
from tests.conftest import Auth, csrf_token_from

ROLES = ("viewer", "staff", "admin")
#: The only writes a viewer may make: their own session (log out, stay signed in, sign out
#: everywhere), language, password and calendar feed, and posting a search (so that names stay out of URLs).
VIEWER_WRITES = {"auth.logout", "auth.stay_signed_in", "auth.sign_out_everywhere", "auth.set_language",
                 "auth.change_password", "mfa.renew_recovery_codes",  # their own second factor
                 "insights.calendar_create", "insights.calendar_revoke",
                 "requests.search_form", "persons.search_form", "main.search_everywhere",
                 # a viewer's own notification choices and saved views
                 "notifications.settings", "saved.create", "saved.edit", "saved.delete",
                 # readers may download a selection; every other bulk action checks its own role
                 # (tests/lp/reminders/test_bulk.py::test_a_viewer_may_download_but_not_change_in_bulk)
                 "requests.bulk_action"}
#: Endpoints that must stay administrator-only, by blueprint.
ADMIN_BLUEPRINTS = {"admin", "privacy"}


def _sample(converter):
    options = getattr(converter, "items", None)
    return sorted(options)[0] if options else 1


def _url(rule) -> str:
    return rule.build({arg: _sample(rule._converters[arg]) for arg in rule.arguments}, append_unknown=False)[1]


def _routes(app) -> list:
    """Return (rule, method, access rule) for every route; a list, so no context stays open."""
    with app.test_request_context():
        return [
            (rule, method, rule_for(rule.endpoint))
            for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        ]


def test_declared_rules_are_sane(app):
    """Writes need staff unless explicitly a viewer's own; admin areas need admin."""
    for rule, method, access in _routes(app):
        needed = access.needed_for(method)
        if method not in READ_METHODS and needed == Role.VIEWER:
            assert rule.endpoint in VIEWER_WRITES, f"{rule.endpoint} lets viewers write"
        if rule.endpoint.split(".")[0] in ADMIN_BLUEPRINTS:
            assert needed == Role.ADMIN, f"{rule.endpoint} is not admin-only"


@pytest.fixture
def sessions(app, make_user):
    """A logged-in test client per role, each with a CSRF token for its session.

    Accounts 1-3 are bystanders: the matrix calls every URL with id 1, and an
    administrator's POST to /admin/users/1/deactivate must not end a test session.
    """
    for n in range(3):
        make_user(f"bystander{n}@example.org", role="viewer")
    clients = {}
    for role in ROLES:
        make_user(f"{role}@example.org", role=role)
        client = app.test_client()
        assert Auth(client).login(f"{role}@example.org").status_code == 302
        token = csrf_token_from(client.get("/auth/password").get_data(as_text=True))
        clients[role] = (client, token)
    return clients


def _call(client, rule, method, token=None, headers=None):
    data = {"csrf_token": token} if token and method not in READ_METHODS else None
    response = client.open(_url(rule), method=method, data=data, headers=headers or {})
    response.close()
    return response.status_code


def test_matrix(app, client, sessions, bearer):
    tokens = {role: bearer(role, email=f"{role}@example.org") for role in ROLES}
    checked = 0
    for rule, method, access in _routes(app):
        needed = access.needed_for(method)
        api = rule.endpoint.startswith("api.")
        if rule.endpoint in ("auth.logout", "auth.sign_out_everywhere"):
            # They would end the sessions the rest of the matrix uses; covered in test_auth
            # and tests/lp/test_session_timeouts.py.
            continue
        # anonymous
        status = _call(client, rule, method)
        if needed is None:
            assert status not in (401, 403), (rule.rule, method, "anonymous", status)
        elif api:
            assert status == 401, (rule.rule, method, "anonymous", status)
        else:
            assert status in ((302,) if method in READ_METHODS else (302, 400)), (rule.rule, method, status)
        # each role, in the browser and with an API token
        for role in ROLES:
            allowed = needed is None or Role(role).allows(needed)
            if api:
                status = _call(client, rule, method, headers=tokens[role])
            else:
                browser, token = sessions[role]
                status = _call(browser, rule, method, token)
            if allowed:
                assert status not in (401, 403), (rule.rule, method, role, status)
            else:
                assert status == 403, (rule.rule, method, role, status)
            checked += 1
        # a bearer token does not log anyone in outside the API
        if not api and needed is not None:
            assert _call(client, rule, method, headers=tokens["admin"]) in (302, 400), (rule.rule, method)
    print(f"authorisation matrix: {checked} endpoint x method x role checks")
    assert checked >= 3 * 40


def test_every_browser_form_post_needs_a_csrf_token(app, sessions):
    """An administrator's POST without the token is refused (400) on every browser route."""
    browser, _token = sessions["admin"]
    checked = 0
    for rule, method, access in _routes(app):
        if method in READ_METHODS or rule.endpoint.startswith("api.") or access.needed_for(method) is None:
            continue
        status = _call(browser, rule, method)  # no token
        assert status == 400, (rule.rule, method, status)
        checked += 1
    print(f"CSRF: {checked} form endpoints refuse a POST without token")
    assert checked >= 10
