"""The routes of LP requests in the JSON API: list, create, read, change details, timeline, actions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lp.api import files as api_files
from lp.api.headers import created
from lp.api.inputs import is_whole_number, json_object, query_args, read_version
from lp.api.openapi import documented
from lp.api.paging import paged
from lp.api.requests.inputs import read_event, read_new_request, read_patch
from lp.api.requests.schemas import (
    EVENT_LIST,
    EVENT_POST,
    EVENT_RECORDED,
    LP_REQUEST_DETAIL,
    LP_REQUEST_LIST,
    LP_REQUEST_PATCH,
    NEW_LP_REQUEST,
    OWNER_PUT,
    REQUEST_CONFLICT,
    filter_parameters,
)
from lp.api.requests.serialise import event_json, request_detail_json, request_json
from lp.api.schemas import INVALID_INPUT, PROBLEM
from lp.auth.roles import Role
from lp.core.clock import today
from lp.core.validation import Conflict, ValidationFailed
from lp.files import services as files
from lp.files.models import Attachment
from lp.requests import ownership
from lp.requests.models import LpRequest, RequestEvent
from lp.requests.search import page, parse_filters
from lp.requests.services import REPEAT_FIELD, create_request, perform, update_details
from lp.web.access import api_error, requires
from lp.web.extensions import db

bp = Blueprint("requests", __name__)


def _conflict(lp: LpRequest, conflict: Conflict):
    """Answer 409 with the request's current status and version; nothing was saved."""
    db.session.rollback()
    return api_error(409, str(conflict.message), current_status=lp.status, current_version=lp.version)


def load_request(request_id: int) -> LpRequest:
    """Return a request, or answer 404."""
    lp = db.session.get(LpRequest, request_id)
    if lp is None:
        abort(api_error(404, _("There is no LP request with number %(id)d.", id=request_id)))
    return lp


@bp.get("/requests")
@requires(Role.VIEWER)
@documented(
    "List LP requests",
    description="The same search, filters, sort orders and pages as the request list in the application.",
    parameters=filter_parameters(),
    paged=True,
    responses={200: LP_REQUEST_LIST, 400: INVALID_INPUT},
)
def list_requests():
    """List one page of the requests matching the filters."""
    found = page(parse_filters(query_args(), user_id=current_user.id), today())
    return paged({"items": [request_json(lp) for lp in found.items], "total": found.total,
                  "page": found.filter.page, "pages": found.pages}, found.filter.page, found.pages)


@bp.post("/requests")
@requires(Role.STAFF)
@documented(
    "Create an LP request (a draft)",
    description=("The answer carries our reference and the country profile's checklist for this person. "
                 "Record the submission to the embassy with the `submit` action on its events."),
    request_body=NEW_LP_REQUEST,
    responses={201: ("The draft request.", LP_REQUEST_DETAIL),
               400: ("Refused values or unknown fields; nothing was saved.", INVALID_INPUT)},
)
def create():
    """Create a draft request for a person to a country."""
    person, country, mission, details = read_new_request(json_object())
    lp = create_request(person, country, mission, user_id=current_user.id, details=details,
                        repeat_reason=details.pop(REPEAT_FIELD, ""))
    return created(request_detail_json(lp), url_for(".get_request", request_id=lp.id))


@bp.get("/requests/<int:request_id>")
@requires(Role.VIEWER)
@documented("Read one LP request", responses={200: LP_REQUEST_DETAIL, 404: PROBLEM})
def get_request(request_id: int):
    """Show every field of a request, the actions its state allows and its checklist."""
    lp_request = load_request(request_id)
    return jsonify(request_detail_json(lp_request))


@bp.patch("/requests/<int:request_id>")
@requires(Role.STAFF)
@documented(
    "Change the details of an LP request",
    description=("Send the `version` you read and any of the details. The status and outcome fields "
                 "change only with the lifecycle: post an action to the request's events."),
    request_body=LP_REQUEST_PATCH,
    responses={
        200: ("The request as saved.", LP_REQUEST_DETAIL),
        404: PROBLEM,
        409: ("Someone changed the request since the version sent; nothing was saved.", REQUEST_CONFLICT),
        400: ("Refused values, unknown or workflow fields; nothing was saved.", INVALID_INPUT),
    },
)
def update(request_id: int):
    """Change a request's details if nobody saved in between."""
    lp = load_request(request_id)
    version, values = read_patch(json_object(), lp)
    try:
        update_details(lp, values, user_id=current_user.id, expected_version=version)
    except Conflict as conflict:
        return _conflict(lp, conflict)
    return jsonify(request_detail_json(lp))


@bp.put("/requests/<int:request_id>/owner")
@requires(Role.STAFF)
@documented(
    "Reassign an LP request",
    description=("Send the new owner's user id and the `version` you read. The new owner is told "
                 "(as they chose in their notification settings); the timeline shows the change."),
    request_body=OWNER_PUT,
    responses={
        200: ("The request as saved.", LP_REQUEST_DETAIL),
        404: PROBLEM,
        409: ("Someone changed the request since the version sent, or it is closed; nothing was saved.",
              REQUEST_CONFLICT),
        400: ("An unknown owner, one who cannot own requests or owns it already; nothing was saved.",
              INVALID_INPUT),
    },
)
def reassign(request_id: int):
    """Give a request another owner if nobody saved in between."""
    lp = load_request(request_id)
    body = json_object()
    errors: dict[str, list[Any]] = {}
    version = read_version(body, errors)
    owner_id = body.get("owner_id")
    new_owner = ownership.find_owner(owner_id) if is_whole_number(owner_id) else None
    if new_owner is None:
        errors["owner_id"] = [_("Unknown owner.")]
    unknown = set(body) - {"owner_id", "version"}
    for name in unknown:
        errors[name] = [_("There is no such field, or it cannot be changed.")]
    if errors:
        raise ValidationFailed(errors)
    try:
        ownership.reassign(lp, new_owner, current_user, expected_version=version)
    except Conflict as conflict:
        return _conflict(lp, conflict)
    except ValidationFailed as failure:
        db.session.rollback()
        raise ValidationFailed({"owner_id": failure.errors.get("owner", [])}) from None
    return jsonify(request_detail_json(lp))


@bp.get("/requests/<int:request_id>/events")
@requires(Role.VIEWER)
@documented("List the timeline of an LP request", description="Oldest first.",
            responses={200: EVENT_LIST, 404: PROBLEM})
def list_events(request_id: int):
    """List every event of a request, oldest first."""
    load_request(request_id)
    events = db.session.scalars(
        select(RequestEvent).where(RequestEvent.request_id == request_id)
        .options(joinedload(RequestEvent.user)).order_by(RequestEvent.id)
    ).all()
    return jsonify({"items": [event_json(event) for event in events], "count": len(events)})


@bp.post("/requests/<int:request_id>/events")
@requires(Role.STAFF)
@documented(
    "Apply a lifecycle action to an LP request, or record a contact, pause or resume",
    description=("`action` is a transition the request's state allows (see `actions` on the request), or "
                 "`contact`, `pause` or `resume`; `data` holds its values in text form (dates YYYY-MM-DD, "
                 "times YYYY-MM-DDTHH:MM in Dutch time unless an offset is given, yes/no or true/false). "
                 "With `version`, nothing is saved if someone changed the request since."),
    request_body=EVENT_POST,
    responses={
        201: ("The recorded event and the request as it is now.", EVENT_RECORDED),
        404: PROBLEM,
        409: ("The request's state does not allow this action, or it changed since the version sent: "
              + "nothing was saved.", REQUEST_CONFLICT),
        400: ("Refused or impossible values; nothing was saved.", INVALID_INPUT),
    },
)
def record_event(request_id: int):
    """Apply one action to a request and record it on its timeline."""
    lp = load_request(request_id)
    action, data, note, version, confirmed = read_event(json_object())
    try:
        event = perform(lp, action, data, user_id=current_user.id, note=note, expected_version=version,
                        unusual_confirmed=confirmed)
    except Conflict as conflict:  # IllegalTransition included
        return _conflict(lp, conflict)
    except ValidationFailed:
        db.session.rollback()
        raise
    return created({"event": event_json(event), "request": request_detail_json(lp)},
                    url_for(".list_events", request_id=lp.id))


# --- files -------------------------------------------------------------------------------


def _download(attachment: Attachment) -> str:
    return url_for(".download_file", request_id=attachment.request_id, file_id=attachment.id)


@bp.get("/requests/<int:request_id>/files")
@requires(Role.VIEWER)
@documented("List the files of an LP request", description="The current version of each, newest first.",
            responses={200: api_files.FILE_LIST, 404: PROBLEM})
def list_files(request_id: int):
    """List the current files of a request."""
    load_request(request_id)
    return api_files.file_list(files.files_of_request(request_id), _download)


@bp.post("/requests/<int:request_id>/files")
@requires(Role.STAFF)
@api_files.documented_upload("Upload a file on an LP request")
def upload_file(request_id: int):
    """Store an uploaded file on a request."""
    lp = load_request(request_id)
    attachment = api_files.store_upload(lambda upload: files.add_to_request(lp, upload, user_id=current_user.id))
    return created(api_files.file_json(attachment, _download(attachment)), _download(attachment))


@bp.get("/requests/<int:request_id>/files/<int:file_id>")
@requires(Role.VIEWER)
@api_files.documented_download("Download a file of an LP request")
def download_file(request_id: int, file_id: int):
    """Send one file of a request, as it was uploaded."""
    load_request(request_id)
    return api_files.send_file(db.session.get(Attachment, file_id), lambda a: a.request_id == request_id,
                               _("This request has no file with number %(id)d.", id=file_id))
