"""LP validity (issue 14): a validity beyond the country's usual one is asked about, and an
issued LP with fewer days left than the flight lead time says "book the flight now"."""

import pytest

from lp.core.validation import ValidationFailed
from lp.requests import plausible, services
from lp.requests.models import LpRequest
from lp.web.extensions import db


def _issue(app, request_id, valid_until, **extra):
    with app.test_request_context():
        services.apply_transition(db.session.get(LpRequest, request_id), "issue",
                                  {"lp_number": "LP-1", "issued_on": "2026-02-01", "valid_until": valid_until},
                                  user_id=None, **extra)


def test_a_validity_beyond_the_usual_one_needs_a_confirmation(app, make_country, make_request):
    make_country("GN", lp_validity_days=30)
    usual = make_request("GN", submitted_on="2026-01-05")
    longer = make_request("GN", submitted_on="2026-01-05")
    _issue(app, usual, "2026-03-03")  # 30 days: as usual
    with pytest.raises(ValidationFailed) as asked:
        _issue(app, longer, "2026-03-04")  # 31 days
    assert plausible.CONFIRM_FIELD in asked.value.errors
    _issue(app, longer, "2026-03-04", unusual_confirmed=True)
    with app.app_context():
        assert [db.session.get(LpRequest, r).status for r in (usual, longer)] == ["issued", "issued"]


def test_book_the_flight_fourteen_days_before_expiry_by_default(app, make_country, make_request, sweep_on):
    make_country("GN")
    request_id = make_request("GN", submitted_on="2026-01-05")
    _issue(app, request_id, "2026-03-31")
    assert ("book_flight", 1) not in sweep_on("2026-03-16")
    assert ("book_flight", 1) in sweep_on("2026-03-17")


def test_the_country_profile_sets_its_own_flight_lead_time(app, make_country, make_request, sweep_on):
    make_country("GN", flight_lead_days=21)
    request_id = make_request("GN", submitted_on="2026-01-05")
    _issue(app, request_id, "2026-03-31")
    assert ("book_flight", 1) not in sweep_on("2026-03-09")
    assert ("book_flight", 1) in sweep_on("2026-03-10")
    with app.test_request_context():
        services.apply_transition(db.session.get(LpRequest, request_id), "record_departure",
                                  {"departed_on": "2026-03-12"}, user_id=None)
    assert ("book_flight", 1) not in sweep_on("2026-03-12")  # departed: nothing left to book
