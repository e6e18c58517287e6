"""LP requests in the browser: new request with the checklist, the request page and its actions,
the list with filters, search, sorting and paging, and the bulk note verbale."""

import html
import re

import pytest
from sqlalchemy import func, select

from countries.services import get_country
from lp.requests.models import LpRequest, RequestEvent
from lp.web.extensions import db
from tests.conftest import csrf_token_from, post_form


@pytest.fixture
def guinea(make_country):
    """A strict country: presentation, refuses unwilling persons, wants identity established."""
    return make_country("GN", name_nl="Guinee", name_en="Guinea", presentation_required="yes",
                        refuses_unwilling="yes", requires_identity="yes",
                        missions=[{"name": "Ambassade van Guinee", "city": "Brussel"}])


def _page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def _get(app, request_id: int) -> LpRequest:
    return db.session.get(LpRequest, request_id)


def _state(app, request_id: int) -> tuple[str, int, int]:
    """Return status, number of events and version of a request."""
    with app.app_context():
        request = _get(app, request_id)
        return request.status, len(request.events), request.version


def act(client, request_id: int, action: str, data: dict, *, version: int | None = None):
    """Post one action of the request page as its form would (the fields carry the action's prefix)."""
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    if version is None:
        version = int(re.search(rf'name="{action}-version" type="hidden" value="(\d+)"', page).group(1))
    form = {f"{action}-{name}": value for name, value in data.items()}
    form |= {f"{action}-version": str(version), "csrf_token": csrf_token_from(page)}
    return client.post(f"/requests/{request_id}/actions/{action}", data=form)


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# --- new request ----------------------------------------------------------------------------


def test_new_request_form_shows_the_profile_warnings_before_saving(client, login_as, guinea, make_person):
    person_id = make_person(nationality="GN", willingness="unwilling")
    login_as("staff")
    page = _page(client, f"/requests/new?person={person_id}")
    assert '<option selected value="GN">Guinee</option>' in page  # the person's nationality first
    assert "Ambassade van Guinee (Brussel)" in page
    assert "Deze ambassade vereist een presentatie in persoon." in page
    assert "Deze ambassade weigert bij onwil, en deze vreemdeling is vastgelegd als niet bereid tot terugkeer." in page
    assert "geen kopie van een identiteitsdocument aanwezig" in page
    assert "geen diplomatieke vertegenwoordiging bekend" not in page


def test_no_unwilling_or_identity_warning_for_a_willing_person_with_a_document(
        client, login_as, guinea, make_person):
    person_id = make_person(nationality="GN", willingness="willing",
                            documents=[{"kind": "passport", "number": "P1", "copy_on_file": True}])
    login_as("staff")
    page = _page(client, f"/requests/new?person={person_id}")
    assert "Deze ambassade vereist een presentatie in persoon." in page
    assert "weigert bij onwil" not in page and "identiteitsdocument aanwezig" not in page


def test_choosing_a_country_without_a_mission_warns(client, login_as, guinea, make_country, make_person):
    make_country("SO", name_nl="Somalië")
    person_id = make_person(nationality="GN")
    login_as("staff")
    page = _page(client, f"/requests/new?person={person_id}&country=SO")
    assert "Voor dit land is geen diplomatieke vertegenwoordiging bekend" in page
    assert "Ambassade van Guinee" not in page


def test_create_a_draft_request(app, client, login_as, guinea, make_person):
    person_id = make_person(nationality="GN")
    login_as("staff")
    with app.app_context():
        mission_id = get_country("GN").missions[0].id
    url = f"/requests/new?person={person_id}&country=GN"
    response = post_form(client, url, {"mission": str(mission_id), "embassy_reference": "EMB-1",
                                       "documents_enclosed": "copy of birth certificate",
                                       "identity_requested": "y"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Concept" in page and "EMB-1" in page and "copy of birth certificate" in page
    assert "Aanvraag aangemaakt" in page
    with app.app_context():
        request = db.session.scalar(select(LpRequest))
        assert (request.status, request.mission_id, request.identity_requested) == ("draft", mission_id, True)


def test_create_and_record_the_submission_at_once(app, client, login_as, guinea, make_person):
    person_id = make_person(nationality="GN")
    login_as("staff")
    response = post_form(client, f"/requests/new?person={person_id}&country=GN", {
        "submitted_already": "y", "submitted_on": "2026-11-02", "channel": "courier", "embassy_reference": "E/9"})
    assert response.status_code == 302
    with app.app_context():
        request = db.session.scalar(select(LpRequest))
        assert (request.status, str(request.submitted_on), request.channel) == ("submitted", "2026-11-02", "courier")
        assert [e.to_status for e in request.events] == ["draft", "submitted"]


@pytest.mark.parametrize("submission, message", [
    ({"submitted_on": "2026-11-02", "channel": ""}, "Dit veld is verplicht."),
    ({"submitted_on": "2999-01-01", "channel": "post"}, "Deze datum ligt in de toekomst."),
])
def test_invalid_submission_data_saves_no_request_at_all(app, client, login_as, guinea, make_person,
                                                          submission, message):
    person_id = make_person(nationality="GN")
    login_as("staff")
    response = post_form(client, f"/requests/new?person={person_id}&country=GN",
                         {"submitted_already": "y", "embassy_reference": "E/9", **submission})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'value="E/9"' in page  # the input is kept
    assert _count(app, LpRequest) == 0 and _count(app, RequestEvent) == 0


def test_a_mission_of_another_country_is_refused(app, client, login_as, guinea, make_country, make_person):
    make_country("MA", missions=[{"name": "Ambassade van Marokko"}])
    person_id = make_person(nationality="GN")
    with app.app_context():
        moroccan = get_country("MA").missions[0].id
    login_as("staff")
    response = post_form(client, f"/requests/new?person={person_id}&country=GN", {"mission": str(moroccan)})
    assert response.status_code == 422
    assert _count(app, LpRequest) == 0


# --- the request page and its actions -----------------------------------------------------


def test_walk_a_request_to_departure_through_the_page(app, client, login_as, guinea, make_request):
    request_id = make_request("GN")
    login_as("staff", display_name="Sanne Staf")
    steps = [
        ("submit", {"submitted_on": "2026-10-01", "channel": "courier", "embassy_reference": "EMB/77",
                    "note": "sent with photos"}),
        ("schedule_presentation", {"presentation_at": "2026-10-20T10:30", "place": "Ambassade, Brussel",
                                   "interpreter": "Susu-tolk", "staff_admitted": "y"}),
        ("record_presentation", {"occurred_on": "2026-10-20", "took_place": "yes"}),
        ("issue", {"lp_number": "LP-GN-555", "issued_on": "2026-11-01", "valid_until": "2026-12-31"}),
        ("record_departure", {"departed_on": "2026-11-20"}),
    ]
    for action, data in steps:
        response = act(client, request_id, action, data)
        assert response.status_code == 302, (action, response.get_data(as_text=True))
    page = _page(client, f"/requests/{request_id}")
    for text in ("Status: Concept → Ingediend", "Koerier", "EMB/77", "sent with photos",
                 "Status: Ingediend → Presentatie gepland", "Ambassade, Brussel", "Susu-tolk",
                 "20-10-2026, 10:30",  # stored in UTC, shown in Amsterdam time
                 "Medewerker van de dienst toegelaten", "De presentatie heeft plaatsgevonden",
                 "Status: Presentatie gepland → Gepresenteerd", "Status: Gepresenteerd → LP afgegeven",
                 "LP-GN-555", "31 dec 2026", "Status: LP afgegeven → Gebruikt (vertrokken)", "20 nov 2026",
                 "Sanne Staf"):
        assert text in page, text
    # Newest first: the departure above the submission.
    assert page.index("Gebruikt (vertrokken)</h3>") < page.index("Status: Concept → Ingediend")
    assert "/actions/" not in page  # a used LP allows no further action
    assert _state(app, request_id)[:2] == ("used", 6)


def test_the_page_offers_only_the_actions_the_status_allows(client, login_as, guinea, make_request):
    draft = make_request("GN")
    submitted = make_request("GN", submitted_on="2026-10-01")
    login_as("staff")
    page = _page(client, f"/requests/{draft}")
    assert "Indiening bij de ambassade vastleggen" in page and "Aanvraag intrekken" in page
    assert "Afgifte LP vastleggen" not in page and "Contact met de ambassade vastleggen" not in page
    page = _page(client, f"/requests/{submitted}")
    for label in ("Afgifte LP vastleggen", "Weigering vastleggen", "Presentatie plannen",
                  "Contact met de ambassade vastleggen", "Termijn pauzeren"):
        assert label in page, label
    assert "Indiening bij de ambassade vastleggen" not in page and "Termijn hervatten" not in page
    assert re.search(r'name="schedule_presentation-presentation_at"[^>]*type="datetime-local"', page)


def test_an_illegal_action_posted_directly_is_refused_and_changes_nothing(
        app, client, login_as, guinea, make_request):
    request_id = make_request("GN")
    login_as("staff")
    before = _state(app, request_id)
    response = act(client, request_id, "issue", {"lp_number": "X1", "issued_on": "2026-11-01",
                                                 "valid_until": "2026-12-01"}, version=before[2])
    assert response.status_code == 409
    assert "Dit is niet mogelijk voor een aanvraag met status ‘Concept’" in response.get_data(as_text=True)
    assert _state(app, request_id) == before


def test_bad_data_is_shown_at_its_form_and_changes_nothing(app, client, login_as, guinea, make_request):
    request_id = make_request("GN", submitted_on="2026-10-01")
    login_as("staff")
    before = _state(app, request_id)
    response = act(client, request_id, "issue", {"lp_number": "X1", "issued_on": "2026-11-01",
                                                 "valid_until": "2026-10-15"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="issue-valid_until-errors"[^>]*>‘Geldig tot’ ligt vóór de datum van afgifte.', page)
    assert 'value="X1"' in page
    assert _state(app, request_id) == before


def test_a_stale_version_is_a_conflict(app, client, login_as, guinea, make_request):
    request_id = make_request("GN", submitted_on="2026-10-01")
    login_as("staff")
    version = _state(app, request_id)[2]
    assert act(client, request_id, "pause", {"occurred_on": "2026-10-05", "reason": "waiting"}).status_code == 302
    response = act(client, request_id, "contact", {"contact_kind": "call", "occurred_on": "2026-10-06"},
                   version=version)
    assert response.status_code == 409
    assert "Iemand anders heeft deze aanvraag gewijzigd" in response.get_data(as_text=True)


def test_closing_needs_a_ticked_confirmation(app, client, login_as, guinea, make_request):
    request_id = make_request("GN", submitted_on="2026-10-01")
    login_as("staff")
    data = {"refusal_reason": "not_recognised", "decided_on": "2026-11-01"}
    response = act(client, request_id, "refuse", data)
    assert response.status_code == 422
    assert "Vink het vakje aan om te bevestigen dat de aanvraag wordt afgesloten." in response.get_data(as_text=True)
    assert _state(app, request_id)[0] == "submitted"
    assert act(client, request_id, "refuse", {**data, "confirm": "y"}).status_code == 302
    page = _page(client, f"/requests/{request_id}")
    assert "Niet erkend als onderdaan (non-statement)" in page
    with app.app_context():
        assert not _get(app, request_id).is_open


def test_contacts_and_the_clock_on_the_timeline(app, client, login_as, guinea, make_request):
    request_id = make_request("GN", submitted_on="2026-10-01")
    login_as("staff")
    assert act(client, request_id, "contact", {"contact_kind": "note_verbale", "occurred_on": "2026-10-10",
                                               "note": "reminder sent"}).status_code == 302
    assert act(client, request_id, "pause", {"occurred_on": "2026-10-12",
                                             "reason": "waiting for birth certificate"}).status_code == 302
    page = _page(client, f"/requests/{request_id}")
    assert "Contact met de ambassade</h3>" in page and "Nota verbale" in page and "reminder sent" in page
    assert "Termijn gepauzeerd</h3>" in page and "waiting for birth certificate" in page
    assert "<summary class=\"card-header\">Termijn hervatten</summary>" in page
    assert "<summary class=\"card-header\">Termijn pauzeren</summary>" not in page
    assert act(client, request_id, "resume", {"occurred_on": "2026-10-20", "reason": "received"}).status_code == 302
    with app.app_context():
        assert _get(app, request_id).paused_days == 8


def test_viewer_sees_no_actions_and_cannot_post_them(app, client, login_as, guinea, make_request):
    request_id = make_request("GN", submitted_on="2026-10-01")
    login_as("viewer")
    page = _page(client, f"/requests/{request_id}")
    assert "/actions/" not in page and "Gegevens wijzigen" not in page
    response = act(client, request_id, "contact", {"contact_kind": "call", "occurred_on": "2026-10-06"},
                   version=1)
    assert response.status_code == 403
    assert _page(client, f"/requests/{request_id}/edit", 403)
    assert _state(app, request_id)[1] == 2


def test_edit_the_details_with_a_version_check(app, client, login_as, guinea, make_request):
    request_id = make_request("GN")
    login_as("staff")
    version = str(_state(app, request_id)[2])
    with app.app_context():
        mission = str(_get(app, request_id).mission_id)
    data = {"mission": mission, "embassy_reference": "NEW-REF", "documents_enclosed": "", "version": version}
    assert post_form(client, f"/requests/{request_id}/edit", data).status_code == 302
    page = _page(client, f"/requests/{request_id}")
    assert "Gegevens gewijzigd" in page and "NEW-REF" in page
    stale = post_form(client, f"/requests/{request_id}/edit", {**data, "embassy_reference": "OTHER"})
    assert stale.status_code == 409 and 'value="OTHER"' in stale.get_data(as_text=True)
    with app.app_context():
        assert _get(app, request_id).embassy_reference == "NEW-REF"


def test_markup_in_a_name_or_note_is_shown_as_text(app, client, login_as, guinea, make_person, make_request):
    person_id = make_person(name="<script>alert(1)</script>", nationality="GN")
    request_id = make_request("GN", person_id=person_id, submitted_on="2026-10-01")
    login_as("staff")
    act(client, request_id, "contact", {"contact_kind": "call", "occurred_on": "2026-10-02",
                                        "note": "<script>alert(2)</script>"})
    for url in (f"/requests/{request_id}", "/requests/"):
        page = _page(client, url)
        assert "<script>alert(" not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in _page(client, f"/requests/{request_id}")


# --- the list -----------------------------------------------------------------------------


@pytest.fixture
def listed(app, guinea, make_country, make_person, make_request):
    """Requests to Guinea and Morocco; one person in detention; one overdue."""
    make_country("MA", name_nl="Marokko", missions=[{"name": "Ambassade van Marokko"}])
    detained = make_person(name="Karim Bewaring", v_number="7777777777", nationality="MA",
                           in_detention_since="2026-09-01")
    return {
        "overdue": make_request("GN", submitted_on="2026-01-05"),
        "recent": make_request("GN", submitted_on="2026-11-20"),
        "detained": make_request("MA", person_id=detained, submitted_on="2026-11-25"),
        "draft": make_request("MA"),
    }


def _references(page: str) -> list[str]:
    return re.findall(r'<a href="/requests/\d+">(LP-\d{4}-\d{6})</a>', page)


def _ref(request_id: int) -> str:
    return f"LP-2026-{request_id:06d}"


def test_list_shows_the_requests_with_badges(client, login_as, listed):
    login_as("viewer")
    page = _page(client, "/requests/")
    assert "4 aanvragen" in page
    assert _references(page) == [_ref(i) for i in sorted(listed.values(), reverse=True)]
    assert "Karim Bewaring" in page and "7777777777" in page and "Bewaring: voorrang" in page
    # One overdue row: its reply-due badge, and its clock's "N days overdue".
    assert page.count("· te laat</span>") == 1 and page.count("dagen te laat</span>") == 1
    assert "Guinee" in page and "Ambassade van Marokko" in page
    assert "CSV downloaden" in page and "Vreemdeling registreren" not in page  # a viewer registers no one


@pytest.mark.parametrize("query, expected", [
    ("country=GN", {"overdue", "recent"}),
    ("status=draft", {"draft"}),
    ("state=open&overdue=1", {"overdue"}),
    ("detention=1", {"detained"}),
    ("submitted_from=2026-11-01&submitted_to=2026-11-21", {"recent"}),
    ("q=karim", {"detained"}),
    ("q=7777777777", {"detained"}),
])
def test_filters_and_search(client, login_as, listed, query, expected):
    login_as("viewer")
    assert set(_references(_page(client, f"/requests/?{query}"))) == {_ref(listed[k]) for k in expected}


def test_sorting_by_a_column_both_ways(client, login_as, listed):
    login_as("viewer")
    page = _page(client, "/requests/?sort=submitted_on&desc=0")
    assert _references(page)[:3] == [_ref(listed[k]) for k in ("overdue", "recent", "detained")]
    # The sorted column says so, and its link reverses the order (descending is the default).
    assert re.search(r'aria-sort="ascending">\s*<a href="/requests/\?sort=submitted_on">', page)
    page = _page(client, "/requests/?sort=submitted_on")
    assert _references(page)[:3] == [_ref(listed[k]) for k in ("detained", "recent", "overdue")]
    assert 'aria-sort="descending"' in page


def test_paging_keeps_the_filters(client, login_as, guinea, make_request):
    ids = [make_request("GN", submitted_on="2026-10-01") for _ in range(27)]
    login_as("viewer")
    first = _page(client, "/requests/?country=GN&per_page=25")
    assert "27 aanvragen" in first and "pagina 1 van 2" in first and len(_references(first)) == 25
    assert "/requests/?country=GN&amp;page=2&amp;per_page=25" in first
    second = _page(client, "/requests/?country=GN&per_page=25&page=2")
    assert _references(second) == [_ref(i) for i in sorted(ids)[:2][::-1]]


def test_bad_filters_are_explained(client, login_as, listed):
    login_as("viewer")
    response = client.get("/requests/?status=bogus&submitted_from=yesterday&per_page=7")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for text in ("Onbekende status.", "Kies 25, 50 of 100 per pagina."):
        assert text in page, text


# --- bulk note verbale -----------------------------------------------------------------------


@pytest.fixture
def mission_requests(app, guinea, make_country, make_request):
    make_country("MA", missions=[{"name": "Ambassade van Marokko"}])
    with app.app_context():
        mission_id = get_country("GN").missions[0].id
    return mission_id, {
        "a": make_request("GN", submitted_on="2026-10-01"),
        "b": make_request("GN", submitted_on="2026-10-02"),
        "draft": make_request("GN"),
        "moroccan": make_request("MA", submitted_on="2026-10-01"),
    }


def _bulk(client, mission_id: int, ids, note: str = "second reminder"):
    url = f"/requests/bulk/note-verbale?mission={mission_id}"
    return post_form(client, url, {"ids": [str(i) for i in ids], "occurred_on": "2026-11-03", "note": note},
                     page=f"/requests/?mission={mission_id}")


def confirm_bulk(client, step):
    """Press the one button of the bulk note verbale's confirmation page (a response or its HTML)."""
    if not isinstance(step, str):
        assert step.status_code == 200, step.status_code
        step = step.get_data(as_text=True)
    page = step
    action, form = re.search(r'<form method="post" action="([^"]*/bulk/note-verbale[^"]*)">(.*?)</form>',
                             page, re.S).groups()
    data: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form):
        data.setdefault(name, []).append(html.unescape(value))
    assert data["confirmed"] == ["1"]
    return client.post(html.unescape(action), data=data)


def _contacts(app) -> list[tuple[int, dict, str]]:
    with app.app_context():
        events = db.session.scalars(select(RequestEvent).where(RequestEvent.kind == "contact"))
        return sorted((e.request_id, e.data, e.note) for e in events)


def test_bulk_note_verbale_records_one_contact_on_each_selected_request(app, client, login_as, mission_requests):
    mission_id, ids = mission_requests
    login_as("staff")
    page = _page(client, f"/requests/?mission={mission_id}")
    assert "Eén nota verbale vastleggen voor de geselecteerde aanvragen bij Ambassade van Guinee" in page
    assert f'name="ids" value="{ids["a"]}" form="bulk-form"' in page
    response = confirm_bulk(client, _bulk(client, mission_id, [ids["a"], ids["b"]]))
    assert response.status_code == 302
    assert "Nota verbale vastgelegd bij 2 aanvragen." in client.get(response.headers["Location"]).get_data(as_text=True)
    data = {"contact_kind": "note_verbale", "occurred_on": "2026-11-03"}
    contacts = _contacts(app)
    assert len({d.pop("letter") for _id, d, _note in contacts}) == 1  # one batch, undone as a whole
    assert contacts == [(ids["a"], data, "second reminder"), (ids["b"], data, "second reminder")]


def test_bulk_note_verbale_refuses_a_mix_of_missions_and_records_nothing(app, client, login_as, mission_requests):
    mission_id, ids = mission_requests
    login_as("staff")
    response = _bulk(client, mission_id, [ids["a"], ids["moroccan"]])
    assert response.status_code == 422
    # The Moroccan request is not in the list filtered to the Guinean mission.
    assert "1 van de geselecteerde aanvragen staan niet in de gefilterde lijst; er is niets vastgelegd." in \
        response.get_data(as_text=True)
    drafted = _bulk(client, mission_id, [ids["a"], ids["draft"]])
    assert drafted.status_code == 409 and _ref(ids["draft"]) in drafted.get_data(as_text=True)
    assert _bulk(client, mission_id, []).status_code == 422
    assert _contacts(app) == []


def test_bulk_form_only_for_staff_and_only_when_filtered_to_one_mission(client, login_as, mission_requests):
    mission_id, _ids = mission_requests
    login_as("viewer")
    page = _page(client, f"/requests/?mission={mission_id}")
    # A reader may only download the selection (issue 18): no note verbale, no action that writes.
    assert "bulk-heading" not in page and 'value="note_verbale"' not in page and 'value="contact"' not in page
    assert 'value="export"' in page
    assert _bulk(client, mission_id, [1]).status_code == 403


def test_staff_without_mission_filter_sees_no_bulk_form(client, login_as, mission_requests):
    login_as("staff")
    page = _page(client, "/requests/")
    assert "bulk-heading" not in page and 'value="note_verbale"' not in page and "Vreemdeling registreren" in page


def test_list_and_request_page_cost_no_query_per_row_or_event(client, login_as, guinea, make_person,
                                                               make_request, count_queries):
    """The list page costs the same for 1 or 31 rows, the request page for 3 or 12 events."""
    login_as("staff")
    busy = make_request("GN", submitted_on="2026-10-01")
    quiet = make_request("GN", submitted_on="2026-10-01")
    act(client, quiet, "contact", {"contact_kind": "call", "occurred_on": "2026-10-09"})
    for day in range(10, 20):
        act(client, busy, "contact", {"contact_kind": "call", "occurred_on": f"2026-10-{day}"})
    for n in range(29):
        make_request("GN", person_id=make_person(name=f"Person {n}", nationality="GN"))
    counts = []
    urls = (f"/requests/?q={_ref(quiet)}", "/requests/", f"/requests/{quiet}", f"/requests/{busy}")
    for url in urls:
        _page(client, url)  # the first view of the day counts and keeps the country's curves (expected answers)
    for url in urls:
        with count_queries:
            _page(client, url)
        counts.append(count_queries.count)
    assert counts[0] == counts[1] and counts[2] == counts[3], counts


def test_the_timeline_names_who_recorded_each_entry(client, login_as, auth, guinea, make_request):
    """Each entry says who recorded it: the account's name (by default from its e-mail address), or "system"."""
    request_id = make_request("GN", submitted_on="2026-10-01")  # created and submitted by no one: the system
    login_as("staff", display_name="Sara Staff")
    act(client, request_id, "contact", {"contact_kind": "call", "occurred_on": "2026-10-09"})
    auth.logout()
    login_as("staff", email="nameless@example.org")
    act(client, request_id, "contact", {"contact_kind": "email", "occurred_on": "2026-10-10"})
    page = _page(client, f"/requests/{request_id}")
    recorders = re.findall(r"vastgelegd door (.+?) op ", page)
    assert recorders == ["nameless", "Sara Staff", "systeem", "systeem"], recorders


def test_pages_are_fully_available_in_english(client, login_as, guinea, make_request):
    request_id = make_request("GN")
    login_as("staff")
    english = {"Accept-Language": "en"}
    page = client.get(f"/requests/{request_id}", headers=english).get_data(as_text=True)
    assert "Record submission to the embassy" in page and "Timeline (newest first)" in page
    assert "Indiening" not in page
    assert "Country" in client.get("/requests/", headers=english).get_data(as_text=True)


def test_the_bulk_note_verbale_can_be_attached_as_pdf_to_each_request(app, client, login_as, mission_requests):
    import io

    from pypdf import PdfReader

    from lp.files.models import Attachment
    from lp.requests.models import LpRequest

    mission_id, ids = mission_requests
    login_as("staff")
    step = _bulk(client, mission_id, [ids["a"], ids["b"]]).get_data(as_text=True)
    assert 'name="attach_pdf"' in step
    action = html.unescape(re.search(r'<form method="post" action="([^"]*/bulk/note-verbale[^"]*)">', step)[1])
    data: dict[str, list[str]] = {"attach_pdf": ["1"]}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', step):
        data.setdefault(name, []).append(html.unescape(value))
    assert client.post(action, data=data).status_code == 302
    with app.app_context():
        attachments = db.session.scalars(select(Attachment).order_by(Attachment.request_id)).all()
        references = [db.session.get(LpRequest, i).reference for i in (ids["a"], ids["b"])]
        contacts = {e.request_id: e.id for e in db.session.scalars(select(RequestEvent)
                                                                   .where(RequestEvent.kind == "contact"))}
    assert [(a.request_id, a.event_id) for a in attachments] == [(i, contacts[i]) for i in (ids["a"], ids["b"])]
    document = client.get(f"/files/{attachments[0].id}/download").data
    assert document.startswith(b"%PDF-")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)
    assert "Ambassade van Guinee" in text and all(reference in text for reference in references)
    assert "second reminder" in text


def test_a_long_timeline_shows_its_newest_events_and_the_whole_one_on_request(app, client, login_as, guinea,
                                                                                make_person, make_request):
    from datetime import date, timedelta

    from lp.requests.display import TIMELINE_SHOWN

    login_as("staff")
    request_id = make_request("GN", person_id=make_person(name="Fatou Camara", nationality="GN"),
                              submitted_on="2026-01-05")
    with app.app_context():
        for n in range(TIMELINE_SHOWN + 5):
            db.session.add(RequestEvent(request_id=request_id, kind="contact", occurred_on=date(2026, 1, 6)
                                        + timedelta(days=n), note=f"call number {n}", data={}))
        db.session.commit()
        total = db.session.scalar(select(func.count()).where(RequestEvent.request_id == request_id))
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    assert page.count('class="border-start border-3 ps-3 pb-3"') == TIMELINE_SHOWN
    assert f"call number {TIMELINE_SHOWN + 4}" in page  # the newest
    assert "call number 0<" not in page  # the oldest waits behind the link
    assert f"/requests/{request_id}?timeline=all#timeline-heading" in page
    whole = client.get(f"/requests/{request_id}?timeline=all").get_data(as_text=True)
    assert whole.count('class="border-start border-3 ps-3 pb-3"') == total
    assert "call number 0<" in whole and "?timeline=all#timeline-heading" not in whole
