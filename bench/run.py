"""``make bench``: measure pages, jobs and a load run at several sizes, on SQLite and PostgreSQL; write RESULTS.md.

Usage: python -m bench.run [--sizes 1000,100000] [--engines sqlite,postgresql] [--repeat 30]
                           [--load-seconds 15] [--load-client auto|wrk|python] [--connections 8]

Each size gets its own database: bench/data/bench-<size>.sqlite3, and on PostgreSQL
(BENCH_DATABASE_URL=postgresql://.../bench) the database bench_<size> next to it (created
when missing). Data sets are kept between runs; an empty one is generated first
(bench/generate.py) and its generation time kept in bench/data/generation.json.

Per page: p50/p95 through the real app (Flask test client, real database; pages that read
every country's kept figures also with one country changed before each view, and with
nothing kept), its query count, and its SQL floor: the statements the page
ran, captured with a SQLAlchemy event listener, replayed alone on a raw connection
(p95 over the same number of runs). The load run serves the app with gunicorn (2 workers,
deploy/gunicorn.conf.py), signs in with the User-Agent it then uses, and counts every
response by status; any response that is not the page asked for (200 with the list
table) fails the run (exit status 1, after RESULTS.md is written).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import Flask, before_render_template, template_rendered
from flask_migrate import upgrade
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.interfaces import ExecuteStyle

from bench import cpu
from lp import PROJECT_ROOT, create_app
from lp.requests.search import RequestFilter
from lp.web.extensions import db

DATA = PROJECT_ROOT / "bench" / "data"
RESULTS = PROJECT_ROOT / "bench" / "RESULTS.md"
USER, PASSWORD = "user1@bench.example", "bench password 123"
#: The client identity of the load run: it signs in with it and sends it on every request.
USER_AGENT = "lp-bench/2 (load run)"
#: Present in the request list page only (not in the login page it redirects to).
LIST_MARKER = 'class="table table-sm table-hover align-middle"'


@dataclass(frozen=True)
class Page:
    """A page the bench measures. ``path`` is formatted with the data set's facts (see facts())."""

    name: str
    path: str
    endpoint: str  # skipped when the app has no such endpoint (yet)
    share: float = 1.0  # of --repeat (slow exports run fewer times)
    floor_target: bool = False  # the page must stay within FLOOR_RATIO of its own SQL
    #: Before each call, untimed: "" nothing; "changed": the details form of one request of the
    #: busiest country is saved through the app (that page counts its country's kept figures
    #: again, as in a busy office); "cold": every kept figure is dropped (the first view of a
    #: period nobody viewed the day before: the 00:05 job counts the others ahead).
    before: str = ""
    status: int = 200  # the answer the page must give
    #: Why the page may miss the time target by its nature (said with the miss, beside its split).
    why: str = ""


LAYOUT = "layout only: a signed-in page with no content (404)"
#: The deep page of the request list: the same depth, a full page, at every size that has it (the
#: last page, as before, was a full page at 1,000,000 and a few rows at 100,000).
DEEP_PAGE, LIST_PAGE_SIZE = 40, RequestFilter.per_page  # the list's own default page size

#: Add a page here and it is measured, compared across sizes and checked against the targets.
PAGES = (
    # What every page costs before its own work: session, sign-in, navigation, layout (a 404 of ours).
    Page(LAYOUT, "/bench-no-such-page", "", status=404),
    Page("request list, no filter, first page", "/requests/", "requests.index", floor_target=True),
    Page("request list, country + status, first page", "/requests/?country={busiest}&status=submitted",
         "requests.index", floor_target=True),
    # Page 40 of the busiest country (rows 1,951-2,000; a full page at 100,000 and 1,000,000).
    Page("request list, country, deep page", "/requests/?country={busiest}&page={deep}", "requests.index"),
    Page("request page", "/requests/{sample}", "requests.show", floor_target=True),
    # The long case: 200 timeline events (and 20 documents once requests have documents).
    Page("request page, 20 files, 200 events", "/requests/{rich}", "requests.show", floor_target=True),
    Page("country page with statistics", "/insights/countries/{busiest}", "insights.country"),
    Page("insights overview, all countries", "/insights/", "insights.index"),
    Page("insights overview sorted by time to answer", "/insights/?sort=time_to_answer", "insights.index", 0.34),
    Page("outcome mix CSV, all countries", "/insights/export/mix.csv", "insights.export_overall", 0.34),
    Page("cooperation assessment, all countries", "/insights/assessment", "insights.assessment_all", 0.34),
    Page("cooperation assessment, one country", "/insights/countries/{busiest}/assessment",
         "insights.assessment_country"),
    Page("cooperation assessment CSV, all countries", "/insights/assessment.csv", "insights.assessment_all_csv", 0.34),
    Page("country profile page", "/countries/{busiest}", "countries.profile"),
    Page("insights overview, one country changed before each view", "/insights/", "insights.index", 0.34,
         before="changed"),
    Page("insights overview of a period first viewed today (nothing kept)", "/insights/?from={year_start}",
         "insights.index", 0.34, before="cold",
         why="the first view of a period that nobody viewed that day counts every country's figures from the "
             "facts tables, fits a Kaplan-Meier curve per country and keeps them; every later view of that period "
             "that day reads them kept (the row 'insights overview, all countries'), and the 00:05 job counts the "
             "default period ahead"),
    Page("dashboard", "/", "main.index"),
    Page("dashboard, one country changed before each view", "/", "main.index", before="changed"),
    Page("country CSV export", "/countries/csv/export.csv", "country_transfer.export", 0.34),
)

#: Not pages (no page target): saving a form, whose page counts its country's figures again; the job
#: that counts every country's figures of the last 12 months at 00:05, before anyone reads them.
SAVED = "request details saved (POST, its country's figures counted again)"
FIGURES_JOB = "figures job at 00:05 (every country of the last 12 months, and their total)"
NOT_PAGES = ("reminder", "weekly", SAVED, FIGURES_JOB)

# Targets of issue 19 (2 cores, p95).
PAGE_LIMIT_MS = {100_000: 50.0, 1_000_000: 100.0}
FLOOR_RATIO = 3.0
GROWTH_LIMIT = 1.5  # cost at 1,000,000 / cost at 100,000
SWEEP_LIMIT_S = 3.0
LOAD_RPS = 100.0


@dataclass
class Measure:
    name: str
    timings: list[float] = field(default_factory=list)
    queries: int | None = None
    floor: list[float] = field(default_factory=list)
    note: str = ""
    floor_target: bool = False
    why: str = ""
    #: Per timed call: seconds in database calls (around each execute) and in drawing templates.
    sql_parts: list[float] = field(default_factory=list)
    template_parts: list[float] = field(default_factory=list)

    @staticmethod
    def _pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] * 1000

    def pct(self, q: float) -> float:
        return self._pct(self.timings, q)

    @property
    def p50(self) -> float:
        return statistics.median(self.timings) * 1000

    @property
    def floor_p95(self) -> float | None:
        return self._pct(self.floor, 0.95) if self.floor else None

    @property
    def floor_ratio(self) -> float | None:
        floor = self.floor_p95
        return self.pct(0.95) / floor if floor else None

    def split(self) -> tuple[float, float, float] | None:
        """The medians (ms) of the time in database calls, in templates, and in the rest (Python: routing,
        session, ORM objects, the view log, ...), or None when not measured."""
        if not self.sql_parts:
            return None
        sql, drawn = statistics.median(self.sql_parts) * 1000, statistics.median(self.template_parts) * 1000
        rest = statistics.median(t - a - b for t, a, b in zip(self.timings, self.sql_parts, self.template_parts,
                                                               strict=True)) * 1000
        return sql, drawn, rest

    def split_text(self) -> str:
        parts = self.split()
        return "-" if parts is None else " / ".join(f"{part:.1f}" for part in parts)

    def as_json(self) -> dict:
        return {"name": self.name, "p50": self.p50, "p95": self.pct(0.95), "queries": self.queries,
                "floor_p95": self.floor_p95, "note": self.note, "runs": len(self.timings), "split": self.split()}


@dataclass
class Load:
    client: str
    seconds: float
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)  # seconds (python client)
    p50_ms: float | None = None
    p99_ms: float | None = None
    note: str = ""
    cpu: str = ""  # where the CPU went (bench.cpu), when the server was ours

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    @property
    def rps(self) -> float:
        return self.total / self.seconds if self.seconds else 0.0

    @property
    def ok(self) -> bool:
        """Every response was the page asked for (and there was at least one)."""
        return self.total > 0 and set(self.statuses) == {"200"}

    def summary(self) -> str:
        counts = ", ".join(f"{status}: {n:,}" for status, n in sorted(self.statuses.items()))
        p50 = f"{self.p50_ms:.0f}" if self.p50_ms is not None else "?"
        p99 = f"{self.p99_ms:.0f}" if self.p99_ms is not None else "?"
        return (f"{self.rps:.1f} requests/s over {self.seconds:.0f} s ({self.total:,} responses; by status: "
                f"{counts or 'none'}), p50 {p50} ms, p99 {p99} ms ({self.client})")


# -- databases -----------------------------------------------------------------------


def database_url(engine: str, size: int) -> str:
    """Where the data set of ``size`` requests lives on ``engine``; creates the PostgreSQL database."""
    if engine == "sqlite":
        return f"sqlite:///{DATA / f'bench-{size}.sqlite3'}"
    base = make_url(os.environ["BENCH_DATABASE_URL"])
    name = f"{base.database}_{size}"
    import psycopg

    admin = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')
    return base.set(database=name).render_as_string(hide_password=False)


def make_app(url: str) -> Flask:
    # Caches off: a page is measured as a cold worker serves it; its memory settled as app.py settles it.
    from lp.web.memory import settle

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32),
                      "LP_INSTANCE_PATH": str(DATA / "instance"), "SESSION_COOKIE_SECURE": False,
                      "LP_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    settle()
    return app


def prepare(engine: str, size: int) -> tuple[Flask, str, str]:
    """Migrate, generate when empty, rebuild what derives from the data; return (app, url, notes)."""
    from bench.generate import generate, rebuild_derived, record
    from lp.core.clock import today
    from lp.requests.models import LpRequest
    from lp.web.database import refresh_statistics

    url = database_url(engine, size)
    app = make_app(url)
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        existing = db.session.scalar(select(func.count()).select_from(LpRequest))
        if existing != size:
            if existing:
                raise SystemExit(f"{engine} data set for {size} holds {existing} requests: delete it first")
            started = time.perf_counter()
            counts = generate(size, today=today())
            seconds = time.perf_counter() - started
            record(f"{engine} {size}", seconds, counts)
            print(f"  generated {counts} in {seconds:.1f} s", flush=True)
        # Each run starts without the reminders earlier bench runs' sweeps made (the generated
        # history is closed and not superseded: it stays), nor the notifications and mails they
        # made (the generated data has none): every run's sweeps start from the same tables.
        db.session.execute(db.text("DELETE FROM reminders WHERE closed_at IS NULL OR closed_reason IS NOT NULL"))
        db.session.execute(db.text("DELETE FROM notifications"))
        db.session.execute(db.text("DELETE FROM outbox_mails"))
        db.session.commit()
        derived = rebuild_derived(app)
        refresh_statistics(full=True)  # what lp init and the daily sweep keep up to date
    vacuum(url)
    return app, url, derived


def vacuum(url: str) -> None:
    """On PostgreSQL, VACUUM (ANALYZE) every table, as autovacuum does in production (on by default).

    This machine's PostgreSQL runs with autovacuum off: without it no page of a generated table is
    marked all-visible, and a count that an index answers alone (the list's "more than 10,000")
    read 8,848 pages of the table at 1,000,000 requests instead (EXPLAIN ANALYZE, 66 ms).
    """
    if not url.startswith("postgresql"):
        return
    import psycopg

    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")


# -- measuring -----------------------------------------------------------------------


@contextlib.contextmanager
def capture(engine: Engine):
    """Collect every statement (with its parameters) the engine runs."""
    statements: list[tuple[str, object, bool]] = []

    def before(_conn, _cursor, statement, parameters, context, executemany):
        # A batch of "insertmanyvalues" is one execute() with flattened parameters, though flagged executemany.
        many = executemany and context is not None and context.execute_style is ExecuteStyle.EXECUTEMANY
        statements.append((statement, parameters, many))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


@contextlib.contextmanager
def split(engine: Engine):
    """Add up, while inside, the seconds spent in database calls and in drawing templates; a database
    call made while a template is drawn (a relationship loaded lazily) counts as a database call only."""
    spent = {"sql": 0.0, "template": 0.0}
    started: dict[str, list[float]] = {"sql": [], "template": []}

    def begin(kind: str) -> Callable[..., None]:
        return lambda *_args, **_kwargs: started[kind].append(time.perf_counter())

    def end(kind: str) -> Callable[..., None]:
        def ended(*_args, **_kwargs) -> None:
            if not started[kind]:
                return
            seconds = time.perf_counter() - started[kind].pop()
            spent[kind] += seconds
            if kind == "sql" and started["template"]:
                spent["template"] -= seconds
        return ended

    hooks = [(engine, "before_cursor_execute", begin("sql")), (engine, "after_cursor_execute", end("sql"))]
    for target, name, hook in hooks:
        event.listen(target, name, hook)
    signals = [(before_render_template, begin("template")), (template_rendered, end("template"))]
    for signal, hook in signals:
        signal.connect(hook)
    try:
        yield spent
    finally:
        for target, name, hook in hooks:
            event.remove(target, name, hook)
        for signal, hook in signals:
            signal.disconnect(hook)


def chain_head(engine: Engine) -> int:
    """The audit chain's last place (seq) now."""
    with engine.connect() as connection:
        return connection.execute(db.text("SELECT coalesce(max(seq), 0) FROM audit_chain_head")).scalar_one()


def replay(engine: Engine, statements: list[tuple[str, object, bool]], runs: int,
           chained_after: int = 0) -> tuple[list[float], str]:
    """Run ``statements`` alone on a raw connection ``runs`` times (fetching all rows, rolling back writes).

    The audit rows a page inserts carry their place in the chain (``seq``, unique), taken when the
    page ran (after ``chained_after``): each run first frees those places, untimed, in the transaction
    it then rolls back."""
    timings: list[float] = []
    raw = engine.raw_connection()
    try:
        for n in range(runs + 3):
            cursor = raw.cursor()
            cursor.execute(f"DELETE FROM audit_events WHERE seq > {int(chained_after)}")
            started = time.perf_counter()
            for statement, parameters, many in statements:
                if many:
                    cursor.executemany(statement, parameters)
                else:
                    cursor.execute(statement, parameters)
                if cursor.description:
                    cursor.fetchall()
            cursor.close()
            raw.rollback()
            if n >= 3:
                timings.append(time.perf_counter() - started)
    except Exception as error:
        raw.rollback()
        return [], f"SQL floor not measured: {type(error).__name__}: {str(error)[:120]}"
    finally:
        raw.close()
    return timings, ""


#: Seconds a page's timed runs may take (at 1,000,000 some pages take seconds): fewer runs, at least MIN_RUNS.
BUDGET = {"seconds": 60.0, "min_runs": 5}
#: --pages: the measures to run besides the sweeps (a regular expression on their names; empty: all).
ONLY = {"pages": ""}


def timed(measure: Measure, call: Callable[[], object], repeat: int, engine: Engine, floor: bool = True,
          before: Callable[[], object] = lambda: None) -> Measure:
    """Time ``call`` (``before`` each one, untimed) after warm-ups, capture its statements and replay them."""
    before()
    started = time.perf_counter()
    call()
    first = time.perf_counter() - started
    for _ in range(2 if first < 1 else 0):
        before()
        call()
    before()
    chained_after = chain_head(engine)
    with capture(engine) as statements:
        call()
    measure.queries = len(statements)
    least = int(BUDGET["min_runs"])
    repeat = max(min(repeat, least), min(repeat, int(BUDGET["seconds"] / max(first, 1e-6))))
    with split(engine) as spent:
        for _ in range(repeat):
            before()
            spent.update(sql=0.0, template=0.0)
            started = time.perf_counter()
            call()
            measure.timings.append(time.perf_counter() - started)
            measure.sql_parts.append(spent["sql"])
            measure.template_parts.append(spent["template"])
    if floor:
        measure.floor, note = replay(engine, statements, repeat, chained_after)
        measure.note = measure.note or note
    return measure


#: The country of the per-country pages: the busiest of the first size a run measures, kept for the
#: larger sizes, so that every size shows the same country (the busiest of each differed: at
#: 100,000 and 1,000,000 two countries with different missions and agreements, whose pages
#: differed in size by half, which the growth figure then counted as growth).
PINNED: dict[str, str] = {}


def facts(app: Flask) -> dict[str, object]:
    from countries.models import Country
    from lp.requests.models import LpRequest

    with app.app_context():
        counts = (select(Country.alpha2, func.count()).join(LpRequest, LpRequest.country_id == Country.id)
                  .group_by(Country.alpha2))
        if "country" in PINNED:
            counts = counts.where(Country.alpha2 == PINNED["country"])
        busiest, requests_of_busiest = db.session.execute(counts.order_by(func.count().desc()).limit(1)).one()
        PINNED.setdefault("country", busiest)
        last = db.session.scalar(select(func.max(LpRequest.id))) or 1
        edited = db.session.scalar(select(func.min(LpRequest.id)).join(Country, Country.id == LpRequest.country_id)
                                   .where(Country.alpha2 == busiest))
    full_pages = requests_of_busiest // LIST_PAGE_SIZE
    return {"busiest": busiest, "sample": last // 2, "rich": last, "deep": max(1, min(DEEP_PAGE, full_pages)),
            "edited": edited}


class DetailsEdit:
    """Save the details form of one request with a new embassy reference, as a user does: the form
    read first (untimed, ``read``), then posted (``save``), which must answer with the redirect of a
    saved form. Its country's kept figures are counted again by the page that saves it."""

    def __init__(self, client, request_id: int) -> None:
        self.client, self.url = client, f"/requests/{request_id}/edit"
        self.shown: dict[str, str] = {}

    def read(self) -> None:
        from tests.lp.requests.form_html import form_values  # the tests' reader: as a browser submits

        shown, _boxes = form_values(self.client.get(self.url).get_data(as_text=True), "")
        self.shown = {**shown, "embassy_reference": f"bench {time.perf_counter_ns() % 10**9}"}

    def save(self) -> None:
        if not self.shown:
            self.read()
        response = self.client.post(self.url, data=self.shown)
        self.shown = {}
        if response.status_code != 302:
            raise SystemExit(f"saving {self.url} answered {response.status_code}, not 302")


def preparation(app: Flask, before: str, edit: DetailsEdit) -> Callable[[], None]:
    """Return what runs before each call of a page (``Page.before``)."""
    from lp.requests import snapshots

    def cold() -> None:
        with app.app_context():
            snapshots.forget()
            db.session.commit()

    return {"": lambda: None, "changed": edit.save, "cold": cold}[before]


def sign_in(client) -> None:
    html = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    response = client.post("/auth/login", data={"email": USER, "password": PASSWORD,
                                                "csrf_token": token.group(1) if token else ""})
    if response.status_code != 302 or "/auth/login" in response.headers.get("Location", ""):
        raise SystemExit(f"bench sign-in failed ({response.status_code})")


def measure_all(app: Flask, repeat: int) -> list[Measure]:
    from lp.auth.models import User
    from lp.core.clock import today
    from lp.reminders.digest import build, render
    from lp.reminders.sweep import sweep
    from lp.scheduler import figures_job
    from lp.web.database import refresh_statistics
    from lp.web.memory import settle

    known = facts(app)
    client = app.test_client()

    def page(url: str, status: int) -> Callable[[], None]:
        def call() -> None:
            response = client.get(url)
            if response.status_code != status:
                raise SystemExit(f"{url} answered {response.status_code}, not {status}")
            response.get_data()
        return call

    measures = []
    # The daily sweep runs first, as in production: pages then show real reminders, and the
    # planner statistics are refreshed after it, as the scheduled job does.
    with app.app_context():
        engine = db.engine
        day = today()
        # The first run reads every open request (as the scheduler's first run does); the later
        # ones are the scheduler's daily run: the requests due or changed since the last run.
        first = Measure("reminder sweep, first run (creates every reminder due)")
        started = time.perf_counter()
        result = sweep(day)
        first.timings.append(time.perf_counter() - started)
        first.note = f"{result.requests_checked:,} open requests, {result.created:,} reminders created"
        measures.append(first)
        again = Measure("reminder sweep, again the same day")
        started = time.perf_counter()
        sweep(day, incremental=True)
        again.timings.append(time.perf_counter() - started)
        measures.append(again)
        daily = Measure("reminder sweep, the next day (the daily run)")
        started = time.perf_counter()
        result = sweep(day + timedelta(days=1), incremental=True)
        daily.timings.append(time.perf_counter() - started)
        daily.note = (f"{result.requests_checked:,} {'open' if result.full else 'due or changed'} requests read "
                      f"(of {first.note.split(' open')[0]} open), {result.reminders_read:,} reminders read, "
                      f"{result.created:,} reminders created")
        measures.append(daily)
        db.session.commit()
        refresh_statistics(full=True)
        vacuum(engine.url.render_as_string(hide_password=False))
    # Web workers never sweep (the scheduler is a process of its own: deploy/lp-tracker-scheduler.service);
    # what the sweeps left in this process is collected and frozen, as a worker's start-up is.
    settle()
    sign_in(client)  # after the sweeps: at a million requests they outlast the session's idle time-out
    known["year_start"] = day.replace(month=1, day=1).isoformat()
    edit = DetailsEdit(client, int(known["edited"]))
    for spec in PAGES:
        if not re.search(ONLY["pages"], spec.name):
            continue
        if spec.endpoint and spec.endpoint not in app.view_functions:
            print(f"  skipped (no endpoint {spec.endpoint}): {spec.name}", flush=True)
            continue
        url = spec.path.format(**known)
        runs = max(int(BUDGET["min_runs"]), round(repeat * spec.share))
        measure = Measure(spec.name, floor_target=spec.floor_target, why=spec.why)
        measures.append(timed(measure, page(url, spec.status), runs, engine,
                              before=preparation(app, spec.before, edit)))
        print(f"  {spec.name}: p95 {measures[-1].pct(0.95):.1f} ms", flush=True)
    if re.search(ONLY["pages"], SAVED):
        measures.append(timed(Measure(SAVED), edit.save, max(5, repeat // 3), engine, floor=False, before=edit.read))
    with app.app_context():
        if re.search(ONLY["pages"], FIGURES_JOB):
            measures.append(timed(Measure(FIGURES_JOB), lambda: figures_job(day), max(5, repeat // 3), engine,
                                  floor=False, before=preparation(app, "cold", edit)))
        holder = db.session.scalar(select(User).where(User.email == USER))
        assert holder is not None
        if not re.search(ONLY["pages"], "weekly digest build + render, one holder"):
            return measures
        measures.append(timed(Measure("weekly digest build + render, one holder"),
                              lambda: render(build(holder, day)), max(5, repeat // 3), engine, floor=False))
    return measures


# -- the load run --------------------------------------------------------------------


def _cookies(response: http.client.HTTPResponse, jar: dict[str, str]) -> None:
    for header in response.msg.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


def login(base: str, user_agent: str, email: str = USER, password: str = PASSWORD) -> str:
    """Sign in as a browser with ``user_agent`` would; return the Cookie header of the session."""
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    jar: dict[str, str] = {}
    connection.request("GET", "/auth/login", headers={"User-Agent": user_agent})
    response = connection.getresponse()
    html = response.read().decode()
    _cookies(response, jar)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    body = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token.group(1) if token else ""})
    connection.request("POST", "/auth/login", body=body, headers={
        "User-Agent": user_agent, "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())})
    response = connection.getresponse()
    response.read()
    _cookies(response, jar)
    connection.close()
    if response.status != 302 or "/auth/login" in (response.getheader("Location") or ""):
        raise RuntimeError(f"sign-in for the load run failed ({response.status})")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def python_load(base: str, path: str, headers: dict[str, str], seconds: float, connections: int,
                marker: str) -> Load:
    """A bounded client: ``connections`` threads, each one keep-alive connection, for ``seconds``."""
    parts = urllib.parse.urlsplit(base)
    load = Load("python client, http.client keep-alive, "
                f"{connections} connections", seconds)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        statuses: Counter = Counter()
        latencies: list[float] = []
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as error:
                statuses[f"error {type(error).__name__}"] += 1
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                continue
            latencies.append(time.perf_counter() - started)
            ok_page = response.status != 200 or marker.encode() in body
            statuses[str(response.status) if ok_page else "200 without the page"] += 1
        connection.close()
        with lock:
            load.statuses.update(statuses)
            load.latencies += latencies

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.seconds = time.monotonic() - started
    if load.latencies:
        load.p50_ms = Measure._pct(load.latencies, 0.50)
        load.p99_ms = Measure._pct(load.latencies, 0.99)
    return load


WRK_SCRIPT = """
-- Count every response by status; a 200 without the page's marker is not the page.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) counts = {} end
function response(status, headers, body)
  local key = tostring(status)
  if status == 200 and not string.find(body, MARKER, 1, true) then key = "200 without the page" end
  counts[key] = (counts[key] or 0) + 1
end
function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get("counts")) do io.write("STATUS\\t", key, "\\t", n, "\\n") end
  end
  io.write("LATENCY\\t", latency:percentile(50), "\\t", latency:percentile(99), "\\n")
  local e = summary.errors
  io.write("ERRORS\\t", e.connect + e.read + e.write + e.timeout, "\\n")
  io.write("DURATION\\t", summary.duration, "\\n")
end
"""


def wrk_load(base: str, path: str, headers: dict[str, str], seconds: float, connections: int,
             marker: str) -> Load:
    """wrk with a Lua script that counts statuses (wrk itself counts a 302 as success)."""
    wrk = shutil.which("wrk")
    assert wrk is not None
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f"MARKER = {json.dumps(marker)}\n{WRK_SCRIPT}")
    try:
        command = [wrk, "-t2", f"-c{connections}", f"-d{int(seconds)}s", "--timeout", "30s", "-s", script.name]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        output = subprocess.run([*command, base + path], capture_output=True, text=True, check=False).stdout
    finally:
        Path(script.name).unlink()
    load = Load(f"wrk, 2 threads, {connections} connections", seconds)
    for line in output.splitlines():
        parts = line.split("\t")
        if parts[0] == "STATUS":
            load.statuses[parts[1]] += int(float(parts[2]))
        elif parts[0] == "LATENCY":
            load.p50_ms, load.p99_ms = float(parts[1]) / 1000, float(parts[2]) / 1000
        elif parts[0] == "ERRORS" and int(float(parts[1])):
            load.statuses["socket errors"] += int(float(parts[1]))
        elif parts[0] == "DURATION":
            load.seconds = float(parts[1]) / 1e6
    if not load.statuses:
        load.note = f"wrk printed no counts: {output[-300:]}"
    return load


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def gunicorn(url: str, workers: int = 2):
    """Serve the app as production does (deploy/gunicorn.conf.py) on a free loopback port."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32),
           "LP_INSTANCE_PATH": str(DATA / "instance"), "LP_ENV": "production", "LP_SCHEDULER": "0",
           "LP_MFA_REQUIRED": "off", "LP_BASE_URL": f"http://127.0.0.1:{port}"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py",
                               "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                               "--access-logfile", "/dev/null", "app:app"],
                              cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn stopped: {server.stderr.read().decode()[-500:] if server.stderr else ''}")
            time.sleep(0.2)
        yield base, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


def run_load(base: str, seconds: float, connections: int, client: str, user_agent: str = USER_AGENT,
             session_user_agent: str | None = None, path: str = "/requests/", server_pid: int | None = None) -> Load:
    """Sign in (as ``session_user_agent``, default the same identity) and load ``path`` for ``seconds``;
    with the ``server_pid`` of the server, also account for the CPU the run used (bench.cpu)."""
    cookie = login(base, session_user_agent or user_agent)
    headers = {"User-Agent": user_agent, "Cookie": cookie, "Accept-Language": "nl"}
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
    loader = wrk_load if client == "wrk" else python_load
    before = cpu.Snapshot.now() if server_pid is not None else None
    load = loader(base, path, headers, seconds, connections, LIST_MARKER)
    if before is not None and server_pid is not None:
        load.cpu = cpu.between(before, cpu.Snapshot.now(), server_pid).per_response(load.total, load.seconds)
    return load


# -- the report ----------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError, StopIteration), open("/proc/cpuinfo") as cpuinfo:
        cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}; "
            f"speed: {python_speed():.0f} ms for 10 million additions in a Python loop (best of 3)")


def python_speed() -> float:
    """Time a fixed loop of pure Python (ms, best of 3): machines called alike ("2 cores, AMD EPYC")
    differ by twice in speed, and every page here is mostly Python, so RESULTS.md of two machines
    compare only next to this figure."""
    best = float("inf")
    for _ in range(3):
        started, total = time.perf_counter(), 0
        for number in range(10_000_000):
            total += number
        best = min(best, time.perf_counter() - started)
    return best * 1000


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _split(m: Measure) -> str:
    """A page's p50 split, and why it misses by its nature where it does (said with a miss)."""
    why = f"; {m.why}" if m.why else ""
    return f"p50 split {m.split_text()} ms{why}"


def _layout(pages: dict[str, Measure]) -> str:
    layout = pages.get(LAYOUT)
    return (f"; why: besides its SQL a page spends its time in Python (the split: database calls / templates / "
            f"the rest), and the layout alone (session, sign-in, navigation: '{LAYOUT}') takes "
            f"{layout.p50:.1f} ms p50 here" if layout else "")


def targets(results: dict[tuple[str, int], list[Measure]], load: Load | None, load_where: str) -> list[str]:
    """One line per target and engine: met or missed, with the numbers; a miss with what the time went to."""
    lines = []
    engines = sorted({engine for engine, _ in results})
    for engine in engines:
        sizes = sorted(size for e, size in results if e == engine)
        pages = {size: {m.name: m for m in results[(engine, size)] if not m.name.startswith(NOT_PAGES)}
                 for size in sizes}
        for size, limit in PAGE_LIMIT_MS.items():
            if not pages.get(size):
                lines.append(f"- {engine}: every page ≤ {limit:.0f} ms p95 at {size:,}: not measured (no run at "
                             f"{size:,}, or no page chosen by --pages)")
                continue
            over = [f"{m.name} {m.pct(0.95):.1f} ms ({_split(m)})" for m in pages[size].values()
                    if m.pct(0.95) > limit]
            worst = max(pages[size].values(), key=lambda m: m.pct(0.95))
            lines.append(f"- {engine}: every page ≤ {limit:.0f} ms p95 at {size:,}: "
                         + (f"**missed** by {len(over)} of {len(pages[size])} pages: {'; '.join(over)}" if over else
                            f"met (slowest: {worst.name} {worst.pct(0.95):.1f} ms)"))
        for size in sizes:
            checks = [m for m in pages[size].values() if m.floor_target]
            bad = [f"{m.name} {_fmt(m.floor_ratio, 2)}× ({m.pct(0.95):.1f} / {_fmt(m.floor_p95)} ms; {_split(m)})"
                   for m in checks if m.floor_ratio is None or m.floor_ratio > FLOOR_RATIO]
            good = [f"{m.name} {_fmt(m.floor_ratio, 2)}×" for m in checks if m not in bad and m.floor_ratio is not None
                    and m.floor_ratio <= FLOOR_RATIO]
            lines.append(f"- {engine}: list and request pages ≤ {FLOOR_RATIO:.0f}× their SQL floor at {size:,}: "
                         + (f"**missed**: {'; '.join(bad)}{_layout(pages[size])}" if bad else "met")
                         + (f" ({'met: ' if bad else ''}{'; '.join(good)})" if good else ""))
        if pages.get(100_000) and pages.get(1_000_000):  # (--pages none: the sweeps only, no page to compare)
            grown = [(name, pages[1_000_000][name].pct(0.95) / m.pct(0.95)) for name, m in pages[100_000].items()
                     if name in pages[1_000_000]]
            over = [f"{name} {ratio:.2f}× (at 1,000,000 {_split(pages[1_000_000][name])})" for name, ratio in grown
                    if ratio > GROWTH_LIMIT]
            worst = max(grown, key=lambda item: item[1])
            lines.append(f"- {engine}: cost at 1,000,000 ≤ {GROWTH_LIMIT}× cost at 100,000 (p95, caches off): "
                         + (f"**missed** by {len(over)} of {len(grown)} pages: {'; '.join(over)}" if over else
                            f"met (largest: {worst[0]} {worst[1]:.2f}×)"))
        else:
            lines.append(f"- {engine}: cost at 1,000,000 ≤ {GROWTH_LIMIT}× cost at 100,000: not measured (needs both "
                         "sizes in one run: SIZES=100000,1000000)")
        if 1_000_000 in pages:
            daily = next(m for m in results[(engine, 1_000_000)] if m.name.startswith("reminder sweep, the next"))
            seconds = daily.pct(0.95) / 1000
            lines.append(f"- {engine}: reminder sweep (the daily run) ≤ {SWEEP_LIMIT_S:.0f} s at 1,000,000: "
                         + ("met" if seconds <= SWEEP_LIMIT_S else "**missed**") + f" ({seconds:.1f} s: {daily.note})")
        else:
            lines.append(f"- {engine}: reminder sweep ≤ {SWEEP_LIMIT_S:.0f} s at 1,000,000: not measured (no run at "
                         "1,000,000)")
    if load is None:
        lines.append("- load run: not run")
    else:
        met = load.ok and load.rps >= LOAD_RPS
        why = f"; why: {load.cpu}" if load.cpu and not met else ""
        lines.append(f"- load run ≥ {LOAD_RPS:.0f} requests/s with zero non-200 ({load_where}): "
                     + ("met" if met else "**missed**") + f": {load.summary()}{why}")
    return lines


def write_results(path: Path, results: dict[tuple[str, int], list[Measure]], load: Load | None, load_where: str,
                  notes: list[str], elapsed: float, command: str, loadavg: tuple[str, str]) -> None:
    generation = json.loads((DATA / "generation.json").read_text()) if (DATA / "generation.json").exists() else {}
    lines = ["# Benchmark results", "", "Generated by `python -m bench.run` (do not edit).", "",
             f"Machine: {machine()}. Load average at start {loadavg[0]}, at end {loadavg[1]} (1, 5, 15 min).", "",
             f"Command: `{command}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {elapsed:.0f} s). "
             "Timings in milliseconds through the real app (Flask test client, real database; "
             "'one country changed' and 'nothing kept' say what ran untimed before each call), "
             "after 3 warm-up calls (1 when a call takes over a second; slow pages run "
             "fewer times, at least 5, see --page-budget). SQL floor: the page's own statements "
             "(captured with a SQLAlchemy event listener) replayed alone on a raw connection, p95 over as many "
             "runs; ×floor = page p95 ÷ SQL p95.", "", "## Targets (issue 19)", "",
             *targets(results, load, load_where), ""]
    for engine in sorted({engine for engine, _ in results}):
        sizes = sorted(size for e, size in results if e == engine)
        lines += [f"## {'SQLite' if engine == 'sqlite' else 'PostgreSQL'}", ""]
        for size in sizes:
            known = generation.get(f"{engine} {size}")
            made = (f"generated in {known['seconds']:.1f} s on {known['on']} ({', '.join(f'{k} {v:,}' for k, v in known['counts'].items() if isinstance(v, int))})"  # noqa: E501
                    if known else "generation time not recorded")
            lines.append(f"- {size:,} requests: {made}")
        lines.append("")
        previous: dict[str, Measure] = {}
        for size in sizes:
            lines += [f"### {size:,} requests", "",
                      "| measure | runs | p50 | p95 | p50 split: SQL / templates / rest | queries | SQL floor p95 "
                      "| ×floor | p95 × previous size |",
                      "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
            current = {}
            for m in results[(engine, size)]:
                key = m.name
                current[key] = m
                before = previous.get(key)
                growth = m.pct(0.95) / before.pct(0.95) if before and before.pct(0.95) else None
                queries = m.queries if m.queries is not None else "-"
                lines.append(f"| {m.name} | {len(m.timings)} | {m.p50:.1f} | {m.pct(0.95):.1f} | {m.split_text()}"
                             f" | {queries}"
                             f" | {_fmt(m.floor_p95)} | {_fmt(m.floor_ratio, 2)} | {_fmt(growth, 2)} |")
            extra = [f"- {m.name}: {m.note}" for m in results[(engine, size)] if m.note]
            lines += ["", *extra, ""] if extra else [""]
            previous = current
    lines += ["## Load run", "", f"gunicorn, 2 workers (deploy/gunicorn.conf.py), {load_where}, logged-in request "
              f"list page (signed in with the User-Agent it then sends: {USER_AGENT!r}); a response counts as the "
              f"page only when it is a 200 holding the list table.", "",
              f"- {load.summary() if load else 'not run'}", ""]
    if load and load.cpu:
        lines += [f"- {load.cpu}", ""]
    if load and load.note:
        lines += [f"- {load.note}", ""]
    lines += ["## Notes", "", *[f"- {note}" for note in notes], ""]
    path.write_text("\n".join(lines))
    (DATA / f"{path.stem}.json").write_text(json.dumps(
        {f"{engine} {size}": [m.as_json() for m in ms] for (engine, size), ms in results.items()}, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--engines", default=None, help="sqlite,postgresql (default: postgresql too when "
                        "BENCH_DATABASE_URL is set)")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--load-seconds", type=int, default=15, help="the target is measured over 60")
    parser.add_argument("--load-client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--load-size", type=int, default=None, help="default: the largest size")
    parser.add_argument("--no-load", action="store_true")
    parser.add_argument("--page-budget", type=float, default=60.0,
                        help="seconds of timed runs per page: slow pages run fewer times (at least --min-runs)")
    parser.add_argument("--min-runs", type=int, default=5)
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write the report")
    parser.add_argument("--pages", default="", metavar="REGEX",
                        help="measure only the pages whose name matches (the sweeps always run); e.g. 'none' "
                             "for the sweeps alone")
    args = parser.parse_args()
    BUDGET["seconds"], BUDGET["min_runs"], ONLY["pages"] = args.page_budget, args.min_runs, args.pages
    sizes = sorted(int(s) for s in args.sizes.split(","))
    engines = (args.engines.split(",") if args.engines else
               ["sqlite", *(["postgresql"] if os.environ.get("BENCH_DATABASE_URL") else [])])
    if "postgresql" in engines and not os.environ.get("BENCH_DATABASE_URL"):
        raise SystemExit("the postgresql engine needs BENCH_DATABASE_URL=postgresql://.../bench")
    loadavg = " ".join(f"{x:.1f}" for x in os.getloadavg())
    started = time.perf_counter()
    DATA.mkdir(parents=True, exist_ok=True)
    results: dict[tuple[str, int], list[Measure]] = {}
    notes = []
    for engine in engines:
        for size in sizes:
            print(f"== {engine}, {size:,} requests", flush=True)
            app, _url, derived = prepare(engine, size)
            notes.append(f"{engine} {size:,}: {derived}")
            results[(engine, size)] = measure_all(app, args.repeat)
            with app.app_context():
                db.engine.dispose()
    load = None
    load_engine = "postgresql" if "postgresql" in engines else engines[0]
    load_size = args.load_size or sizes[-1]
    load_where = f"{load_engine} at {load_size:,} requests"
    if not args.no_load:
        print(f"== load run ({load_where}, {args.load_seconds} s)", flush=True)
        if load_engine != "postgresql":
            notes.append("The load run target is for PostgreSQL: set BENCH_DATABASE_URL (this run used SQLite).")
        with gunicorn(database_url(load_engine, load_size)) as (base, server_pid):
            load = run_load(base, args.load_seconds, args.connections, args.load_client, server_pid=server_pid)
        print(f"  {load.summary()}", flush=True)
    command = "python -m bench.run " + " ".join(sys.argv[1:])
    end_load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    write_results(args.results, results, load, load_where, notes, time.perf_counter() - started, command,
                  (loadavg, end_load))
    print(args.results.read_text())
    if load is not None and not load.ok:
        raise SystemExit(f"load run failed: not every response was the page asked for ({dict(load.statuses)})")


if __name__ == "__main__":
    main()
