"""``make bench``: measure pages and jobs at 1,000 and 100,000 requests; write RESULTS.md.

Usage: python -m bench.run [--sizes 1000,100000] [--repeat 30] [--wrk-seconds 60]
Each size gets its own SQLite file under bench/data/ (kept between runs; delete it to
regenerate). BENCH_DATABASE_URL=postgresql://... adds a PostgreSQL run of the largest
size. Timings go through the real app (Flask test client, real database).
"""

from __future__ import annotations

import argparse
import contextlib
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
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event, func, select

from lp import PROJECT_ROOT, create_app
from lp.web.extensions import db

DATA = PROJECT_ROOT / "bench" / "data"
RESULTS = PROJECT_ROOT / "bench" / "RESULTS.md"


@dataclass
class Measure:
    name: str
    timings: list[float] = field(default_factory=list)
    queries: int | None = None
    note: str = ""

    def pct(self, q: float) -> float:
        ordered = sorted(self.timings)
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.timings) * 1000


@contextmanager
def count_queries(engine):
    counter = {"n": 0}

    def before(*_args, **_kw):
        counter["n"] += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)


def make_app(url: str, instance: Path):
    return create_app({"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32), "LP_INSTANCE_PATH": str(instance),
                       "SESSION_COOKIE_SECURE": False, "LP_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})


def prepare(url: str, size: int, instance: Path) -> tuple:
    from bench.generate import generate
    from lp.core.clock import today
    from lp.requests.models import LpRequest
    from lp.web.database import refresh_statistics

    app = make_app(url, instance)
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        existing = db.session.scalar(select(func.count()).select_from(LpRequest))
        if existing != size:
            if existing:
                raise SystemExit(f"{url} holds {existing} requests, not {size}: delete it first")
            started = time.perf_counter()
            counts = generate(size, today=today())
            print(f"  generated {counts} in {time.perf_counter() - started:.1f} s", flush=True)
        # Each run measures the first sweep of the data set: start without reminders.
        db.session.execute(db.text("DELETE FROM reminders"))
        db.session.commit()
        refresh_statistics(full=True)  # what lp init and the daily sweep keep up to date
    return app


def _timed(measure: Measure, call, repeat: int, engine) -> Measure:
    for _ in range(3):
        call()
    with count_queries(engine) as counter:
        call()
    measure.queries = counter["n"]
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        measure.timings.append(time.perf_counter() - started)
    return measure


def measure_all(app, repeat: int) -> list[Measure]:
    from countries.models import Country
    from lp.auth.models import User
    from lp.core.clock import today
    from lp.reminders.digest import build, render
    from lp.reminders.sweep import sweep
    from lp.requests.models import LpRequest
    from lp.web.database import refresh_statistics

    client = app.test_client()
    with app.app_context():
        engine = db.engine
        holder = db.session.scalar(select(User).where(User.email == "user1@bench.example"))
        busiest = db.session.execute(
            select(Country.alpha2, func.count()).join(LpRequest, LpRequest.country_id == Country.id)
            .group_by(Country.alpha2).order_by(func.count().desc()).limit(1)).first()[0]
        sample_request = db.session.scalar(select(func.max(LpRequest.id))) // 2
    html = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    assert client.post("/auth/login", data={"email": "user1@bench.example", "password": "bench password 123",
                                            "csrf_token": token}).status_code == 302

    def page(url):
        def call():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            response.get_data()
        return call

    def exists(endpoint):
        return endpoint in app.view_functions

    # The daily sweep runs first, as in production: pages then show real reminders,
    # and the planner statistics are refreshed after it, as the scheduled job does.
    measures = []
    with app.app_context():
        day = today()
        first_sweep = Measure("reminder sweep (first run, creates)")
        started = time.perf_counter()
        result = sweep(day)
        first_sweep.timings.append(time.perf_counter() - started)
        first_sweep.note = f"{result.requests_checked} open requests, {result.created} reminders created"
        measures.append(first_sweep)
        measures.append(_timed(Measure("reminder sweep (steady state)"), lambda: sweep(day), 5, engine))
        refresh_statistics(full=True)
    first = client.get(f"/requests/?country={busiest}").get_data(as_text=True)
    pages = max(int(n) for n in re.findall(r"(?:[?&]|&amp;)page=(\d+)", first) or ["1"])
    measures += [
        _timed(Measure("request list, country + status, first page"),
               page(f"/requests/?country={busiest}&status=submitted"), repeat, engine),
        _timed(Measure(f"request list, country, deep page ({pages})"),
               page(f"/requests/?country={busiest}&page={pages}"), repeat, engine),
        _timed(Measure("request page"), page(f"/requests/{sample_request}"), repeat, engine),
    ]
    if exists("insights.country"):
        measures.append(_timed(Measure("country page with statistics"), page(f"/insights/countries/{busiest}"),
                               repeat, engine))
    if exists("insights.index"):
        # Every country's time to answer (Kaplan-Meier, waiting counted), outcome rates and mix.
        measures.append(_timed(Measure("insights overview, all countries"), page("/insights/"), repeat, engine))
        measures.append(_timed(Measure("insights overview sorted by time to answer"),
                               page("/insights/?sort=time_to_answer"), max(5, repeat // 3), engine))
        measures.append(_timed(Measure("outcome mix CSV, all countries"), page("/insights/export/mix.csv"),
                               max(5, repeat // 3), engine))
    if exists("insights.assessment_all"):
        # The yearly cooperation assessment: every country, and the busiest one.
        measures.append(_timed(Measure("cooperation assessment, all countries"), page("/insights/assessment"),
                               max(5, repeat // 3), engine))
        measures.append(_timed(Measure("cooperation assessment, one country"),
                               page(f"/insights/countries/{busiest}/assessment"), repeat, engine))
    measures.append(_timed(Measure("country profile page"), page(f"/countries/{busiest}"), repeat, engine))
    measures.append(_timed(Measure("dashboard"), page("/"), repeat, engine))
    measures.append(_timed(Measure("country CSV export"), page("/countries/csv/export.csv"), max(5, repeat // 3),
                           engine))
    with app.app_context():
        measures.append(_timed(Measure("weekly digest build + render, one holder"),
                               lambda: render(build(holder, day)), max(5, repeat // 3), engine))
    return measures


def load_run(url: str, instance: Path, seconds: int) -> str:
    """Serve with gunicorn and run wrk on the list page with a logged-in session."""
    wrk = shutil.which("wrk")
    if not wrk:
        return "wrk not installed (apt-get install wrk): load run skipped"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "LP_INSTANCE_PATH": str(instance),
           "LP_ENV": "development", "LP_SCHEDULER": "0"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py",
                               "--workers", "2", "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null",
                               "app:app"], cwd=PROJECT_ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import http.cookiejar
        import urllib.parse
        import urllib.request

        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        for _ in range(50):
            try:
                html = opener.open(f"http://127.0.0.1:{port}/auth/login", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.2)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        opener.open(f"http://127.0.0.1:{port}/auth/login", data=urllib.parse.urlencode(
            {"email": "user1@bench.example", "password": "bench password 123", "csrf_token": token}).encode())
        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
        output = subprocess.run([wrk, "-t2", "-c8", f"-d{seconds}s", "-H", f"Cookie: {cookie}",
                                 f"http://127.0.0.1:{port}/requests/"], capture_output=True, text=True).stdout
    finally:
        server.terminate()
        server.wait(timeout=20)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return (f"{rps.group(1) if rps else '?'} requests/s over {seconds} s ({total.group(1) if total else '?'} "
            f"requests), non-2xx/3xx responses: {errors.group(1) if errors else 0}"
            f"{', socket errors: ' + socket_errors.group(1) if socket_errors else ''}")


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError, StopIteration), open("/proc/cpuinfo") as cpuinfo:
        cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}")


def write_results(results: dict[str, list[Measure]], sizes: list[int], load: str, elapsed: float) -> None:
    small, large = (f"sqlite {sizes[0]}", f"sqlite {sizes[-1]}")
    lines = ["# Benchmark results", "", f"Machine: {machine()}.", "",
             f"Command: `make bench` ({time.strftime('%Y-%m-%d')}, {elapsed:.0f} s). Timings in milliseconds "
             "through the real app (Flask test client, real database), after 3 warm-up calls.", "",
             f"| measure | {sizes[0]:,} p50 | {sizes[0]:,} p95 | {sizes[-1]:,} p50 | {sizes[-1]:,} p95 | "
             f"ratio p95 | queries {sizes[0]:,} | queries {sizes[-1]:,} |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    by_name = {m.name.split(" (")[0] if "deep page" in m.name else m.name: m for m in results[large]}
    for m in results[small]:
        key = m.name.split(" (")[0] if "deep page" in m.name else m.name
        big = by_name.get(key)
        if big is None:
            continue
        ratio = big.pct(0.95) / m.pct(0.95) if m.pct(0.95) else float("nan")
        lines.append(f"| {big.name} | {m.p50:.1f} | {m.pct(0.95):.1f} | {big.p50:.1f} | {big.pct(0.95):.1f} | "
                     f"{ratio:.2f} | {m.queries if m.queries is not None else '-'} | "
                     f"{big.queries if big.queries is not None else '-'} |")
    notes = [f"- {size}: {m.name}: {m.note}" for size, ms in results.items() for m in ms if m.note]
    extra = [k for k in results if k not in (small, large)]
    for key in extra:
        lines += ["", f"## {key}", "", "| measure | p50 | p95 | queries |", "|---|---:|---:|---:|"]
        lines += [f"| {m.name} | {m.p50:.1f} | {m.pct(0.95):.1f} | {m.queries} |" for m in results[key]]
    lines += ["", "Notes:", *notes, "", f"Load run (wrk, 2 threads, 8 connections, gunicorn 2 workers, "
              f"{sizes[-1]:,} requests, logged-in session, request list page): {load}", ""]
    RESULTS.write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--wrk-seconds", type=int, default=60)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    started = time.perf_counter()
    DATA.mkdir(parents=True, exist_ok=True)
    results: dict[str, list[Measure]] = {}
    for size in sizes:
        url = f"sqlite:///{DATA / f'bench-{size}.sqlite3'}"
        print(f"== SQLite, {size:,} requests", flush=True)
        app = prepare(url, size, DATA / "instance")
        results[f"sqlite {size}"] = measure_all(app, args.repeat)
    if os.environ.get("BENCH_DATABASE_URL"):
        print(f"== PostgreSQL, {sizes[-1]:,} requests", flush=True)
        app = prepare(os.environ["BENCH_DATABASE_URL"], sizes[-1], DATA / "instance")
        results[f"postgresql {sizes[-1]}"] = measure_all(app, args.repeat)
    print("== load run", flush=True)
    load = load_run(f"sqlite:///{DATA / f'bench-{sizes[-1]}.sqlite3'}", DATA / "instance", args.wrk_seconds)
    write_results(results, sizes, load, time.perf_counter() - started)
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
