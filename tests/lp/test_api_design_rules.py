"""The NL API Design Rules (ADR 2.x, Logius) on the OpenAPI document the app serves, in Python.

The same rules as .spectral.yml (run by `make lint-api` with Spectral), so that a developer
without Node sees a broken rule in the ordinary test run. Each check names the design rule
it implements; each is also shown to catch a document that breaks it. The answers themselves
(headers, problems, status codes) are checked in test_api_answers_follow_design_rules below.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.problems import is_problem, refused

PREFIX = "/api/v1"
METHODS = {"get", "post", "put", "patch", "delete"}
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")
KEBAB_PATH = re.compile(r"^(/([a-z0-9-]+|\{[^}/]+\}))+$")
LOWER_CAMEL = re.compile(r"^[a-z][a-z0-9]*([A-Z][a-z0-9]*)*$")
DATE_NAME = re.compile(r"^(date|datum)$|(\wD|_[dD])(ate|atum)$")
PASCAL = re.compile(r"^[A-Z][a-zA-Z0-9]*$")

Document = dict[str, Any]


def _operations(document: Document) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def _resolve(node: Any, document: Document) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _properties(node: Any) -> Iterator[tuple[str, Any]]:
    """Yield every (name, schema) under a ``properties`` anywhere in the document."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            yield from properties.items()
        for value in node.values():
            yield from _properties(value)
    elif isinstance(node, list):
        for value in node:
            yield from _properties(value)


def openapi_3(document: Document) -> Iterator[str]:
    """/core/doc-openapi: described in OpenAPI 3."""
    if not re.match(r"^3\.\d+(\.\d+)?$", str(document.get("openapi", ""))):
        yield f"openapi is {document.get('openapi')!r}, not 3.x"


def contact(document: Document) -> Iterator[str]:
    """/core/doc-openapi-contact: info.contact with name, email and url."""
    found = document["info"].get("contact") or {}
    for member in ("name", "email", "url"):
        if not found.get(member):
            yield f"info.contact has no {member}"


def semver(document: Document) -> Iterator[str]:
    """/core/semver: info.version is major.minor.patch."""
    if not SEMVER.match(document["info"]["version"]):
        yield f"info.version {document['info']['version']!r} is not semantic"


def major_version_in_uri(document: Document) -> Iterator[str]:
    """/core/uri-version and /core/transport/tls: every server URL has /v<major>, none is plain http."""
    for server in document.get("servers") or [{}]:
        url = server.get("url", "")
        if not re.search(r"/v\d+", url):
            yield f"server {url!r} has no major version"
        if url.startswith("http://"):
            yield f"server {url!r} is plain http"


def no_trailing_slash_and_kebab_case(document: Document) -> Iterator[str]:
    """/core/no-trailing-slash and /core/path-segments-kebab-case (openapi.json exempt)."""
    for path in document["paths"]:
        if path.endswith("/") and path != "/":
            yield f"{path} ends in a slash"
        if path != "/openapi.json" and not KEBAB_PATH.match(path.rstrip("/") or "/"):
            yield f"{path} is not kebab-case"


def query_keys_camel_case(document: Document) -> Iterator[str]:
    """/core/query-keys-camel-case."""
    for path, method, operation in _operations(document):
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "query" and not LOWER_CAMEL.match(parameter["name"]):
                yield f"{method.upper()} {path}: query key {parameter['name']} is not lowerCamelCase"


def standard_methods(document: Document) -> Iterator[str]:
    """/core/http-methods: only GET, POST, PUT, PATCH and DELETE."""
    allowed = METHODS | {"parameters", "summary", "description", "servers"}
    for path, item in document["paths"].items():
        for key in set(item) - allowed:
            yield f"{path}: {key} is not a standard method"


def version_header(document: Document) -> Iterator[str]:
    """/core/version-header: every answer with content documents API-Version."""
    for path, method, operation in _operations(document):
        for status, response in operation["responses"].items():
            if response.get("content") and "API-Version" not in (response.get("headers") or {}):
                yield f"{method.upper()} {path} {status}: no API-Version header"


def problem_details(document: Document) -> Iterator[str]:
    """/core/error-handling/problem-details: 4xx/5xx are application/problem+json with status, title, detail."""
    for path, method, operation in _operations(document):
        for status, response in operation["responses"].items():
            if not status.startswith(("4", "5")) or not response.get("content"):
                continue
            if set(response["content"]) != {"application/problem+json"}:
                yield f"{method.upper()} {path} {status}: {sorted(response['content'])}, not problem+json"
                continue
            schema = _resolve(response["content"]["application/problem+json"]["schema"], document)
            missing = {"status", "title", "detail"} - set(schema.get("properties", {}))
            if missing:
                yield f"{method.upper()} {path} {status}: the problem lacks {sorted(missing)}"


def invalid_input_400(document: Document) -> Iterator[str]:
    """/core/error-handling/invalid-input: writes, and reads with parameters, document a 400."""
    for path, method, operation in _operations(document):
        takes_input = method in {"post", "put", "patch"} or bool(operation.get("parameters"))
        if takes_input and "400" not in operation["responses"]:
            yield f"{method.upper()} {path} documents no 400"


def dates_and_times(document: Document) -> Iterator[str]:
    """/core/date-time/timezone and /core/date-time/date-omit-time-portion."""
    for name, schema in _properties(document):
        if not isinstance(schema, dict):
            continue
        if schema.get("format") in {"date-time-local", "time"}:
            yield f"{name}: format {schema['format']} (date-times need a zone; times are time-local)"
        if DATE_NAME.search(name) and schema.get("format") != "date":
            yield f"{name} is named as a date but is not format date"


def schema_names_pascal_case(document: Document) -> Iterator[str]:
    """Schema names are UpperCamelCase (Logius: nlgov:schema-camel-case)."""
    for name in document["components"]["schemas"]:
        if not PASCAL.match(name):
            yield f"schema {name} is not UpperCamelCase"


RULES: list[Callable[[Document], Iterator[str]]] = [
    openapi_3, contact, semver, major_version_in_uri, no_trailing_slash_and_kebab_case, query_keys_camel_case,
    standard_methods, version_header, problem_details, invalid_input_400, dates_and_times, schema_names_pascal_case,
]


@pytest.fixture
def document(client) -> Document:
    response = client.get(f"{PREFIX}/openapi.json")  # public: /core/publish-openapi
    assert response.status_code == 200
    return response.json


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_the_served_document_follows_the_rule(document, rule):
    assert list(rule(document)) == []


def _break(document: Document, rule_name: str) -> None:
    """Change the document so that it breaks one rule, as a careless change to the code would."""
    listing = document["paths"]["/requests"]["get"]
    patch = document["paths"]["/requests/{request_id}"]["patch"]
    schemas = document["components"]["schemas"]
    match rule_name:
        case "openapi_3":
            document["openapi"] = "2.0"
        case "contact":
            del document["info"]["contact"]["email"]
        case "semver":
            document["info"]["version"] = "1"
        case "major_version_in_uri":
            document["servers"] = [{"url": "http://example.org/api"}]
        case "no_trailing_slash_and_kebab_case":
            document["paths"]["/lp_requests/"] = document["paths"].pop("/requests")
        case "query_keys_camel_case":
            listing["parameters"].append({"name": "per_page", "in": "query", "schema": {"type": "integer"}})
        case "standard_methods":
            document["paths"]["/requests"]["trace"] = listing
        case "version_header":
            del listing["responses"]["200"]["headers"]["API-Version"]
        case "problem_details":
            patch["responses"]["409"]["content"] = {"application/json": {"schema": {"type": "object"}}}
        case "invalid_input_400":
            del patch["responses"]["400"]
        case "dates_and_times":
            schemas["LpRequest"]["properties"]["submissionDate"] = {"type": "string", "format": "date-time"}
        case "schema_names_pascal_case":
            schemas["lp_request"] = schemas.pop("LpRequest")


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_each_rule_catches_a_document_that_breaks_it(document, rule):
    broken = copy.deepcopy(document)
    _break(broken, rule.__name__)
    assert list(rule(broken)), f"{rule.__name__} did not notice"


def test_api_answers_follow_design_rules(client, bearer):
    """What the document promises, the answers do: version, security headers, problems, 400/405/406/415/404."""
    viewer, staff = bearer("viewer"), bearer("staff")
    answers = {
        "ok": client.get(f"{PREFIX}/me", headers=viewer),
        "401": client.get(f"{PREFIX}/me"),
        "404": client.get(f"{PREFIX}/nothing-here", headers=viewer),
        "trailing slash": client.get(f"{PREFIX}/persons/", headers=viewer),
        "405": client.delete(f"{PREFIX}/persons", headers=staff),
        "406": client.get(f"{PREFIX}/persons", headers={**viewer, "Accept": "text/html"}),
        "415": client.post(f"{PREFIX}/persons", headers=staff, data="name=x",
                           content_type="application/x-www-form-urlencoded"),
        "400": client.get(f"{PREFIX}/persons?pageSize=7&page=0", headers=viewer),
    }
    for name, response in answers.items():
        headers = response.headers
        assert headers["API-Version"] == "1.0.0", name
        assert headers["Cache-Control"] == "no-store", name
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], name
        assert (headers["X-Content-Type-Options"], headers["X-Frame-Options"]) == ("nosniff", "DENY"), name
        assert headers["Referrer-Policy"] == "no-referrer", name
        assert "Strict-Transport-Security" not in headers, name  # plain HTTP: RFC 6797 forbids it
        assert "Access-Control-Allow-Origin" not in headers, name
    assert answers["ok"].status_code == 200
    for name, status in (("401", 401), ("404", 404), ("trailing slash", 404), ("405", 405), ("406", 406),
                         ("415", 415), ("400", 400)):
        assert is_problem(answers[name], status), name
    assert set(answers["405"].headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert set(refused(answers["400"])) == {"page", "pageSize"}


def test_over_https_every_api_answer_sends_strict_transport_security(client, bearer):
    for response in (client.get(f"{PREFIX}/me", headers=bearer("viewer"), base_url="https://lp.example.org"),
                     client.get(f"{PREFIX}/me", base_url="https://lp.example.org"),
                     client.get(f"{PREFIX}/nothing", base_url="https://lp.example.org")):
        assert response.headers["Strict-Transport-Security"].startswith("max-age="), response.status_code
        assert response.headers["API-Version"] == "1.0.0"
