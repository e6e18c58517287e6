"""Two sweeps or digests at once create nothing twice; the scheduler catches up once."""

import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from lp import scheduler
from lp.mail.models import OutboxMail
from lp.reminders.models import JobRun, Reminder
from lp.web.extensions import db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def busy_portfolio(app, make_user, make_country, make_request):
    holders = [make_user(f"holder{i}@example.org", role="staff") for i in range(3)]
    for i, code in enumerate(("GN", "MA", "DZ")):
        make_country(code, portfolio_holder_id=holders[i], missions=[{"name": f"Embassy {code}"}])
        for _ in range(5):
            make_request(code, submitted_on="2026-01-05")


def _in_parallel(app, function, count=2):
    barrier = threading.Barrier(count)
    errors = []

    def work():
        with app.app_context():
            try:
                barrier.wait()
                function()
            except Exception as error:  # reported by the assertion below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []


def test_two_sweeps_at_once_create_each_reminder_once(app, busy_portfolio):
    from lp.reminders.sweep import sweep

    _in_parallel(app, lambda: sweep(date(2026, 6, 1)))
    with app.app_context():
        rows = db.session.execute(select(Reminder.subject, Reminder.kind, Reminder.level)).all()
        # 15 requests overdue at level 3 (the lower levels are superseded before they
        # were ever created), and 3 profiles never reviewed.
        assert len(rows) == len(set(rows)) == 15 + 3

def test_two_digest_runs_at_once_queue_one_mail_per_holder(app, busy_portfolio):
    from lp.reminders.digest import send_digests

    _in_parallel(app, lambda: send_digests(date(2026, 3, 9)))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 3


def test_sweep_job_skips_weekends_and_dutch_holidays(app):
    for day, runs in (("2026-04-27", False), ("2026-04-25", False), ("2026-04-28", True)):  # King's Day, Sat, Tue
        with app.app_context():
            outcome = scheduler.sweep_job(date.fromisoformat(day))
        assert outcome.startswith("skipped") is not runs, day


def test_digest_job_waits_for_the_digest_day_and_then_sends_each_week_once(app, busy_portfolio):
    with app.app_context():
        assert scheduler.digest_job(date(2026, 4, 6)).startswith("skipped")  # Easter Monday
        assert scheduler.digest_job(date(2026, 4, 7)).startswith("queued 3")  # Tuesday instead
        assert scheduler.digest_job(date(2026, 4, 8)).startswith("queued 0, already sent 3")


def test_digest_goes_out_on_tuesday_when_monday_is_a_holiday():
    from lp.reminders.digest import is_digest_day

    assert is_digest_day(date(2026, 3, 9))  # an ordinary Monday
    assert not is_digest_day(date(2026, 4, 6)) and is_digest_day(date(2026, 4, 7))  # Easter Monday
    assert not is_digest_day(date(2026, 3, 10))


def test_after_downtime_each_daily_job_catches_up_once(app):
    # Last sweep ran Monday 2 March; the machine was off until Thursday 5 March 12:00.
    with app.app_context():
        db.session.add(JobRun(name="sweep", last_run_at=datetime(2026, 3, 2, 6, 0, tzinfo=AMSTERDAM),
                              last_result="ok"))
        db.session.add(JobRun(name="digest", last_run_at=datetime(2026, 3, 2, 7, 0, tzinfo=AMSTERDAM),
                              last_result="ok"))
        db.session.add(JobRun(name="saved_views", last_run_at=datetime(2026, 3, 2, 7, 5, tzinfo=AMSTERDAM),
                              last_result="ok"))
        db.session.commit()
    now = datetime(2026, 3, 5, 12, 0, tzinfo=AMSTERDAM)
    import time_machine

    with time_machine.travel(now, tick=False):
        # digest and the daily summary: 08:00 today; the saved views' CSV: 08:05 today; the insights'
        # figures (never run): 00:05 today
        assert scheduler.catch_up(app, now) == ["sweep", "digest", "daily", "saved_views", "figures"]
        assert scheduler.catch_up(app, now) == []  # once, not once per missed day


def test_no_catch_up_when_nothing_was_missed(app):
    with app.app_context():
        for name in ("sweep", "digest", "daily", "saved_views", "figures"):
            db.session.add(JobRun(name=name, last_run_at=datetime(2026, 3, 5, 8, 30, tzinfo=AMSTERDAM),
                                  last_result="ok"))
        db.session.commit()
    assert scheduler.catch_up(app, datetime(2026, 3, 5, 12, 0, tzinfo=AMSTERDAM)) == []
