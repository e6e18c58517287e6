"""A real server for tests that need one: gunicorn with several workers on the test database.

Use the ``live_server`` fixture (tests/conftest.py), or ``Gunicorn`` directly for a
database of your own (tests/lp/test_production.py). Only loopback, on a free port.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lp import PROJECT_ROOT


def free_port() -> int:
    """Return a loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], bool], seconds: float = 90) -> bool:
    """Poll ``condition`` until it holds (True) or ``seconds`` pass (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def server_env(database_url: str, instance_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a production-like process of the app on ``database_url``."""
    return {**os.environ, "DATABASE_URL": database_url, "LP_INSTANCE_PATH": str(instance_path),
            "SECRET_KEY": secrets.token_urlsafe(48), "LP_SCHEDULER": "0", "LP_ENV": "production",
            "LP_MFA_REQUIRED": "off",  # as in the test config (tests/conftest.py base_config)
            **extra}


class Gunicorn:
    """gunicorn with ``workers`` workers serving the app on a free loopback port.

    A context manager: it starts, waits until ``/healthz`` answers, and stops on exit.
    """

    def __init__(self, env: dict[str, str], workers: int = 2):
        self.env, self.workers = env, workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py",
             "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}", "app:app"],
            env=self.env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_for(self._healthy):
            self.__exit__()
            raise RuntimeError("gunicorn did not answer on /healthz")
        return self

    def __exit__(self, *_exc: Any) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=30)
            self._process = None

    def _healthy(self) -> bool:
        if self._process is not None and self._process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {self._process.returncode}")
        try:
            return self.request("GET", "/healthz", timeout=2)[0] == 200
        except OSError:
            return False

    def request(self, method: str, path: str, *, json_body: Any = None, headers: dict[str, str] | None = None,
                timeout: float = 30) -> tuple[int, dict[str, Any] | str]:
        """Send one request; return the status and the body (parsed when it is JSON)."""
        data = json.dumps(json_body).encode() if json_body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={**({"Content-Type": "application/json"} if data else {}),
                                                  **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, body, kind = response.status, response.read(), response.headers.get_content_type()
        except urllib.error.HTTPError as error:
            status, body, kind = error.code, error.read(), error.headers.get_content_type()
        text = body.decode("utf-8", "replace")
        return status, json.loads(text) if kind.endswith("json") and text else text
