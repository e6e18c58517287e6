"""Presentation days in the browser: the list, planning a day, adding requests, the results, the day list."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import Form

from countries.models import Mission
from lp.auth.roles import Role
from lp.core.clock import today
from lp.core.forms import VersionedForm, apply_errors, field_for
from lp.core.validation import Conflict, ValidationFailed, whole_number, yes_or_no
from lp.presentations import services
from lp.presentations.models import PresentationDay, PresentationItem
from lp.requests import display, groups
from lp.requests.models import LpRequest
from lp.web.access import requires
from lp.web.extensions import db

bp = Blueprint("presentations", __name__, url_prefix="/presentations")
#: Days shown in the list that lie behind us (their results may still need recording).
PAST_DAYS_SHOWN = 60


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {**display.template_helpers(), "RESULT_LABELS": services.RESULT_LABELS}


def _fields() -> dict[str, Any]:
    return {name: field_for(spec) for name, spec in services.DAY_FIELDS.items()}


DayForm: type[VersionedForm] = type("DayForm", (VersionedForm,), _fields())


def _raw(form: Form) -> dict[str, str]:
    return {name: form[name].data or "" for name in services.DAY_FIELDS}


def _day_or_404(day_id: int) -> PresentationDay:
    day = db.session.scalar(select(PresentationDay).where(PresentationDay.id == day_id).options(
        selectinload(PresentationDay.items).joinedload(PresentationItem.request).joinedload(LpRequest.person)))
    if day is None:
        abort(404)
    return day


def _user_id() -> int:
    return current_user.id


@bp.get("/")
@requires(Role.VIEWER)
def index():
    """List the coming days (and those of the last weeks), and the missions with requests waiting."""
    zone = ZoneInfo(current_app.config["LP_TIMEZONE"])
    since = datetime.combine(today() - timedelta(days=PAST_DAYS_SHOWN), time(), zone)
    days = list(db.session.scalars(
        select(PresentationDay).where(PresentationDay.starts_at >= since)
        .options(joinedload(PresentationDay.mission), selectinload(PresentationDay.items))
        .order_by(PresentationDay.starts_at.desc(), PresentationDay.id.desc())))
    on_a_day = select(PresentationItem.request_id).where(PresentationItem.result.is_(None))
    counts: dict[int, int] = {row.mission_id: row.waiting for row in db.session.execute(
        select(LpRequest.mission_id, func.count(LpRequest.id).label("waiting"))
        .where(LpRequest.is_open.is_(True), LpRequest.status == services.WAITING_STATUS,
               LpRequest.mission_id.is_not(None), LpRequest.id.not_in(on_a_day))
        .group_by(LpRequest.mission_id))}
    missions = db.session.scalars(select(Mission).where(Mission.id.in_(counts)).order_by(Mission.name, Mission.id))
    waiting = [(mission, counts[mission.id]) for mission in missions]
    return render_template("presentations/index.html", days=days, waiting=waiting, today=today(),
                           local_day=services.local_day)


@bp.route("/missions/<int:mission_id>/new", methods=["GET", "POST"])
@requires(Role.STAFF)
def new(mission_id: int):
    """Plan a presentation day at a mission."""
    mission = db.get_or_404(Mission, mission_id)
    form = DayForm(data={"place": mission.address.splitlines()[0] if mission.address else mission.city})
    general: list[str] = []
    if form.validate_on_submit():
        try:
            day = services.plan_day(mission, _raw(form), user_id=_user_id())
        except ValidationFailed as failure:
            db.session.rollback()
            general = apply_errors(form, failure)
        else:
            flash(_("Presentation day planned. Now add the requests."), "success")
            return redirect(url_for("presentations.show", day_id=day.id))
    invalid = bool(general) or any(f.errors for f in form)
    page = render_template("presentations/edit.html", form=form, mission=mission, day=None, general=general)
    return page, 422 if invalid else 200


@bp.route("/<int:day_id>/edit", methods=["GET", "POST"])
@requires(Role.STAFF)
def edit(day_id: int):
    """Change a day; the requests not yet presented move with it (each on its timeline)."""
    day = _day_or_404(day_id)
    data = {name: spec.form_data(getattr(day, name)) for name, spec in services.DAY_FIELDS.items()}
    form = DayForm(data={**data, "version": str(day.version)})
    general: list[str] = []
    conflict = None
    if form.validate_on_submit():
        try:
            outcome = services.update_day(day, _raw(form), user_id=_user_id(), expected_version=form.expected_version())
        except ValidationFailed as failure:
            db.session.rollback()
            general = apply_errors(form, failure)
        except Conflict as error:
            db.session.rollback()
            form.version.data = str(day.version)
            conflict = error.message
        else:
            _flash_outcome(outcome, _("Changes saved."))
            return redirect(url_for("presentations.show", day_id=day.id))
    invalid = bool(general) or conflict is not None or any(f.errors for f in form)
    page = render_template("presentations/edit.html", form=form, mission=day.mission, day=day, general=general,
                           conflict=conflict)
    return page, (409 if conflict else 422) if invalid else 200


def _flash_outcome(outcome: services.Outcome, done_text: str) -> None:
    if outcome.done or not outcome.refused:
        flash(done_text, "success")
    for reference, why in outcome.refused:
        flash(_("Not saved for %(reference)s: %(why)s", reference=reference, why=why), "danger")


def _render_day(day: PresentationDay, *, general: list[str] | None = None, status: int = 200):
    can_edit = display.can_edit()
    waiting = services.waiting(day.mission_id) if can_edit else []
    group_ids = groups.group_ids_of([r.id for r in waiting] + [item.request_id for item in day.items])
    members = groups.members_of_groups(set(group_ids.values()))
    page = render_template(
        "presentations/show.html", day=day, waiting=waiting, group_ids=group_ids, members=members,
        general=general or [], results=services.RESULTS,
        can_record=services.local_day(day.starts_at) <= today(), can_add=services.local_day(day.starts_at) >= today(),
    )
    return page, status


@bp.get("/<int:day_id>")
@requires(Role.VIEWER)
def show(day_id: int):
    return _render_day(_day_or_404(day_id))


@bp.get("/<int:day_id>/print")
@requires(Role.VIEWER)
def day_list(day_id: int):
    """The day list for transport and escort: time, place, interpreter, and each person."""
    day = _day_or_404(day_id)
    return render_template("presentations/print.html", day=day,
                           items=[item for item in day.items if item.result in (None, "held")])


def _refused(day_id: int, failure: ValidationFailed):
    """Show the day again with why the step was refused (nothing of it was saved)."""
    db.session.rollback()
    messages = [str(m) for ms in failure.errors.values() for m in ms]
    return _render_day(_day_or_404(day_id), general=messages, status=422)


def _ids(values: list[str]) -> list[int]:
    ids = [whole_number(value) for value in values]
    if any(number is None for number in ids):
        abort(400)
    return [number for number in ids if number is not None]


@bp.post("/<int:day_id>/requests")
@requires(Role.STAFF)
def add_requests(day_id: int):
    """Put the ticked requests on the day (with their linked requests, when asked) in one step."""
    day = _day_or_404(day_id)
    try:
        with_group = yes_or_no(request.form.get("with_group"), name="with_group")
        outcome = services.add_requests(day, _ids(request.form.getlist("request")), with_group=with_group,
                                        user_id=_user_id())
    except ValidationFailed as failure:
        return _refused(day_id, failure)
    _flash_outcome(outcome, ngettext("%(num)d request added to the day.", "%(num)d requests added to the day.",
                                     len(outcome.done)))
    return redirect(url_for("presentations.show", day_id=day_id))


@bp.post("/<int:day_id>/results")
@requires(Role.STAFF)
def record_results(day_id: int):
    """Record the result of each person on the day in one step; each request is saved on its own."""
    day = _day_or_404(day_id)
    rows = []
    for item_id in _ids(request.form.getlist("item")):
        rows.append(services.ResultRow(
            item_id=item_id,
            result=request.form.get(f"result-{item_id}", ""),
            note=request.form.get(f"note-{item_id}", ""),
            item_version=whole_number(request.form.get(f"version-{item_id}")),
            request_version=whole_number(request.form.get(f"request-version-{item_id}")),
        ))
    try:
        outcome = services.record_results(day, rows, user_id=_user_id())
    except ValidationFailed as failure:
        return _refused(day_id, failure)
    _flash_outcome(outcome, ngettext("Result recorded for %(num)d person.", "Results recorded for %(num)d persons.",
                                     len(outcome.done)))
    return redirect(url_for("presentations.show", day_id=day_id))
