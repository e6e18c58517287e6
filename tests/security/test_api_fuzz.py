"""Fuzz the JSON API from its own OpenAPI document, and keep what the fuzzing found fixed.

schemathesis turns ``/api/v1/openapi.json`` into Hypothesis strategies; every operation
gets up to MAX_EXAMPLES generated requests (deterministic: derandomised, no example
database), sent to the WSGI app with a staff token. No answer may be a server error,
and each must use a status code and a body shape the document declares. The document
and the validation must agree both ways: a request the document admits is accepted
(positive data acceptance; only rules no schema states may refuse it), and one it does
not admit is refused with a 4xx (negative mode, negative data rejection).

What the first runs found (fixed in the app; the regression tests below keep it so):
numbers beyond what a database column holds, or digits ``int()`` refuses ("²"), in
paths, query arguments and JSON bodies gave 500 on SQLite and a misleading 503
("database unreachable") on PostgreSQL; a NUL character in a search text gave 503 on
PostgreSQL.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from lp.web.extensions import db
from tests.conftest import csrf_token_from
from tests.problems import refused

#: Fields and parameters whose schema-valid value may still be refused (400), by a rule no schema
#: states: those naming another record (which may not exist), the V-number (another person may
#: have it), every date (judged against today and the request's other dates), and an uploaded file
#: (its kind is read from its bytes, which no schema can state). Body fields by their names, query
#: parameters by their (lowerCamelCase) API names.
RECORD_DEPENDENT = {"person_id", "country", "mission", "mission_id", "case_officer", "portfolio_holder",
                    "caseOfficer", "portfolioHolder", "nationality", "located_in", "v_number", "file", "owner",
                    "owner_id"}


def _date_names(document) -> set[str]:
    """Return the name of every property or parameter the document describes as a date."""
    names, stack = set(), [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, dict) and value.get("format") == "date":
                    names.add(key)
            if node.get("schema", {}).get("format") == "date" and "name" in node:
                names.add(node["name"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return names


def schema_valid_input_is_accepted(document):
    """Return positive_data_acceptance for ``document``: what it admits is not refused, but by those rules."""
    judged = RECORD_DEPENDENT | _date_names(document)

    def check(ctx, response, case):
        items = response.json().get("invalidParams", []) if response.status_code == 400 else []
        if items and {item["name"] for item in items} <= judged:
            return None
        return positive_data_acceptance(ctx, response, case)

    return check


MAX_EXAMPLES = 40
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


@pytest.fixture
def seeded(app, make_country, make_request, make_person):
    """A little real data with small ids, so generated paths hit existing records now and then."""
    from lp.requests import services
    from lp.requests.models import LpRequest

    make_country("GN", missions=[{"name": "Ambassade van Guinee"}],
                 agreements=[{"kind": "eu_readmission", "title": "EU-Guinee", "reply_time_limit_days": 20}])
    make_country("MA", missions=[{"name": "Ambassade van Marokko"}])
    make_request("GN")
    make_request("GN", submitted_on="2026-01-05")
    issued = make_request("MA", submitted_on="2026-01-12")
    with app.test_request_context():
        services.apply_transition(db.session.get(LpRequest, issued), "issue",
                                  {"lp_number": "MA-1", "issued_on": "2026-02-01", "valid_until": "2026-03-01"},
                                  user_id=None)
    make_person(v_number="0000000099", name="Zonder Aanvraag")


def test_fuzz_every_api_operation(app, client, bearer, seeded):
    headers = bearer("staff")
    document = client.get("/api/v1/openapi.json", headers=headers).json
    schema = schemathesis.openapi.from_dict(document)
    schema.app = app  # call the WSGI app in-process
    checks = [*CHECKS, schema_valid_input_is_accepted(document)]
    cases: dict[str, int] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        cases[label] = 0

        @FUZZ_SETTINGS
        @given(case=operation.as_strategy())
        def call(case):
            cases[label] += 1  # noqa: B023  call() runs now, in this iteration
            response = case.call(headers=headers)
            case.validate_response(response, checks=checks)

        call()
    total = sum(cases.values())
    print(f"API fuzz: {total} cases over {len(cases)} operations")
    assert len(cases) >= 14
    assert all(count > 0 for count in cases.values()), cases
    assert total >= 10 * len(cases)


# -- The document and the validation agree ----------------------------------------------

def _out_of_scope(case) -> bool:
    """Whether a negative case breaks only what this test leaves aside.

    The Authorization header: we always send a valid token (its absence is tested in
    test_authorization_matrix). Boolean spellings: the shared boolean parser's business
    (issue 11), not this test's.
    """
    parameters = {(p["in"], p["name"]): p["schema"] for p in case.operation.definition.raw.get("parameters", [])}
    mutations = getattr(case.meta.phase.data, "mutations", ())
    return any(m.parameter_location.value == "header"
               or parameters.get((m.parameter_location.value, m.parameter), {}).get("type") == "boolean"
               for m in mutations)


def test_requests_the_document_does_not_admit_are_refused(app, client, bearer, seeded):
    """Issue 12: invalid requests were accepted (empty ``lang=`` and ``submitted_to=``, ``q`` cut to 100).

    schemathesis generates requests that break the document (negative mode); each must be
    refused with a 4xx. (That schema-valid ones are accepted is checked in the fuzz test above.)
    """
    headers = bearer("staff")
    document = client.get("/api/v1/openapi.json", headers=headers).json
    schema = schemathesis.openapi.from_dict(document)
    schema.app = app
    failures: dict[tuple[str, int], str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        raw = operation.definition.raw
        if not raw.get("parameters") and "requestBody" not in raw and raw.get("security") == []:
            continue  # nothing to break: the public openapi.json takes no input

        @FUZZ_SETTINGS
        @given(case=operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        def call(case):
            response = case.call(headers=headers)
            if _out_of_scope(case):
                return
            try:
                case.validate_response(response, checks=[not_a_server_error, negative_data_rejection])
            except FailureGroup as failure:  # collect one of each, to list every disagreement at once
                failures.setdefault((f"{case.method} {case.formatted_path}", response.status_code),
                                    str(failure))

        call()
    assert not failures, "\n".join(f"{k}: {v}" for k, v in failures.items())


# -- Regressions of what the fuzzing found ------------------------------------------

TOO_LARGE = "99999999999999999999"
JUST_TOO_LARGE = str(2**31)  # fits SQLite and int8, not the INTEGER id columns of PostgreSQL


@pytest.mark.parametrize("method, url, expected", [
    ("GET", f"/api/v1/persons/{TOO_LARGE}", 404),
    ("GET", f"/api/v1/requests/{JUST_TOO_LARGE}", 404),
    ("PATCH", f"/api/v1/requests/{JUST_TOO_LARGE}", 404),
    ("GET", f"/api/v1/requests/{TOO_LARGE}/events", 404),
    ("POST", f"/api/v1/requests/{TOO_LARGE}/events", 404),
    ("GET", f"/api/v1/countries?portfolioHolder={TOO_LARGE}", 400),
    ("GET", f"/api/v1/requests?mission={JUST_TOO_LARGE}", 400),
    ("GET", f"/api/v1/requests?caseOfficer={TOO_LARGE}", 400),
    ("GET", f"/api/v1/requests?page={TOO_LARGE}", 400),
    ("GET", "/api/v1/persons?page=%C2%B2", 400),  # "²": a digit to str.isdigit, not to int()
])
def test_impossible_numbers_in_the_api_are_refused_not_a_server_error(client, bearer, method, url, expected):
    response = client.open(url, method=method, headers=bearer("staff"), json={"version": 1})
    assert response.status_code == expected, response.get_data(as_text=True)
    assert response.is_json and response.json["detail"]


@pytest.mark.parametrize("body", [
    {"person_id": int(TOO_LARGE), "country": "GN"},
    {"person_id": 1, "country": "GN", "mission_id": 2**31},
])
def test_impossible_ids_in_a_json_body_are_refused(client, bearer, make_country, make_person, body):
    make_country("GN")
    make_person(nationality="GN")
    response = client.post("/api/v1/requests", headers=bearer("staff"), json=body)
    assert response.status_code == 400, response.get_data(as_text=True)


@pytest.mark.parametrize("url, expected", [
    (f"/persons/{TOO_LARGE}", 404),
    (f"/requests/{JUST_TOO_LARGE}", 404),
    (f"/persons/?page={TOO_LARGE}", 200),
    (f"/requests/?page={TOO_LARGE}", 422),
    (f"/requests/?mission={TOO_LARGE}", 422),
    (f"/countries/?portfolio_holder={TOO_LARGE}", 422),
    (f"/reminders/?page={TOO_LARGE}", 422),
    ("/reminders/?mission=%C2%B2", 422),
    (f"/requests/new?person={JUST_TOO_LARGE}", 404),
    (f"/admin/audit?before={TOO_LARGE}", 200),
    (f"/privacy/views?person={TOO_LARGE}", 422),
])
def test_impossible_numbers_on_pages_are_refused_not_a_server_error(client, login_as, url, expected):
    login_as("admin")
    assert client.get(url).status_code == expected


def test_a_nul_character_in_a_search_finds_nothing_special(client, bearer, login_as, make_person):
    make_person(name="Nul Persoon")
    headers = bearer("viewer")
    for url in ("/api/v1/requests?q=a%00b", "/api/v1/persons?q=Nul%00", "/api/v1/countries?q=%00"):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.get_data(as_text=True))
    assert client.get("/api/v1/persons?q=Nul%00", headers=headers).json["total"] == 1
    login_as("staff")
    for url in ("/persons/?q=%00", "/requests/?q=%00", "/countries/?q=%00"):
        assert client.get(url).status_code == 200, url


def test_control_characters_in_stored_text_are_refused_on_every_database(client, bearer, make_country):
    make_country("GN")
    response = client.post("/api/v1/persons", headers=bearer("staff"),
                           json={"v_number": "1234567890", "name": "Na\x00am", "willingness": "unknown"})
    assert response.status_code == 400
    assert "name" in refused(response)


def test_a_unicode_digit_is_not_a_number(client, bearer, make_country):
    make_country("GN")
    headers = bearer("staff")
    version = client.get("/api/v1/countries/GN", headers=headers).json["version"]
    response = client.patch("/api/v1/countries/GN", headers=headers,
                            json={"version": version, "values": {"lp_validity_days": "²"}})
    assert response.status_code == 400, response.get_data(as_text=True)


def test_a_tampered_form_version_is_a_bad_request(client, login_as, make_country):
    login_as("staff")
    make_country("GN")
    token = csrf_token_from(client.get("/countries/GN/edit").get_data(as_text=True))
    response = client.post("/countries/GN/edit", data={"csrf_token": token, "version": "²"})
    assert response.status_code == 400


def test_the_database_refusing_a_value_is_bad_input_not_an_outage(app, request):
    """A DataError (here: NUL, which PostgreSQL refuses) answers 400, not 503 'unreachable'."""
    from sqlalchemy import text

    from lp.web.access import public

    def refused():
        db.session.execute(text("SELECT CAST(:v AS INTEGER)"), {"v": "not a number"})
        return "accepted"

    app.add_url_rule("/test-data-error", "test_data_error", public(refused))
    app.add_url_rule("/api/v1/test-data-error", "api_test_data_error", public(refused))
    client = app.test_client()
    if request.config.getoption("--db") != "postgresql":
        assert client.get("/test-data-error").status_code == 200  # SQLite casts to 0
        return
    page = client.get("/test-data-error", headers={"Accept-Language": "en"})
    assert page.status_code == 400 and "Bad request" in page.get_data(as_text=True)
    api = client.get("/api/v1/test-data-error")
    assert api.status_code == 400 and api.is_json



# -- JSON bodies: bounded size and depth on every operation that takes one ---------------

def _body_routes(app) -> list[tuple[str, str]]:
    """Return (method, URL) of every API route that takes a JSON body, with an existing record in its path.

    A file upload takes multipart/form-data: a JSON body there is refused as such (415).
    """
    from lp.persons.models import Person
    from lp.requests.models import LpRequest

    with app.app_context():
        existing = {"alpha2": "GN", "request_id": db.session.scalar(db.select(db.func.min(LpRequest.id))),
                    "person_id": db.session.scalar(db.select(db.func.min(Person.id)))}
    routes = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & {"POST", "PATCH", "PUT"}):
            operation = getattr(app.view_functions[rule.endpoint], "openapi", None)
            multipart = operation is not None and operation.request_media_type != "application/json"
            if rule.rule.startswith("/api/v1/") and not multipart:
                routes.append((method, rule.build({name: existing[name] for name in rule.arguments})[1]))
    return routes


@pytest.mark.parametrize("body, message", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"a": ' * 33 + "1" + "}" * 33, "nested too deeply"),
    ('{"notes": "' + "x" * (1024 * 1024) + '"}', "larger than 1 MB"),
], ids=["100000 deep", "33 deep", "over 1 MB"])
def test_a_json_body_too_deep_or_too_large_is_a_bad_request_on_every_operation(app, client, bearer, seeded,
                                                                               body, message):
    """Issue 12: a deeply nested JSON body gave 500 (RecursionError) instead of 400."""
    headers = {**bearer("staff"), "Content-Type": "application/json", "Accept-Language": "en"}
    routes = _body_routes(app)
    assert len(routes) >= 5
    for method, url in routes:
        response = client.open(url, method=method, headers=headers, data=body)
        assert response.status_code == 400, (method, url, response.get_data(as_text=True)[:200])
        assert response.is_json and message in response.json["detail"], (method, url)
    # 32 levels are accepted as JSON (and then judged on their content).
    nested = '{"a": ' * 31 + "1" + "}" * 31
    for method, url in routes:
        assert client.open(url, method=method, headers=headers, data=nested).status_code == 400, (method, url)


def test_every_405_names_the_allowed_methods(app, client, bearer, login_as):
    """Issue 12: 405 answers came without the ``Allow`` header (RFC 9110, ADR /core/http-methods)."""
    login_as("staff")
    headers = bearer("staff")
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.arguments or rule.endpoint == "static":
            continue
        allowed = rule.methods | {"HEAD", "OPTIONS"}
        method = next(m for m in ("DELETE", "PUT", "PATCH", "POST", "GET") if m not in allowed)
        response = client.open(rule.rule, method=method, headers=headers if rule.rule.startswith("/api/") else {})
        assert response.status_code == 405, (method, rule.rule)
        assert set(response.headers["Allow"].split(", ")) >= rule.methods, (method, rule.rule)
        checked += 1
    assert checked > 20


# -- Regressions of the disagreements between the document and the validation (issue 12) --

@pytest.mark.parametrize("url, parameter", [
    ("/api/v1/countries?lang=", "lang"),
    ("/api/v1/countries/GN?lang=", "lang"),
    ("/api/v1/requests?submittedTo=", "submittedTo"),
    ("/api/v1/requests?submitted_to=", "submittedTo"),  # the deprecated key, judged the same
    ("/api/v1/requests?submittedFrom=20260101", "submittedFrom"),  # ISO, but not the documented form
    ("/api/v1/requests?q=" + "x" * 101, "q"),
    ("/api/v1/persons?q=" + "x" * 101, "q"),
    ("/api/v1/countries?q=" + "x" * 101, "q"),
    ("/api/v1/countries?portfolioHolder=1234567890", "portfolioHolder"),
    ("/api/v1/requests?status=issued&status=used", "status"),
])
def test_query_arguments_the_document_does_not_admit_are_refused(client, bearer, seeded, url, parameter):
    response = client.get(url, headers=bearer("viewer"))
    assert response.status_code == 400, response.get_data(as_text=True)
    assert list(refused(response)) == [parameter]


def test_what_the_document_admits_is_accepted(client, bearer, seeded):
    headers = bearer("staff")
    assert client.get("/api/v1/persons?q=" + "x" * 100, headers=headers).status_code == 200
    assert client.get("/api/v1/requests?submittedTo=2026-12-31&page=2147483647", headers=headers).status_code == 200
    # JSON Schema counts 5.0 as an integer; so does the API.
    version = client.get("/api/v1/countries/GN", headers=headers).json["version"]
    response = client.patch("/api/v1/countries/GN", headers=headers,
                            json={"version": float(version), "lp_validity_days": 30.0})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["lp_validity_days"] == 30


def test_every_operation_documents_the_servers_414(client, bearer):
    document = client.get("/api/v1/openapi.json", headers=bearer("viewer")).json
    operations = [op for path in document["paths"].values() for op in path.values()]
    assert operations and all("414" in op["responses"] for op in operations)
