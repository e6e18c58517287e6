"""Fixtures shared by the whole suite: app, client, runner, login helper, factories.

Every test gets a clean database. ``pytest`` runs on SQLite; ``pytest --db=postgresql``
runs the same suite on the PostgreSQL server named by ``TEST_DATABASE_URL``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from lp import create_app
from lp.web.extensions import db
from tests.live import free_port
from tests.smtp_server import Inbox, smtp_inbox

PASSWORD = "correct horse battery"
FAST_HASH = "pbkdf2:sha256:1000"  # the real default (scrypt) is slow on purpose


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
        "LP_STATS_CACHE_SECONDS": 0,  # every test sees its own data
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
    tables = [t.name for t in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for name in reversed(tables):
            db.session.execute(text(f"DELETE FROM {name}"))
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


@pytest.fixture
def make_user(app):
    """Create an account; returns its id. ``make_user(role="staff")``."""
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
def login_as(make_user, auth):
    """Create an account with a role and log the client in as it; returns its id."""

    def login(role: str = "staff", email: str | None = None, **kw) -> int:
        email = email or f"{role}@example.org"
        user_id = make_user(email=email, role=role, **kw)
        response = auth.login(email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user_id

    return login


@pytest.fixture
def make_country(app):
    """Create a country profile; returns its alpha-2 code. ``make_country("GN", refuses_unwilling="yes")``."""
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
def make_person(app, make_country):
    """Register a person; returns the id. ``make_person(willingness="unwilling")``."""
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
