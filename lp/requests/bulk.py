"""Bulk work on the request list: record a contact, export CSV, one note verbale to a mission.

``REQUESTS.register(BulkAction(...))`` adds an action (see ``lp.web.bulk``); each one
here works through the services the request page uses, so the rules are the same. A
field of kind "user" (a staff member, offered as a choice of the active staff) is
checked once before any request is touched; ``apply`` parses it again with
``resolve_user=staff_user_id`` (the reassignment below).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from flask import Response, abort, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import Form

from countries.services import staff_user_id
from lp.auth.models import User
from lp.auth.roles import Role
from lp.core.clock import today
from lp.core.csv import DEFAULT_DELIMITER
from lp.core.fields import FieldSpec, parse_fields
from lp.core.forms import apply_errors
from lp.core.validation import ValidationFailed
from lp.requests import batches, export, ownership, search, services
from lp.requests.forms import spec_field
from lp.requests.lifecycle import ACTIONS, EVENT_FIELDS
from lp.requests.models import LpRequest
from lp.web.bulk import BulkAction, BulkList, check_count, parse_shown, parse_values, posted_ids, run
from lp.web.extensions import db


def _load(ids: Iterable[int]) -> dict[int, LpRequest]:
    rows = db.session.scalars(select(LpRequest).where(LpRequest.id.in_(list(ids)))
                              .options(joinedload(LpRequest.mission)))
    return {row.id: row for row in rows}


def _label(request: LpRequest) -> str:
    return request.reference or f"#{request.id}"


def _gone(request: LpRequest) -> Any:
    if not request.is_open:
        return _l("Closed in the meantime.")
    return _l("No longer matches the filters of the list.")


REQUESTS = BulkList(
    name="requests",
    load=_load,
    label=_label,
    link=lambda request: url_for("requests.show", request_id=request.id),
    version=lambda request: request.version,
    gone=_gone,
)


def fields_form(specs, formdata=None, data: dict[str, Any] | None = None) -> Form:
    """Return a form of the action's fields (the posted text, or ``data`` when nothing was posted)."""
    form_class = type("BulkFieldsForm", (Form,), {spec.name: spec_field(spec) for spec in specs})
    return form_class(formdata, data=data or {})


def selection(f: search.RequestFilter, day: date, *, everything: bool, ticked: set[int]) -> list[int]:
    """Return the ids to act on in list order: all that match ``f``, or the ticked ones that do."""
    query = search.ordered(search.filtered(f, day), f)
    if not everything:
        if not ticked:
            return []
        query = query.where(LpRequest.id.in_(ticked))
    return list(db.session.scalars(query.limit(10_000)))


def still_listed(f: search.RequestFilter, day: date, ids: Iterable[int]) -> set[int]:
    """Return those of ``ids`` that the list filtered by ``f`` still holds (one query)."""
    ids = list(ids)
    if not ids:
        return set()
    return set(db.session.scalars(search.filtered(f, day).where(LpRequest.id.in_(ids))))


# --- the actions ---------------------------------------------------------------------------


def _contact(request: LpRequest, raw: dict[str, Any], *, user_id: int, version: int | None) -> None:
    services.perform(request, "contact", raw, user_id=user_id, expected_version=version)


OWNER = (FieldSpec("owner", _l("New owner"), "user", required=True),)


def _reassign(request: LpRequest, raw: dict[str, Any], *, user_id: int, version: int | None) -> None:
    owner_id = parse_fields(OWNER, raw, resolve_user=staff_user_id)["owner"]
    ownership.reassign(request, db.session.get(User, owner_id), db.session.get(User, user_id),
                       expected_version=version)


def _export(ids: list[int], f: search.RequestFilter) -> Response:
    """Download the selected requests as CSV, with the columns of the list's export."""
    body = stream_with_context(export.generate(ids, DEFAULT_DELIMITER))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="lp-requests-selected-{today().isoformat()}.csv"',
    })


def _note_verbale(requests: list[LpRequest], shown: set[tuple[int, int]], raw: dict[str, Any], *, user_id: int,
                  context: search.RequestFilter) -> None:
    batches.record_bulk(requests, shown, raw, mission_id=context.mission, user_id=user_id)


CONTACT = ACTIONS["contact"]
REQUESTS.register(BulkAction(
    "contact", _l("Record a contact with the embassy"), Role.STAFF,
    fields=tuple(EVENT_FIELDS[name] for name in CONTACT.fields), apply=_contact,
    explanation=_l("A contact is recorded on the timeline of each request; a request that allows none is left out."),
))
REQUESTS.register(BulkAction(
    "reassign", _l("Reassign"), Role.STAFF, fields=OWNER, apply=_reassign,
    explanation=_l("Each request gets the new owner and its reminders follow; the new owner is told as their "
                   "notification settings say."),
))
REQUESTS.register(BulkAction("export", _l("Download as CSV"), Role.VIEWER, download=_export))
REQUESTS.register(BulkAction(
    "note_verbale", _l("Record one note verbale to the mission"), Role.STAFF,
    fields=(EVENT_FIELDS["occurred_on"], EVENT_FIELDS["note"]), apply_all=_note_verbale,
    offered=lambda f: f is not None and f.mission is not None,
    explanation=_l("One note verbale on all the requests, or on none; you can undo it today on the list of this "
                   "mission’s requests."),
))


# --- the pages: confirm, then the result ------------------------------------------------------

#: The items named on the confirmation page; the count covers them all.
NAMED = 100


def _messages(failure: ValidationFailed) -> list[str]:
    return [str(message) for messages in failure.errors.values() for message in messages]


def respond(bulk: BulkList, *, context: Any, action_url: str, back_url: str,
            select_ids: Callable[[bool, set[int]], list[int]], still: Callable[[Iterable[int]], set[int]],
            refuse: Callable[[list[str], int], Any]) -> Any:
    """Answer a post of a list's bulk form: the confirmation page, or (once confirmed) the result page.

    ``select_ids(everything, ticked)`` re-applies the list's filters; ``still(ids)`` tells
    which items shown on the confirmation page the list still holds; ``refuse(messages,
    status)`` shows the list again with the messages.
    """
    form = request.form
    action = bulk.actions.get(form.get("action", ""))
    if action is None or not action.offered(context):
        return refuse([_("Choose what to do with the selected items.")], 422)
    if not current_user.may(action.role):
        abort(403)
    fields = fields_form(action.fields, formdata=form if form.get("confirmed") == "1" else None,
                         data={spec.name: today().isoformat() for spec in action.fields if spec.name == "occurred_on"})
    if form.get("confirmed") != "1":
        try:
            ids = select_ids(form.get("all") == "1", posted_ids(form.getlist("ids")))
            check_count(len(ids))
        except ValidationFailed as failure:
            return refuse(_messages(failure), 422)
        if action.download is not None:
            return action.download(ids, context)
        return _confirm(bulk, action, ids, fields, action_url, back_url, [])
    try:
        shown = parse_shown(form.getlist("shown"))
        check_count(len(shown))
    except ValidationFailed as failure:
        return refuse(_messages(failure), 422)
    raw = {spec.name: form.get(spec.name, "") for spec in action.fields}
    try:
        parse_values(action, raw, resolve_user=staff_user_id)
    except ValidationFailed as failure:
        general = apply_errors(fields, failure)
        return _confirm(bulk, action, [item_id for item_id, _version in shown], fields, action_url, back_url,
                        general, status=422)
    outcome = run(bulk, action, shown, still(item_id for item_id, _version in shown), raw,
                  user_id=current_user.id, context=context)
    return render_template("bulk/result.html", action=action, outcome=outcome, back_url=back_url)


def _confirm(bulk: BulkList, action: BulkAction, ids: list[int], fields: Form, action_url: str, back_url: str,
             general: list[str], status: int = 200) -> Any:
    items = bulk.load(ids)
    chosen = [items[item_id] for item_id in ids if item_id in items]
    page = render_template(
        "bulk/confirm.html", action=action, count=len(chosen), fields=fields, general=general,
        named=[(bulk.label(item), bulk.link(item)) for item in chosen[:NAMED]],
        tokens=[bulk.token(item) for item in chosen], action_url=action_url, back_url=back_url,
    )
    return page, status
