"""Reminder letters per mission: exactly its overdue requests, in its language, recorded once."""

import re
from datetime import datetime

import pytest
import time_machine
from sqlalchemy import select

from lp.requests import services
from lp.requests.models import LpRequest, RequestEvent
from lp.web.extensions import db
from tests.conftest import csrf_token_from

from .conftest import AMSTERDAM


@pytest.fixture(autouse=True)
def frozen():
    """Every test here runs on Tuesday 10 March 2026."""
    with time_machine.travel(datetime(2026, 3, 10, 9, tzinfo=AMSTERDAM), tick=False):
        yield


@pytest.fixture
def world(app, login_as, make_country, make_person, make_request):
    """Senegal (French letters) and Ghana (English): overdue, not yet due and closed requests."""
    login_as("staff")
    make_country("SN", missions=[{"name": "Ambassade du Sénégal", "city": "Bruxelles",
                                  "correspondence_language": "fr"}])
    make_country("GH", name_en="Ghana", name_nl="Ghana",
                 missions=[{"name": "Embassy of Ghana", "city": "The Hague", "correspondence_language": "en"}])
    person = make_person(name="Awa <script>alert(1)</script> Diop", nationality="SN", date_of_birth="1990-04-02")
    ids = {
        "overdue": make_request("SN", person_id=person, submitted_on="2026-01-05"),  # due 4 Feb
        "overdue2": make_request("SN", submitted_on="2026-01-20"),  # due 19 Feb
        "not_due": make_request("SN", submitted_on="2026-03-01"),
        "closed": make_request("SN", submitted_on="2026-01-05"),
        "ghana": make_request("GH", submitted_on="2026-01-05"),
    }
    with app.test_request_context():
        services.apply_transition(db.session.get(LpRequest, ids["closed"]), "refuse",
                                  {"refusal_reason": "other", "decided_on": "2026-03-02"}, user_id=None)
        requests = {key: db.session.get(LpRequest, rid) for key, rid in ids.items()}
        return {
            "ids": ids,
            "refs": {key: r.reference for key, r in requests.items()},
            "sn": requests["overdue"].mission_id,
            "gh": requests["ghana"].mission_id,
        }


def _letter(client, mission_id):
    response = client.get(f"/reminders/letters/{mission_id}")
    assert response.status_code == 200
    return " ".join(response.get_data(as_text=True).split())  # the letter's lines wrap anywhere


def _contacts(app, request_id):
    with app.app_context():
        return db.session.scalars(select(RequestEvent).where(RequestEvent.request_id == request_id,
                                                             RequestEvent.kind == "contact")).all()


def _post_shown(client, mission_id, html, **extra):
    shown = re.findall(r'name="shown" value="([^"]+)"', html)
    return client.post(f"/reminders/letters/{mission_id}/sent",
                       data={"shown": shown, "csrf_token": csrf_token_from(html), **extra})


def _confirm(client, mission_id, html):
    """Press "Confirm the letter was sent", then the confirmation page's button, as a person does."""
    step = _post_shown(client, mission_id, html)
    if step.status_code != 200:
        return step
    page = step.get_data(as_text=True)
    assert 'name="confirmed" value="1"' in page
    return _post_shown(client, mission_id, page, confirmed="1")





def test_the_letter_lists_exactly_the_missions_overdue_requests_in_french(client, world):
    html = _letter(client, world["sn"])
    assert "présente ses compliments à l’Ambassade du Sénégal et a l’honneur de lui rappeler" in html
    assert "les assurances de sa haute considération" in html
    assert "La Haye, le 10 mars 2026" in html
    refs = world["refs"]
    assert refs["overdue"] in html and refs["overdue2"] in html
    assert refs["not_due"] not in html and refs["closed"] not in html and refs["ghana"] not in html
    assert "02/04/1990" in html  # date of birth, written the French way
    assert "Bevestigen dat de brief is verzonden" in html  # the buttons stay in the UI language


def test_the_letter_of_an_english_speaking_mission_is_in_english(client, world):
    html = _letter(client, world["gh"])
    assert "presents its compliments to the Embassy of Ghana" in html
    assert "The Hague, 10 March 2026" in html
    assert world["refs"]["ghana"] in html and world["refs"]["overdue"] not in html


def test_the_letters_page_lists_missions_with_their_overdue_counts(client, world):
    response = client.get("/reminders/letters/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    row = re.search(r"Ambassade du Sénégal.*?</tr>", html, re.S).group(0)
    assert re.search(r'<td class="text-end">2</td>', row)
    assert "Embassy of Ghana" in html


def test_confirming_records_one_note_verbale_on_each_listed_request_only(app, client, world):
    response = _confirm(client, world["sn"], _letter(client, world["sn"]))
    assert response.status_code == 302
    assert "Herinneringsbrief vastgelegd als nota verbale bij 2 aanvragen." in client.get(
        response.headers["Location"]).get_data(as_text=True)
    for key in ("overdue", "overdue2"):
        events = _contacts(app, world["ids"][key])
        assert len(events) == 1
        assert events[0].data["contact_kind"] == "note_verbale"
        assert events[0].note == "Herinneringsbrief verzonden (2 aanvragen)"
    for key in ("not_due", "closed", "ghana"):
        assert _contacts(app, world["ids"][key]) == []


def test_a_letter_whose_requests_changed_meanwhile_is_refused(app, client, world):
    html = _letter(client, world["sn"])
    with app.test_request_context():  # someone records the embassy's reference on one of them
        request = db.session.get(LpRequest, world["ids"]["overdue"])
        services.update_details(request, {"embassy_reference": "SN/2026/77"}, user_id=None,
                                expected_version=request.version)
    response = _confirm(client, world["sn"], html)
    assert response.status_code == 409
    assert "Er is niets vastgelegd" in response.get_data(as_text=True)
    assert "SN/2026/77" in response.get_data(as_text=True)  # the current letter is shown again
    assert all(_contacts(app, rid) == [] for rid in world["ids"].values())


def test_confirming_the_same_letter_twice_records_it_once(app, client, world):
    html = _letter(client, world["sn"])
    assert _confirm(client, world["sn"], html).status_code == 302
    assert _confirm(client, world["sn"], html).status_code == 409
    assert len(_contacts(app, world["ids"]["overdue"])) == 1


def test_a_viewer_may_read_the_letter_but_not_confirm_it(app, client, auth, make_user, world):
    auth.logout()
    make_user("viewer@example.org", role="viewer")
    auth.login("viewer@example.org")
    html = _letter(client, world["sn"])
    assert "Bevestigen dat de brief is verzonden" not in html
    response = client.post(f"/reminders/letters/{world['sn']}/sent",
                           data={"shown": [], "csrf_token": csrf_token_from(html)})
    assert response.status_code == 403


def test_a_stored_script_in_a_name_is_escaped_in_the_letter(client, world):
    html = _letter(client, world["sn"])
    assert "<script>alert(1)</script>" not in html
    assert "Awa &lt;script&gt;alert(1)&lt;/script&gt; Diop" in html


@pytest.fixture
def nigeria(app, login_as, make_country, make_request):
    """Nigeria's embassy in The Hague and consulate-general in Brussels, recorded in Dutch."""
    def make(language: str) -> dict[str, int]:
        login_as("staff", email=f"staff-{language}@example.org")
        make_country("NG", name_nl="Nigeria", name_en="Nigeria", missions=[
            {"name": "Ambassade van Nigeria", "city": "Den Haag", "address": "Wagenaarweg 5\n2597 LL Den Haag",
             "correspondence_language": language},
            {"name": "Consulaat-generaal van Nigeria", "kind": "consulate", "city": "Brussel", "located_in": "BE",
             "address": "Avenue Louise 12\n1050 Brussel", "correspondence_language": language},
        ])
        make_request("NG", submitted_on="2026-01-05")
        to_brussels = make_request("NG", submitted_on="2026-01-05")
        from countries.models import Mission

        with app.app_context():
            missions = {m.city: m.id for m in db.session.scalars(select(Mission))}
            db.session.get(LpRequest, to_brussels).mission_id = missions["Brussel"]
            db.session.commit()
        return missions
    return make


def _address(client, mission_id) -> list[str]:
    html = client.get(f"/reminders/letters/{mission_id}").get_data(as_text=True)
    block = re.search(r'<address class="letter-addressee[^"]*">(.*?)</address>', html, re.S).group(1)
    return [line.strip() for line in block.splitlines() if line.strip()]


def _article(client, mission_id) -> str:
    html = client.get(f"/reminders/letters/{mission_id}").get_data(as_text=True)
    return re.search(r'<article class="letter".*?</article>', html, re.S).group(0)


@pytest.mark.parametrize("language, embassy, consulate", [
    ("nl", ["Ambassade van Nigeria", "Wagenaarweg 5", "2597 LL Den Haag"],
     ["Consulaat-generaal van Nigeria", "Avenue Louise 12", "1050 Brussel", "België"]),
    ("en", ["Embassy of Nigeria", "Wagenaarweg 5", "2597 LL The Hague"],
     ["Consulate-General of Nigeria", "Avenue Louise 12", "1050 Brussels", "Belgium"]),
    ("fr", ["Ambassade du Nigeria", "Wagenaarweg 5", "2597 LL La Haye"],
     ["Consulat général du Nigeria", "Avenue Louise 12", "1050 Bruxelles", "Belgique"]),
])
def test_the_whole_letter_and_its_address_are_in_the_letters_language(app, client, nigeria, language, embassy,
                                                                       consulate):
    """Defect 9 of issue 11: English and French letters were addressed "Ambassade van Nigeria … Den Haag / Den Haag"."""
    missions = nigeria(language)
    assert _address(client, missions["Den Haag"]) == embassy  # the city once
    assert _address(client, missions["Brussel"]) == consulate
    if language != "nl":
        letter = _article(client, missions["Den Haag"])
        for dutch in ("Ambassade van", "Den Haag", "Brussel", "Ons kenmerk"):
            assert dutch not in letter


def _reminder_states(app):
    from lp.reminders.models import Reminder

    with app.app_context():
        return {r.id: (r.request_id, r.level, r.acknowledged_at, r.acknowledged_by_id, r.note, r.closed_at)
                for r in db.session.scalars(select(Reminder))}


def _events(app, request_id):
    with app.app_context():
        return [(e.kind, (e.data or {}).get("contact_kind")) for e in db.session.scalars(
            select(RequestEvent).where(RequestEvent.request_id == request_id).order_by(RequestEvent.id))]


def test_sending_asks_to_confirm_with_the_count_and_the_requests_first(app, client, world):
    """Defect 10 of issue 11: one click recorded a note verbale on 8 requests, without confirmation."""
    step = _post_shown(client, world["sn"], _letter(client, world["sn"]))
    assert step.status_code == 200
    page = " ".join(step.get_data(as_text=True).split())
    assert "De brief wordt als nota verbale vastgelegd bij 2 aanvragen:" in page
    assert world["refs"]["overdue"] in page and world["refs"]["overdue2"] in page
    assert world["refs"]["not_due"] not in page
    assert "Vastleggen bij 2 aanvragen" in page and f'href="/reminders/letters/{world["sn"]}">Annuleren' in page
    assert all(_contacts(app, rid) == [] for rid in world["ids"].values())  # nothing recorded yet


def test_a_letter_is_undone_the_same_day_with_a_reversal_and_the_reminders_as_before(app, client, runner, world):
    assert runner.invoke(args=["lp", "reminders", "sweep"]).exit_code == 0
    before = _reminder_states(app)
    open_levels = sorted(level for request_id, level, ack, *_ in before.values()
                         if request_id in (world["ids"]["overdue"], world["ids"]["overdue2"]) and ack is None)
    assert open_levels == [1, 2]  # level 2 for the older request, level 1 for the other
    assert _confirm(client, world["sn"], _letter(client, world["sn"])).status_code == 302
    acknowledged = [state for state in _reminder_states(app).values() if state[2] is not None]
    assert len(acknowledged) == 2  # the letter answers both reminders

    index = client.get("/reminders/letters/").get_data(as_text=True)
    assert "Vandaag vastgelegd" in index
    undo = re.search(r'action="(/reminders/letters/sent/\d+/undo)"', index).group(1)
    response = client.post(undo, data={"csrf_token": csrf_token_from(index)})
    assert response.status_code == 302
    assert "Herinneringsbrief ongedaan gemaakt bij 2 aanvragen" in client.get(
        response.headers["Location"]).get_data(as_text=True)

    assert _reminder_states(app) == before  # the reminders are as they were
    for key in ("overdue", "overdue2"):  # nothing deleted: the note verbale, then its reversal
        assert _events(app, world["ids"][key])[-2:] == [("contact", "note_verbale"), ("reversal", "note_verbale")]
    timeline = client.get(f"/requests/{world['ids']['overdue']}").get_data(as_text=True)
    assert "Vastlegging ongedaan gemaakt (per vergissing vastgelegd)" in timeline
    again = client.post(undo, data={"csrf_token": csrf_token_from(index)})
    assert again.status_code == 409 and "al ongedaan gemaakt" in again.get_data(as_text=True)
    assert "Vandaag vastgelegd" not in client.get("/reminders/letters/").get_data(as_text=True)
    # The letter can be sent and recorded again after the undo.
    assert _confirm(client, world["sn"], _letter(client, world["sn"])).status_code == 302


def test_a_letter_cannot_be_undone_the_next_day(app, client, world):
    from tests.conftest import Auth

    assert _confirm(client, world["sn"], _letter(client, world["sn"])).status_code == 302
    undo = re.search(r'action="(/reminders/letters/sent/\d+/undo)"',
                     client.get("/reminders/letters/").get_data(as_text=True)).group(1)
    with time_machine.travel(datetime(2026, 3, 11, 9, tzinfo=AMSTERDAM), tick=False):
        tomorrow = app.test_client()
        Auth(tomorrow).login("staff@example.org")
        index = tomorrow.get("/reminders/letters/").get_data(as_text=True)
        assert "Vandaag vastgelegd" not in index
        response = tomorrow.post(undo, data={"csrf_token": csrf_token_from(index)})
        assert response.status_code == 409
        assert "alleen ongedaan maken op de dag" in response.get_data(as_text=True)
    assert [kind for kind, _c in _events(app, world["ids"]["overdue"])].count("reversal") == 0


def _pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def test_the_letter_downloads_as_a_real_pdf_in_the_missions_language(client, world):
    response = client.get(f"/reminders/letters/{world['sn']}/letter.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert 'filename=nota-verbale-' in response.headers["Content-Disposition"]
    text = _pdf_text(response.data)
    assert "Ambassade du Sénégal" in text and world["refs"]["overdue"] in text and "10 mars 2026" in text


def test_the_pdf_letter_logs_each_person_it_lists(app, client, world):
    from lp.persons.views_log import views_query

    client.get(f"/reminders/letters/{world['sn']}/letter.pdf")
    with app.app_context():
        listed = {db.session.get(LpRequest, world["ids"][key]).person_id for key in ("overdue", "overdue2")}
        logged = {(e.subject_id, e.details["path"]) for e in db.session.scalars(views_query())}
    assert {(person, f"/reminders/letters/{world['sn']}/letter.pdf") for person in listed} <= logged


def test_confirming_with_the_pdf_attaches_the_letter_to_each_listed_request(app, client, world):
    from lp.files.models import Attachment

    step = _post_shown(client, world["sn"], _letter(client, world["sn"]))
    page = step.get_data(as_text=True)
    assert 'name="attach_pdf"' in page and "checked" in page
    response = _post_shown(client, world["sn"], page, confirmed="1", attach_pdf="1")
    assert response.status_code == 302
    with app.app_context():
        attachments = db.session.scalars(select(Attachment).order_by(Attachment.request_id)).all()
        assert sorted(a.request_id for a in attachments) == sorted([world["ids"]["overdue"], world["ids"]["overdue2"]])
        assert len({a.sha256 for a in attachments}) == 1  # one letter, stored once
        for attachment in attachments:
            [event] = _contacts(app, attachment.request_id)
            assert attachment.event_id == event.id and attachment.content_type == "application/pdf"
    request_page = client.get(f"/requests/{world['ids']['overdue']}").get_data(as_text=True)
    assert "Bijgevoegd:" in request_page and attachments[0].filename in request_page
    download = client.get(f"/files/{attachments[0].id}/download")
    assert download.data.startswith(b"%PDF-") and world["refs"]["overdue2"] in _pdf_text(download.data)
