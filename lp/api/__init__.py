"""The JSON API under ``/api/v1``: bearer tokens only, no cookies, no CSRF.

Each resource is a package (lp/api/countries, persons, requests) of routes, serialisation,
input parsing and schemas; its blueprint is nested under ``bp``, every view declares
``@documented``, and its schemas are the OpenAPI document's components.
"""

from __future__ import annotations

from email.utils import parseaddr

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from lp.api import countries, files, headers, persons, requests
from lp.api.inputs import api_query, check_query, internal_query
from lp.api.openapi import build_document, documented
from lp.api.schemas import Schema, api_name, object_schema
from lp.auth.roles import Role
from lp.core.validation import ValidationFailed
from lp.web.access import PROBLEM_JSON, api_error, public, requires
from lp.web.extensions import csrf

PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=PREFIX)
RESOURCES = (countries, persons, requests)

# Bearer tokens are not sent by browsers on their own, so cross-site forgery does
# not apply; the API never reads the session cookie (see lp.web.access). Flask-WTF
# checks the exemption per blueprint, nested ones included.
csrf.exempt(bp)
for resource in RESOURCES:
    csrf.exempt(resource.bp)
    bp.register_blueprint(resource.bp)


#: What the API answers in; an Accept header that admits neither is refused (406).
SERVED = ["application/json", PROBLEM_JSON]
bp.after_app_request(headers.add_api_headers)  # app-wide: unknown /api/v1 paths and 405s too


def _operation():
    return getattr(current_app.view_functions.get(request.endpoint or ""), "openapi", None)


@bp.before_request
def check_request():
    """Refuse an Accept the API cannot serve (406); read the query under its documented keys and hold it to
    what the operation's OpenAPI description admits (400 otherwise)."""
    operation = _operation()
    binary = operation is not None and operation.binary  # a file download answers in the file's own type
    if request.accept_mimetypes and not binary and request.accept_mimetypes.best_match(SERVED) is None:
        return api_error(406, _("This API answers in application/json (errors in application/problem+json)."))
    if operation is not None:
        args, g.lp_deprecated_keys = api_query(operation.parameters, request.args)
        g.lp_api_query, g.lp_query = args, internal_query(args)
        check_query(operation.parameters, args)
    return None


def _api_names(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Name refused query parameters as the document does (``per_page`` → ``pageSize``); body fields stay."""
    operation = _operation()
    documented = {p["name"] for p in operation.parameters if p.get("in") == "query"} if operation else set()
    return {api_name(name) if api_name(name) in documented else name: messages for name, messages in errors.items()}


@bp.errorhandler(ValidationFailed)
def validation_failed(failed: ValidationFailed):
    """Answer invalid input with 400 (/core/error-handling/invalid-input) and every refusal at once, as
    ``invalidParams`` (/core/error-handling/all-errors), the messages in the caller's language."""
    errors = _api_names(failed.as_json())
    return api_error(
        400, _("Not accepted: %(fields)s.", fields=", ".join(errors)),
        invalidParams=[{"name": name, "reason": reason} for name, reasons in errors.items() for reason in reasons],
    )


ACCOUNT = Schema("Account", object_schema({
    "id": {"type": "integer"},
    "email": {"type": "string", "format": "email"},
    "display_name": {"type": "string"},
    "role": {"type": "string", "enum": [role.value for role in Role]},
}))


@bp.get("/me")
@requires(Role.VIEWER)
@documented("Describe the account the token belongs to", responses={200: ACCOUNT})
def me():
    """Describe the account the token belongs to."""
    return jsonify(
        {
            "id": current_user.id,
            "email": current_user.email,
            "display_name": current_user.display_name,
            "role": current_user.role,
        }
    )


@bp.get("/openapi.json")
@public
@documented("This OpenAPI document", responses={200: {"type": "object"}})
def openapi_document():
    """Describe every API route as an OpenAPI 3.1 document.

    Public and readable from any origin (/core/publish-openapi): tools such as Swagger UI
    fetch it from the browser without a token. No other API answer allows another origin.
    """
    schemas = [ACCOUNT, *files.SCHEMAS, *(schema for resource in RESOURCES for schema in resource.SCHEMAS)]
    response = jsonify(build_document(current_app, PREFIX, schemas, version=headers.API_VERSION,
                                      contact=contact()))
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def contact() -> dict[str, str]:
    """Return info.contact (/core/doc-openapi-contact): who runs this installation, from its settings."""
    config = current_app.config
    return {
        "name": config.get("LP_API_CONTACT_NAME") or "LP-tracker",
        "email": config.get("LP_API_CONTACT_EMAIL") or parseaddr(config["MAIL_FROM"])[1],
        "url": config.get("LP_API_CONTACT_URL") or config["LP_BASE_URL"],
    }
