"""Request list filters: each narrows the list the way its label says."""

from datetime import date

import pytest

from lp.core.validation import ValidationFailed
from lp.requests import search, services
from lp.requests.models import LpRequest
from lp.web.extensions import db

TODAY = date(2026, 5, 21)  # the detained case (due 25 May, halved) is not yet overdue


@pytest.fixture
def data(app, make_country, make_person, make_request, make_user):
    officer = make_user("officer@example.org", role="staff")
    make_country("GN", missions=[{"name": "Ambassade Guinee"}])
    make_country("MA", missions=[{"name": "Ambassade Marokko"}, {"name": "Consulaat Marokko"}])
    detained = make_person(name="Ali Detained", nationality="MA", in_detention_since="2026-01-01",
                           case_officer="officer@example.org", v_number="1111111111")
    ids = {
        "gn_overdue": make_request("GN", submitted_on="2026-01-05"),
        "gn_recent": make_request("GN", submitted_on="2026-05-20"),
        "ma_detained": make_request("MA", person_id=detained, submitted_on="2026-05-10"),
        "ma_draft": make_request("MA"),
    }
    with app.test_request_context():
        closed = db.session.get(LpRequest, make_request("GN", submitted_on="2026-02-01"))
        services.apply_transition(closed, "refuse", {"refusal_reason": "other", "decided_on": "2026-03-01"},
                                  user_id=None)
        ids["gn_refused"] = closed.id
        ids["officer"] = officer
    return ids


def _ids(app, **args):
    with app.test_request_context():
        return {r.id for r in search.page(search.parse_filters(args), TODAY).items}


def test_filters(app, data):
    assert _ids(app, country="gn") == {data["gn_overdue"], data["gn_recent"], data["gn_refused"]}
    assert _ids(app, status="draft") == {data["ma_draft"]}
    assert _ids(app, state="closed") == {data["gn_refused"]}
    assert _ids(app, overdue="1") == {data["gn_overdue"]}
    assert _ids(app, detention="1") == {data["ma_detained"]}
    assert _ids(app, case_officer=str(data["officer"])) == {data["ma_detained"]}
    assert _ids(app, submitted_from="2026-05-01", submitted_to="2026-05-15") == {data["ma_detained"]}
    with app.app_context():
        consulate = db.session.get(LpRequest, data["ma_detained"]).mission_id
    assert _ids(app, mission=str(consulate)) == {data["ma_detained"], data["ma_draft"]}


def test_search_on_v_number_name_and_reference(app, data):
    assert _ids(app, q="1111111111") == {data["ma_detained"]}
    assert _ids(app, q="ali det") == {data["ma_detained"]}
    with app.app_context():
        reference = db.session.get(LpRequest, data["gn_recent"]).reference
    assert _ids(app, q=reference.lower()) == {data["gn_recent"]}


def test_sorting_and_paging(app, data):
    with app.test_request_context():
        f = search.parse_filters({"sort": "submitted_on", "desc": "0", "per_page": "25"})
        result = search.page(f, TODAY)
        dates = [r.submitted_on for r in result.items]
        assert dates[:4] == sorted(d for d in dates if d)[:4] and dates[-1] is None
        assert result.total == 5 and result.pages == 1


def test_bad_filters_are_refused(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(ValidationFailed) as failed:
            search.parse_filters({"status": "lost", "submitted_from": "yesterday", "per_page": "1000"})
        assert set(failed.value.errors) == {"status", "submitted_from", "per_page"}
