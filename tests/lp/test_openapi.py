"""The OpenAPI document: valid, complete (every API route, nothing else), and true to the answers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from countries.models import Agreement, Country, Mission
from lp.web.extensions import db

PREFIX = "/api/v1"


@pytest.fixture
def document(client, bearer) -> dict[str, Any]:
    response = client.get(f"{PREFIX}/openapi.json", headers=bearer("viewer"))
    assert response.status_code == 200
    return response.json


def test_document_is_public_and_readable_from_any_origin(client):
    """/core/publish-openapi: tools read it from the browser without a token; nothing else allows CORS."""
    response = client.get(f"{PREFIX}/openapi.json", headers={"Origin": "https://editor.example"})
    assert response.status_code == 200 and response.json["info"]["title"] == "LP-tracker API"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.json["paths"]["/openapi.json"]["get"]["security"] == []
    me = client.get(f"{PREFIX}/me", headers={"Origin": "https://editor.example"})
    assert me.status_code == 401 and "Access-Control-Allow-Origin" not in me.headers


def test_document_is_valid_openapi(document):
    validate(document)
    assert document["servers"] == [{"url": PREFIX}]
    assert document["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"


def _routes_in_url_map(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            routes |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_every_api_route_is_documented_and_nothing_else(app, document):
    documented = {
        (document["servers"][0]["url"] + path, method.upper())
        for path, operations in document["paths"].items()
        for method in operations
    }
    routes = _routes_in_url_map(app)
    assert routes - documented == set(), "API routes without @documented"
    assert documented - routes == set(), "documented operations that do not exist"
    assert {(f"{PREFIX}/countries/{{alpha2}}", "PATCH"), (f"{PREFIX}/countries", "GET")} <= routes


def test_filters_and_answers_are_described(document):
    listing = document["paths"]["/countries"]["get"]
    parameters = {p["name"]: p["schema"] for p in listing["parameters"]}
    assert parameters["presentationRequired"]["enum"] == ["yes", "no", "sometimes", "unknown"]
    assert "eu_readmission" in parameters["agreementKind"]["enum"]
    assert parameters["lang"]["enum"] == ["nl", "en"]
    patch = document["paths"]["/countries/{alpha2}"]["patch"]
    assert set(patch["responses"]) >= {"200", "400", "401", "403", "404", "409", "415"}
    assert "403" not in listing["responses"]  # every token may read
    body = document["components"]["schemas"]["CountryPatch"]
    assert body["required"] == ["version"] and "notes" in body["properties"]
    assert document["components"]["schemas"]["Country"]["properties"]["lp_validity_days"]["type"] == [
        "integer", "null"]


def _inline(node: Any, document: dict[str, Any]) -> Any:
    """Return a schema with its $refs replaced by what they point to."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return _inline(target, document)
        return {key: _inline(value, document) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(value, document) for value in node]
    return node


def _assert_answer_documented(document, path: str, method: str, response) -> None:
    answer = document["paths"][path][method]["responses"][str(response.status_code)]
    assert response.headers["API-Version"] == document["info"]["version"] and "API-Version" in answer["headers"]
    schema = _inline(answer["content"][response.mimetype]["schema"], document)
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(response.json)


def test_real_answers_match_their_schemas(app, client, bearer, document):
    staff, viewer = bearer("staff"), bearer("viewer")
    with app.app_context():
        country = Country(alpha2="MA", alpha3="MAR", name_nl="Marokko", name_en="Morocco", region="002",
                          version=1, lp_validity_days=30)
        country.agreements = [Agreement(kind="mou", title="Werkafspraken", reply_time_limit_days=30)]
        country.missions = [Mission(kind="embassy", name="Ambassade", city="Den Haag")]
        db.session.add(country)
        db.session.commit()
    one = "/countries/{alpha2}"
    answers = [
        ("/countries", "get", client.get(f"{PREFIX}/countries", headers=viewer)),
        ("/countries", "get", client.get(f"{PREFIX}/countries?sort=sideways", headers=viewer)),
        (one, "get", client.get(f"{PREFIX}/countries/MA", headers=viewer)),
        (one, "get", client.get(f"{PREFIX}/countries/QQ", headers=viewer)),
        (one, "patch", client.patch(f"{PREFIX}/countries/MA", headers=staff,
                                    json={"version": 1, "portfolio_holder": "staff@example.org",
                                          "last_reviewed_on": "2025-01-31"})),
        (one, "patch", client.patch(f"{PREFIX}/countries/MA", headers=staff,
                                    json={"version": 1, "notes": "x"})),
        (one, "patch", client.patch(f"{PREFIX}/countries/MA", headers=staff, json={"version": 2, "nope": 1})),
        (one, "patch", client.patch(f"{PREFIX}/countries/MA", headers=viewer, json={"version": 2})),
        (one, "patch", client.patch(f"{PREFIX}/countries/MA", json={"version": 2})),
        ("/me", "get", client.get(f"{PREFIX}/me", headers=viewer)),
    ]
    assert [response.status_code for _path, _method, response in answers] == [
        200, 400, 200, 404, 200, 409, 400, 403, 401, 200]
    for path, method, response in answers:
        _assert_answer_documented(document, path, method, response)
