"""Uploads scanned by a real ClamAV daemon (clamd), when the machine has one (Debian: clamav-daemon).

clamd runs on a unix socket in a temporary folder, with a signature database of one
signature we write for the EICAR test string (so it needs no download and no internet);
the app talks to it through CLAMD_SOCKET. Without the clamd binary these tests skip.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lp.files import samples
from tests.lp.files.test_files import _attachments, _stored, _upload

#: The EICAR anti-virus test file (https://www.eicar.org): harmless, detected by every scanner as a test.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SIGNATURE = "Lp.Test.EICAR"
CLAMD = shutil.which("clamd") or next((p for p in ("/usr/sbin/clamd",) if Path(p).exists()), None)


@pytest.fixture(scope="module")
def clamd_socket(tmp_path_factory) -> Iterator[str]:
    """Start clamd on a temporary unix socket with only our EICAR signature; yield the socket's path."""
    if CLAMD is None:
        pytest.skip("clamd is not installed (Debian: apt-get install clamav-daemon)")
    folder = tmp_path_factory.mktemp("clamd")
    database = folder / "db"
    database.mkdir()
    # An extended signature (.ndb): name, any file type (0), anywhere (*), the bytes in hex.
    (database / "lp-test.ndb").write_text(f"{SIGNATURE}:0:*:{EICAR.hex()}\n")
    socket_path = folder / "clamd.sock"
    config = folder / "clamd.conf"
    config.write_text(f"LocalSocket {socket_path}\nDatabaseDirectory {database}\nForeground yes\n"
                      f"LogFile {folder / 'clamd.log'}\n")
    process = subprocess.Popen([CLAMD, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not socket_path.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                log = (folder / "clamd.log").read_text() if (folder / "clamd.log").exists() else ""
                pytest.fail(f"clamd did not start: {log[-2000:]}")
            time.sleep(0.2)
        yield str(socket_path)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def config_overrides(request):
    if "clamd_socket" in request.fixturenames:
        return {"CLAMD_SOCKET": request.getfixturevalue("clamd_socket")}
    return {}


def test_an_infected_upload_is_refused_and_a_clean_one_stored(app, client, login_as, request_id, clamd_socket):
    login_as("staff")
    page = client.get(f"/requests/{request_id}/files/new").get_data(as_text=True)
    assert "niet op virussen gescand" not in page
    infected = samples.PDF + EICAR + b"\n"
    refused = _upload(client, f"/requests/{request_id}/files/new", infected, "brief.pdf")
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "De virusscanner heeft malware in dit bestand gevonden" in text and SIGNATURE in text
    assert _attachments(app) == [] and _stored(app) == []

    stored = _upload(client, f"/requests/{request_id}/files/new", samples.PDF, "brief.pdf")
    assert stored.status_code == 302
    assert [(a.filename, a.scanned) for a in _attachments(app)] == [("brief.pdf", True)]


@pytest.mark.parametrize("config_overrides", [{"CLAMD_SOCKET": "/nonexistent/clamd.sock"}])
def test_when_the_scanner_is_down_the_upload_is_refused(app, client, login_as, request_id):
    login_as("staff")
    refused = _upload(client, f"/requests/{request_id}/files/new", samples.PDF, "brief.pdf")
    assert refused.status_code == 422
    assert "De virusscanner is niet bereikbaar" in refused.get_data(as_text=True)
    assert _attachments(app) == [] and _stored(app) == []
