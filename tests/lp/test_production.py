"""Production shape: gunicorn with two workers plus two scheduler processes on PostgreSQL.

Both schedulers start at once and catch up the missed sweep and digest; the advisory
locks and unique keys must leave each reminder and each digest exactly once.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from lp import PROJECT_ROOT, create_app
from lp.web.extensions import db
from tests.conftest import base_config
from tests.live import Gunicorn, free_port, server_env, wait_for


class Inbox:
    def __init__(self):
        self.recipients: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"


@pytest.fixture
def production_database(request):
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("needs PostgreSQL (make test runs it with TEST_DATABASE_URL)")
    return request.getfixturevalue("empty_database_url")


def _seed(app) -> int:
    """Three portfolio holders, each with a country and four long-overdue requests."""
    from countries.models import Country, Mission
    from lp.auth import services as accounts
    from lp.core.clock import today
    from lp.core.types import utcnow
    from lp.persons import services as persons
    from lp.reminders.models import JobRun
    from lp.requests import services

    with app.test_request_context():
        for i, code in enumerate(("GN", "MA", "DZ")):
            holder = accounts.create_user(f"holder{i}@example.org", f"Holder {i}", "staff", "a long password here")
            country = db.session.scalar(select(Country).where(Country.alpha2 == code))
            country.portfolio_holder_id = holder.id
            country.missions.append(Mission(name=f"Embassy {code}"))
            db.session.commit()
            for n in range(4):
                person = persons.create_person(persons.parse_person(
                    {"v_number": f"{i}{n:09d}", "name": f"Person {i}-{n}", "nationality": code}))
                request = services.create_request(person, country, country.missions[0], user_id=None)
                submitted = (today() - timedelta(days=150)).isoformat()
                services.apply_transition(request, "submit", {"submitted_on": submitted, "channel": "post"},
                                          user_id=None)
        long_ago = utcnow() - timedelta(days=9)
        db.session.add_all([JobRun(name="sweep", last_run_at=long_ago, last_result=""),
                            JobRun(name="digest", last_run_at=long_ago, last_result="")])
        db.session.commit()
    return 3


def test_two_workers_and_two_schedulers_do_everything_once(production_database, tmp_path):
    smtp_port = free_port()
    env = server_env(production_database, tmp_path / "instance", MAIL_SERVER="127.0.0.1",
                     MAIL_PORT=str(smtp_port))
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    subprocess.run([*flask, "lp", "init"], env=env, cwd=PROJECT_ROOT, check=True, capture_output=True)

    app = create_app(base_config(production_database, tmp_path / "instance"))
    holders = _seed(app)

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    web = Gunicorn(env, workers=2).__enter__()
    processes = [subprocess.Popen([*flask, "lp", "scheduler"], env=env, cwd=PROJECT_ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    try:
        from lp.mail.models import OutboxMail
        from lp.reminders.models import JobRun, Notification, Reminder

        def jobs_done():
            with app.app_context():
                runs = {r.name: r.last_result for r in db.session.scalars(select(JobRun))}
                sent = db.session.scalar(select(func.count()).select_from(OutboxMail)
                                         .where(OutboxMail.sent_at.is_not(None)))
                db.session.remove()
                return runs.get("sweep", "").startswith("created") and sent >= holders

        assert wait_for(jobs_done), "the schedulers did not run the sweep and the digest"
        time.sleep(3)  # give a second scheduler every chance to do it again
        with app.app_context():
            keys = db.session.execute(select(Reminder.subject, Reminder.kind, Reminder.level)).all()
            queued = list(db.session.scalars(select(OutboxMail.dedupe_key)))
            told = db.session.scalar(select(func.count()).select_from(Notification))
        assert len(keys) == len(set(keys)) == 12 + 3  # one overdue reminder per request at its level, 3 reviews
        digests = [key for key in queued if key.startswith("digest:")]
        notices = [key for key in queued if key.startswith("notice:")]
        assert len(digests) == holders  # one digest each, though two schedulers ran
        assert len(notices) <= told  # a level-3 notice once per notification (none twice)
        assert sorted(queued) == sorted(digests + notices)
        assert {f"holder{i}@example.org" for i in range(3)} <= set(inbox.recipients)
        with urllib.request.urlopen(f"{web.url}/auth/login", timeout=5) as page:
            assert page.status == 200
    finally:
        web.__exit__()
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
        smtp.stop()
        with app.app_context():
            db.engine.dispose()
