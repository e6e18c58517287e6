"""Helpers for the reminder tests: run the real sweep command on a frozen day."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from lp.reminders.models import Reminder
from lp.web.extensions import db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def sweep_on(app, runner):
    """Run ``lp reminders sweep`` with the clock frozen at 07:00 on ``day``; return open reminders."""

    def run(day: str) -> set[tuple[str, int]]:
        moment = datetime.fromisoformat(day).replace(hour=7, tzinfo=AMSTERDAM)
        with time_machine.travel(moment, tick=False):
            result = runner.invoke(args=["lp", "reminders", "sweep"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            return {(r.kind, r.level) for r in db.session.scalars(
                select(Reminder).where(Reminder.closed_at.is_(None)))}

    return run
