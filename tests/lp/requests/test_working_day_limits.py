"""A reply limit in working days counts out weekends and Dutch public holidays (issue 14)."""

from __future__ import annotations

from datetime import date

from lp.requests import deadlines
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
