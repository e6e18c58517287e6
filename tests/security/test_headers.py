"""Security headers on every kind of response: pages, errors, API, CSV, static files, /healthz.

Every response may not be framed, sniffed or scripted from elsewhere; responses that
can carry personal data (HTML, JSON, CSV) are never cached; HSTS is sent only over
HTTPS, and behind a trusted proxy only when the proxy says the request came in so.
"""

from __future__ import annotations

import pytest

#: Content types that can carry personal data: never stored by a browser or proxy.
PERSONAL = {"text/html", "application/json", "application/problem+json", "text/csv"}
HSTS = "Strict-Transport-Security"


def assert_secure_headers(response, where: str) -> None:
    """Check the headers every response must carry (HSTS is checked apart)."""
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives.get("frame-ancestors") == ["'none'"], (where, csp)
    assert directives.get("script-src") == ["'self'"], (where, csp)
    assert directives.get("object-src") == ["'none'"], (where, csp)
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, (where, csp)
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin"), where
    if response.mimetype in PERSONAL or response.mimetype == "text/calendar":
        assert "no-store" in headers.get("Cache-Control", ""), (where, response.mimetype)


def _plain_get_routes(app) -> list[str]:
    with app.test_request_context():
        return sorted(
            rule.rule for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and not rule.arguments
        )


def test_every_page_without_arguments_has_the_headers(app, client, login_as, bearer):
    """Walk the URL map: each GET route without arguments, as an administrator (pages) or with a token (API)."""
    login_as("admin")
    token = bearer("admin", email="admin@example.org")
    checked = []
    for path in _plain_get_routes(app):
        response = client.get(path, headers=token if path.startswith("/api/") else {})
        assert response.status_code < 500, (path, response.status_code)
        assert_secure_headers(response, path)
        assert HSTS not in response.headers, path  # plain HTTP
        checked.append((path, response.status_code, response.mimetype))
        response.close()
    kinds = {mimetype for _path, _status, mimetype in checked}
    print(f"headers: {len(checked)} routes without arguments checked ({', '.join(sorted(kinds))})")
    assert {"text/html", "application/json", "text/csv"} <= kinds
    assert len(checked) >= 20


def test_error_pages_have_the_headers(app, client, login_as, monkeypatch):
    login_as("viewer")
    responses = {
        403: client.get("/admin/users"),
        404: client.get("/no-such-page"),
        405: client.put("/persons/"),
        400: client.post("/auth/password", data={}),  # no CSRF token
    }

    def broken(*_args, **_kwargs):
        raise RuntimeError("test failure")

    monkeypatch.setattr("lp.main.views.render_template", broken)
    responses[500] = client.get("/")
    for status, response in responses.items():
        assert response.status_code == status, (status, response.status_code)
        assert response.mimetype == "text/html"
        assert_secure_headers(response, f"error {status}")


def test_api_answers_have_the_headers(client, bearer):
    for response, status in ((client.get("/api/v1/me"), 401),
                             (client.get("/api/v1/me", headers=bearer("viewer")), 200),
                             (client.get("/api/v1/persons/999", headers=bearer("viewer")), 404),
                             (client.post("/api/v1/persons", headers=bearer("viewer"), json={}), 403)):
        assert response.status_code == status
        assert response.mimetype == ("application/json" if status == 200 else "application/problem+json")
        assert_secure_headers(response, f"API {status}")
        # What the NL API Design Rules add for an API (/core/transport/security-headers, /core/version-header).
        assert response.headers["Referrer-Policy"] == "no-referrer" and response.headers["API-Version"]


def test_exports_static_files_and_health_have_the_headers(app, client, login_as, make_country, make_person):
    login_as("staff")
    make_country("GN")
    person = make_person(nationality="GN")
    for path in ("/countries/csv/export.csv", "/requests/export.csv", "/insights/export/countries.csv",
                 "/healthz", "/static/css/app.css", "/static/js/app.js", f"/persons/{person}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_secure_headers(response, path)
        response.close()
    assert client.get("/requests/export.csv").headers["Cache-Control"] == "no-store"
    assert client.get("/healthz").headers["Cache-Control"] == "no-store"


def test_redirects_have_the_headers(client):
    response = client.get("/")  # to the login page
    assert response.status_code == 302
    assert_secure_headers(response, "redirect")


def test_the_calendar_feed_is_private(app, client, make_user):
    from lp.auth.models import User
    from lp.insights.calendar import issue_token
    from lp.web.extensions import db

    user_id = make_user(role="viewer")
    with app.app_context():
        token = issue_token(db.session.get(User, user_id))
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert_secure_headers(response, "calendar feed")
    assert "private" in response.headers["Cache-Control"]


# -- HSTS ---------------------------------------------------------------------------


def test_hsts_only_over_https(app):
    plain = app.test_client().get("/auth/login")
    secure = app.test_client().get("/auth/login", base_url="https://lp.example.org")
    assert HSTS not in plain.headers
    hsts = secure.headers[HSTS]
    assert "max-age=" in hsts and int(hsts.split("max-age=")[1].split(";")[0]) >= 180 * 24 * 3600
    assert_secure_headers(secure, "https")


def test_a_forwarded_proto_is_ignored_without_a_trusted_proxy(client):
    response = client.get("/auth/login", headers={"X-Forwarded-Proto": "https"})
    assert HSTS not in response.headers


class TestBehindATrustedProxy:
    @pytest.fixture
    def config_overrides(self):
        return {"LP_TRUST_PROXY": True}

    def test_hsts_when_the_proxy_says_https(self, client):
        forwarded = client.get("/auth/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.1"})
        plain = client.get("/auth/login", headers={"X-Forwarded-Proto": "http"})
        assert HSTS in forwarded.headers
        assert HSTS not in plain.headers

    def test_every_kind_of_answer_gets_hsts(self, client, bearer):
        https = {"X-Forwarded-Proto": "https"}
        for response in (client.get("/healthz", headers=https), client.get("/no-such-page", headers=https),
                         client.get("/api/v1/me", headers={**https, **bearer("viewer")}),
                         client.get("/api/v1/me", headers=https),
                         client.get("/static/css/app.css", headers=https)):
            assert HSTS in response.headers
            assert_secure_headers(response, "proxied")
            response.close()

