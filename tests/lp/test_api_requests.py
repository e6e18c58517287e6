"""The LP-request API: the lifecycle round trip, refusals that change nothing, details, list filters."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from lp.requests.lifecycle import STATUSES
from tests.lp.test_openapi import _assert_answer_documented
from tests.problems import is_problem, refused

API = "/api/v1"
EN = {"Accept-Language": "en"}


def days_ago(days: int) -> str:
    # Far enough from midnight that the app's time zone (Europe/Amsterdam) agrees on the day.
    return (date.today() - timedelta(days=days)).isoformat()


#: Valid data for each step, in date order and in the past.
STEPS = [
    ("submit", {"submitted_on": days_ago(60), "channel": "courier", "embassy_reference": "GN/2026/77"}),
    ("schedule_presentation", {"presentation_at": f"{days_ago(40)}T10:30", "place": "Ambassade, Brussel",
                               "interpreter": "Susu", "staff_admitted": False}),
    ("record_presentation", {"occurred_on": days_ago(40), "took_place": True}),
    ("issue", {"lp_number": "GN-LP-0042", "issued_on": days_ago(20), "valid_until": days_ago(-10)}),
    ("record_departure", {"departed_on": days_ago(5)}),
]


@pytest.fixture
def guinea(make_country):
    return make_country("GN", name_nl="Guinee", presentation_required="yes",
                        missions=[{"name": "Ambassade van Guinee", "city": "Brussel"}])


@pytest.fixture
def staff(bearer):
    return bearer("staff", display_name="Sanne de Vries")


@pytest.fixture
def api(client):
    """Call the API as ``api(method, path, headers, json)``; returns the response."""

    def call(method: str, path: str, headers: dict[str, str], json=None):
        return client.open(f"{API}{path}", method=method, headers=headers, json=json)

    return call


@pytest.fixture
def new_request(api, staff, guinea, make_person):
    """Create a draft request to Guinea through the API; returns its JSON."""

    def create(**person) -> dict:
        response = api("POST", "/requests", staff, {"person_id": make_person(nationality="GN", **person),
                                                   "country": "GN"})
        assert response.status_code == 201, response.json
        return response.json

    return create


def snapshot(api, headers, request_id: int) -> tuple:
    """Return what a reader sees of a request: status, version, fields, and its events."""
    detail = api("GET", f"/requests/{request_id}", headers).json
    return detail, api("GET", f"/requests/{request_id}/events", headers).json["items"]


def post_action(api, headers, request_id: int, action: str, data: dict | None = None, **body):
    return api("POST", f"/requests/{request_id}/events", headers, {"action": action, "data": data or {}, **body})


def test_the_api_round_trips_a_request_through_its_lifecycle(api, staff, bearer, guinea, make_user):
    make_user("regie@example.org", role="staff")
    person = api("POST", "/persons", staff, {
        "v_number": "2024000017", "name": "Mamadou Diallo", "nationality": "GN", "willingness": "willing",
        "case_officer": "regie@example.org", "documents": [{"kind": "passport", "copy_on_file": True}],
    })
    assert person.status_code == 201, person.json
    mission_id = api("GET", "/countries/GN", staff).json["missions"][0]["id"]

    created = api("POST", "/requests", staff, {"person_id": person.json["id"], "country": "gn",
                                               "mission_id": mission_id, "identity_requested": True})
    assert created.status_code == 201, created.json
    draft = created.json
    assert created.headers["Location"].endswith(f"{API}/requests/{draft['id']}")
    assert draft["status"] == "draft" and draft["reference"].startswith(f"LP-{date.today():%Y}-")
    assert draft["mission"] == {"id": mission_id, "name": "Ambassade van Guinee"}
    assert draft["person"]["v_number"] == "2024000017" and draft["identity_requested"] is True
    assert {"level": "warning", "message": "Deze ambassade vereist een presentatie in persoon."} in draft["checklist"]
    assert draft["actions"] == ["submit", "withdraw"]

    viewer = bearer("viewer")
    expected_timeline = ["draft"]
    for action, data in STEPS:
        response = post_action(api, staff, draft["id"], action, data, note=f"Stap {action}")
        assert response.status_code == 201, (action, response.json)
        event = response.json["event"]
        assert (event["kind"], event["user"], event["note"]) == ("status", "Sanne de Vries", f"Stap {action}")
        expected_timeline.append(event["to_status"])
        detail, events = snapshot(api, viewer, draft["id"])
        assert detail == response.json["request"]
        assert detail["status"] == event["to_status"]
        assert [e["to_status"] for e in events] == expected_timeline
        assert events[-1] == event

    assert expected_timeline == ["draft", "submitted", "presentation_scheduled", "presented", "issued", "used"]
    final, events = snapshot(api, viewer, draft["id"])
    assert (final["lp_number"], final["issued_on"], final["valid_until"], final["departed_on"]) == (
        "GN-LP-0042", days_ago(20), days_ago(-10), days_ago(5))
    assert (final["submitted_on"], final["channel"], final["embassy_reference"]) == (
        days_ago(60), "courier", "GN/2026/77")
    assert final["is_open"] is False and final["actions"] == [] and final["next_presentation_at"] is None
    assert final["status_label"] == "Gebruikt (vertrokken)"
    presentation = events[2]
    assert presentation["data"]["place"] == "Ambassade, Brussel" and presentation["data"]["staff_admitted"] == "no"
    assert datetime.fromisoformat(presentation["data"]["presentation_at"]).tzinfo is not None
    assert [e["kind"] for e in events] == ["created"] + ["status"] * len(STEPS)


@pytest.mark.parametrize("reached, action", [
    ([], "issue"),
    ([], "record_departure"),
    (["submit"], "submit"),
    (["submit"], "record_presentation"),
    (["submit", "issue"], "refuse"),
])
def test_an_illegal_transition_is_409_and_changes_nothing(api, staff, new_request, reached, action):
    request_id = new_request()["id"]
    data = dict(STEPS)
    for step in reached:
        assert post_action(api, staff, request_id, step, data[step]).status_code == 201
    before = snapshot(api, staff, request_id)
    legal = {"issue": data["issue"], "refuse": {"refusal_reason": "other", "decided_on": days_ago(1)}}
    response = post_action(api, staff, request_id, action, legal.get(action, data.get(action)))
    assert response.status_code == 409
    assert "niet mogelijk" in response.json["detail"]
    assert (response.json["current_status"], response.json["current_version"]) == (
        before[0]["status"], before[0]["version"])
    assert snapshot(api, staff, request_id) == before


@pytest.mark.parametrize("action, data, field, message", [
    ("submit", {"submitted_on": days_ago(-3), "channel": "post"}, "submitted_on", "This date lies in the future."),
    ("issue", {"lp_number": "X1", "issued_on": days_ago(10), "valid_until": days_ago(12)}, "valid_until",
     "Valid until lies before the date of issue."),
    ("issue", {"issued_on": days_ago(10), "valid_until": days_ago(1)}, "lp_number", "This field is required."),
    ("issue", {"lp_number": "X1", "issued_on": days_ago(70), "valid_until": days_ago(1)}, "issued_on",
     f"This date lies before the submission ({days_ago(60)})."),
    ("refuse", {"refusal_reason": "because", "decided_on": days_ago(1)}, "refusal_reason",
     "Not one of the allowed values: nationality_not_established, not_recognised, unwilling, other."),
    ("schedule_presentation", {"presentation_at": "morgen", "place": "Brussel"}, "presentation_at",
     "Enter a date and time as YYYY-MM-DD HH:MM."),
    ("submit", {"submitted_on": days_ago(1), "channel": "post", "lp_number": "X"}, "lp_number",
     "This action does not take this value."),
    ("submit", {"submitted_on": days_ago(1), "channel": ["post"]}, "channel", "Send text, true, false or null."),
])
def test_impossible_data_is_400_per_field_and_changes_nothing(api, staff, new_request, action, data, field,
                                                                message):
    request_id = new_request()["id"]
    if action != "submit":
        assert post_action(api, staff, request_id, *STEPS[0]).status_code == 201
    before = snapshot(api, staff, request_id)
    response = post_action(api, {**staff, **EN}, request_id, action, data)
    assert response.status_code == 400
    assert refused(response)[field] == [message]
    assert field in response.json["detail"]
    assert snapshot(api, staff, request_id) == before


def test_the_body_of_an_action_is_checked(api, staff, new_request):
    request_id = new_request()["id"]
    response = api("POST", f"/requests/{request_id}/events", {**staff, **EN},
                   {"action": "fly", "data": [], "note": 5, "version": "1", "colour": "red"})
    assert response.status_code == 400
    assert refused(response) == {
        "action": ["Unknown action."], "data": ["Send the action's values as a JSON object."],
        "note": ["Send text or null."], "version": ["Send the version you read, as a whole number."],
        "colour": ["There is no such field, or it cannot be changed."]}
    not_json = api("POST", f"/requests/{request_id}/events", {**staff, "Content-Type": "text/plain"})
    assert is_problem(not_json, 415)


def test_a_stale_version_on_an_action_is_409(api, staff, new_request):
    request = new_request()
    assert post_action(api, staff, request["id"], *STEPS[0], version=request["version"]).status_code == 201
    before = snapshot(api, staff, request["id"])
    response = post_action(api, staff, request["id"], "withdraw",
                           {"closure_reason": "absconded", "decided_on": days_ago(1)}, version=request["version"])
    assert response.status_code == 409 and "Iemand anders" in response.json["detail"]
    assert snapshot(api, staff, request["id"]) == before


def test_contacts_and_the_deadline_clock(api, staff, new_request):
    request_id = new_request()["id"]
    early = post_action(api, staff, request_id, "contact",
                        {"contact_kind": "call", "occurred_on": days_ago(1), "note": "Te vroeg"})
    assert early.status_code == 409  # a draft has not been sent to the embassy yet
    assert post_action(api, staff, request_id, *STEPS[0]).status_code == 201
    contact = post_action(api, staff, request_id, "contact",
                          {"contact_kind": "note_verbale", "occurred_on": days_ago(30)}, note="Rappel verstuurd")
    assert contact.status_code == 201, contact.json
    assert (contact.json["event"]["kind"], contact.json["event"]["note"]) == ("contact", "Rappel verstuurd")
    assert contact.json["event"]["data"]["contact_kind"] == "note_verbale"
    paused = post_action(api, staff, request_id, "pause", {"reason": "Wacht op geboorteakte",
                                                            "occurred_on": days_ago(20)})
    assert paused.status_code == 201, paused.json
    assert paused.json["request"]["paused_since"] == days_ago(20)
    assert "resume" in paused.json["request"]["actions"] and "pause" not in paused.json["request"]["actions"]
    assert paused.json["request"]["reply_due_on"] is None  # no deadline while the clock stands still
    resumed = post_action(api, staff, request_id, "resume", {"reason": "Akte ontvangen", "occurred_on": days_ago(10)})
    assert resumed.status_code == 201, resumed.json
    assert resumed.json["request"]["paused_days"] == 10 and resumed.json["request"]["paused_since"] is None
    # Submitted 60 days ago, 30 days to answer, 10 days paused.
    assert resumed.json["request"]["reply_due_on"] == days_ago(20)
    kinds = [e["kind"] for e in api("GET", f"/requests/{request_id}/events", staff).json["items"]]
    assert kinds == ["created", "status", "contact", "pause", "resume"]


def test_patch_changes_details_and_records_them(api, staff, new_request, make_country):
    request = new_request()
    mission_id = api("GET", "/countries/GN", staff).json["missions"][0]["id"]
    response = api("PATCH", f"/requests/{request['id']}", staff, {
        "version": request["version"], "mission_id": mission_id, "embassy_reference": "  EMB-9 ",
        "documents_enclosed": "Kopie paspoort", "identity_requested": True})
    assert response.status_code == 200, response.json
    body = response.json
    assert body["version"] == request["version"] + 1
    assert (body["mission"]["id"], body["embassy_reference"], body["documents_enclosed"],
            body["identity_requested"]) == (mission_id, "EMB-9", "Kopie paspoort", True)
    details = api("GET", f"/requests/{request['id']}/events", staff).json["items"][-1]
    assert details["kind"] == "details" and set(details["data"]["changes"]) == {
        "mission", "embassy_reference", "documents_enclosed", "identity_requested"}
    make_country("MA", missions=[{"name": "Ambassade van Marokko"}])
    moroccan = api("GET", "/countries/MA", staff).json["missions"][0]["id"]
    wrong = api("PATCH", f"/requests/{request['id']}", {**staff, **EN},
                {"version": body["version"], "mission_id": moroccan})
    assert wrong.status_code == 400
    assert refused(wrong) == {"mission_id": ["This mission does not represent the chosen country."]}


def test_patch_with_a_stale_version_is_409_and_saves_nothing(api, staff, bearer, new_request):
    request = new_request()
    other = bearer("admin", email="other@example.org")
    assert api("PATCH", f"/requests/{request['id']}", other,
               {"version": request["version"], "embassy_reference": "Eerst"}).status_code == 200
    before = snapshot(api, staff, request["id"])
    response = api("PATCH", f"/requests/{request['id']}", staff,
                   {"version": request["version"], "embassy_reference": "Later"})
    assert response.status_code == 409
    assert response.json["current_version"] == request["version"] + 1
    assert response.json["current_status"] == "draft"
    assert snapshot(api, staff, request["id"]) == before
    assert before[0]["embassy_reference"] == "Eerst"


def test_patch_refuses_workflow_fields_and_unknown_ones(api, staff, new_request):
    request = new_request()
    before = snapshot(api, staff, request["id"])
    response = api("PATCH", f"/requests/{request['id']}", {**staff, **EN},
                   {"version": request["version"], "status": "issued", "lp_number": "X", "submitted_on": days_ago(1),
                    "person_id": 3, "embassy_reference": "would be fine"})
    assert response.status_code == 400
    fields = refused(response)
    workflow = ["This changes only with the lifecycle: use the events endpoint."]
    assert fields == {"status": workflow, "lp_number": workflow, "submitted_on": workflow,
                      "person_id": ["There is no such field, or it cannot be changed."]}
    assert snapshot(api, staff, request["id"]) == before
    no_version = api("PATCH", f"/requests/{request['id']}", staff, {"identity_requested": "ja"})
    assert set(refused(no_version)) == {"version", "identity_requested"}


def test_create_refuses_unknown_person_country_and_mission(api, staff, guinea):
    response = api("POST", "/requests", {**staff, **EN},
                   {"person_id": 999, "country": "XX", "mission_id": 12345, "identity_requested": 1})
    assert response.status_code == 400
    assert refused(response) == {
        "person_id": ["There is no person with this number."], "country": ["Unknown country code."],
        "mission_id": ["Unknown mission."], "identity_requested": ["Send true or false."]}
    assert api("GET", "/requests", staff).json["total"] == 0


def test_the_checklist_warns_about_the_profile_rules(api, staff, make_country, make_person):
    make_country("ER", refuses_unwilling="yes", requires_identity="yes")
    person_id = make_person(nationality="ER", willingness="unwilling")
    response = api("POST", "/requests", {**staff, **EN}, {"person_id": person_id, "country": "ER"})
    assert response.status_code == 201, response.json
    messages = {item["message"] for item in response.json["checklist"] if item["level"] == "warning"}
    assert any("no mission on record" in m.lower() for m in messages)
    assert any("recorded as unwilling" in m for m in messages)
    assert any("no copy of an identity document" in m for m in messages)


def test_viewer_may_read_but_not_write(api, bearer, new_request, guinea, make_person):
    request = new_request()
    viewer = bearer("viewer")
    writes = [
        ("POST", "/requests", {"person_id": make_person(), "country": "GN"}),
        ("PATCH", f"/requests/{request['id']}", {"version": request["version"], "embassy_reference": "x"}),
        ("POST", f"/requests/{request['id']}/events", {"action": "submit", "data": dict(STEPS)["submit"]}),
    ]
    for method, path, body in writes:
        response = api(method, path, viewer, body)
        assert response.status_code == 403 and response.json["detail"], path
    for path in ("/requests", f"/requests/{request['id']}", f"/requests/{request['id']}/events"):
        assert api("GET", path, viewer).status_code == 200, path
    assert api("GET", f"/requests/{request['id']}", viewer).json["status"] == "draft"
    assert api("GET", "/requests", {}).status_code == 401


def test_unknown_request_is_404_json(api, staff):
    for method, path in (("GET", "/requests/4711"), ("GET", "/requests/4711/events"),
                         ("PATCH", "/requests/4711"), ("POST", "/requests/4711/events")):
        response = api(method, path, staff, {"version": 1, "action": "submit"})
        assert response.status_code == 404, path
        assert response.json["detail"] == "Er is geen LP-aanvraag met nummer 4711."


def test_list_filters_like_the_request_list(api, bearer, make_country, make_person, make_request):
    make_country("GN", missions=[{"name": "Ambassade van Guinee"}])
    make_country("MA", missions=[{"name": "Ambassade van Marokko"}])
    overdue = make_request("GN", person_id=make_person(name="Alpha Barry", nationality="GN"),
                           submitted_on=days_ago(100))
    recent = make_request("GN", submitted_on=days_ago(2))
    draft = make_request("MA", person_id=make_person(v_number="5555555555", name="Youssef Amrani",
                                                     in_detention_since=days_ago(30)))
    viewer = bearer("viewer")

    def ids(query: str) -> list[int]:
        response = api("GET", f"/requests?{query}", viewer)
        assert response.status_code == 200, response.json
        return [item["id"] for item in response.json["items"]]

    assert ids("") == [draft, recent, overdue]
    assert ids("status=submitted") == [recent, overdue]
    assert ids("country=ma") == [draft]
    assert ids("overdue=1") == [overdue]
    assert ids("detention=1") == [draft]
    assert ids("q=5555555555") == [draft] and ids("q=barry") == [overdue]
    assert ids("state=open&sort=submitted_on&desc=0") == [overdue, recent, draft]
    assert ids(f"submittedFrom={days_ago(10)}") == [recent]
    listing = api("GET", "/requests?pageSize=25&page=1&country=GN", viewer).json
    assert (listing["total"], listing["page"], listing["pages"]) == (2, 1, 1)
    item = listing["items"][1]
    assert (item["country"], item["person"]["name"], item["submitted_on"], item["priority"]) == (
        "GN", "Alpha Barry", days_ago(100), False)
    assert api("GET", "/requests?country=MA", viewer).json["items"][0]["priority"] is True


def test_bad_filters_are_400_naming_each(api, bearer):
    response = api("GET", "/requests?status=lost&state=ajar&submittedFrom=gisteren&pageSize=7",
                   {**bearer("viewer"), **EN})
    assert response.status_code == 400
    assert refused(response) == {"status": [f"Choose one of: {', '.join(STATUSES)}."],
                                 "state": ["Choose one of: open, closed."],
                                 "submittedFrom": ["Enter a date as YYYY-MM-DD."],
                                 "pageSize": ["Choose one of: 25, 50, 100."]}
    assert "Deprecation" not in response.headers


def test_old_snake_case_query_keys_still_work_with_a_deprecation_header(api, bearer, guinea, make_request):
    """API 1.0.0 renamed the query keys to lowerCamelCase; the old ones keep working for a minor version."""
    viewer = {**bearer("viewer"), **EN}
    make_request("GN", submitted_on=date.today() - timedelta(days=3))
    new = api("GET", f"/requests?submittedFrom={date.today() - timedelta(days=5)}&pageSize=25", viewer)
    old = api("GET", f"/requests?submitted_from={date.today() - timedelta(days=5)}&per_page=25", viewer)
    assert new.status_code == old.status_code == 200 and new.json == old.json and new.json["total"] == 1
    assert "Deprecation" not in new.headers
    assert old.headers["Deprecation"].startswith("@")
    refused_old = api("GET", "/requests?per_page=7", viewer)
    assert refused(refused_old) == {"pageSize": ["Choose one of: 25, 50, 100."]}
    assert "Deprecation" in refused_old.headers


def test_a_list_links_its_first_previous_next_and_last_page(api, bearer, guinea, make_request):
    viewer = bearer("viewer")
    for _ in range(51):
        make_request("GN")
    middle = api("GET", "/requests?country=GN&pageSize=25&page=2", viewer)
    links = dict(reversed(part.split("; ")) for part in middle.headers["Link"].split(", "))
    base = "http://localhost/api/v1/requests?country=GN&pageSize=25&page="
    assert links == {'rel="first"': f"<{base}1>", 'rel="prev"': f"<{base}1>",
                     'rel="next"': f"<{base}3>", 'rel="last"': f"<{base}3>"}
    last = api("GET", "/requests?pageSize=50&page=2", viewer).headers["Link"]
    assert 'rel="next"' not in last and 'rel="prev"' in last
    assert api("GET", "/requests/99999/events", viewer).headers.get("Link") is None


def test_answers_match_the_openapi_document(api, staff, bearer, new_request, make_person):
    document = api("GET", "/openapi.json", staff).json
    request = new_request()
    one, events = "/requests/{request_id}", "/requests/{request_id}/events"
    person = "/persons/{person_id}"
    answers = [
        ("/requests", "get", api("GET", "/requests", staff)),
        ("/requests", "get", api("GET", "/requests?status=x", staff)),
        ("/requests", "post", api("POST", "/requests", staff, {"person_id": make_person(), "country": "GN"})),
        ("/requests", "post", api("POST", "/requests", staff, {"country": "GN"})),
        (one, "get", api("GET", f"/requests/{request['id']}", staff)),
        (one, "patch", api("PATCH", f"/requests/{request['id']}", staff,
                           {"version": request["version"], "identity_requested": True})),
        (one, "patch", api("PATCH", f"/requests/{request['id']}", staff, {"version": request["version"]})),
        (events, "post", post_action(api, staff, request["id"], *STEPS[0])),
        (events, "post", post_action(api, staff, request["id"], *STEPS[0])),
        (events, "post", post_action(api, staff, request["id"], "refuse", {"refusal_reason": "other"})),
        (events, "post", post_action(api, staff, request["id"], *STEPS[1])),
        (events, "get", api("GET", f"/requests/{request['id']}/events", staff)),
        (one, "get", api("GET", "/requests/999", staff)),
        ("/persons", "get", api("GET", "/persons?q=Test", staff)),
        ("/persons", "post", api("POST", "/persons", staff, {"v_number": "1234567890", "name": "A", "nationality": "GN",
                                                              "documents": [{"kind": "id_card"}]})),
        ("/persons", "post", api("POST", "/persons", staff, {"v_number": "12"})),
        (person, "get", api("GET", f"/persons/{request['person']['id']}", staff)),
        ("/persons", "post", api("POST", "/persons", bearer("viewer"), {})),
    ]
    assert [response.status_code for _path, _method, response in answers] == [
        200, 400, 201, 400, 200, 200, 409, 201, 409, 400, 201, 200, 404, 200, 201, 400, 200, 403]
    for path, method, response in answers:
        _assert_answer_documented(document, path, method, response)
    schemas = document["components"]["schemas"]
    assert schemas["LpRequestDetail"]["properties"]["actions"]["items"]["enum"][-3:] == ["contact", "pause",
                                                                                        "resume"]
    listing = {p["name"] for p in document["paths"]["/requests"]["get"]["parameters"]}
    assert {"q", "country", "status", "overdue", "caseOfficer", "submittedTo", "page", "pageSize"} <= listing


def test_the_list_costs_the_same_queries_for_more_requests(api, bearer, guinea, make_request, count_queries):
    viewer = bearer("viewer")

    def queries_for_list() -> int:
        with count_queries:
            assert api("GET", "/requests", viewer).status_code == 200
        return count_queries.count

    make_request(guinea, submitted_on=days_ago(3))
    few = queries_for_list()
    for _ in range(4):
        make_request(guinea, submitted_on=days_ago(3))
    assert queries_for_list() == few
