"""The JSON API under ``/api/v1``: bearer tokens only, no cookies, no CSRF.

Each resource is a package (lp/api/countries, persons, requests) of routes, serialisation,
input parsing and schemas; its blueprint is nested under ``bp``, every view declares
``@documented``, and its schemas are the OpenAPI document's components.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from lp.api import countries, persons, requests
from lp.api.inputs import check_query
from lp.api.openapi import build_document, documented
from lp.api.schemas import Schema, object_schema
from lp.auth.roles import Role
from lp.core.validation import ValidationFailed
from lp.web.access import api_error, requires
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


@bp.before_request
def check_documented_query():
    """Hold every query to what the operation's OpenAPI description admits (422 otherwise)."""
    operation = getattr(current_app.view_functions.get(request.endpoint or ""), "openapi", None)
    if operation is not None:
        check_query(operation.parameters, request.args)


@bp.errorhandler(ValidationFailed)
def validation_failed(failed: ValidationFailed):
    """Answer refused input with 422 and the translated messages per field."""
    return api_error(
        422, _("Not accepted: %(fields)s.", fields=", ".join(failed.errors)), fields=failed.as_json()
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
@requires(Role.VIEWER)
@documented("This OpenAPI document", responses={200: {"type": "object"}})
def openapi_document():
    """Describe every API route as an OpenAPI 3.1 document."""
    schemas = [ACCOUNT, *(schema for resource in RESOURCES for schema in resource.SCHEMAS)]
    return jsonify(build_document(current_app, PREFIX, schemas))
