"""The routes of country profiles in the JSON API: list, read and change them."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from countries.models import Agreement, Country, Mission
from countries.search import country_query
from countries.services import find_country, update_profile
from lp.api.countries.inputs import list_arguments, read_patch, requested_language
from lp.api.countries.schemas import (
    COUNTRY_CONFLICT,
    COUNTRY_DETAIL,
    COUNTRY_LIST,
    COUNTRY_PATCH,
    LANG_PARAMETER,
    filter_parameters,
)
from lp.api.countries.serialise import change_json, country_detail_json, country_json
from lp.api.inputs import json_object
from lp.api.openapi import documented
from lp.api.schemas import INVALID_INPUT, PROBLEM
from lp.auth.roles import Role
from lp.core.clock import today
from lp.core.validation import Conflict
from lp.web.access import api_error, requires
from lp.web.extensions import db

bp = Blueprint("countries", __name__)


def _unknown_country(alpha2: str):
    return api_error(404, _("There is no country with code %(code)s.", code=alpha2.upper()[:10]))


@bp.get("/countries")
@requires(Role.VIEWER)
@documented(
    "List country profiles",
    description="The same search and filters as the country list in the application.",
    parameters=[*filter_parameters(), LANG_PARAMETER],
    responses={200: COUNTRY_LIST, 400: INVALID_INPUT},
)
def list_countries():
    """List the countries matching the filters, with their profile fields."""
    filters, language = list_arguments()
    agreement_count = (
        select(func.count(Agreement.id)).where(Agreement.country_id == Country.id).scalar_subquery()
    )
    mission_count = select(func.count(Mission.id)).where(Mission.country_id == Country.id).scalar_subquery()
    query = (
        country_query(filters, language, today())
        .options(selectinload(Country.portfolio_holder))
        .add_columns(agreement_count, mission_count)
    )
    items = [
        country_json(country, language, agreement_count=agreements, mission_count=missions)
        for country, agreements, missions in db.session.execute(query)
    ]
    return jsonify({"items": items, "count": len(items)})


@bp.get("/countries/<alpha2>")
@requires(Role.VIEWER)
@documented(
    "Read one country profile with its agreements and missions",
    parameters=[LANG_PARAMETER],
    responses={200: COUNTRY_DETAIL, 404: PROBLEM, 400: INVALID_INPUT},
)
def get_country(alpha2: str):
    """Show one country with all its fields, agreements and missions."""
    language = requested_language()
    country = find_country(alpha2)
    if country is None:
        return _unknown_country(alpha2)
    return jsonify(country_detail_json(country, language))


@bp.patch("/countries/<alpha2>")
@requires(Role.VIEWER, Role.STAFF)
@documented(
    "Change fields of a country profile",
    description=(
        "Send the `version` you read and any of the profile fields, in the form GET returns "
        "them. When someone changed the profile since, nothing is saved and the answer (409) "
        "lists their changes."
    ),
    parameters=[LANG_PARAMETER],
    request_body=COUNTRY_PATCH,
    responses={
        200: ("The profile as saved, with its new version.", COUNTRY_DETAIL),
        404: PROBLEM,
        409: ("Someone changed the profile since the version sent; nothing was saved.", COUNTRY_CONFLICT),
        400: ("Refused values, unknown fields, or a JSON body that is not an object.", INVALID_INPUT),
    },
)
def update_country(alpha2: str):
    """Change a country's profile fields if nobody saved in between."""
    language = requested_language()
    country = find_country(alpha2)
    if country is None:
        return _unknown_country(alpha2)
    version, values = read_patch(json_object())
    try:
        update_profile(country, values, expected_version=version, user_id=current_user.id, source="api")
    except Conflict as conflict:
        return api_error(409, str(conflict.message), current_version=country.version,
                         changes=[change_json(change) for change in conflict.changes])
    return jsonify(country_detail_json(country, language))
