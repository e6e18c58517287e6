"""Defect 15 of issue 11: changing a country's agreements moves the due dates of its open requests.

``countries`` sends ``profile_changed`` (lp.core.signals) for every saved profile change;
the requests package recomputes ``reply_due_on`` of that country's requests awaiting an
answer, in the same transaction, and puts each move on the request's timeline.
Through the form, the API and the CSV import.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from countries import csv_format, csv_import
from countries.models import Agreement, Country
from countries.services import get_country
from lp.requests.models import LpRequest, RequestEvent
from lp.web.extensions import db
from tests.lp.requests.form_html import form_values
from tests.lp.requests.test_views import _page

SUBMITTED = "2026-11-01"


@pytest.fixture
def cases(app, make_country, make_request):
    """Guinea with a 30-day agreement: a submitted, a draft and a refused request; Mali's one."""
    make_country("GN", name_nl="Guinee", agreements=[{"kind": "mou", "title": "Werkafspraken",
                                                      "in_force_since": date(2000, 1, 1), "reply_time_limit_days": 30}],
                 missions=[{"name": "Ambassade van Guinee"}])
    make_country("ML", name_nl="Mali", agreements=[{"kind": "mou", "title": "Afspraken",
                                                     "in_force_since": date(2000, 1, 1), "reply_time_limit_days": 30}])
    ids = {"open": make_request("GN", submitted_on=SUBMITTED), "draft": make_request("GN"),
           "refused": make_request("GN", submitted_on=SUBMITTED), "other": make_request("ML", submitted_on=SUBMITTED)}
    from lp.requests import services
    with app.test_request_context():
        services.apply_transition(db.session.get(LpRequest, ids["refused"]), "refuse",
                                  {"refusal_reason": "other", "decided_on": "2026-11-10"}, user_id=None)
        ids["agreement"] = get_country("GN").agreements[0].id
    return ids


def _due(app, ids) -> dict[str, date | None]:
    with app.app_context():
        return {key: db.session.get(LpRequest, ids[key]).reply_due_on for key in ("open", "draft", "refused", "other")}


def _moves(app, request_id: int) -> list[dict]:
    with app.app_context():
        return list(db.session.scalars(select(RequestEvent.data).where(
            RequestEvent.request_id == request_id, RequestEvent.kind == "due_date")))


def test_the_agreement_form_moves_the_due_date_of_open_requests(app, client, login_as, cases):
    before = _due(app, cases)
    assert before["open"] == date(2026, 12, 1)
    login_as("staff", display_name="Sanne Staf")
    url = f"/countries/GN/agreements/{cases['agreement']}/edit"
    shown, _boxes = form_values(_page(client, url), "")
    assert shown["reply_time_limit_days"] == "30"
    assert client.post(url, data={**shown, "reply_time_limit_days": "60"}).status_code == 302
    after = _due(app, cases)
    assert after == {**before, "open": date(2026, 12, 31)}  # only the open, submitted request of Guinea
    assert _moves(app, cases["open"]) == [{"changes": {"reply_due_on": ["2026-12-01", "2026-12-31"]}}]
    assert _moves(app, cases["refused"]) == [] and _moves(app, cases["other"]) == []
    timeline = _page(client, f"/requests/{cases['open']}")
    assert "Uiterste antwoorddatum verschoven: het landenprofiel is gewijzigd" in timeline
    assert "1 dec 2026 → 31 dec 2026" in timeline and "Sanne Staf" in timeline


def test_adding_a_shorter_agreement_brings_the_date_forward(app, client, login_as, cases):
    login_as("staff")
    url = "/countries/GN/agreements/new"
    shown, _boxes = form_values(_page(client, url), "")
    response = client.post(url, data={**shown, "kind": "eu_readmission", "title": "EU-overeenkomst",
                                      "in_force_since": "2020-01-01", "reply_time_limit_days": "15"})
    assert response.status_code == 302
    assert _due(app, cases)["open"] == date(2026, 11, 16)


def test_the_csv_import_moves_the_due_date(app, cases, make_user):
    user_id = make_user("import@example.org", role="staff")
    with app.app_context():
        exported = csv_format.write_csv(db.session.scalars(csv_format.with_items(select(Country))), ";")
    text = exported.decode("utf-8-sig")
    header = text.splitlines()[0].split(";")
    lines = text.splitlines()
    column = header.index("agreement_1_reply_time_limit_days")
    changed = []
    for line in lines[1:]:
        cells = line.split(";")
        if cells[0] == "GN":
            cells[column] = "45"
        changed.append(";".join(cells))
    data = ("\ufeff" + "\r\n".join([lines[0], *changed]) + "\r\n").encode()
    with app.test_request_context():
        plan = csv_import.plan_import(data)
        assert csv_import.apply_import(data, plan.versions, user_id=user_id) == 1
    assert _due(app, cases)["open"] == date(2026, 12, 16)
    assert _moves(app, cases["open"]) == [{"changes": {"reply_due_on": ["2026-12-01", "2026-12-16"]}}]


def test_a_profile_change_through_the_api_brings_a_stale_date_up_to_date(app, client, bearer, cases):
    # A due date left behind by an agreement changed before this fix (the agreement is
    # changed under the application's feet here): the next saved change puts it right.
    with app.app_context():
        db.session.execute(update(Agreement).where(Agreement.id == cases["agreement"]).values(reply_time_limit_days=20))
        db.session.commit()
    headers = bearer("staff")
    version = client.get("/api/v1/countries/GN", headers=headers).json["version"]
    response = client.patch("/api/v1/countries/GN", headers=headers, json={"version": version, "notes": "Bijgewerkt"})
    assert response.status_code == 200, response.json
    assert _due(app, cases)["open"] == date(2026, 11, 21)
    body = client.get(f"/api/v1/requests/{cases['open']}/events", headers=headers).json
    assert body["items"][-1]["kind"] == "due_date"


def test_a_refused_profile_change_moves_nothing(app, client, login_as, cases):
    login_as("staff")
    url = f"/countries/GN/agreements/{cases['agreement']}/edit"
    shown, _boxes = form_values(_page(client, url), "")
    stale = {**shown, "version": str(int(shown["version"]) - 1), "reply_time_limit_days": "60"}
    assert client.post(url, data=stale).status_code == 409
    assert _due(app, cases)["open"] == date(2026, 12, 1) and _moves(app, cases["open"]) == []
