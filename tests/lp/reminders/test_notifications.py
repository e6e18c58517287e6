"""Notifications through a real SMTP server (aiosmtpd): once, in the recipient's language, as each person chose."""

from datetime import datetime

import pytest
import time_machine
from sqlalchemy import func, select

from lp import scheduler
from lp.auth.models import User
from lp.reminders import notifications
from lp.reminders.models import Notification, Reminder
from lp.requests import ownership, services
from lp.requests.models import LpRequest
from lp.web.extensions import db
from tests.conftest import csrf_token_from

from .conftest import AMSTERDAM


@pytest.fixture
def config_overrides(mail_settings):
    return mail_settings


@pytest.fixture
def people(app, make_user, make_country, make_request):
    """Dutch Daan (holder of GN) owns two submitted requests; English Emma and Boss (who reassigns)."""
    daan = make_user("daan@example.org", role="staff", display_name="Daan", language="nl")
    emma = make_user("emma@example.org", role="staff", display_name="Emma", language="en")
    boss = make_user("boss@example.org", role="staff", display_name="Boss")
    make_country("GN", portfolio_holder_id=daan, missions=[{"name": "Ambassade van Guinee"}])
    with time_machine.travel(datetime(2026, 1, 5, 9, 0, tzinfo=AMSTERDAM), tick=False):
        first = make_request("GN", submitted_on="2026-01-05")
        second = make_request("GN", submitted_on="2026-01-05")
    return {"daan": daan, "emma": emma, "boss": boss, "first": first, "second": second}


def _deliver(runner):
    result = runner.invoke(args=["lp", "outbox", "deliver"])
    assert result.exit_code == 0, result.output


def _reassign(app, request_id, owner_id, actor_id):
    with app.test_request_context():
        ownership.reassign(db.session.get(LpRequest, request_id), db.session.get(User, owner_id),
                           db.session.get(User, actor_id) if actor_id else None)


def _reference(app, request_id):
    with app.app_context():
        return db.session.get(LpRequest, request_id).reference


def _set(client, auth, email, **choices):
    auth.login(email)
    page = client.get("/auth/account/notifications").get_data(as_text=True)
    values = {**notifications.preferences_defaults(), **choices}
    response = client.post("/auth/account/notifications", data={**values, "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302, response.get_data(as_text=True)
    auth.logout()


def test_an_assignment_mail_arrives_once_in_the_recipients_language(app, runner, people, smtp_server):
    _reassign(app, people["first"], people["emma"], people["boss"])
    _reassign(app, people["first"], people["daan"], people["boss"])
    _deliver(runner)
    _deliver(runner)
    assert len(smtp_server.messages) == 2
    english, dutch = smtp_server.messages
    reference = _reference(app, people["first"])
    assert english["To"] == "emma@example.org"
    assert english["Subject"] == f"LP-tracker: {reference} is assigned to you"
    assert f"Boss assigned request {reference} to you." in english.get_body(("plain",)).get_content()
    assert dutch["To"] == "daan@example.org"
    assert dutch["Subject"] == f"LP-tracker: {reference} is aan u toegewezen"
    text = dutch.get_body(("plain",)).get_content()
    assert f"Boss heeft aanvraag {reference} aan u toegewezen." in text
    links = [line for line in text.splitlines() if line.startswith("https://")]
    assert links == [f"https://lp.example.org/requests/{people['first']}"]  # one link
    with app.test_request_context():  # the same occasion again (a retry) is not news
        request = db.session.get(LpRequest, people["first"])
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 2
        row = db.session.scalars(select(Notification).where(Notification.user_id == people["daan"])).one()
        assert not notifications.notify(people["daan"], notifications.ASSIGNED, request, row.occasion)
        db.session.commit()
    _deliver(runner)
    assert len(smtp_server.messages) == 2


def test_no_mail_when_i_assign_to_myself_or_chose_none(app, runner, client, auth, people, smtp_server):
    _reassign(app, people["first"], people["emma"], people["emma"])  # took it myself
    _set(client, auth, "boss@example.org", assigned="never")
    _reassign(app, people["second"], people["boss"], people["daan"])
    _deliver(runner)
    assert smtp_server.messages == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


MONDAY_8 = datetime(2026, 3, 9, 8, 0, tzinfo=AMSTERDAM)


def _daily(app, moment):
    with time_machine.travel(moment, tick=False), app.app_context():
        return scheduler.daily_job(moment.date())


def test_the_daily_summary_comes_once_at_8_on_working_days_and_only_with_news(app, runner, client, auth, people,
                                                                              smtp_server):
    _set(client, auth, "emma@example.org", assigned="daily")
    assert _daily(app, MONDAY_8) == "queued 0, already sent 0"  # nothing yet: no mail
    with time_machine.travel(datetime(2026, 3, 13, 15, 0, tzinfo=AMSTERDAM), tick=False):  # Friday afternoon
        _reassign(app, people["first"], people["emma"], people["boss"])
        _reassign(app, people["second"], people["emma"], people["daan"])
        _deliver(runner)
    assert smtp_server.messages == []  # not at once: she chose the summary
    assert _daily(app, datetime(2026, 3, 14, 8, 0, tzinfo=AMSTERDAM)).startswith("skipped")  # Saturday
    assert _daily(app, datetime(2026, 3, 16, 8, 0, tzinfo=AMSTERDAM)) == "queued 1, already sent 0"  # Monday
    assert _daily(app, datetime(2026, 3, 16, 8, 5, tzinfo=AMSTERDAM)) == "queued 0, already sent 0"
    assert _daily(app, datetime(2026, 3, 17, 8, 0, tzinfo=AMSTERDAM)) == "queued 0, already sent 0"
    assert len(smtp_server.messages) == 1
    summary = smtp_server.messages[0]
    assert summary["To"] == "emma@example.org" and summary["Subject"].startswith("LP-tracker daily summary")
    text = summary.get_body(("plain",)).get_content()
    for key in ("first", "second"):
        assert f"assigned request {_reference(app, people[key])} to you." in text
    assert "Boss" in text and "Daan" in text


def test_no_summary_on_a_dutch_holiday(app, client, auth, people, smtp_server):
    _set(client, auth, "emma@example.org", assigned="daily")
    _reassign(app, people["first"], people["emma"], people["boss"])
    assert _daily(app, datetime(2026, 4, 27, 8, 0, tzinfo=AMSTERDAM)).startswith("skipped")  # King's Day
    assert smtp_server.messages == []


def test_a_reminder_reaching_level_3_is_told_once(app, runner, people, sweep_on, smtp_server):
    # Due 4 February; level 2 30 days later, level 3 90 days after that.
    sweep_on("2026-03-10")
    _deliver(runner)
    assert smtp_server.messages == []  # level 2 is no news
    sweep_on("2026-05-06")
    sweep_on("2026-05-07")
    _deliver(runner)
    subjects = sorted(message["Subject"] for message in smtp_server.messages)
    assert subjects == sorted(f"LP-tracker: {_reference(app, people[key])} antwoord te laat, niveau 3"
                              for key in ("first", "second"))
    assert all(message["To"] == "daan@example.org" for message in smtp_server.messages)


def test_one_sweep_tells_each_owner_of_a_level_3_reminder_as_they_chose_in_their_language(
        app, runner, client, auth, make_user, make_request, people, sweep_on, smtp_server):
    """Several owners in one sweep (one batch): each told once, at once or in the summary, or not at all."""
    fleur = make_user("fleur@example.org", role="staff", display_name="Fleur", language="nl")
    gert = make_user("gert@example.org", role="staff", display_name="Gert", language="en")
    gone = make_user("gone@example.org", role="staff", display_name="Gone", language="en")
    _set(client, auth, "fleur@example.org", level3="daily")
    _set(client, auth, "gert@example.org", level3="never")
    owners = {"first": people["daan"], "second": people["daan"], "emma": people["emma"], "fleur": fleur,
              "gert": gert, "gone": gone}
    with time_machine.travel(datetime(2026, 1, 5, 9, 0, tzinfo=AMSTERDAM), tick=False):
        requests = {"first": people["first"], "second": people["second"],
                    **{key: make_request("GN", submitted_on="2026-01-05") for key in ("emma", "fleur", "gert", "gone")}}
    for key in ("emma", "fleur", "gert", "gone"):  # Daan holds GN: he owns the others already
        _reassign(app, requests[key], owners[key], owners[key])  # taken by themselves: no assignment news
    with app.app_context():
        db.session.get(User, gone).active = False
        db.session.commit()
    sweep_on("2026-03-10")
    sweep_on("2026-05-07")  # level 3 for all six requests at once
    _deliver(runner)
    reference = {key: _reference(app, request_id) for key, request_id in requests.items()}
    assert sorted((m["To"], m["Subject"]) for m in smtp_server.messages) == sorted([
        ("daan@example.org", f"LP-tracker: {reference['first']} antwoord te laat, niveau 3"),
        ("daan@example.org", f"LP-tracker: {reference['second']} antwoord te laat, niveau 3"),
        ("emma@example.org", f"LP-tracker: {reference['emma']} reply overdue, level 3"),
    ])
    english = next(m for m in smtp_server.messages if m["To"] == "emma@example.org")
    assert (f"The embassy's reply to request {reference['emma']} is overdue at level 3: escalate to management."
            in english.get_body(("plain",)).get_content())
    with app.app_context():
        level3 = dict(db.session.execute(select(Reminder.request_id, Reminder.id).where(
            Reminder.kind == "reply_overdue", Reminder.level == 3)).all())
        told = sorted(db.session.execute(select(Notification.user_id, Notification.request_id, Notification.occasion,
                                                Notification.mode)).all())
    assert told == sorted([(owner, requests[key], f"reminder:{level3[requests[key]]}",
                            "daily" if key == "fleur" else "immediately")
                           for key, owner in owners.items() if key not in ("gert", "gone")])
    sweep_on("2026-05-07")  # again, the next day, and in full: nothing new to tell
    sweep_on("2026-05-08")
    assert runner.invoke(args=["lp", "reminders", "sweep", "--full", "--as-of", "2026-05-08"]).exit_code == 0
    _deliver(runner)
    assert len(smtp_server.messages) == 3
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)) == len(told)
    assert _daily(app, datetime(2026, 5, 8, 8, 0, tzinfo=AMSTERDAM)) == "queued 1, already sent 0"
    summary = smtp_server.messages[-1]
    assert summary["To"] == "fleur@example.org" and summary["Subject"].startswith("LP-tracker dagoverzicht")
    assert (f"Het antwoord van de ambassade op aanvraag {reference['fleur']} is te laat op niveau 3"
            in summary.get_body(("plain",)).get_content())


def test_an_answer_is_told_to_the_owner_only_when_someone_else_records_it(app, runner, client, auth, people,
                                                                          smtp_server):
    _set(client, auth, "daan@example.org", answer="immediately")
    issue = {"lp_number": "GN-1", "issued_on": "2026-02-20", "valid_until": "2026-04-20"}
    with time_machine.travel(datetime(2026, 2, 23, 9, 0, tzinfo=AMSTERDAM), tick=False), app.test_request_context():
        services.apply_transition(db.session.get(LpRequest, people["first"]), "issue", issue,
                                  user_id=people["daan"])  # my own answer: no news to me
        services.apply_transition(db.session.get(LpRequest, people["second"]), "refuse",
                                  {"refusal_reason": "other", "decided_on": "2026-02-20"}, user_id=people["boss"])
    _deliver(runner)
    assert [m["Subject"] for m in smtp_server.messages] == [
        f"LP-tracker: antwoord vastgelegd op {_reference(app, people['second'])}"]
    assert "Boss heeft het antwoord van de ambassade" in smtp_server.messages[0].get_body(("plain",)).get_content()


def test_an_lp_about_to_expire_goes_into_the_daily_summary_by_default(app, runner, people, sweep_on, smtp_server):
    with time_machine.travel(datetime(2026, 2, 23, 9, 0, tzinfo=AMSTERDAM), tick=False), app.test_request_context():
        services.apply_transition(db.session.get(LpRequest, people["first"]), "issue",
                                  {"lp_number": "GN-1", "issued_on": "2026-02-20", "valid_until": "2026-03-20"},
                                  user_id=people["boss"])
    sweep_on("2026-03-10")
    _deliver(runner)
    immediate = [m["Subject"] for m in smtp_server.messages]
    assert immediate == []  # the answer and the expiry are both "daily" by default
    assert _daily(app, datetime(2026, 3, 11, 8, 0, tzinfo=AMSTERDAM)) == "queued 1, already sent 0"
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    reference = _reference(app, people["first"])
    assert f"Het LP van aanvraag {reference} is geldig tot 20 mrt 2026 en er is geen vertrek vastgelegd." in text
    assert f"Boss heeft het antwoord van de ambassade op aanvraag {reference} vastgelegd: LP afgegeven." in text


def test_the_settings_page_shows_the_defaults_and_refuses_nonsense(app, client, login_as):
    login_as("staff", email="me@example.org")
    page = client.get("/auth/account/notifications").get_data(as_text=True)
    assert "Meldingen" in page
    radio = '<input checked class="form-check-input" id="{}" name="{}" type="radio" value="{}">'
    assert radio.format("assigned-0", "assigned", "immediately") in page
    assert radio.format("answer-1", "answer", "daily") in page
    response = client.post("/auth/account/notifications", data={
        "assigned": "hourly", "level3": "never", "answer": "daily", "lp_expiring": "daily",
        "csrf_token": csrf_token_from(page)})
    assert response.status_code == 422
    assert "Kies direct, in het dagoverzicht of helemaal niet." in response.get_data(as_text=True)
    with app.app_context():
        user_id = db.session.scalars(select(User.id).where(User.email == "me@example.org")).one()
        assert notifications.preferences(user_id)["level3"] == "immediately"  # nothing saved
    assert "Meldingen instellen" in client.get("/auth/account").get_data(as_text=True)


def test_two_summary_runs_at_once_queue_one_mail(app, client, auth, people):
    from lp.mail.models import OutboxMail

    from .test_concurrency_and_scheduler import _in_parallel

    _set(client, auth, "emma@example.org", assigned="daily")
    _reassign(app, people["first"], people["emma"], people["boss"])
    _in_parallel(app, lambda: notifications.send_daily(MONDAY_8.date()))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 1
        assert db.session.scalars(select(Notification.summarised_on)).all() == [MONDAY_8.date()]
