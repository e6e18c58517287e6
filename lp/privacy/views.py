"""Privacy pages for administrators: the person view log and the right-of-access download."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from lp.auth.roles import Role
from lp.core.validation import whole_number
from lp.persons import processing, views_log
from lp.persons.models import Person
from lp.persons.views_log import EXPORTED, VIEWED, views_query
from lp.privacy import access_export
from lp.web.access import requires
from lp.web.audit import AuditEvent
from lp.web.extensions import db

bp = Blueprint("privacy", __name__, url_prefix="/privacy")
PAGE_SIZE = 50
#: How the record was opened (``details["via"]`` of a view event).
VIA_LABELS = {"web": _l("web page"), "api": _l("API"), "cli": _l("command line")}
ACTION_LABELS = {VIEWED: _l("viewed"), EXPORTED: _l("exported")}


@bp.record_once
def _log_person_views(state) -> None:
    views_log.init_app(state.app)
    processing.init_app(state.app)


def _positive_int(name: str) -> tuple[int | None, bool]:
    """Return a query argument as a positive number (None when absent) and whether it was valid."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None, True
    number = whole_number(raw, minimum=1)
    return number, number is not None


@bp.context_processor
def _labels():
    return {"via_labels": VIA_LABELS, "action_labels": ACTION_LABELS}


@bp.get("/views")
@requires(Role.ADMIN)
def person_views():
    """List who viewed or exported which person when, newest first; of one person with ``?person=<id>``.

    The list names persons by id only: showing their V-numbers would itself be a view of
    each of them. The one person asked for is shown with his V-number, and that is logged.
    """
    person_id, valid = _positive_int("person")
    before, _valid = _positive_int("before")
    if not valid:
        return render_template("privacy/views.html", rows=[], person=None, person_arg=request.args["person"],
                               older=None, error=_("Enter the number (id) of a person.")), 422
    query = views_query(person_id).options(selectinload(AuditEvent.actor)).limit(PAGE_SIZE)
    if before:
        query = query.where(AuditEvent.id < before)
    rows = db.session.scalars(query).all()
    older = rows[-1].id if len(rows) == PAGE_SIZE else None
    person = db.session.get(Person, person_id) if person_id else None
    return render_template("privacy/views.html", rows=rows, person=person, person_arg=person_id or "",
                           older=older, error=None)


@bp.get("/persons/<int:person_id>/export.json")
@requires(Role.ADMIN)
def export_person(person_id: int):
    """Download everything held on one person (right of access); the download is logged."""
    person = db.get_or_404(Person, person_id)
    document = access_export.export_person_json(person, actor_id=current_user.id)
    return Response(document, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="person-{person.id}.json"',
        "Cache-Control": "no-store",
    })
