"""Faults injected for real: the database goes away and comes back, the mail server is down
across a restart, a scheduled job raises, a request fails halfway.

The database outage is real on both engines: the SQLite file's folder is moved away;
PostgreSQL is reached through a TCP proxy in this process that is cut and restored.
(tests/lp/test_health.py covers the SQLite pages alone; a failing CSV import, concurrent
edits and the digest's SMTP retries have tests next to their features.)
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest
import time_machine

from lp import create_app
from lp.core.types import utcnow
from lp.web.extensions import db
from tests.conftest import PASSWORD, Auth, base_config, csrf_token_from, post_form
from tests.live import free_port
from tests.lp.test_health import unreachable_app  # noqa: F401  (a fixture: a closed port or a missing folder)
from tests.smtp_server import Inbox, smtp_inbox

# -- A database that goes away ------------------------------------------------------


class TcpProxy:
    """Forward a local port to a server; ``cut()`` drops every connection and refuses new ones."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.port = free_port()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []

    def restore(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.05)
        self._spawn(self._accept, self._listener)

    def cut(self) -> None:
        listener, self._listener = self._listener, None  # the accept loop sees this and ends
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _shut(sock)
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []
        if listener is not None:
            listener.close()

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets |= {client, upstream}
            self._spawn(self._pump, client, upstream)
            self._spawn(self._pump, upstream, client)

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for sock in (source, sink):
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _shut(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


class Outage:
    """An app on its own path to the database, which ``cut()`` takes away and ``restore()`` gives back."""

    def __init__(self, app, cut: Callable[[], None], restore: Callable[[], None]):
        self.app, self.cut, self.restore = app, cut, restore

    @contextmanager
    def down(self) -> Iterator[None]:
        self.cut()
        try:
            yield
        finally:
            self.restore()


@pytest.fixture
def outage(request, tmp_path, database_url) -> Iterator[Outage]:
    """An app whose database can be taken away: a moved SQLite folder, or a cut TCP proxy to PostgreSQL."""
    if request.config.getoption("--db") == "postgresql":
        request.getfixturevalue("app")  # the schema, and emptied tables afterwards
        parts = urlsplit(database_url)
        proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
        proxy.restore()
        netloc = parts.netloc.rsplit("@", 1)
        host = f"127.0.0.1:{proxy.port}"
        url = urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))
        url += ("&" if parts.query else "?") + "connect_timeout=2"
        app = create_app(base_config(url, tmp_path / "instance"))
        yield Outage(app, proxy.cut, proxy.restore)
        with app.app_context():
            db.engine.dispose()
        proxy.cut()
        return
    folder = tmp_path / "db"
    folder.mkdir()
    app = create_app(base_config(f"sqlite:///{folder / 'lp.sqlite3'}", tmp_path / "instance"))
    with app.app_context():
        db.create_all()

    def cut():
        with app.app_context():
            db.engine.dispose()  # an open connection would keep the moved file
        folder.rename(tmp_path / "db-away")

    yield Outage(app, cut, lambda: (tmp_path / "db-away").rename(folder))
    with app.app_context():
        db.engine.dispose()


def _staff_with_token(app) -> dict[str, str]:
    from lp.auth import services

    with app.app_context():
        user = services.create_user("staff@example.org", "Staff", "staff", PASSWORD)
        _token, plaintext = services.create_token(user, "faults")
    return {"Authorization": f"Bearer {plaintext}"}


def test_database_outage_gives_503_everywhere_and_the_app_recovers(outage):
    app = outage.app
    token = _staff_with_token(app)
    client = app.test_client()
    assert Auth(client).login("staff@example.org").status_code == 302
    new_person = {"v_number": "1234567890", "name": "Tijdens Storing", "willingness": "unknown"}

    with outage.down():
        page = client.get("/persons/")
        assert page.status_code == 503
        assert "Tijdelijk niet beschikbaar" in page.get_data(as_text=True)
        api = client.get("/api/v1/me", headers=token)
        assert api.status_code == 503 and api.mimetype == "application/problem+json"
        assert "database" in api.json["detail"]
        write = client.post("/api/v1/persons", headers=token, json=new_person)
        assert write.status_code == 503 and write.is_json
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json["status"] == "error"

    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}
    assert client.get("/persons/").status_code == 200  # still logged in
    assert client.get("/api/v1/me", headers=token).json["email"] == "staff@example.org"
    listed = client.get("/api/v1/persons?q=Tijdens", headers=token).json
    assert listed["total"] == 0  # the write during the outage did not half-happen
    assert client.post("/api/v1/persons", headers=token, json=new_person).status_code == 201


def test_an_unreachable_database_from_the_start(unreachable_app):  # noqa: F811  (the imported fixture)
    client = unreachable_app.test_client()
    assert client.get("/healthz").status_code == 503
    api = client.get("/api/v1/countries", headers={"Authorization": "Bearer lp_whatever"})
    assert api.status_code == 503 and api.is_json
    login = client.get("/auth/login")  # needs no database
    assert login.status_code == 200
    attempt = client.post("/auth/login", data={"email": "a@example.org", "password": PASSWORD,
                                               "csrf_token": csrf_token_from(login.get_data(as_text=True))})
    assert attempt.status_code == 503
    assert "Tijdelijk niet beschikbaar" in attempt.get_data(as_text=True)


# -- The mail server is down, and the app restarts -----------------------------------


@pytest.fixture
def config_overrides(mail_settings):
    return mail_settings


def _queue_mail(app) -> None:
    from lp.mail import outbox

    with app.app_context():
        assert outbox.enqueue("faults:1", "holder@example.org", "Weekoverzicht", "tekst", "<p>tekst</p>")
        db.session.commit()


def _deliver(app) -> str:
    result = app.test_cli_runner().invoke(args=["lp", "outbox", "deliver"])
    assert result.exit_code == 0, result.output
    return result.output


def _mail(app):
    from lp.mail.models import OutboxMail

    with app.app_context():
        return db.session.scalars(db.select(OutboxMail)).one()


def test_outbox_survives_an_smtp_outage_and_a_restart(app, database_url, tmp_path, smtp_port,
                                                      config_overrides):
    _queue_mail(app)
    assert "1 failed" in _deliver(app)  # nobody listens on the port
    with smtp_inbox(smtp_port, Inbox(refuse=True)):  # up, but refusing for now
        with time_machine.travel(utcnow() + timedelta(minutes=3), tick=False):
            assert "1 failed" in _deliver(app)
    mail = _mail(app)
    assert mail.sent_at is None and mail.attempts == 2 and "451" in mail.last_error
    with app.app_context():
        db.engine.dispose()  # the process ends

    restarted = create_app({**base_config(database_url, tmp_path / "instance"), **config_overrides})
    try:
        with smtp_inbox(smtp_port) as inbox:
            later = utcnow() + timedelta(minutes=15)  # past the backoff
            for minutes in (0, 1, 30):
                with time_machine.travel(later + timedelta(minutes=minutes), tick=False):
                    _deliver(restarted)
        assert len(inbox.messages) == 1
        assert inbox.messages[0]["Subject"] == "Weekoverzicht"
        mail = _mail(restarted)
        assert mail.sent_at is not None and mail.attempts == 3 and mail.last_error == ""
    finally:
        with restarted.app_context():
            db.engine.dispose()


# -- A scheduled job raises -----------------------------------------------------------

#: An exception message that quotes personal data: it must not reach the log.
PERSONAL_MESSAGE = "Zwaantje Kwartelkoning 1234567890"


def test_a_failing_job_is_logged_rolled_back_and_the_scheduler_keeps_running(app, caplog, monkeypatch):
    from apscheduler.triggers.interval import IntervalTrigger

    from countries.models import Country
    from lp import scheduler
    from lp.reminders.models import JobRun

    runs = {"failing": 0, "working": 0}

    def failing(day):
        runs["failing"] += 1
        db.session.add(Country(alpha2="ZZ", alpha3="ZZZ", name_nl="Half", name_en="Half"))
        db.session.flush()  # written, then the job fails
        raise ValueError(PERSONAL_MESSAGE)

    def working(day):
        runs["working"] += 1
        return "done"

    every_second = lambda tz: IntervalTrigger(seconds=1, timezone=tz)  # noqa: E731
    monkeypatch.setattr(scheduler, "JOBS", (scheduler.Job("failing", failing, every_second, False),
                                            scheduler.Job("working", working, every_second, False)))
    caplog.set_level(logging.INFO, logger="lp.scheduler")
    background = scheduler.build_scheduler(app, blocking=False)
    background.start()
    try:
        deadline = time.monotonic() + 10
        while (runs["failing"] < 2 or runs["working"] < 2) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert background.running
    finally:
        background.shutdown(wait=True)
    assert runs["failing"] >= 2 and runs["working"] >= 2  # the failure did not stop the loop
    with app.app_context():
        assert db.session.scalar(db.select(Country).where(Country.alpha2 == "ZZ")) is None
        assert db.session.get(JobRun, "working").last_result == "done"
        assert db.session.get(JobRun, "failing") is None  # a failed run does not count as run
    failures = [r for r in caplog.records if r.getMessage().startswith("job failing failed")]
    assert failures and all(r.levelno == logging.ERROR for r in failures)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "ValueError" in logged and PERSONAL_MESSAGE not in logged


# -- A request fails halfway ----------------------------------------------------------


def _fail_after_flush(*_args, **_kwargs):
    db.session.flush()  # what the service changed is in the database's transaction now
    raise RuntimeError("unexpected failure in a service")


def test_a_page_that_fails_halfway_shows_the_500_page_and_saves_nothing(client, login_as, make_person,
                                                                        monkeypatch):
    login_as("staff")
    person = make_person(name="Oude Naam", v_number="1111111111")
    monkeypatch.setattr("lp.persons.services.refresh_deadlines", _fail_after_flush)
    response = post_form(client, f"/persons/{person}/edit", {
        "v_number": "1111111111", "name": "Nieuwe Naam", "willingness": "unknown", "version": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Er ging iets mis" in html and "Er is niets opgeslagen" in html  # translated, and true
    assert "RuntimeError" not in html and "Traceback" not in html
    monkeypatch.undo()
    page = client.get(f"/persons/{person}").get_data(as_text=True)
    assert "Oude Naam" in page and "Nieuwe Naam" not in page


def test_an_api_call_that_fails_halfway_answers_500_json_and_saves_nothing(app, client, bearer, make_country,
                                                                           make_person, monkeypatch):
    from lp.requests.models import LpRequest, RequestEvent

    make_country("GN", missions=[{"name": "Ambassade"}])
    person = make_person(nationality="GN")
    headers = bearer("staff")
    monkeypatch.setattr("lp.requests.services._record", _fail_after_flush)  # after the request's INSERT
    response = client.post("/api/v1/requests", headers=headers, json={"person_id": person, "country": "GN"})
    assert response.status_code == 500 and response.is_json and response.json["detail"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(LpRequest.id))) == 0
        assert db.session.scalar(db.select(db.func.count(RequestEvent.id))) == 0
    monkeypatch.undo()
    assert client.post("/api/v1/requests", headers=headers,
                       json={"person_id": person, "country": "GN"}).status_code == 201
