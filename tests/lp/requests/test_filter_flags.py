"""Defect 1 of issue 11: the list's checkboxes send "y", and every yes/no is read by one parser.

The request list, its CSV download, the bulk note verbale and the API read the same
filters: a ticked "Antwoord te laat" narrows all of them, and a value that is neither
yes nor no is refused with a message instead of being read as no.
"""

import csv
import io
import re

import pytest
from sqlalchemy import select

from countries.services import get_country
from lp.core.validation import ValidationFailed, yes_or_no
from lp.requests.models import RequestEvent
from lp.web.extensions import db
from tests.conftest import csrf_token_from, post_form
from tests.lp.requests.test_views import _page, _ref, _references, confirm_bulk
from tests.problems import refused as api_refused


@pytest.fixture
def listed(app, make_country, make_person, make_request):
    """One mission with an overdue, a recent and a closed request; a detained person's request."""
    make_country("GN", name_nl="Guinee", missions=[{"name": "Ambassade van Guinee"}])
    detained = make_person(name="Karim Bewaring", nationality="GN", in_detention_since="2026-09-01")
    ids = {
        "overdue": make_request("GN", submitted_on="2026-01-05"),
        "recent": make_request("GN", submitted_on="2026-11-20"),
        "detained": make_request("GN", person_id=detained, submitted_on="2026-11-25"),
        "closed": make_request("GN", submitted_on="2026-01-06"),
    }
    from lp.requests import services
    from lp.requests.models import LpRequest
    with app.test_request_context():
        services.apply_transition(db.session.get(LpRequest, ids["closed"]), "refuse",
                                  {"refusal_reason": "other", "decided_on": "2026-03-01"}, user_id=None)
        ids["mission"] = get_country("GN").missions[0].id
    return ids


def _filter(client, **ticked) -> str:
    """Tick boxes on the list's filter form and press Filteren, as the browser posts it."""
    response = post_form(client, "/requests/", ticked, page="/requests/")
    assert response.status_code == 302
    return response.headers["Location"]


@pytest.mark.parametrize("box, expected", [("overdue", {"overdue"}), ("detention", {"detained"})])
def test_a_ticked_box_filters_the_list(client, login_as, listed, box, expected):
    login_as("viewer")
    url = _filter(client, **{box: "y"})  # WTForms' checkbox value
    assert f"{box}=y" in url
    page = _page(client, url)
    assert set(_references(page)) == {_ref(listed[key]) for key in expected}
    assert re.search(rf'<input[^>]*\bchecked\b[^>]*id="{box}"|<input[^>]*id="{box}"[^>]*\bchecked\b', page)


def test_the_csv_download_holds_the_filtered_list(client, login_as, listed):
    login_as("viewer")
    page = _page(client, _filter(client, overdue="y"))
    link = next(part for part in page.split('"') if part.startswith("/requests/export.csv"))
    body = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    references = [row["reference"] for row in csv.DictReader(io.StringIO(body.lstrip("\ufeff")), delimiter=";")]
    assert references == [_ref(listed["overdue"])]


def _notes(app) -> list[int]:
    with app.app_context():
        return sorted(db.session.scalars(select(RequestEvent.request_id).where(RequestEvent.kind == "contact")))


def test_the_bulk_note_verbale_takes_only_requests_of_the_filtered_list(app, client, login_as, listed):
    login_as("staff")
    listing = f"/requests/?mission={listed['mission']}&overdue=y"
    page = _page(client, listing)
    assert set(_references(page)) == {_ref(listed["overdue"])}
    url = f"/requests/bulk/note-verbale?mission={listed['mission']}&overdue=y"
    data = {"occurred_on": "2026-11-03", "note": "rappel", "csrf_token": csrf_token_from(page)}
    # A request that is not overdue, slipped into the selection, is refused with the rest.
    refused = client.post(url, data={**data, "ids": [str(listed["overdue"]), str(listed["recent"])]})
    assert refused.status_code == 422
    assert "niet in de gefilterde lijst" in refused.get_data(as_text=True)
    assert _notes(app) == []
    done = confirm_bulk(client, client.post(url, data={**data, "ids": [str(listed["overdue"])]}))
    assert done.status_code == 302 and "overdue=1" in done.headers["Location"]
    assert _notes(app) == [listed["overdue"]]


def test_an_unknown_yes_no_value_is_refused_with_a_message(client, login_as, listed):
    login_as("viewer")
    response = client.get("/requests/?overdue=maybe")
    assert response.status_code == 422
    assert "Kies ja of nee." in response.get_data(as_text=True)
    assert client.get("/requests/export.csv?detention=perhaps").status_code == 422


def test_the_api_reads_the_same_values(client, bearer, listed):
    headers = bearer("viewer")
    for value in ("y", "true", "1", "on", "yes"):
        body = client.get(f"/api/v1/requests?overdue={value}", headers=headers).get_json()
        assert [item["id"] for item in body["items"]] == [listed["overdue"]], value
    everything = client.get("/api/v1/requests?overdue=false", headers=headers).get_json()
    assert everything["total"] == 4
    refused = client.get("/api/v1/requests?overdue=maybe", headers=headers)
    assert refused.status_code == 400 and "overdue" in api_refused(refused)


def test_the_countries_and_reminders_lists_use_the_same_parser(client, login_as):
    login_as("viewer")
    assert client.get("/countries/?not_reviewed=maybe").status_code == 422
    assert client.get("/countries/?not_reviewed=y").status_code == 200


@pytest.mark.parametrize("text, value", [("y", True), ("Ja", True), ("ON", True), (" 1 ", True), ("n", False),
                                         ("false", False), ("0", False), ("", False), (None, False)])
def test_one_parser_for_every_yes_or_no(app, text, value):
    assert yes_or_no(text) is value


def test_the_parser_refuses_what_is_neither(app):
    with app.test_request_context(), pytest.raises(ValidationFailed) as failed:
        yes_or_no("maybe", name="overdue")
    assert list(failed.value.errors) == ["overdue"]
