"""The sweep reads the open reminders, not every reminder ever created (issue 19).

Closed reminders pile up with every year of data; the sweep must not read them. A
closed reminder is only read when its subject is due again (it may be reopened).
"""

from datetime import date

import pytest
import time_machine
from sqlalchemy import func, select

from lp.reminders.models import Reminder
from lp.reminders.sweep import sweep
from lp.requests import services
from lp.requests.models import LpRequest
from lp.web.extensions import db

from .conftest import AMSTERDAM

OPEN = 3


def _withdraw(app, request_id: int) -> None:
    with app.test_request_context():
        services.apply_transition(db.session.get(LpRequest, request_id), "withdraw",
                                  {"closure_reason": "absconded", "decided_on": "2026-02-10"}, user_id=None)


def _sweep(app, day: date, count_queries):
    from datetime import datetime

    with time_machine.travel(datetime(day.year, day.month, day.day, 7, tzinfo=AMSTERDAM), tick=False):
        with app.app_context(), count_queries as counter:
            result = sweep(day)
    return result, counter.count


@pytest.mark.parametrize("closed", [4, 24])
def test_the_sweep_reads_the_open_reminders_however_many_closed_ones_exist(app, make_country, make_request,
                                                                          make_user, count_queries, closed):
    holder = make_user(email="holder@example.org", role="staff")
    make_country("GN", portfolio_holder_id=holder, last_reviewed_on=date(2026, 1, 1),
                 missions=[{"name": "Ambassade van Guinee"}])
    ids = [make_request("GN", submitted_on="2026-01-05") for _ in range(OPEN + closed)]
    first, _ = _sweep(app, date(2026, 2, 5), count_queries)
    assert first.created == OPEN + closed  # each request's reply is overdue
    for request_id in ids[OPEN:]:
        _withdraw(app, request_id)  # closes its reminder
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Reminder)
                                 .where(Reminder.closed_at.is_not(None))) == closed

    result, queries = _sweep(app, date(2026, 2, 11), count_queries)

    assert (result.created, result.closed, result.reopened) == (0, 0, 0)
    assert result.requests_checked == OPEN
    assert result.reminders_read == OPEN  # the open ones; none of the closed history
    assert queries == _QUERIES.setdefault("steady", queries)  # the same at both sizes


_QUERIES: dict[str, int] = {}
