"""A reply limit in working days counts out weekends and Dutch public holidays (issue 14)."""

from __future__ import annotations

from datetime import date

from lp.requests import deadlines, services
from lp.requests.models import LpRequest
from lp.web.extensions import db

#: Friday 19 December 2025: five working days later is Tuesday 30 December (weekends, and
#: Christmas Day and Boxing Day on Thursday and Friday, left out): 11 calendar days.
SUBMITTED = "2025-12-19"


def test_a_working_day_limit_skips_weekends_and_christmas(app, make_country, make_request):
    make_country("XK", missions=[{"name": "Embassy"}], agreements=[
        {"kind": "mou", "title": "Working-day MoU", "in_force_since": date(2020, 1, 1),
         "reply_time_limit_days": 5, "reply_time_limit_unit": "working"}])
    request_id = make_request("XK", submitted_on=SUBMITTED)
    with app.app_context():
        request = db.session.get(LpRequest, request_id)
        assert request.reply_due_on == date(2025, 12, 30)
        assert deadlines.reply_limit_days(request.country, request.submitted_on) == 11


def test_the_same_limit_in_calendar_days_is_five_days(app, make_country, make_request):
    make_country("XK", missions=[{"name": "Embassy"}], agreements=[
        {"kind": "mou", "title": "Calendar-day MoU", "in_force_since": date(2020, 1, 1),
         "reply_time_limit_days": 5, "reply_time_limit_unit": "calendar"}])
    request_id = make_request("XK", submitted_on=SUBMITTED)
    with app.app_context():
        assert db.session.get(LpRequest, request_id).reply_due_on == date(2025, 12, 24)


def test_silence_names_the_agreement_whose_limit_runs_out_first(app, make_country, make_request):
    """Of two silence-is-consent agreements, the one that ends first in calendar days is the basis.

    Submitted Friday 19 December 2025: 8 working days run to 2 January 2026 (14 calendar days, Christmas,
    Boxing Day and New Year left out); the other agreement gives 10 calendar days, so silence is consent
    from 30 December under the calendar-day agreement, although its number (10) is the larger.
    """
    make_country("XK", missions=[{"name": "Embassy"}], agreements=[
        {"kind": "mou", "title": "Working-day MoU", "in_force_since": date(2020, 1, 1),
         "reply_time_limit_days": 8, "reply_time_limit_unit": "working", "silence_is_acceptance": "yes"},
        {"kind": "agreement", "title": "Calendar-day agreement", "in_force_since": date(2020, 1, 1),
         "reply_time_limit_days": 10, "reply_time_limit_unit": "calendar", "silence_is_acceptance": "yes"}])
    request_id = make_request("XK", submitted_on=SUBMITTED)
    with app.app_context():
        request = db.session.get(LpRequest, request_id)
        assert deadlines.deemed_agreed_on(request) == date(2025, 12, 30)
        event = services.apply_transition(request, "agree_handover", {"decided_on": "2025-12-30", "basis": "silence"},
                                          user_id=None)
        db.session.commit()
        assert event.data["agreement"] == "Calendar-day agreement"
