"""The hot queries use indexes on PostgreSQL: no sequential scan of the big tables (issue 19).

The pages a person opens all day (the request list with each filter, the request page,
the dashboard, the country statistics, the reminders inbox, and the navigation counts
on every page) and the daily reminder sweep are run on a data set of a few thousand
requests with ten years of history (bench/generate.py, plus the closed reminders such a
history leaves), the planner statistics are refreshed (ANALYZE, as ``lp init`` and the
daily sweep do), and every SELECT they ran is EXPLAINed with its own parameters. A
``Seq Scan`` of lp_requests, reminders or request_events fails the test: at 100,000 or
1,000,000 requests it reads the whole history. The planner is left to choose freely
(``enable_seqscan`` stays on), so a missing index shows up as the plan it causes.

PostgreSQL only: SQLite's planner has no cost model to speak of (bench/README.md lists
its plans).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, text

from lp.web.extensions import db
from tests.conftest import post_form

REQUESTS = 10000
BIG_TABLES = ("lp_requests", "reminders", "request_events")
SEQ_SCAN = re.compile(r"Seq Scan on (" + "|".join(BIG_TABLES) + r")\b")
#: Statements that may still read a big table whole, each with why (marker in the SQL: reason).
#: Empty: "my reminders" is now one lookup on reminders.owner_id (ix_reminders_owner_open).
KNOWN: dict[str, str] = {}


@pytest.fixture(scope="module")
def history(request, module_app) -> Iterator[dict]:
    """Ten years of requests with their closed reminders, a sweep, and fresh planner statistics."""
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("plan check on PostgreSQL only")
    from bench.generate import PASSWORD, generate
    from countries.models import Country
    from lp.core.clock import today
    from lp.reminders.sweep import sweep
    from lp.requests import facts
    from lp.requests.models import LpRequest
    from lp.web.database import refresh_statistics

    with module_app.app_context():
        day = today()
        generate(REQUESTS, today=day)  # with the closed reminders such a history leaves
        facts.rebuild()
        db.session.commit()
        sweep(day)
        refresh_statistics(full=True)
        busiest = db.session.execute(
            select(Country.alpha2, LpRequest.mission_id, func.count())
            .join(LpRequest, LpRequest.country_id == Country.id)
            .group_by(Country.alpha2, LpRequest.mission_id).order_by(func.count().desc()).limit(1)).one()
        sample = db.session.scalar(select(func.max(LpRequest.id))) // 2
        yield {"country": busiest[0], "mission": busiest[1], "request": sample, "password": PASSWORD}


class Recorder:
    """The SELECT statements run on an engine, with their parameters."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.statements: list[tuple[str, object]] = []

    def _record(self, _conn, _cursor, statement, parameters, _context, executemany) -> None:
        if not executemany and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            self.statements.append((statement, parameters))

    def __enter__(self) -> Recorder:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


def sequential_scans(app, statements: list[tuple[str, object]]) -> list[str]:
    """Return "statement: plan line" for each sequential scan of a big table in the statements' plans."""
    found = []
    with app.app_context():
        cursor = db.session.connection().connection.dbapi_connection.cursor()
        for statement, parameters in statements:
            if any(marker in statement for marker in KNOWN):
                continue
            cursor.execute("EXPLAIN " + statement, parameters)
            for (line,) in cursor.fetchall():
                if SEQ_SCAN.search(line):
                    found.append(f"{' '.join(statement.split())[:300]}\n    {line.strip()}")
        db.session.rollback()
    return found


#: The hot pages (request list filters: the selective ones; the unfiltered list counts every
#: request, and "in detention" a seventh of them: for those a sequential read is the best plan).
PAGES = (
    "/",
    "/?scope=all",
    "/requests/?country={country}",
    "/requests/?country={country}&status=submitted",
    "/requests/?mission={mission}",
    "/requests/?status=issued",
    "/requests/?overdue=1",
    "/requests/?submitted_from={year_ago}&submitted_to={today}",
    "/requests/?case_officer=5",
    "/requests/{request}",
    "/insights/countries/{country}",
    "/insights/",
    "/insights/assessment",
    "/insights/countries/{country}/assessment",
    "/reminders/",
)


@pytest.fixture(scope="module")
def signed_in(module_app, history):
    """A portfolio holder and case officer of the data set, signed in."""
    client = module_app.test_client()
    assert post_form(client, "/auth/login", {"email": "user1@bench.example",
                                             "password": history["password"]}).status_code == 302
    return client


@pytest.mark.parametrize("page", PAGES)
def test_a_hot_page_reads_no_big_table_whole(module_app, history, signed_in, page):
    from lp.core.clock import today

    client = signed_in
    url = page.format(today=today().isoformat(), year_ago=(today() - timedelta(days=365)).isoformat(), **history)
    with module_app.app_context():
        engine = db.engine
    with Recorder(engine) as recorder:
        response = client.get(url)
    assert response.status_code == 200, url
    assert recorder.statements
    assert sequential_scans(module_app, recorder.statements) == []


def test_the_reminder_sweep_reads_no_big_table_whole(module_app, history):
    from lp.core.clock import today
    from lp.reminders.sweep import sweep

    with module_app.app_context():
        with Recorder(db.engine) as recorder:
            sweep(today())
        db.session.rollback()
    assert sequential_scans(module_app, recorder.statements) == []


def test_the_daily_sweep_reads_no_big_table_whole(module_app, history):
    """The scheduler's run the next day: the requests due or changed (ix_lp_requests_next_due) and their reminders."""
    from lp.core.clock import today
    from lp.reminders.sweep import sweep

    with module_app.app_context():
        with Recorder(db.engine) as recorder:
            result = sweep(today() + timedelta(days=1), incremental=True)
    assert not result.full
    assert sequential_scans(module_app, recorder.statements) == []


def test_the_check_sees_a_sequential_scan(module_app, history):
    """The check itself: a query with no index to use is reported (the guard against a silent pass)."""
    with module_app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM pg_indexes WHERE tablename = 'lp_requests'")).scalar()
    statement = "SELECT lp_requests.id FROM lp_requests WHERE lp_requests.embassy_reference = %(ref)s"
    assert sequential_scans(module_app, [(statement, {"ref": "X"})])


@pytest.mark.parametrize("reader", ["navigation count", "dashboard lines"])
def test_my_open_reminders_are_read_from_their_index_alone(module_app, history, reader):
    """Every page counts my open reminders, and the dashboard reads how many subjects they have, the
    first ninety in order of urgency and their subjects: each of those statements asks for nothing
    but what ix_reminders_owner_open holds, so PostgreSQL can answer it from the index without
    reading a row of the table (at 1,000,000 requests COUNT(id) read 1,151 table pages for 1,940
    reminders, and the dashboard's reads 5.6 ms of its SQL). Which plan the planner then picks
    depends on the table's size and how much of it is vacuumed; with the other plans switched
    off, what is left is an index-only scan only when the statement allows one."""
    from lp.auth.models import User
    from lp.core.clock import today
    from lp.main import dashboard
    from lp.reminders.services import count_mine_open

    with module_app.app_context():
        user = db.session.scalar(select(User).where(User.email == "user1@bench.example"))
        with Recorder(db.engine) as recorder:
            if reader == "navigation count":
                assert count_mine_open(user.id, today()) > 0
            else:
                assert dashboard.reminders(user.id, "mine", today()).total > 0
        mine = [(statement, parameters) for statement, parameters in recorder.statements
                if "reminders.owner_id" in statement]
        assert len(mine) == (1 if reader == "navigation count" else 3)
        cursor = db.session.connection().connection.dbapi_connection.cursor()
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        plans = []
        for statement, parameters in mine:
            cursor.execute("EXPLAIN " + statement, parameters)
            plans.append("\n".join(line for (line,) in cursor.fetchall()))
        db.session.rollback()
    for plan in plans:
        assert "Index Only Scan using ix_reminders_owner_open on reminders" in plan, plan
