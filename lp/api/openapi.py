"""Build the OpenAPI document of the JSON API from what each view declares and each resource's schemas.

Every API view carries ``@documented(...)``: a short, declarative description of
its parameters, request body and responses. Paths, path parameters, the security
requirement and the 401/403 answers are derived from the URL map and the view's
access rule, so they cannot drift from the code. A route without ``@documented``
is left out of the document, and the test suite fails on it. The components are
the schemas each resource declares (``lp/api/<resource>/schemas.py``) and those the
operations refer to.

The document is for programmers and always in English (field labels are rendered
with the English locale), whatever language the caller prefers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, TypeVar

from flask import Flask
from flask_babel import LazyString, force_locale
from werkzeug.routing import Rule

from lp.api.paging import LINK_HEADER
from lp.api.schemas import INVALID_INPUT, PROBLEM, Schema
from lp.auth.roles import Role
from lp.web.access import PROBLEM_JSON, AccessRule, rule_for

F = TypeVar("F", bound=Callable)
OPENAPI_VERSION = "3.1.0"
SECURITY_SCHEME = "bearerToken"
#: ``<name>`` and ``<converter(args):name>`` in a Flask rule.
RULE_ARGUMENT = re.compile(r"<(?:(?P<converter>[a-zA-Z_]+)(?:\([^)]*\))?:)?(?P<name>[a-zA-Z_]\w*)>")
CONVERTER_SCHEMAS = {"int": {"type": "integer", "minimum": 0}}


@dataclass(frozen=True)
class Operation:
    """What a view tells the document about itself (one HTTP method per view)."""

    summary: str
    #: Status code → schema (a Schema or an inline mapping), or (description, schema or None).
    responses: Mapping[int, Any]
    parameters: tuple[Mapping[str, Any], ...] = ()
    request_body: Any = None
    description: str = ""
    #: A paginated list: its 200 answer carries a Link header (lp.api.paging).
    paged: bool = False
    #: How the request body is sent: JSON, or ``multipart/form-data`` (a file upload).
    request_media_type: str = "application/json"
    #: The 200 answer is a file (any media type, the file's own), not JSON; any Accept is served.
    binary: bool = False


def documented(summary: str, *, responses: Mapping[int, Any], parameters=(), request_body=None,
               description: str = "", paged: bool = False, request_media_type: str = "application/json",
               binary: bool = False) -> Callable[[F], F]:
    """Describe an API view for the OpenAPI document."""

    def decorate(view: F) -> F:
        view.openapi = Operation(  # type: ignore[attr-defined]
            summary, responses, tuple(parameters), request_body, description, paged, request_media_type, binary
        )
        return view

    return decorate


#: Answers every protected operation can give; added from the view's access rule.
UNAUTHORISED = ("No valid API token was sent.", PROBLEM)
FORBIDDEN = ("The token's account does not have the role this operation needs.", PROBLEM)
#: Answers derived from what the operation takes (/core/error-handling/invalid-input, /core/transport/security-headers).
INVALID = ("Invalid input: a path or query parameter, or the body, is refused; every refusal is listed.",
           INVALID_INPUT)
BODY_INVALID = ("Invalid input: the body is not JSON, is larger than 1 MB, is nested deeper than 32 levels, or "
                "has refused values; every refusal is listed.", INVALID_INPUT)
NOT_ACCEPTABLE = ("The Accept header admits neither application/json nor application/problem+json.", PROBLEM)
UNSUPPORTED = ("The body was not sent as application/json.", PROBLEM)
#: Answered by the HTTP server (gunicorn) itself, before the app, as plain text.
URI_TOO_LONG = ("The URL (path and query) is longer than the server takes: 4,094 bytes for the "
                "request line, gunicorn's limit.", None)


def openapi_path(rule: Rule, prefix: str) -> str:
    """Turn a Flask rule (``/api/v1/countries/<alpha2>``) into an OpenAPI path."""
    return RULE_ARGUMENT.sub(lambda m: "{" + m["name"] + "}", rule.rule.removeprefix(prefix))


def _path_parameters(rule: Rule, declared: tuple[Mapping[str, Any], ...]) -> list[dict[str, Any]]:
    names = {p["name"] for p in declared if p.get("in") == "path"}
    return [
        {"name": m["name"], "in": "path", "required": True,
         "schema": CONVERTER_SCHEMAS.get(m["converter"] or "", {"type": "string"})}
        for m in RULE_ARGUMENT.finditer(rule.rule)
        if m["name"] not in names
    ]


#: Sent with every answer of the API (lp.api.headers), errors included: /core/version-header.
VERSION_HEADER = {"$ref": "#/components/headers/API-Version"}


def _responses(op: Operation, access: AccessRule | None, method: str, takes_input: bool) -> dict[str, Any]:
    responses = dict(op.responses)
    needed = access.needed_for(method) if access else None
    if needed is not None:
        responses.setdefault(401, UNAUTHORISED)
        if needed is not Role.VIEWER:
            responses.setdefault(403, FORBIDDEN)
    if op.request_body is not None:
        responses.setdefault(400, BODY_INVALID)
        responses.setdefault(415, UNSUPPORTED)
    elif takes_input:
        responses.setdefault(400, INVALID)
    responses.setdefault(406, NOT_ACCEPTABLE)
    responses.setdefault(414, URI_TOO_LONG)
    described = {}
    for status, answer in sorted(responses.items()):
        description, schema = answer if isinstance(answer, tuple) else (HTTPStatus(status).phrase, answer)
        response: dict[str, Any] = {"description": description}
        if schema is not None:  # else answered before the app: neither the version nor a problem
            response["headers"] = {"API-Version": VERSION_HEADER}
            if status == 200 and op.paged:
                response["headers"]["Link"] = LINK_HEADER
            media_type = PROBLEM_JSON if status >= 400 else "application/json"
            if status == 200 and op.binary:
                media_type = "application/octet-stream"
            response["content"] = {media_type: {"schema": schema}}
        described[str(status)] = response
    return described


def _operation(op: Operation, rule: Rule, method: str, access: AccessRule | None) -> dict[str, Any]:
    parts = rule.endpoint.split(".")
    parameters = _path_parameters(rule, op.parameters) + [dict(p) for p in op.parameters]
    described: dict[str, Any] = {
        "operationId": "_".join([*parts[1:], method.lower()]),
        "summary": op.summary,
        "tags": [parts[1] if len(parts) > 2 else "account"],
        "parameters": parameters,
        "responses": _responses(op, access, method, bool(parameters)),
    }
    if op.description:
        described["description"] = op.description
    if op.request_body is not None:
        described["requestBody"] = {
            "required": True,
            "content": {op.request_media_type: {"schema": op.request_body}},
        }
    if access is None or access.needed_for(method) is None:
        described["security"] = []
    return described


def _resolve(node: Any, schemas: dict[str, Any]) -> Any:
    """Replace Schema objects by references (collecting them) and lazy strings by text."""
    if isinstance(node, Schema):
        if node.name not in schemas:
            schemas[node.name] = {}  # reserve first: a schema may refer to itself
            schemas[node.name] = _resolve(node.body, schemas)
        return node.ref
    if isinstance(node, Mapping):
        return {key: _resolve(value, schemas) for key, value in node.items()}
    if isinstance(node, (list, tuple)):
        return [_resolve(value, schemas) for value in node]
    if isinstance(node, LazyString):
        return str(node)
    return node


def build_document(app: Flask, prefix: str, schemas: Iterable[Schema] = (), *, version: str,
                   contact: Mapping[str, str]) -> dict[str, Any]:
    """Return the OpenAPI document of every documented route under ``prefix``, with ``schemas`` among its components."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(prefix + "/"):
            continue
        op: Operation | None = getattr(app.view_functions[rule.endpoint], "openapi", None)
        if op is None:
            continue  # undocumented: tests/lp/test_openapi.py fails on it
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(openapi_path(rule, prefix), {})[method.lower()] = _operation(
                op, rule, method, rule_for(rule.endpoint)
            )
    components: dict[str, Any] = {}
    with force_locale("en"):
        paths = _resolve(paths, components)
        _resolve(list(schemas), components)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "LP-tracker API",
            "version": version,
            "contact": dict(contact),
            "description": (
                "Country profiles, persons and LP requests of LP-tracker. "
                "Send an API token (`flask --app app lp tokens create EMAIL`) as "
                "`Authorization: Bearer <token>`. Messages come in the token user's "
                "language, else the Accept-Language header's, else Dutch. Errors are RFC 9457 "
                "problems (application/problem+json). Follows the NL API Design Rules; changes are "
                "listed in CHANGELOG.md."
            ),
        },
        "servers": [{"url": prefix}],
        "security": [{SECURITY_SCHEME: []}],
        "paths": paths,
        "components": {
            "headers": {
                "API-Version": {
                    "description": "The full version of the API (info.version), on every answer.",
                    "schema": {"type": "string", "example": version},
                },
            },
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http", "scheme": "bearer", "description": "An LP-tracker API token."
                }
            },
            "schemas": dict(sorted(components.items())),
        },
    }
