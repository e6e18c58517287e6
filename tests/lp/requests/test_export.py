"""CSV export of the request list: the list's filters, every row, the country export's encoding and escaping."""

import csv
import io

import pytest

from lp.requests import export, services
from lp.requests.models import LpRequest
from lp.web.extensions import db

HEADER = ("reference;embassy_reference;v_number;name;date_of_birth;nationality;country;mission;status;"
          "submitted_on;channel;reply_due_on;decided_on;lp_number;issued_on;valid_until;refusal_reason;"
          "closure_reason;in_detention_since;case_officer")


@pytest.fixture
def requests_(app, make_country, make_person, make_request, make_user):
    make_user("officer@example.org", role="staff")
    make_country("GN", missions=[{"name": "Ambassade van Guinee"}])
    make_country("MA", missions=[{"name": "Ambassade van Marokko"}])
    formula = make_person(name="=HYPERLINK(\"http://evil\")", v_number="1000000001", nationality="GN",
                          date_of_birth="1990-04-01", in_detention_since="2026-09-01",
                          case_officer="officer@example.org")
    issued = make_request("GN", person_id=formula, submitted_on="2026-10-01", channel="post")
    with app.test_request_context():
        services.apply_transition(db.session.get(LpRequest, issued), "issue",
                                  {"lp_number": "LP-1", "issued_on": "2026-11-01", "valid_until": "2026-12-31"},
                                  user_id=None)
    return {"issued": issued, "ma": make_request("MA", submitted_on="2026-10-05"), "draft": make_request("GN")}


def _rows(client, query: str = "") -> tuple[bytes, list[dict[str, str]]]:
    response = client.get(f"/requests/export.csv{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    return body, list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_export_has_the_countrys_encoding_and_every_column(client, login_as, requests_):
    login_as("viewer")
    body, rows = _rows(client)
    assert body.startswith("\ufeff".encode()) and body.split(b"\r\n")[0].decode("utf-8-sig") == HEADER
    issued = next(row for row in rows if row["lp_number"] == "LP-1")
    assert issued == issued | {
        "v_number": "1000000001", "date_of_birth": "1990-04-01", "nationality": "GN", "country": "GN",
        "mission": "Ambassade van Guinee", "status": "issued", "submitted_on": "2026-10-01", "channel": "post",
        "decided_on": "2026-11-01", "issued_on": "2026-11-01", "valid_until": "2026-12-31",
        "in_detention_since": "2026-09-01", "case_officer": "officer@example.org",
    }


def test_a_name_that_looks_like_a_formula_is_neutralised(client, login_as, requests_):
    login_as("viewer")
    _body, rows = _rows(client, "?country=GN&status=issued")
    assert [row["name"] for row in rows] == ["'=HYPERLINK(\"http://evil\")"]


def test_export_honours_the_filters_and_search(client, login_as, requests_):
    login_as("viewer")
    assert {row["country"] for row in _rows(client, "?country=MA")[1]} == {"MA"}
    assert [row["status"] for row in _rows(client, "?country=GN&status=draft")[1]] == ["draft"]
    assert [row["v_number"] for row in _rows(client, "?q=1000000001")[1]] == ["1000000001"]
    assert len(_rows(client, "?state=open")[1]) == 3


def test_export_has_every_matching_row_not_one_page(app, client, login_as, make_country, make_request,
                                                    monkeypatch):
    make_country("GN")
    for _ in range(30):
        make_request("GN")
    monkeypatch.setattr(export, "CHUNK", 7)  # several chunks, in list order across them
    login_as("viewer")
    _body, rows = _rows(client, "?per_page=25&page=2&sort=reference&desc=0")
    assert [row["reference"] for row in rows] == sorted(row["reference"] for row in rows)
    assert len(rows) == 30


def test_bad_filters_or_separator_are_refused(client, login_as, requests_):
    login_as("viewer")
    assert client.get("/requests/export.csv?status=bogus").status_code == 422
    assert client.get("/requests/export.csv?delimiter=x").status_code == 422
    body = client.get("/requests/export.csv?delimiter=,").get_data()
    assert body.split(b"\r\n")[0].decode("utf-8-sig") == HEADER.replace(";", ",")


def test_the_list_links_to_the_export_with_its_filters(client, login_as, requests_):
    login_as("viewer")
    page = client.get("/requests/?country=GN&status=draft").get_data(as_text=True)
    assert 'href="/requests/export.csv?country=GN&amp;status=draft"' in page
