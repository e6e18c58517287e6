"""Per-country reminder policy: overrides change the rules and are in the history."""

from datetime import date

from countries import services as countries
from lp.requests.models import LpRequest
from lp.web.extensions import db


def test_country_override_moves_the_reply_due_day_and_is_recorded(app, runner, make_country, make_request):
    make_country("GN")
    request_id = make_request("GN", submitted_on="2026-01-05")
    result = runner.invoke(args=["lp", "reminders", "policy", "GN", "--set", "reply_days=45",
                                 "--set", "overdue_level2_days=14"])
    assert result.exit_code == 0, result.output
    assert "reply_days\t45  (this country)" in result.output
    with app.app_context():
        assert db.session.get(LpRequest, request_id).reply_due_on == date(2026, 2, 19)
        change = countries.history(countries.get_country("GN"))[0]
        assert (change.field, change.new_value) == ("reminder_policy", '{"overdue_level2_days": 14, "reply_days": 45}')
    result = runner.invoke(args=["lp", "reminders", "policy", "GN", "--reset", "reply_days"])
    with app.app_context():
        assert db.session.get(LpRequest, request_id).reply_due_on == date(2026, 2, 4)


def test_unknown_policy_names_are_refused(app, runner, make_country):
    make_country("GN")
    result = runner.invoke(args=["lp", "reminders", "policy", "GN", "--set", "lunch_days=3"])
    assert result.exit_code != 0 and "unknown policy values: lunch_days" in result.output
