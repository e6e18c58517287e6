"""The base layout: security headers, no CDN, working navigation and flash messages."""

import re


def test_security_headers_on_every_page(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # only behind HTTPS


def test_no_inline_script_and_no_external_assets(client, login_as):
    login_as("admin")
    for path in ("/", "/admin/users", "/auth/password", "/admin/users/new"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert not re.search(r"(src|href)=\"(https?:)?//", html), path
        assert " style=" not in html, path


#: Every file the base layout links, with the kind of type the browser needs to use it
#: (text/javascript or application/javascript, as the system's MIME table says).
ASSETS = {
    "/static/vendor/bootstrap/bootstrap.min.css": "text/css",
    "/static/vendor/bootstrap/bootstrap.bundle.min.js": "javascript",
    "/static/css/app.css": "text/css",
    "/static/js/app.js": "javascript",
    "/static/js/char-count.js": "javascript",
    "/static/js/filter-options.js": "javascript",
    "/static/favicon.svg": "image/svg+xml",
}


def test_bootstrap_is_served_by_the_app(client):
    response = client.get("/auth/login")
    assert response.status_code == 200
    linked = re.findall(r'(?:src|href)="(/static/[^"?]+)', response.get_data(as_text=True))
    assert sorted(linked) == sorted(ASSETS)  # a file added to or dropped from the layout is listed here
    for asset, kind in ASSETS.items():
        response = client.get(asset)
        assert response.status_code == 200 and kind in response.mimetype, (asset, response.mimetype)
        assert len(response.get_data()) > 100, asset
        response.close()


def test_navigation_shows_administration_to_admins_only(client, auth, login_as, make_user):
    login_as("admin")
    assert "Beheer" in client.get("/").get_data(as_text=True)
    auth.logout()
    make_user("viewer@example.org", role="viewer")
    auth.login("viewer@example.org")
    assert "Beheer" not in client.get("/").get_data(as_text=True)
