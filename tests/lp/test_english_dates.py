"""English pages write dates the British way (06/09/2026, 6 Sept 2026), never m/d/yy.

Defect 8 of issue 11: "Due since 9/6/26" meant 6 September. The interface language
stays "en" (links, the language switch, <html lang>); only the formats are British.
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from lp.reminders.models import Reminder
from lp.web.extensions import db

AMERICAN = re.compile(r"(?<![\d/.-])\d{1,2}/\d{1,2}/\d{2}(?![\d/])")  # 9/6/26, also inside "9/6/26, 9:00 AM"
BRITISH = re.compile(r"\b\d{2}/\d{2}/\d{4}\b|\b\d{1,2} (Jan|Feb|Mar|Apr|May|June|July|Aug|Sept|Oct|Nov|Dec) \d{4}\b")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime(2026, 10, 9, 9, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False):
        yield


@pytest.fixture
def english_desk(app, login_as, make_country, make_request, runner):
    me = login_as("staff", email="kim@example.org", language="en")
    make_country("GN", portfolio_holder_id=me, last_reviewed_on=datetime(2026, 1, 2).date(),
                 missions=[{"name": "Embassy of Guinea", "correspondence_language": "en"}])
    request_id = make_request("GN", submitted_on="2026-09-06")  # reply due 6 October
    assert runner.invoke(args=["lp", "reminders", "sweep"]).exit_code == 0
    with app.app_context():
        reminder_id = db.session.scalar(select(Reminder.id))
    return {"request": request_id, "reminder": reminder_id}


def test_english_pages_show_british_dates(client, english_desk):
    pages = ["/", "/reminders/", f"/reminders/{english_desk['reminder']}", "/requests/",
             f"/requests/{english_desk['request']}", "/reminders/letters/", "/insights/"]
    seen = 0
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        assert '<html lang="en">' in html, url
        text = re.sub(r"<[^>]+>", " ", html)
        assert not AMERICAN.findall(text), (url, AMERICAN.findall(text))
        seen += len(BRITISH.findall(text))
    assert seen > 5
    inbox = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/reminders/").get_data(as_text=True)))
    assert "07/10/2026" in inbox  # due since 7 October: day first
    request_page = client.get(f"/requests/{english_desk['request']}").get_data(as_text=True)
    assert "6 Sept 2026" in request_page  # submitted on
