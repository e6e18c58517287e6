"""The CSV import at its limits: rows as a spreadsheet numbers them, a cell too large, a huge file."""

import io
import time
import tracemalloc

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from countries.seed import seed_countries
from tests.conftest import csrf_token_from
from tests.countries.test_csv_import_export import _export, _rewrite, _state, _upload, countries  # noqa: F401


def _cli_import(runner, tmp_path, data: bytes):
    path = tmp_path / "landen.csv"
    path.write_bytes(data)
    return runner.invoke(args=["lp", "countries", "import", str(path)])


def test_errors_name_the_spreadsheet_row_and_country_not_the_text_line(app, client, runner, login_as, tmp_path):
    """Issue 11, defect 7: multi-line address cells made "Regel 157" of what Excel shows as row 138."""
    with app.app_context():
        seed_countries()
    exported = _export(app).decode("utf-8-sig")
    codes = [line[:2] for line in exported.split("\r\n")[1:] if line]
    assert codes.index("MA") + 2 == 138
    # Nineteen countries before MA get an embassy whose address takes two lines.
    changes = {code: {"mission_1_kind": "embassy", "mission_1_name": f"Ambassade {code}",
                      "mission_1_address": "Laan 1\r\n2500 AA Den Haag"} for code in codes[:19]}
    changes["MA"] = {"presentation_required": "misschien"}
    data = _rewrite(_export(app), changes)
    text_line = data.decode("utf-8-sig").split("\r\n").index(
        next(line for line in data.decode("utf-8-sig").split("\r\n") if line.startswith("MA;"))) + 1
    assert text_line == 157  # what a text editor shows
    before = _state(app)

    login_as("staff")
    html = _upload(client, data).get_data(as_text=True)
    assert "<td>Rij 138 (MA)</td><td><code>presentation_required</code></td>" in html
    assert "157" not in html

    result = _cli_import(runner, tmp_path, data)
    assert result.exit_code == 1
    assert "Row 138 (MA), column presentation_required: " in result.output
    assert _state(app) == before


def test_a_cell_over_the_size_limit_is_reported_as_too_large_with_row_and_column(
        app, client, runner, countries, login_as, tmp_path):  # noqa: F811
    """Issue 12: a cell over 128 KB was reported as "check the quotes"."""
    data = _rewrite(_export(app), {"DE": {"notes": "lang verhaal " * 20_000},  # 260 kB
                                   "NL": {"notes": "a valid change that must not be applied"}})
    before = _state(app)
    login_as("staff")
    response = _upload(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<td>Rij 4 (DE)</td><td><code>notes</code></td>" in html
    assert "Deze cel is te groot" in html and "aanhalingstekens" not in html

    result = _cli_import(runner, tmp_path, data)
    assert result.exit_code == 1
    assert "Row 4 (DE), column notes: This cell is too large" in result.output
    assert _state(app) == before


def _bad_file(app, rows: int) -> bytes:
    """Return an export with ``rows`` copies of Belgium's row, each with a value that is not allowed."""
    lines = _rewrite(_export(app), {"BE": {"forced_return": "misschien"}}).split(b"\r\n")
    belgium = next(line for line in lines if line.startswith(b"BE;"))
    return b"\r\n".join([lines[0]] + [belgium] * rows) + b"\r\n"


def test_a_file_of_100000_bad_rows_shows_the_first_100_errors_and_the_count(
        app, client, runner, countries, login_as, tmp_path):  # noqa: F811
    """Issue 12: 100,000 rows took 20 s, a 10 MB error page and 425 MB (59 s and 558 MB in the CLI)."""
    data = _bad_file(app, 100_000)
    # Row 2: the bad value; rows 3 to 100,001: the bad value and "already in row 2".
    total = 1 + 2 * 99_999
    before = _state(app)
    login_as("staff")
    started = time.monotonic()
    token = csrf_token_from(client.get("/countries/csv/import").get_data(as_text=True))
    # Encoded here in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(
        {"csrf_token": token, "file": FileStorage(io.BytesIO(data), "landen.csv", content_type="text/csv")})
    response = client.post("/countries/csv/import", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert len(response.get_data()) < 200_000
    assert html.count("<td><code>") == 100
    assert "Rij 2 (BE)" in html and "Rij 52 (BE)" in html and "Rij 53 (BE)" not in html
    assert f"… en nog {total - 100} problemen." in html
    web_seconds = time.monotonic() - started

    path = tmp_path / "landen.csv"
    path.write_bytes(data)
    del data
    tracemalloc.start()
    try:
        result = runner.invoke(args=["lp", "countries", "import", str(path)])
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.exit_code == 1
    assert f"... and {total - 100} more." in result.output
    assert f"{total} errors; nothing was imported." in result.output
    assert len(result.output.splitlines()) == 102
    assert peak < 50 * 1024 * 1024, f"{peak / 2**20:.0f} MB"
    assert _state(app) == before
    print(f"web {web_seconds:.1f} s, CLI peak {peak / 2**20:.1f} MB")
