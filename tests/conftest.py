"""Fixtures shared by the whole suite: app, client, runner, login helper, factories.

Every test gets a clean database. ``pytest`` runs on SQLite; ``pytest --db=postgresql``
runs the same suite on the PostgreSQL server named by ``TEST_DATABASE_URL``. Tests that
only read a data set may share one per module instead (``module_app``); ``count_queries``
counts the statements a request costs.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from typing import Any, Self

import pytest
from sqlalchemy import Engine, event, text

from lp import create_app
from lp.web.extensions import db
from tests.live import free_port
from tests.smtp_server import Inbox, smtp_inbox

PASSWORD = "correct horse battery"
FAST_HASH = "pbkdf2:sha256:1000"  # the real default (scrypt) is slow on purpose


@event.listens_for(Engine, "connect")
def _commit_without_waiting_for_the_disk(dbapi_connection, _record) -> None:
    """Let every commit in the test process return before the disk has it.

    The app waits for the disk on each commit (SQLite in WAL mode syncs the log,
    PostgreSQL flushes its WAL), which keeps data through a power cut; no test is
    about that, and the suite commits thousands of times. What other connections see,
    and when, is unchanged. The servers the live tests start are separate processes
    and keep the production setting.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous = OFF")
        return
    autocommit = dbapi_connection.autocommit  # SET outside a transaction, so a rollback cannot undo it
    dbapi_connection.autocommit = True
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    dbapi_connection.autocommit = autocommit


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="database to run the suite on (postgresql uses TEST_DATABASE_URL)",
    )


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory) -> str:
    if request.config.getoption("--db") == "postgresql":
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            raise pytest.UsageError("--db=postgresql needs TEST_DATABASE_URL")
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def base_config(database_url: str, instance_path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "LP_INSTANCE_PATH": str(instance_path),
        "LP_PASSWORD_HASH_METHOD": FAST_HASH,
        "SESSION_COOKIE_SECURE": False,
        # Off for the suite, whose accounts are often admins signing in by password alone;
        # tests/lp/test_mfa.py and tests/e2e/test_mfa.py switch it on.
        "LP_MFA_REQUIRED": "off",
        # Tests travel days in time within one session; tests/lp/test_session_timeouts.py
        # checks the time-outs with the defaults (15 minutes, 10 hours).
        "LP_IDLE_TIMEOUT_MINUTES": 31 * 24 * 60,
        "LP_ABSOLUTE_TIMEOUT_HOURS": 31 * 24,
    }


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Create the schema once per run from the models; migrations are tested apart."""
    app = create_app(base_config(database_url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    yield
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def _empty_all_tables() -> None:
    """Delete every row, children first; on PostgreSQL also start every id sequence again.

    DELETE, not TRUNCATE: for the few rows a test leaves, PostgreSQL's TRUNCATE (new
    files for each of the tables) costs about 65 ms a test, DELETE and setval about 13.
    """
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(text(f"DELETE FROM {table.name}"))
    if db.engine.dialect.name == "postgresql":
        sequences = db.session.scalars(
            text("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"))
        for sequence in sequences.all():
            db.session.execute(text("SELECT setval(:sequence, 1, false)"), {"sequence": sequence})
    db.session.commit()


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    """Override in a test module to change the test app's configuration."""
    return {}


@pytest.fixture
def smtp_port() -> int:
    """A free loopback port for a test's SMTP server."""
    return free_port()


@pytest.fixture
def mail_settings(smtp_port) -> dict[str, Any]:
    """Configuration that sends the app's mail to the test's SMTP server (``smtp_server``)."""
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port, "MAIL_FROM": "lp@example.org",
            "LP_BASE_URL": "https://lp.example.org"}


@pytest.fixture
def smtp_server(smtp_port) -> Iterator[Inbox]:
    """A real SMTP server (aiosmtpd) on ``smtp_port``; the mails it received."""
    with smtp_inbox(smtp_port) as inbox:
        yield inbox


@pytest.fixture
def app(database_url, _schema, tmp_path, config_overrides):
    app = create_app({**base_config(database_url, tmp_path / "instance"), **config_overrides})
    yield app
    with app.app_context():
        db.session.remove()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()


class QueryCounter:
    """Count the SQL statements an engine runs inside ``with counter:``; each ``with`` starts at 0.

    Tests of eager loading compare counts (a page must not cost one query per row), so
    the count is what matters; ``statements`` keeps the SQL for the failure message.
    """

    def __init__(self, engine):
        self._engine = engine
        self.statements: list[str] = []

    def _record(self, _conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        self.statements.append(statement)

    def __enter__(self) -> Self:
        self.statements = []
        event.listen(self._engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self._engine, "before_cursor_execute", self._record)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app) -> QueryCounter:
    """A ``QueryCounter`` on the test app's engine: ``with count_queries: client.get(url)``."""
    with app.app_context():
        return QueryCounter(db.engine)


@pytest.fixture(scope="module")
def module_database_url(request, database_url, tmp_path_factory) -> Iterator[str]:
    """A database with the schema for one test module, apart from the one ``app`` empties after each test.

    SQLite: a file of its own. PostgreSQL: a schema of its own in the test database
    (the connection's search_path points there), dropped afterwards.
    """
    if request.config.getoption("--db") != "postgresql":
        yield f"sqlite:///{tmp_path_factory.mktemp('module-db') / 'module.sqlite3'}"
        return
    import uuid
    from urllib.parse import quote

    from sqlalchemy import create_engine

    from lp.web.config import normalise_database_url

    schema = f"lp_module_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_database_url(database_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in database_url else "?"
    yield f"{database_url}{separator}options={quote(f'-csearch_path={schema}')}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    admin.dispose()


@pytest.fixture(scope="module")
def module_app(module_database_url, tmp_path_factory):
    """An app whose database lives as long as the test module: for data sets that tests only read.

    Build the data set once in a module-scoped fixture on ``module_app`` instead of once
    per test. Only tests that write nothing may use it (they see each other's data); a
    test that writes takes ``app`` as usual. The configuration is the default test one
    (``config_overrides`` is per test and does not apply).
    """
    app = create_app(base_config(module_database_url, tmp_path_factory.mktemp("module-instance")))
    with app.app_context():
        db.create_all()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def post_form(client, url: str, data: dict[str, Any] | None = None, *, page: str | None = None, **kw):
    """POST a form as a browser would: read the CSRF token from the page first."""
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token_from(html)}, **kw)


class Auth:
    """Log the test client in and out through the real login form."""

    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = PASSWORD):
        return post_form(self._client, "/auth/login", {"email": email, "password": password})

    def logout(self):
        return post_form(self._client, "/auth/logout", page="/")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


def user_maker(app):
    """Return ``make_user`` for ``app`` (also for a module's app, see ``module_app``)."""
    from lp.auth import services

    counter = iter(range(1, 10_000))

    def make(email: str | None = None, role: str = "staff", password: str = PASSWORD, **kw) -> int:
        with app.app_context():
            user = services.create_user(
                email or f"user{next(counter)}@example.org",
                kw.pop("display_name", ""),
                role,
                password,
                kw.pop("language", None),
            )
            return user.id

    return make


@pytest.fixture
def make_user(app):
    """Create an account; returns its id. ``make_user(role="staff")``."""
    return user_maker(app)


@pytest.fixture
def login_as(make_user, auth):
    """Create an account with a role and log the client in as it; returns its id."""

    def login(role: str = "staff", email: str | None = None, **kw) -> int:
        email = email or f"{role}@example.org"
        user_id = make_user(email=email, role=role, **kw)
        response = auth.login(email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user_id

    return login


def country_maker(app):
    """Return ``make_country`` for ``app``."""
    from countries.models import Country

    def make(alpha2: str = "GN", *, agreements: list[dict] = (), missions: list[dict] = (), **facts) -> str:
        from countries.models import Agreement, Mission

        with app.app_context():
            country = Country(alpha2=alpha2, alpha3=facts.pop("alpha3", alpha2 + "X"),
                              name_nl=facts.pop("name_nl", f"Land {alpha2}"),
                              name_en=facts.pop("name_en", f"Country {alpha2}"), **facts)
            country.agreements = [Agreement(**a) for a in agreements]
            country.missions = [Mission(**{"name": f"Embassy of {alpha2}", **m}) for m in missions]
            db.session.add(country)
            db.session.commit()
        return alpha2

    return make


@pytest.fixture
def make_country(app):
    """Create a country profile; returns its alpha-2 code. ``make_country("GN", refuses_unwilling="yes")``."""
    return country_maker(app)


def person_maker(app):
    """Return ``make_person`` for ``app``."""
    counter = iter(range(1, 100_000))

    def make(**values) -> int:
        from lp.persons import services as persons

        raw = {"v_number": f"{next(counter):010d}", "name": "Test Person", "willingness": "unknown", **values}
        documents = raw.pop("documents", [])
        with app.test_request_context():
            person = persons.create_person(persons.parse_person(raw), documents)
            return person.id

    return make


@pytest.fixture
def make_person(app, make_country):
    """Register a person; returns the id. ``make_person(willingness="unwilling")``."""
    return person_maker(app)


@pytest.fixture
def make_request(app, make_person):
    """Create a request (draft, or submitted when ``submitted_on`` is given); returns its id."""

    def make(alpha2: str, *, person_id: int | None = None, submitted_on=None, user_id=None,
             channel: str = "email", repeat_reason: str = "") -> int:
        from countries.services import get_country
        from lp.persons.models import Person
        from lp.requests import services

        person_id = person_id or make_person(nationality=alpha2)
        with app.test_request_context():
            country = get_country(alpha2)
            mission = country.missions[0] if country.missions else None
            request = services.create_request(db.session.get(Person, person_id), country, mission,
                                              user_id=user_id, repeat_reason=repeat_reason)
            if submitted_on is not None:
                services.apply_transition(request, "submit", {"submitted_on": submitted_on, "channel": channel},
                                          user_id=user_id)
            return request.id

    return make


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


@pytest.fixture
def live_server(app, database_url, tmp_path):
    """gunicorn with two workers on the test database: a ``tests.live.Gunicorn`` (``.url``, ``.request``).

    Create data through ``app`` (or the factories) before or during the test; the tables
    are emptied afterwards as for every test.
    """
    from tests.live import Gunicorn, server_env

    with Gunicorn(server_env(database_url, tmp_path / "live-instance")) as server:
        yield server


@pytest.fixture
def empty_database_url(request, tmp_path):
    """A brand-new, empty database of the kind the suite runs on (dropped afterwards)."""
    if request.config.getoption("--db") != "postgresql":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    import uuid

    from sqlalchemy import create_engine, make_url

    from lp.web.config import normalise_database_url

    server = make_url(normalise_database_url(request.getfixturevalue("database_url")))
    name = f"lp_fresh_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.dispose()


def app_today():
    """Today where the app's users are (LP_TIMEZONE, as lp.core.clock.today reads it), not the machine's date:
    between 23:00 and midnight UTC the two differ by a day."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from lp.web.config import DEFAULTS

    return datetime.now(ZoneInfo(DEFAULTS["LP_TIMEZONE"])).date()
