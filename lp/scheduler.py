"""Scheduled jobs (APScheduler 3): the reminder sweep, the weekly digest, the daily summary, mail delivery.

- In-process for development (``LP_SCHEDULER=1``, as ``make run`` sets it).
- ``flask --app app lp scheduler`` runs it as its own process for production; web
  workers never start one (the factory starts it only when LP_SCHEDULER is set).
- On PostgreSQL each run takes an advisory lock, so a second scheduler skips a job
  that is already running elsewhere; the jobs are idempotent anyway.
- After downtime each daily job catches up once (not once per missed day): on start
  the last completed run (table job_runs) is compared with the last planned time.
"""

from __future__ import annotations

import contextlib
import logging
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

import click
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import text
from werkzeug.local import LocalProxy

from lp.core.clock import today
from lp.core.logsafe import log_exception
from lp.core.types import utcnow
from lp.insights import stats
from lp.mail.outbox import deliver_pending
from lp.reminders.digest import digest_day, send_digests
from lp.reminders.models import JobRun
from lp.reminders.notifications import send_daily
from lp.reminders.sweep import sweep
from lp.requests import deadlines, snapshots
from lp.saved.mail import send_weekly
from lp.web.database import refresh_statistics
from lp.web.extensions import db

log = logging.getLogger(__name__)


def _today():
    return today()


def sweep_job(planned: date) -> str:
    """Run the reminder sweep planned for a working day (Dutch public holidays skipped)."""
    if not deadlines.is_working_day(planned):
        return f"skipped: {planned} is not a working day"
    result = sweep(_today(), incremental=True)  # the requests due or changed since the last run
    refresh_statistics(full=True)  # tables grow daily; keep the planner's picture current
    return f"created {result.created}, closed {result.closed}"


def digest_job(planned: date) -> str:
    """Send this week's digest once its day (the week's first working day) has come.

    Runs every working day; the outbox's unique key lets one digest per person per
    week through, so a Monday that failed is made good on Tuesday.
    """
    if not deadlines.is_working_day(planned) or planned < digest_day(planned):
        return f"skipped: {planned} is not a digest day"
    result = send_digests(_today())
    deliver_pending()
    return f"queued {result.queued}, already sent {result.already_sent}"


def saved_views_job(planned: date) -> str:
    """Mail the weekly CSV of each saved view that asks for it, on the digest's day (once per view per week)."""
    if not deadlines.is_working_day(planned) or planned < digest_day(planned):
        return f"skipped: {planned} is not a digest day"
    result = send_weekly(_today())
    deliver_pending()
    return f"queued {result.queued}, already sent {result.already_sent}, invalid {result.invalid}"
def daily_job(planned: date) -> str:
    """Send the daily summary of notifications (08:00 on working days; only to whom something happened)."""
    if not deadlines.is_working_day(planned):
        return f"skipped: {planned} is not a working day"
    result = send_daily(_today())
    deliver_pending()
    return f"queued {result.queued}, already sent {result.already_sent}"


def figures_job(planned: date) -> str:
    """Count every country's figures for today, and their total: of the insights' default period (the
    last 12 months), and of the periods viewed the day before (at most ``AGAIN_AT_MOST``).

    Just after midnight, when yesterday's are no longer used: the first dashboard, overview or
    assessment of the day reads them as kept (lp.requests.snapshots) instead of counting a
    year of requests; pages that write requests keep them current (lp.insights.refresh). A
    period that ended on the day it was viewed ("from 1 January", "up to today") is counted up
    to today.
    """
    day = _today()
    earlier = snapshots.periods_kept_before(day)  # before today's figures are kept: that drops them
    again = [stats.Period(start, day if end == kept_on else end) for start, end, kept_on in reversed(earlier)]
    periods = list(dict.fromkeys([stats.Period.default(day), *again]))[:1 + AGAIN_AT_MOST]
    counted = [len(stats.country_table(period, day, "nl")[0]) for period in periods]
    return f"{counted[0]} countries counted for {day}, {len(periods)} period(s)"


#: Periods viewed the day before that the figures job counts again for the new day (the latest first).
AGAIN_AT_MOST = 10


def outbox_job(planned: date) -> str:
    """Deliver queued mail (and retry failed mail whose backoff has passed)."""
    result = deliver_pending()
    return f"sent {result.sent}, failed {result.failed}"


@dataclass(frozen=True)
class Job:
    name: str
    function: Callable[[date], str]
    trigger: Callable[[ZoneInfo], object]
    catch_up: bool


JOBS = (
    Job("sweep", sweep_job, lambda tz: CronTrigger(day_of_week="mon-fri", hour=7, minute=0, timezone=tz), True),
    Job("digest", digest_job, lambda tz: CronTrigger(day_of_week="mon-fri", hour=8, minute=0, timezone=tz), True),
    Job("daily", daily_job, lambda tz: CronTrigger(day_of_week="mon-fri", hour=8, minute=0, timezone=tz), True),
    Job("saved_views", saved_views_job,
        lambda tz: CronTrigger(day_of_week="mon-fri", hour=8, minute=5, timezone=tz), True),
    Job("figures", figures_job, lambda tz: CronTrigger(hour=0, minute=5, timezone=tz), True),
    Job("outbox", outbox_job, lambda tz: IntervalTrigger(minutes=1, timezone=tz), False),
)


@contextmanager
def job_lock(name: str) -> Iterator[bool]:
    """Hold a PostgreSQL advisory lock for the job, yielding False if someone else has it."""
    if db.engine.dialect.name != "postgresql":
        yield True
        return
    key = zlib.crc32(f"lp-job:{name}".encode())
    with db.engine.connect() as connection:
        acquired = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        try:
            yield bool(acquired)
        finally:
            if acquired:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                connection.commit()


def run_job(app: Flask, job: Job, planned: datetime | None = None) -> str | None:
    """Run one job in an app context under its lock and record that it ran.

    ``planned`` is when the run was due (a catch-up passes the missed time); the
    working-day rules look at that day, not at the day the machine came back.
    """
    zone = ZoneInfo(app.config["LP_TIMEZONE"])
    planned_day = (planned or utcnow()).astimezone(zone).date()
    with app.app_context():
        with job_lock(job.name) as acquired:
            if not acquired:
                log.info("job %s is running elsewhere; skipped", job.name)
                return None
            try:
                outcome = job.function(planned_day)
            except Exception:
                db.session.rollback()
                log_exception(log, "job %s failed", job.name)  # without the message: it may quote personal data
                return None
            record = db.session.get(JobRun, job.name) or JobRun(name=job.name)
            record.last_run_at = utcnow()
            record.last_result = outcome
            db.session.add(record)
            db.session.commit()
            log.info("job %s: %s", job.name, outcome)
            return outcome


def last_planned_run(trigger, now: datetime, horizon: timedelta = timedelta(days=8)) -> datetime | None:
    """Return the last time before ``now`` that the trigger was due to fire."""
    previous, moment = None, trigger.get_next_fire_time(None, now - horizon)
    while moment is not None and moment <= now:
        previous = moment
        moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
    return previous


def catch_up(app: Flask, now: datetime | None = None) -> list[str]:
    """Run, once each, the daily jobs whose last planned run was missed."""
    zone = ZoneInfo(app.config["LP_TIMEZONE"])
    now = now or utcnow()
    ran = []
    for job in JOBS:
        if not job.catch_up:
            continue
        planned = last_planned_run(job.trigger(zone), now.astimezone(zone))
        with app.app_context():
            record = db.session.get(JobRun, job.name)
            last = record.last_run_at if record else None
            db.session.remove()
        if planned is not None and (last is None or last < planned):
            run_job(app, job, planned)
            ran.append(job.name)
    return ran


def build_scheduler(app: Flask, blocking: bool):
    """Return an APScheduler with every job; each misfire coalesces into one run."""
    zone = ZoneInfo(app.config["LP_TIMEZONE"])
    # APScheduler logs three INFO lines for every run (the outbox runs each minute), which
    # buries the start-up block and our own one-line "job …: outcome"; keep its warnings.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(timezone=zone, job_defaults={"coalesce": True, "max_instances": 1,
                                                             "misfire_grace_time": 6 * 3600})
    for job in JOBS:
        scheduler.add_job(run_job, job.trigger(zone), args=(app, job), id=job.name, name=job.name)
    return scheduler


def start_in_process(app: Flask) -> None:
    """Start the scheduler in this (development) process; it first catches up, in its own thread.

    Catching up in the background lets the server listen at once, with the start-up block
    of ``lp init`` as the last thing printed before it.
    """
    scheduler = build_scheduler(app, blocking=False)
    scheduler.add_job(catch_up, args=(app,), id="catch-up", name="catch-up")  # no trigger: once, now
    scheduler.start()
    app.extensions["lp_scheduler"] = scheduler
    log.debug("scheduler started in-process")


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduler as its own process (production: exactly one, beside the web workers)."""
    app = cast("LocalProxy[Flask]", current_app)._get_current_object()  # the app itself, for other threads
    ran = catch_up(app)
    if ran:
        click.echo(f"Caught up: {', '.join(ran)}")
    click.echo("Scheduler running; stop with Ctrl+C.")
    scheduler = build_scheduler(app, blocking=True)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
