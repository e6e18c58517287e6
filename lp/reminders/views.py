"""Reminders in the browser: the inbox, one reminder (acknowledge, snooze), reminder letters."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from countries.models import Mission
from countries.services import find_country
from lp.auth.roles import Role
from lp.core.clock import today
from lp.core.forms import apply_errors
from lp.core.validation import Conflict, ValidationFailed
from lp.files import pdf
from lp.files.services import CheckedUpload
from lp.reminders import bulk, due, letters, services, signals
from lp.reminders.forms import AcknowledgeForm, InboxFilterForm, SnoozeForm
from lp.reminders.models import Reminder
from lp.requests import bulk as request_bulk
from lp.requests.display import can_edit, day, moment
from lp.web import navigation
from lp.web.access import requires
from lp.web.extensions import db

bp = Blueprint("reminders", __name__, url_prefix="/reminders")
# Registered with the app, not at import: a closing request closes its reminders.
bp.record_once(lambda _state: signals.connect())
# A change to what the reminder rules read marks the request for the next daily sweep.
bp.record_once(lambda _state: due.listen())


def my_open_count() -> int | None:
    """Return the number of my open reminders for the navigation (None when not logged in)."""
    if not current_user.is_authenticated:
        return None
    try:
        return services.count_mine_open(current_user.id, today())
    except SQLAlchemyError:
        # The menu is also drawn on the "database unavailable" page: a badge must not
        # turn that page into a second failure.
        db.session.rollback()
        return None


@bp.record_once
def _register_badge(state) -> None:
    navigation.register_badge(state.app, "reminders.index", my_open_count)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"day": day, "moment": moment, "can_edit": can_edit(), "kind_label": services.kind_label}


# --- the inbox --------------------------------------------------------------------------


def _filter_or_default() -> services.InboxFilter:
    try:
        return services.parse_filter(request.args)
    except ValidationFailed:
        return services.InboxFilter()


@bp.get("/")
@requires(Role.VIEWER)
def index():
    """List the reminders: mine or all, filtered, the most urgent first."""
    return _render_inbox()


def _render_inbox(general: list[str] | None = None, status: int = 200):
    form = InboxFilterForm(request.args, scope="mine")
    try:
        f = services.parse_filter(request.args)
    except ValidationFailed as failure:
        return render_template("reminders/index.html", form=form, general=apply_errors(form, failure),
                               page=None, f=services.InboxFilter()), 422
    if f.country and find_country(f.country) is None:
        form.country.errors = [_("Unknown country.")]
        return render_template("reminders/index.html", form=form, general=[], page=None, f=f), 422
    actions = [action for action in bulk.REMINDERS.actions.values() if current_user.may(action.role)]
    return render_template("reminders/index.html", form=form, general=general or [], f=f,
                           page=services.inbox(f, current_user.id, today()), today=today(),
                           bulk_actions=actions), status


@bp.post("/bulk")
@requires(Role.VIEWER, Role.STAFF)
def bulk_action():
    """Acknowledge or snooze the ticked reminders (or all that match the filters): confirm first, then the result."""
    try:
        f = services.parse_filter(request.args)
    except ValidationFailed:
        abort(400)
    day, user_id = today(), current_user.id
    return request_bulk.respond(
        bulk.REMINDERS, context=f, action_url=url_for("reminders.bulk_action", **f.as_args()),
        back_url=url_for("reminders.index", **f.as_args()),
        select_ids=lambda everything, ticked: bulk.selection(f, user_id, day, everything=everything, ticked=ticked),
        still=lambda ids: bulk.still_listed(f, user_id, day, ids),
        refuse=lambda messages, status: _render_inbox(messages, status),
    )


# --- one reminder ---------------------------------------------------------------------------


def _render_reminder(reminder: Reminder, *, acknowledge_form=None, snooze_form=None,
                     general: list[str] | None = None, status: int = 200):
    return render_template(
        "reminders/show.html",
        reminder=reminder,
        open=reminder.is_open_on(today()),
        actions=services.actions_on(reminder),
        acknowledge_form=acknowledge_form or AcknowledgeForm(prefix="acknowledge-"),
        snooze_form=snooze_form or SnoozeForm(prefix="snooze-"),
        general=general or [],
        back=_filter_or_default().as_args(),
    ), status


@bp.get("/<int:reminder_id>")
@requires(Role.VIEWER)
def show(reminder_id: int):
    """Show one reminder, with the forms to acknowledge or snooze it."""
    return _render_reminder(db.get_or_404(Reminder, reminder_id))


def _act(reminder_id: int, form, form_name: str, action, done_message: str):
    """Run acknowledge or snooze from a posted form; re-render with the reasons when refused."""
    reminder = db.get_or_404(Reminder, reminder_id)
    try:
        action(reminder, {name: field.data for name, field in form._fields.items()}, user_id=current_user.id)
    except ValidationFailed as failure:
        return _render_reminder(reminder, general=apply_errors(form, failure), status=422, **{form_name: form})
    except Conflict as conflict:
        return _render_reminder(reminder, general=[str(conflict.message)], status=409, **{form_name: form})
    flash(done_message, "success")
    if request.args.get("next") == "inbox":
        return redirect(url_for("reminders.index", **_filter_or_default().as_args()))
    return redirect(url_for("reminders.show", reminder_id=reminder.id, **_filter_or_default().as_args()))


@bp.post("/<int:reminder_id>/acknowledge")
@requires(Role.STAFF)
def acknowledge(reminder_id: int):
    """Mark a reminder as dealt with, with an optional note."""
    form = AcknowledgeForm(request.form, prefix="acknowledge-")
    return _act(reminder_id, form, "acknowledge_form", services.acknowledge, _("Reminder acknowledged."))


@bp.post("/<int:reminder_id>/snooze")
@requires(Role.STAFF)
def snooze(reminder_id: int):
    """Hide a reminder until a later day, with a note."""
    form = SnoozeForm(request.form, prefix="snooze-")
    return _act(reminder_id, form, "snooze_form", services.snooze, _("Reminder snoozed."))


# --- reminder letters ----------------------------------------------------------------------


@bp.get("/letters/")
@requires(Role.VIEWER)
def letters_index():
    """List the missions with overdue requests: one reminder letter each."""
    return _render_letters()


def _render_letters(general: list[str] | None = None, status: int = 200):
    missions, without_mission = services.missions_with_overdue(today())
    return render_template("reminders/letters.html", missions=missions, without_mission=without_mission,
                           sent_today=services.letters_sent_today(), general=general or []), status


def _letter_context(mission: Mission) -> dict[str, Any]:
    """Return what a mission's reminder letter shows: its overdue requests, in the mission's language."""
    now = today()
    language = letters.letter_language(mission)
    requests = services.overdue_requests(mission, now)
    return {
        "mission": mission,
        "requests": requests,
        "language": language,
        "of_country": letters.country_phrase(mission.country, language),
        "address": letters.address_lines(mission, language),
        "writer": letters.LetterWriter(language),
        "days_overdue": lambda r: services.days_overdue(r, now),
        "letter_day": now,
    }


def _render_letter(mission: Mission, *, general: list[str] | None = None, status: int = 200):
    context = _letter_context(mission)
    return render_template("reminders/letter.html", token=services.letter_token(context["requests"]),
                           general=general or [], **context), status


def letter_pdf(mission: Mission) -> CheckedUpload:
    """Return the mission's reminder letter, as it stands now, as a PDF to download or attach."""
    context = _letter_context(mission)
    data = pdf.html_to_pdf(render_template("reminders/letter_pdf.html", **context))
    return pdf.as_upload(data, f"nota-verbale-{mission.id}-{context['letter_day'].isoformat()}.pdf")


@bp.get("/letters/<int:mission_id>/letter.pdf")
@requires(Role.VIEWER)
def letter_as_pdf(mission_id: int):
    """Download a mission's reminder letter as PDF (the persons it lists are logged as viewed)."""
    upload = letter_pdf(db.get_or_404(Mission, mission_id))
    response = Response(upload.data, mimetype=pdf.MIME)
    response.headers.set("Content-Disposition", "attachment", filename=upload.filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/letters/<int:mission_id>")
@requires(Role.VIEWER)
def letter(mission_id: int):
    """Show a mission's reminder letter, ready to print."""
    return _render_letter(db.get_or_404(Mission, mission_id))


@bp.post("/letters/<int:mission_id>/sent")
@requires(Role.STAFF)
def letter_sent(mission_id: int):
    """Record the letter as sent: first a page that asks to confirm with the count, then the note verbale.

    Without ``confirmed`` the page names every request the letter will be recorded on;
    its button posts the same letter again with ``confirmed=1``.
    """
    mission = db.get_or_404(Mission, mission_id)
    try:
        shown = services.parse_letter_token(request.form.getlist("shown"))
        if request.form.get("confirmed") != "1":
            requests = services.check_letter(mission, shown)
            return render_template("reminders/confirm_letter.html", mission=mission, requests=requests,
                                   token=services.letter_token(requests))
        attach = letter_pdf(mission) if request.form.get("attach_pdf") else None
        recorded = services.confirm_letter_sent(mission, shown, user_id=current_user.id, attach=attach)
    except ValidationFailed as failure:
        return _render_letter(mission, general=[str(m) for ms in failure.errors.values() for m in ms], status=422)
    except Conflict as conflict:
        return _render_letter(mission, general=[str(conflict.message)], status=409)
    flash(ngettext("Reminder letter recorded as a note verbale on %(num)d request. You can undo it today "
                   "under “Recorded today”.",
                   "Reminder letter recorded as a note verbale on %(num)d requests. You can undo it today "
                   "under “Recorded today”.", recorded), "success")
    return redirect(url_for("reminders.letters_index"))


@bp.post("/letters/sent/<int:letter_id>/undo")
@requires(Role.STAFF)
def undo_letter(letter_id: int):
    """Undo a reminder letter recorded today: reversals on the timelines, reminders as before."""
    try:
        undone = services.undo_letter(letter_id, user_id=current_user.id)
    except Conflict as conflict:
        return _render_letters([str(conflict.message)], 409)
    flash(ngettext("Reminder letter undone on %(num)d request; nothing was deleted.",
                   "Reminder letter undone on %(num)d requests; nothing was deleted.", undone), "success")
    return redirect(url_for("reminders.letters_index"))
