"""30 parallel wrong passwords against gunicorn with two workers: at most 5 are checked.

The limit is 5 failed logins per account in 15 minutes. The guesses arrive at the same
moment in two processes (and several threads each); counting and checking must be
one atomic step, or more than 5 passwords are tried. Runs on the suite's database:
PostgreSQL with ``--db=postgresql``, else a SQLite file.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from lp import PROJECT_ROOT, create_app
from lp.web.extensions import db
from tests.conftest import PASSWORD, base_config, csrf_token_from
from tests.smtp_server import free_port

WRONG = "E-mailadres of wachtwoord is onjuist."
LOCKED = "Te veel mislukte inlogpogingen"
GUESSES = 30


@pytest.fixture
def gunicorn(empty_database_url, tmp_path):
    """Migrate a fresh database, create one account, and serve the app with gunicorn (2 workers)."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": empty_database_url, "SECRET_KEY": secrets.token_hex(32),
           "LP_INSTANCE_PATH": str(tmp_path / "instance"), "LP_SCHEDULER": "0", "LP_ENV": "production",
           "LP_ADMIN_PASSWORD": "Lindeboom-Zomer-1987"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "lp", "init"], env=env, cwd=PROJECT_ROOT,
                   check=True, capture_output=True)
    app = create_app(base_config(empty_database_url, tmp_path / "instance"))
    with app.app_context():
        from lp.auth import services

        services.create_user("ann@example.org", "Ann", "staff", PASSWORD)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "--workers", "2",
         "--threads", "8", "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "app:app"],
        env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or still starting
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer"
            time.sleep(0.3)
        yield app, base
    finally:
        server.terminate()
        server.wait(timeout=20)
        with app.app_context():
            db.engine.dispose()


def _login_form(base: str) -> tuple[dict[str, str], str]:
    """Open the login page as a browser; return the cookie header and the form's CSRF token.

    The cookie is sent back by hand: outside development it is marked Secure, and this is plain HTTP.
    """
    page = requests.get(f"{base}/auth/login", timeout=10)
    return {"Cookie": f"session={page.cookies['session']}"}, csrf_token_from(page.text)


def test_parallel_wrong_passwords_get_at_most_five_checks(gunicorn):
    app, base = gunicorn
    headers, token = _login_form(base)

    def guess(n: int) -> str:
        response = requests.post(f"{base}/auth/login", headers=headers, allow_redirects=False, timeout=60,
                                 data={"email": "ann@example.org", "password": f"wrong guess {n}", "csrf_token": token})
        assert response.status_code == 422, response.status_code
        return LOCKED if LOCKED in response.text else WRONG if WRONG in response.text else response.text

    with ThreadPoolExecutor(GUESSES) as pool:
        answers = list(pool.map(guess, range(GUESSES)))
    assert answers.count(WRONG) == 5
    assert answers.count(LOCKED) == GUESSES - 5

    right = requests.post(f"{base}/auth/login", headers=headers, allow_redirects=False, timeout=60,
                          data={"email": "ann@example.org", "password": PASSWORD, "csrf_token": token})
    assert right.status_code == 422 and LOCKED in right.text
    from lp.auth.models import LoginAttempt

    with app.app_context():
        recorded = db.session.scalar(select(func.count()).select_from(LoginAttempt)
                                     .where(LoginAttempt.email == "ann@example.org"))
    assert recorded == 5
    assert re.search(r"Wacht 15 minuten", right.text)
