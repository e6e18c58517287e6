"""Removing a mission that LP requests are addressed to: refused, and ids are never reused.

The hole it closes: the Suriname consulate (two requests) was removed, a mission was
added to Morocco, and SQLite gave it the removed consulate's id: the two requests, and
the note verbale listing their names, went to the Moroccan consulate.
"""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from countries.models import Mission
from lp.requests.models import LpRequest
from lp.web.extensions import db
from tests.conftest import csrf_token_from, post_form

CONSULATE = "Consulaat van Suriname te Rotterdam"


def _mission_form(name: str, version: int) -> dict[str, str]:
    return {"kind": "consulate", "name": name, "city": "Rotterdam", "located_in": "NL", "address": "",
            "email": "", "phone": "", "contact_person": "", "correspondence_language": "nl",
            "version": str(version)}


def _version(app, alpha2: str) -> int:
    from countries.services import get_country

    with app.app_context():
        return get_country(alpha2).version


def _mission_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Mission.id).where(Mission.name == name))


@pytest.fixture
def suriname_with_two_requests(app, make_country, make_request) -> list[int]:
    make_country("SR", name_nl="Suriname", missions=[{"name": CONSULATE, "kind": "consulate"}])
    make_country("MA", name_nl="Marokko")
    return [make_request("SR", submitted_on=date(2026, 10, 1)) for _ in range(2)]


def _references(app, request_ids: list[int]) -> list[str]:
    with app.app_context():
        return [db.session.get(LpRequest, rid).reference for rid in request_ids]


def test_a_mission_with_requests_is_not_removed_and_a_new_mission_never_gets_an_old_id(
        app, client, login_as, suriname_with_two_requests):
    login_as("staff")
    requests = suriname_with_two_requests
    consulate = _mission_id(app, CONSULATE)

    remove_url = f"/countries/SR/missions/{consulate}/remove"
    refused = post_form(client, remove_url, {"version": _version(app, "SR")})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Dit kan niet worden verwijderd: het is nog in gebruik. Er is niets gewijzigd." in page
    assert "2 LP-aanvragen zijn aan deze vertegenwoordiging gericht" in page
    assert all(reference in page for reference in _references(app, requests))
    with app.app_context():
        assert db.session.get(Mission, consulate) is not None
        assert {db.session.get(LpRequest, rid).mission_id for rid in requests} == {consulate}

    # A mission nobody uses goes; the next mission anywhere gets an id never used before.
    assert post_form(client, "/countries/SR/missions/new",
                     _mission_form("Ambassade van Suriname", _version(app, "SR"))).status_code == 302
    unused = _mission_id(app, "Ambassade van Suriname")
    assert post_form(client, f"/countries/SR/missions/{unused}/remove",
                     {"version": _version(app, "SR")}).status_code == 302
    assert post_form(client, "/countries/MA/missions/new",
                     _mission_form("Consulaat van Marokko te Rotterdam", _version(app, "MA"))).status_code == 302
    moroccan = _mission_id(app, "Consulaat van Marokko te Rotterdam")
    assert moroccan > unused > consulate

    for request_id in requests:
        shown = client.get(f"/requests/{request_id}").get_data(as_text=True)
        assert CONSULATE in shown and "Marokko" not in shown


def test_removing_the_last_request_free_mission_is_still_possible(app, client, login_as, make_country,
                                                                  make_request):
    """Reminders of a request that moved to another mission do not keep the old one."""
    from lp.reminders.models import Reminder
    from lp.requests import services

    make_country("SR", missions=[{"name": CONSULATE}, {"name": "Ambassade"}])
    request_id = make_request("SR", submitted_on=date(2025, 1, 6))
    login_as("staff")
    with app.test_request_context():
        request = db.session.get(LpRequest, request_id)
        old, new = request.country.missions
        db.session.add(Reminder(subject=f"request:{request_id}", kind="reply_overdue", level=1,
                                request_id=request_id, country_id=request.country_id, mission_id=old.id,
                                due_since=date(2025, 2, 5)))
        db.session.commit()
        services.update_details(request, {"mission": new}, user_id=None, expected_version=request.version)
        old_id, new_id = old.id, new.id

    response = post_form(client, f"/countries/SR/missions/{old_id}/remove", {"version": _version(app, "SR")})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Mission, old_id) is None
        assert db.session.scalars(select(Reminder.mission_id)).all() == [new_id]


def _export(app) -> bytes:
    from countries import csv_format
    from countries.models import Country

    with app.app_context():
        return csv_format.write_csv(db.session.scalars(csv_format.with_items(select(Country))), ";")


def _without_missions(data: bytes) -> bytes:
    """The export with every mission column left out, as a spreadsheet user might save it."""
    import csv

    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    keep = [i for i, name in enumerate(rows[0]) if not name.startswith("mission_")]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([row[i] for i in keep])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def test_a_csv_import_without_the_mission_is_refused_per_row_and_changes_nothing(
        app, client, login_as, runner, tmp_path, suriname_with_two_requests):
    login_as("staff")
    consulate = _mission_id(app, CONSULATE)
    data = _without_missions(_export(app))
    versions = {code: _version(app, code) for code in ("SR", "MA")}

    token = csrf_token_from(client.get("/countries/csv/import").get_data(as_text=True))
    response = client.post("/countries/csv/import", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO(data), "landen.csv")})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r"Rij \d+ \(SR\)", page)
    assert "„Consulaat van Suriname te Rotterdam” staat niet in het bestand, maar kan niet worden " \
           "verwijderd." in page
    assert "2 LP-aanvragen zijn aan deze vertegenwoordiging gericht" in page

    path = tmp_path / "landen.csv"
    path.write_bytes(data)
    result = runner.invoke(args=["lp", "countries", "import", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert re.search(r"Row \d+ \(SR\)", result.output)
    assert ("“Consulaat van Suriname te Rotterdam” is not in the file, but it cannot be "
            "removed. 2 LP requests are addressed to this mission") in result.output
    with app.app_context():
        assert db.session.get(Mission, consulate) is not None
    assert {code: _version(app, code) for code in ("SR", "MA")} == versions
