"""Presentation days through the app: planning, adding requests (and their group), results, day list, feed."""

from __future__ import annotations

import re
from datetime import date, timedelta

import icalendar
import pytest
from sqlalchemy import select

from lp.web.extensions import db
from tests.conftest import app_today, csrf_token_from, post_form

TODAY = app_today()


@pytest.fixture
def mission(app, make_country) -> int:
    from countries.models import Mission

    make_country("GN", name_nl="Guinee", name_en="Guinea",
                 missions=[{"name": "Ambassade van Guinee", "city": "Den Haag"}])
    make_country("ML", missions=[{"name": "Ambassade van Mali", "city": "Brussel"}])
    with app.app_context():
        return db.session.scalar(select(Mission.id).where(Mission.name == "Ambassade van Guinee"))


@pytest.fixture
def three(make_person, make_request, mission) -> list[int]:
    """Three submitted requests to the Guinean embassy, of three persons (one detained)."""
    detained = (TODAY - timedelta(days=20)).isoformat()
    people = [make_person(name="Amadou Diallo", v_number="1000000001", nationality="GN", in_detention_since=detained),
              make_person(name="Fatou Diallo", v_number="1000000002", nationality="GN"),
              make_person(name="Ibrahima Sow", v_number="1000000003", nationality="GN")]
    return [make_request("GN", person_id=p, submitted_on=(TODAY - timedelta(days=40)).isoformat()) for p in people]


def _plan(client, mission: int, *, on: date = TODAY, **extra):
    data = {"starts_at": f"{on.isoformat()}T10:00", "place": "Ambassade, Den Haag", "interpreter": "Mw. Bah (Fula)",
            "transport_by": "DV&O team Noord", "detention_centre": "DC Rotterdam", "notes": "", **extra}
    return post_form(client, f"/presentations/missions/{mission}/new", data)


def _day_id(response) -> int:
    return int(re.search(r"/presentations/(\d+)$", response.headers["Location"]).group(1))


def _add(client, day_id: int, ids: list[int], with_group: str = "yes"):
    page = client.get(f"/presentations/{day_id}").get_data(as_text=True)
    return client.post(f"/presentations/{day_id}/requests", data={
        "csrf_token": csrf_token_from(page), "request": [str(i) for i in ids], "with_group": with_group})


def _result_form(page: str) -> dict[str, object]:
    """Read the results form of the day page as a browser would send it (hidden fields)."""
    data: dict[str, object] = {"csrf_token": csrf_token_from(page),
                               "item": re.findall(r'name="item" value="(\d+)"', page)}
    for name, value in re.findall(r'name="((?:request-)?version-\d+)" value="(\d+)"', page):
        data[name] = value
    return data


def _request(app, request_id: int):
    from lp.requests.models import LpRequest

    with app.app_context():
        r = db.session.get(LpRequest, request_id)
        return r.status, r.next_presentation_at, [(e.kind, e.to_status, e.note) for e in r.events]


def test_plan_add_three_and_record_their_results_in_one_step(app, client, login_as, mission, three):
    login_as("staff")
    response = _plan(client, mission)
    assert response.status_code == 302
    day_id = _day_id(response)
    response = _add(client, day_id, three)
    assert response.status_code == 302
    page = client.get(f"/presentations/{day_id}").get_data(as_text=True)
    assert "3 aanvragen toegevoegd" in page
    for request_id in three:
        status, at, events = _request(app, request_id)
        assert status == "presentation_scheduled" and at is not None
        assert events[-1][2] == f"Presentatiedag {day_id}"

    data = _result_form(page)
    items = data["item"]
    data.update({f"result-{items[0]}": "held", f"result-{items[1]}": "no_show", f"note-{items[1]}": "ziek",
                 f"result-{items[2]}": "postponed"})
    response = client.post(f"/presentations/{day_id}/results", data=data, follow_redirects=True)
    assert response.status_code == 200
    assert "Resultaten vastgelegd voor 3 vreemdelingen." in response.get_data(as_text=True)
    held, no_show, postponed = (_request(app, r) for r in three)
    assert held[0] == "presented" and held[1] is None
    assert no_show[0] == "submitted" and no_show[2][-1] == ("status", "submitted", f"Presentatiedag {day_id}: "
                                                                                  "Niet verschenen: ziek")
    assert postponed[0] == "submitted" and postponed[2][-1][2] == f"Presentatiedag {day_id}: Uitgesteld"
    # Not shown up and postponed wait for a presentation again: a new day can take them.
    index = client.get("/presentations/").get_data(as_text=True)
    assert "Ambassade van Guinee (Den Haag): 2 aanvragen" in index


def test_a_stale_row_is_refused_and_the_others_saved(app, client, login_as, mission, three):
    from lp.requests import services
    from lp.requests.models import LpRequest

    user = login_as("staff")
    day_id = _day_id(_plan(client, mission))
    _add(client, day_id, three)
    page = client.get(f"/presentations/{day_id}").get_data(as_text=True)
    # A colleague pauses the clock of the second request after the page was opened.
    with app.test_request_context():
        services.pause_clock(db.session.get(LpRequest, three[1]),
                             {"occurred_on": TODAY.isoformat(), "reason": "wacht op documenten"}, user_id=user)
    data = _result_form(page)
    data.update({f"result-{item}": "held" for item in data["item"]})
    response = client.post(f"/presentations/{day_id}/results", data=data, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "Resultaten vastgelegd voor 2 vreemdelingen." in text
    reference = f"LP-{TODAY.year}-{three[1]:06d}"
    assert f"Niet opgeslagen voor {reference}" in text
    assert [_request(app, r)[0] for r in three] == ["presented", "presentation_scheduled", "presented"]


def test_linked_requests_show_on_each_other_and_join_a_day_together(app, client, login_as, mission, three):
    login_as("staff")
    first, second, _third = three
    second_ref = f"LP-{TODAY.year}-{second:06d}"
    response = post_form(client, f"/requests/{first}/links",
                         {"other": second_ref.lower(), "kind": "family", "label": "gezin 1"},
                         page=f"/requests/{first}", follow_redirects=True)
    assert "De aanvragen zijn gekoppeld." in response.get_data(as_text=True)
    assert "Fatou Diallo" in response.get_data(as_text=True)
    other_page = client.get(f"/requests/{second}").get_data(as_text=True)
    assert "Amadou Diallo" in other_page and "Gezin: gezin 1" in other_page

    day_id = _day_id(_plan(client, mission))
    response = _add(client, day_id, [first])
    assert response.status_code == 302
    assert _request(app, first)[0] == _request(app, second)[0] == "presentation_scheduled"
    assert _request(app, _third)[0] == "submitted"

    # Unlinking asks for a ticked confirmation first.
    response = post_form(client, f"/requests/{first}/links/remove", {}, page=f"/requests/{first}")
    assert response.status_code == 422 and "Vink het vakje aan" in response.get_data(as_text=True)
    response = post_form(client, f"/requests/{first}/links/remove", {"confirm": "y"}, page=f"/requests/{first}")
    assert response.status_code == 302
    assert "Fatou Diallo" not in client.get(f"/requests/{first}").get_data(as_text=True)


def test_without_the_group_only_the_chosen_request_is_added(app, client, login_as, mission, three):
    login_as("staff")
    first, second, _ = three
    post_form(client, f"/requests/{first}/links", {"other": f"LP-{TODAY.year}-{second:06d}", "kind": "family"},
              page=f"/requests/{first}")
    day_id = _day_id(_plan(client, mission))
    _add(client, day_id, [first], with_group="no")
    assert (_request(app, first)[0], _request(app, second)[0]) == ("presentation_scheduled", "submitted")


def test_the_day_list_prints_each_person(client, login_as, mission, three, make_user, auth):
    login_as("staff")
    day_id = _day_id(_plan(client, mission))
    _add(client, day_id, three)
    make_user("viewer@example.org", role="viewer")
    auth.logout()
    auth.login("viewer@example.org")
    page = client.get(f"/presentations/{day_id}/print").get_data(as_text=True)
    for name, v_number in (("Amadou Diallo", "1000000001"), ("Fatou Diallo", "1000000002"),
                           ("Ibrahima Sow", "1000000003")):
        assert name in page and v_number in page
    assert "DC Rotterdam" in page and "Mw. Bah (Fula)" in page and "10:00" in page


def test_viewer_sees_but_cannot_plan_or_record(client, login_as, make_user, auth, mission, three):
    login_as("staff")
    day_id = _day_id(_plan(client, mission))
    _add(client, day_id, three[:1])
    auth.logout()
    login_as("viewer")
    page = client.get(f"/presentations/{day_id}")
    assert page.status_code == 200 and "Amadou Diallo" in page.get_data(as_text=True)
    assert 'action="/presentations/' not in page.get_data(as_text=True)  # no forms
    assert client.get(f"/presentations/missions/{mission}/new").status_code == 403
    token = csrf_token_from(client.get("/auth/password").get_data(as_text=True))
    assert client.post(f"/presentations/{day_id}/results", data={"csrf_token": token}).status_code == 403


def test_planning_refuses_a_past_date_and_missing_place_translated(client, login_as, mission):
    login_as("staff")
    response = _plan(client, mission, on=TODAY - timedelta(days=1), place="")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Een presentatiedag kan niet in het verleden worden gepland." in text
    client.post("/auth/language", data={"language": "en", "csrf_token": csrf_token_from(text)})
    response = _plan(client, mission, on=TODAY - timedelta(days=1))
    assert "A presentation day cannot be planned in the past." in response.get_data(as_text=True)


def test_a_request_of_another_mission_is_refused(app, client, login_as, mission, make_request, three):
    login_as("staff")
    malian = make_request("ML", submitted_on=(TODAY - timedelta(days=5)).isoformat())
    day_id = _day_id(_plan(client, mission))
    response = _add(client, day_id, [three[0], malian])
    assert response.status_code == 422
    assert "Alleen aanvragen aan deze vertegenwoordiging" in response.get_data(as_text=True)
    assert _request(app, three[0])[0] == "submitted"  # nothing was added


def test_results_before_the_day_are_refused(app, client, login_as, mission, three):
    login_as("staff")
    day_id = _day_id(_plan(client, mission, on=TODAY + timedelta(days=3)))
    _add(client, day_id, three[:1])
    page = client.get(f"/presentations/{day_id}").get_data(as_text=True)
    assert "kunnen worden vastgelegd vanaf de dag van de presentatie" in page
    assert 'name="result-' not in page


def test_the_calendar_feed_has_the_day(app, client, login_as, mission, three):
    from countries.models import Country

    user = login_as("staff")
    with app.app_context():
        db.session.execute(db.update(Country).where(Country.alpha2 == "GN").values(portfolio_holder_id=user))
        db.session.commit()
    day_id = _day_id(_plan(client, mission, on=TODAY + timedelta(days=2)))
    _add(client, day_id, three)
    response = post_form(client, "/insights/calendar")
    url = re.search(r'value="http://localhost(/calendar/[A-Za-z0-9_-]+\.ics)"', response.get_data(as_text=True))[1]
    body = client.get(url).get_data()
    found = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}
    event = found[f"presentation-day-{day_id}@lp-tracker"]
    assert str(event["SUMMARY"]) == "Presentatiedag Ambassade van Guinee (3)"
    assert str(event["LOCATION"]) == "Ambassade, Den Haag"
    assert "Diallo" not in body.decode()  # no person in the calendar


def test_moving_the_day_moves_its_requests_on_their_timelines(app, client, login_as, mission, three):
    login_as("staff")
    day_id = _day_id(_plan(client, mission, on=TODAY + timedelta(days=2)))
    _add(client, day_id, three[:2])
    later = TODAY + timedelta(days=5)
    page = client.get(f"/presentations/{day_id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"|name="version" value="(\d+)"', page)
    data = {"csrf_token": csrf_token_from(page), "version": next(v for v in version.groups() if v),
            "starts_at": f"{later.isoformat()}T14:00", "place": "Consulaat, Rotterdam", "interpreter": "",
            "transport_by": "", "detention_centre": "", "notes": ""}
    response = client.post(f"/presentations/{day_id}/edit", data=data)
    assert response.status_code == 302
    for request_id in three[:2]:
        status, at, events = _request(app, request_id)
        assert status == "presentation_scheduled"
        assert at.astimezone().date() == later
        assert [e for e in events if e[1] == "presentation_scheduled"][-1][2] == f"Presentatiedag {day_id}"
        assert len([e for e in events if e[1] == "presentation_scheduled"]) == 2
    # The same form again, on the old version: refused, nothing changed.
    response = client.post(f"/presentations/{day_id}/edit", data={**data, "place": "Elders"})
    assert response.status_code == 409
    assert "Iemand anders heeft deze presentatiedag gewijzigd" in response.get_data(as_text=True)


def test_a_group_of_three_loses_one_and_a_group_of_two_dissolves(app, client, login_as, mission, three):
    login_as("staff")
    first, second, third = three
    for other in (second, third):
        response = post_form(client, f"/requests/{first}/links", {"other": f"LP-{TODAY.year}-{other:06d}",
                                                                   "kind": "travel_group", "label": ""},
                             page=f"/requests/{first}")
        assert response.status_code == 302
    page = client.get(f"/requests/{third}").get_data(as_text=True)
    assert "Amadou Diallo" in page and "Fatou Diallo" in page and "Reisgroep" in page
    # A request of the group cannot be linked twice; nor with itself.
    response = post_form(client, f"/requests/{second}/links", {"other": f"LP-{TODAY.year}-{third:06d}"},
                         page=f"/requests/{second}")
    assert response.status_code == 422 and "Deze aanvragen zijn al gekoppeld." in response.get_data(as_text=True)
    response = post_form(client, f"/requests/{second}/links", {"other": f"LP-{TODAY.year}-{second:06d}"},
                         page=f"/requests/{second}")
    assert "Een aanvraag kan niet aan zichzelf worden gekoppeld." in response.get_data(as_text=True)

    post_form(client, f"/requests/{third}/links/remove", {"confirm": "y"}, page=f"/requests/{third}")
    assert "Amadou Diallo" in client.get(f"/requests/{second}").get_data(as_text=True)  # still two
    post_form(client, f"/requests/{second}/links/remove", {"confirm": "y"}, page=f"/requests/{second}")
    page = client.get(f"/requests/{first}").get_data(as_text=True)
    assert "Niet gekoppeld aan aanvragen van gezinsleden of een reisgroep." in page
    from lp.requests.groups import RequestGroup

    with app.app_context():
        assert db.session.scalar(select(RequestGroup.id)) is None  # the group of one is gone


def test_a_result_that_is_not_offered_is_refused_for_its_row(app, client, login_as, mission, three):
    login_as("staff")
    day_id = _day_id(_plan(client, mission))
    _add(client, day_id, three[:2])
    data = _result_form(client.get(f"/presentations/{day_id}").get_data(as_text=True))
    first, second = data["item"]
    data.update({f"result-{first}": "vanished", f"result-{second}": "held"})
    text = client.post(f"/presentations/{day_id}/results", data=data, follow_redirects=True).get_data(as_text=True)
    assert f"Niet opgeslagen voor LP-{TODAY.year}-{three[0]:06d}" in text
    assert [_request(app, r)[0] for r in three[:2]] == ["presentation_scheduled", "presented"]
    # Nothing chosen at all: said so, nothing changes.
    data = _result_form(client.get(f"/presentations/{day_id}").get_data(as_text=True))
    response = client.post(f"/presentations/{day_id}/results", data=data)
    assert response.status_code == 422
    assert "Kies voor ten minste één vreemdeling een resultaat." in response.get_data(as_text=True)
