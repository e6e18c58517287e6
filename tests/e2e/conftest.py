"""Fixtures for the end-to-end tests: the test's app served live, and one headless chromium.

Every test here is marked ``e2e``; all of them are skipped, with the reason, when
there is no chromium (``/usr/bin/chromium`` or ``CHROMIUM_PATH``) or Playwright is
not installed. Playwright only drives the system's chromium: it never downloads one.
"""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import PASSWORD
from tests.e2e import NO_PLAYWRIGHT

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
#: How long a locator waits for what the user should see (ms); pages answer in well under a second.
TIMEOUT_MS = 10_000


def skip_reason() -> str | None:
    """Return why the browser tests cannot run here, or None when they can."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return (f"end-to-end browser test: no chromium at {CHROMIUM} "
                "(install Debian's chromium or set CHROMIUM_PATH)")
    if importlib.util.find_spec("playwright") is None:
        return NO_PLAYWRIGHT
    return None


def pytest_collection_modifyitems(config, items) -> None:
    """Skip every test marked ``e2e`` when no browser can run, saying why."""
    reason = skip_reason()
    if reason is None:
        return
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so the page fixture knows whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def config_overrides():
    """Serve as ``make run`` does (LP_ENV=development: cookies also over plain HTTP)."""
    return {"LP_ENV": "development", "SESSION_COOKIE_SECURE": False}


class _QuietHandler(WSGIRequestHandler):
    """Do not log every request of the browser to the test output."""

    def log_request(self, *args, **kwargs) -> None:
        pass


def _without_icon(app):
    """Answer the browser's icon request without opening the file, and static files from memory.

    Chromium fetches the icon from its browser process, which ``context.route`` does not
    see, after the page has loaded; a test that moves on cuts that answer off and the icon's
    file is reported unclosed (a warning, so an error) in whichever test runs later.
    """
    def wsgi(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.endswith("/favicon.svg"):
            start_response("204 No Content", [])
            return []
        if path.startswith("/static/"):
            return _read_whole(app, environ, start_response)
        return app(environ, start_response)
    return wsgi


def _read_whole(app, environ, start_response):
    """Answer a static file from memory: its file is read and closed before the browser gets a byte.

    A page that moves on while a script is still being sent drops the connection, and
    werkzeug's development server then leaves the file's wrapper unclosed (a warning, so an
    error, in whichever test runs later). gunicorn in production closes it.
    """
    answer: dict = {}

    def keep(status, headers, exc_info=None):
        answer.update(status=status, headers=headers)
        return lambda _data: None

    body = app(environ, keep)
    try:
        data = b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    start_response(answer["status"], answer["headers"])
    return [data]


@contextmanager
def serving(app) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a thread; give its base URL."""
    server = make_server("127.0.0.1", 0, _without_icon(app), threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """Serve the test's app (its clean database) on a free port; return its base URL."""
    with serving(app) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Start one headless chromium for the whole run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Console:
    """What the browser reported while the test ran: console errors and uncaught JS errors."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def on_console(self, message) -> None:
        # Chromium reports a CSP violation as a console error "Refused to ... because it
        # violates the following Content Security Policy directive".
        if message.type == "error" or "Content Security Policy" in message.text:
            self.errors.append(f"console {message.type}: {message.text} ({message.location.get('url', '')})")

    def on_page_error(self, error) -> None:
        self.errors.append(f"page error: {error}")


@pytest.fixture
def console() -> Console:
    return Console()


def screenshot_if_failed(page, request, tmp_path) -> None:
    """Keep a screenshot of the page when the test failed, and say where it is."""
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        shot = tmp_path / "failure.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot of the failing page ({page.url}): {shot}")


def dutch_context(browser, base_url: str):
    """Open a browser context (no cookies) in Dutch, Amsterdam time, on ``base_url``."""
    context = browser.new_context(base_url=base_url, locale="nl-NL", timezone_id="Europe/Amsterdam",
                                  accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def page(browser, live_server, console, request, tmp_path):
    """Open a fresh browser context (no cookies) in Dutch on the live server; screenshot on failure."""
    context = dutch_context(browser, live_server)
    page = context.new_page()
    page.on("console", console.on_console)
    page.on("pageerror", console.on_page_error)
    yield page
    screenshot_if_failed(page, request, tmp_path)
    context.close()


@pytest.fixture
def log_in(page):
    """Log in through the login form as an existing account; lands on the home page."""

    def log_in(email: str, password: str = PASSWORD) -> None:
        log_in_through_form(page, email, password)

    return log_in


def log_in_through_form(page, email: str, password: str = PASSWORD) -> None:
    """Log in on ``page`` through the login form, as a person does; lands on the home page."""
    page.goto("/auth/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)


# --- One seeded database per module, for the walks -------------------------------------------

#: The demo's accounts all get this password; the walks log in as the administrator below.
ADMIN_EMAIL = "admin@example.org"
#: Persons in the module's demo data: enough for every status, small enough for a 5-second load.
DEMO_PERSONS = 60


def _seed(app) -> None:
    """Load the demo data, add the walks' administrator and run the morning's reminder sweep."""
    from lp.auth import services as accounts
    from lp.demo.load import load_demo

    with app.app_context():
        load_demo(seed=1, persons=DEMO_PERSONS, password=PASSWORD)
        accounts.create_user(ADMIN_EMAIL, "Ada Admin", "admin", PASSWORD, "nl")
    result = app.test_cli_runner().invoke(args=["lp", "reminders", "sweep"])
    assert result.exit_code == 0, result.output


def _walk_config(database_url: str, instance) -> dict:
    from tests.conftest import base_config

    return {**base_config(database_url, instance), "LP_ENV": "development", "SESSION_COOKIE_SECURE": False}


@pytest.fixture(scope="session")
def seeded_sqlite(request, tmp_path_factory):
    """On SQLite, a database file with the demo data, loaded once per run (each module copies it)."""
    if request.config.getoption("--db") != "sqlite":
        return None
    from lp import create_app
    from lp.web.extensions import db

    path = tmp_path_factory.mktemp("seeded") / "demo.sqlite3"
    app = create_app(_walk_config(f"sqlite:///{path}", tmp_path_factory.mktemp("instance")))
    with app.app_context():
        db.create_all()
    _seed(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return path


@pytest.fixture(scope="module")
def seeded_app(database_url, _schema, seeded_sqlite, tmp_path_factory):
    """Return an app whose database holds demo data (and its reminders), kept for the whole module.

    One database per module keeps the walks fast; each walk reads the state it starts from.
    On SQLite the module gets its own copy of the session's seeded file; on PostgreSQL the
    demo is loaded into the test database, and emptied again after the module.
    """
    from lp import create_app
    from lp.web.extensions import db
    from tests.conftest import _empty_all_tables

    instance = tmp_path_factory.mktemp("instance")
    if seeded_sqlite is not None:
        copy = instance / "walk.sqlite3"
        with sqlite3.connect(seeded_sqlite) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        app = create_app(_walk_config(f"sqlite:///{copy}", instance))
    else:
        app = create_app(_walk_config(database_url, instance))
        _seed(app)
    yield app
    with app.app_context():
        db.session.remove()
        if seeded_sqlite is None:  # the shared test database: leave it empty, as every test does
            _empty_all_tables()
            db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def seeded_server(seeded_app) -> Iterator[str]:
    """Serve the module's seeded app on a free port; return its base URL."""
    with serving(seeded_app) as url:
        yield url


@pytest.fixture(scope="module")
def admin_context(browser, seeded_server):
    """Return a browser context logged in (through the login form) as the module's administrator."""
    context = dutch_context(browser, seeded_server)
    page = context.new_page()
    log_in_through_form(page, ADMIN_EMAIL)
    page.close()
    yield context
    context.close()


@pytest.fixture
def admin_page(admin_context, request, tmp_path):
    """Open a page in the administrator's context; screenshot on failure."""
    page = admin_context.new_page()
    yield page
    screenshot_if_failed(page, request, tmp_path)
    page.close()


class Api:
    """The JSON API as the administrator's bearer token sees it: ``api(path)`` reads, post and patch write."""

    def __init__(self, app, token: str):
        self._client = app.test_client()
        self._headers = {"Authorization": f"Bearer {token}"}

    def __call__(self, path: str) -> dict:
        response = self._client.get(f"/api/v1{path}", headers=self._headers)
        assert response.status_code == 200, (path, response.get_data(as_text=True))
        return response.get_json()

    def post(self, path: str, body: dict) -> dict:
        return self._write("post", path, body)

    def patch(self, path: str, body: dict) -> dict:
        return self._write("patch", path, body)

    def _write(self, method: str, path: str, body: dict) -> dict:
        response = getattr(self._client, method)(f"/api/v1{path}", json=body, headers=self._headers)
        assert response.status_code in (200, 201), (path, response.get_data(as_text=True))
        return response.get_json()


@pytest.fixture(scope="module")
def api(seeded_app) -> Api:
    """Return the module's API client, acting as the administrator."""
    from lp.auth import services as accounts

    with seeded_app.app_context():
        _token, plaintext = accounts.create_token(accounts.find_user_by_email(ADMIN_EMAIL), "walks")
    return Api(seeded_app, plaintext)
