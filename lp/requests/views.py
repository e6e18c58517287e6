"""LP requests in the browser: list, CSV export, new request, request page with timeline and actions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict
from wtforms import Form

from countries.models import Country, Mission
from countries.services import find_country
from lp.auth.models import User
from lp.auth.roles import Role
from lp.core.clock import today
from lp.core.csv import DEFAULT_DELIMITER, DELIMITERS
from lp.core.forms import apply_errors
from lp.core.validation import Conflict, ValidationFailed, identifier, search_text, whole_number
from lp.files import pdf
from lp.files import services as files
from lp.persons.models import Person
from lp.requests import (
    answer_times,
    batches,
    bulk,
    deadlines,
    display,
    export,
    facts,
    groups,
    ownership,
    pace,
    plausible,
    search,
    services,
    signals,
    snapshots,
)
from lp.requests.checklist import checklist
from lp.requests.forms import (
    BulkNoteForm,
    CountryStepForm,
    DetailsForm,
    LinkForm,
    NewRequestForm,
    OwnerForm,
    UnlinkForm,
    action_form,
    filter_form,
    filter_options,
    mission_choices,
    officer_label,
    raw_values,
    save_versioned,
    staff_id,
)
from lp.requests.lifecycle import ACTIONS, available
from lp.requests.models import LpRequest, RequestEvent
from lp.web import search_terms
from lp.web.access import requires
from lp.web.errors import render_error
from lp.web.extensions import db

bp = Blueprint("requests", __name__, url_prefix="/requests")
#: The actions of the request page that take a file along (shown on their timeline event).
ATTACHABLE = frozenset({"contact"})
# Registered with the app, not at import: a country's profile changes move the due dates.
bp.record_once(lambda _state: signals.connect())
# The time-to-answer facts follow every change of a request, in its transaction.
bp.record_once(lambda _state: facts.listen())
bp.record_once(lambda _state: snapshots.listen())

#: The list's sortable columns, by their key in search.SORTS.
SORT_COLUMNS = {
    "reference": _l("Reference"),
    "status": _l("Status"),
    "submitted_on": _l("Submitted"),
    "reply_due_on": _l("Reply due"),
    "decided_on": _l("Decided"),
}
DETAILS = ("embassy_reference", "documents_enclosed")


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return display.template_helpers()


def _request_or_404(request_id: int) -> LpRequest:
    return db.get_or_404(LpRequest, request_id)


#: What the request page reads besides the request's row, loaded with it: the person, mission,
#: owner, country and its agreements in the same query, the country's missions in a second one
#: (instead of one query each as the page reaches them).
PAGE_LOADS = (joinedload(LpRequest.person), joinedload(LpRequest.mission), joinedload(LpRequest.owner),
              joinedload(LpRequest.country).joinedload(Country.agreements),
              joinedload(LpRequest.country).selectinload(Country.missions))


def _user_id() -> int:
    return current_user.id


# --- list ---------------------------------------------------------------------------


def _sort_links(f: search.RequestFilter) -> dict[str, tuple[str, str | None]]:
    """Return per sortable column its link (sort by it, or reverse) and its aria-sort value."""
    links = {}
    for key in SORT_COLUMNS:
        current = f.sort == key
        url = url_for("requests.index", **f.as_args(sort=key, desc=not f.desc if current else False, page=1))
        links[key] = (url, ("descending" if f.desc else "ascending") if current else None)
    return links


def _page_numbers(current: int, pages: int, last_known: bool = True) -> list[int | None]:
    """Return the page links to show: the first, the last and two either side (None: a gap).

    When the count stopped before the last page (``last_known`` false), no last page is
    offered: the numbers end after the current one, and "Next" goes on.
    """
    last = pages if last_known else min(pages, current + 1)
    shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def _canonical_filters(args: Mapping[str, str]) -> MultiDict:
    """Return the filters with a typed country or case officer replaced by its code or id.

    People type a country's name (Dutch or English) or code, and a case officer's name or
    email address (the owner also as "me"); the list and its links use the two-letter code and
    the account id (no names in URLs). A value that names nothing stays as typed, for the filter's message.
    """
    resolved = MultiDict(args)
    country = search_text(args.get("country"))
    if country and not (len(country) == 2 and country.isalpha()):
        lowered = country.casefold()
        code = db.session.scalar(select(Country.alpha2).where(or_(
            func.lower(Country.name_nl) == lowered, func.lower(Country.name_en) == lowered,
            Country.alpha3 == country.upper())).limit(1))
        resolved["country"] = code or country
    for name in ("case_officer", "owner"):
        typed = search_text(args.get(name))
        if typed and not typed.isdigit() and typed.casefold() != "me":
            found = staff_id(typed)
            resolved[name] = str(found) if found is not None else typed
    return resolved


def _request_filters() -> search.RequestFilter:
    """Return the filters of this request's query (a search term from the session, typed names resolved).

    Raise ValidationFailed for a filter that is not valid.
    """
    return search.parse_filters(_canonical_filters(search_terms.with_term(request.args)), user_id=_user_id())


def _render_list(*, bulk: BulkNoteForm | None = None, general: list[str] | None = None, status: int = 200):
    """Render the request list for the query's filters (422 with messages for bad ones)."""
    args = _canonical_filters(search_terms.with_term(request.args))
    try:
        f = search.parse_filters(args, user_id=_user_id())
    except ValidationFailed as failure:
        form = filter_form(args, None)
        return render_template("requests/index.html", form=form, general=apply_errors(form, failure),
                               result=None, f=search.RequestFilter()), 422
    country = find_country(f.country) if f.country else None
    mission = db.session.get(Mission, f.mission) if f.mission is not None else None
    result = search.page(f, today(), count_limit=current_app.config["LP_LIST_COUNT_LIMIT"])
    if mission is not None and display.can_edit():
        bulk = bulk or BulkNoteForm(data={"occurred_on": today().isoformat()})
        bulk_today = batches.bulk_today(mission.id)
    else:
        bulk, bulk_today = None, []
    officer = db.session.get(User, f.case_officer) if f.case_officer is not None else None
    owner = db.session.get(User, int(f.owner)) if f.owner.isdigit() else None
    page = render_template(
        "requests/index.html",
        form=filter_form(args, country, officer, owner, mission),
        general=general or [],
        f=f,
        result=result,
        today=today(),
        sort_columns=SORT_COLUMNS,
        sort_links=_sort_links(f),
        page_numbers=_page_numbers(f.page, result.pages, last_known=not result.more),
        count_limit=format_number(result.total) if result.more else None,
        mission=mission,
        bulk=bulk,
        bulk_today=bulk_today,
        selected=set(request.form.getlist("ids")),
        bulk_actions=_bulk_actions(f),
        clocks=display.clocks(result.items, today()),
    )
    return page, status


def _bulk_actions(f: search.RequestFilter) -> list[Any]:
    """Return the bulk actions the list as filtered offers this user."""
    return [action for action in bulk.REQUESTS.actions.values()
            if action.offered(f) and current_user.may(action.role)]


@bp.get("/")
@requires(Role.VIEWER)
def index():
    return _render_list()


@bp.post("/")
@requires(Role.VIEWER, Role.VIEWER)
def search_form():
    """Take the posted filters and show the list with the search term kept out of the URL.

    A typed country or case officer goes into the URL as its code or id, not its name.
    """
    return redirect(url_for("requests.index", **search_terms.query_args(_canonical_filters(request.form))))


@bp.get("/filter-options/<any(countries, officers):kind>.json")
@requires(Role.VIEWER)
def filter_options_json(kind: str):
    """Return the request filter's typeahead options of ``kind`` (fetched once, on first focus)."""
    response = jsonify({"options": filter_options(kind)})
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.get("/export.csv")
@requires(Role.VIEWER)
def export_csv():
    """Download every request of the filtered list as CSV (not only one page)."""
    try:
        f = _request_filters()
    except ValidationFailed as failure:
        return render_error(422, " ".join(str(m) for ms in failure.errors.values() for m in ms))
    delimiter = request.args.get("delimiter", DEFAULT_DELIMITER)
    if delimiter not in DELIMITERS:
        return render_error(422, _("Choose ; or , as the separator."))
    body = stream_with_context(export.generate(export.matching_ids(f, today()), delimiter))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="lp-requests-{today().isoformat()}.csv"',
    })


def _selected_in_list(f: search.RequestFilter) -> list[LpRequest]:
    """Return the posted selection, refused unless every request is in the list filtered by ``f``.

    The selection comes from the page the person saw; a request the filters leave out
    (not overdue, another mission) is never written to behind their back.
    """
    ids = {number for value in request.form.getlist("ids")
           if (number := whole_number(value)) is not None}
    if request.form.get("all") == "1":  # "select all that match": the filters decide, on the server
        ids = set(bulk.selection(f, today(), everything=True, ticked=set()))
    if len(ids) > max(search.PAGE_SIZES):
        raise ValidationFailed.single("requests", _l("Select at most %(n)d requests.", n=max(search.PAGE_SIZES)))
    if not ids:
        return []
    chosen = list(db.session.scalars(
        select(LpRequest).where(LpRequest.id.in_(ids), LpRequest.id.in_(search.filtered(f, today())))
        .order_by(LpRequest.id)))
    if len(chosen) != len(ids):
        raise ValidationFailed.single("requests", _l(
            "%(n)d of the selected requests are not in the filtered list; nothing was recorded.",
            n=len(ids) - len(chosen)))
    return chosen


@bp.post("/bulk/note-verbale")
@requires(Role.STAFF)
def bulk_note_verbale():
    """Record one note verbale on each selected request of the list's mission, all or none.

    Without ``confirmed`` a page names the count and every selected request; its one
    button posts the same selection again with ``confirmed=1`` and only that records.
    """
    try:
        f = _request_filters()
    except ValidationFailed:
        abort(400)
    form = BulkNoteForm(request.form)
    raw = raw_values(form, ("occurred_on", "note"))
    try:
        chosen = _selected_in_list(f)
        if request.form.get("confirmed") != "1":
            values = services.check_note_verbale(chosen, raw, mission_id=f.mission)
            return _render_bulk_confirmation(f, chosen, raw, values)
        shown = batches.parse_shown(request.form.getlist("shown"),
                                    _l("The form was damaged. Reload the list and try again."))
        attach = _note_verbale_pdf(chosen, raw) if request.form.get("attach_pdf") else None
        recorded = batches.record_bulk(chosen, shown, raw, mission_id=f.mission, user_id=_user_id(),
                                       before_commit=files.attacher(attach, user_id=_user_id()))
    except Conflict as conflict:  # a request that allows no contact, or changed since it was shown
        db.session.rollback()
        return _render_list(bulk=form, general=[str(conflict.message)], status=409)
    except ValidationFailed as failure:
        db.session.rollback()
        return _render_list(bulk=form, general=apply_errors(form, failure), status=422)
    flash(ngettext("Note verbale recorded on %(num)d request. You can undo it today under “Recorded today”.",
                   "Note verbale recorded on %(num)d requests. You can undo it today under “Recorded today”.",
                   recorded), "success")
    return redirect(url_for("requests.index", **f.as_args()))


@bp.post("/bulk")
@requires(Role.VIEWER, Role.VIEWER)
def bulk_action():
    """Do a bulk action to the ticked requests (or all that match the filters): confirm first, then the result.

    Readers may only download; every other action checks its own role.
    """
    try:
        f = _request_filters()
    except ValidationFailed:
        abort(400)
    day = today()
    return bulk.respond(
        bulk.REQUESTS, context=f, action_url=url_for("requests.bulk_action", **f.as_args()),
        back_url=url_for("requests.index", **f.as_args()),
        select_ids=lambda everything, ticked: bulk.selection(f, day, everything=everything, ticked=ticked),
        still=lambda ids: bulk.still_listed(f, day, ids),
        refuse=lambda messages, status: _render_list(general=messages, status=status),
    )


def _note_verbale_pdf(chosen: list[LpRequest], raw: dict[str, str]) -> files.CheckedUpload:
    """Return the bulk note verbale as a PDF to attach to each of its requests (checked first: nothing is saved)."""
    values = services.check_note_verbale(chosen, raw)
    mission = chosen[0].mission
    html = render_template("requests/note_verbale_pdf.html", mission=mission, requests=chosen, values=values)
    return pdf.as_upload(pdf.html_to_pdf(html), f"nota-verbale-{mission.id if mission else 0}-"
                                                f"{values['occurred_on'].isoformat()}.pdf")


def _render_bulk_confirmation(f: search.RequestFilter, chosen: list[LpRequest], raw: dict[str, str],
                              values: dict[str, Any]):
    """Show what "record" will do: the count, the requests, the date and the note; nothing is recorded yet."""
    db.session.rollback()  # the checks changed nothing; hold no rows while the person reads
    return render_template(
        "requests/confirm_bulk.html", mission=chosen[0].mission, requests=chosen, f=f,
        values=values, token=batches.shown_token(chosen),
        hidden=[("ids", str(r.id)) for r in chosen] + list(raw.items()),
    )


@bp.post("/bulk/note-verbale/<int:event_id>/undo")
@requires(Role.STAFF)
def undo_bulk_note_verbale(event_id: int):
    """Undo a bulk note verbale recorded today: a reversal on each request's timeline, nothing deleted."""
    try:
        f = _request_filters()
    except ValidationFailed:
        abort(400)
    try:
        undone = batches.undo_bulk(event_id, user_id=_user_id())
    except Conflict as conflict:
        return _render_list(general=[str(conflict.message)], status=409)
    flash(ngettext("Note verbale undone on %(num)d request; nothing was deleted.",
                   "Note verbale undone on %(num)d requests; nothing was deleted.", undone), "success")
    return redirect(url_for("requests.index", **f.as_args()))


# --- new request --------------------------------------------------------------------


def _mission(text: str | None, country: Country) -> Mission | None:
    """Return the chosen mission of ``country`` (None for none), or raise ValidationFailed."""
    text = (text or "").strip()
    if not text:
        return None
    mission_id = whole_number(text)
    mission = db.session.get(Mission, mission_id) if mission_id is not None else None
    if mission is None or mission.country_id != country.id:
        raise ValidationFailed.single("mission", _l("This mission does not represent the chosen country."))
    return mission


def _details(form: DetailsForm, country: Country) -> dict[str, Any]:
    """Parse the details on a form: mission, references, documents, identity requested."""
    errors: dict[str, list[Any]] = {}
    values: dict[str, Any] = {"identity_requested": bool(form.identity_requested.data)}
    try:
        values["mission"] = _mission(form.mission.data, country)
    except ValidationFailed as failure:
        errors.update(failure.errors)
    try:
        values.update(services.parse_event_data(DETAILS, raw_values(form, DETAILS)))
    except ValidationFailed as failure:
        errors.update(failure.errors)
    if errors:
        raise ValidationFailed(errors)
    return values


def _person_from_query() -> Person:
    person_id = whole_number(request.args.get("person"))
    person = db.session.get(Person, person_id) if person_id is not None else None
    if person is None:
        abort(404)
    return person


@bp.route("/new", methods=["GET", "POST"])
@requires(Role.STAFF)
def new():
    """Create a request for a person: choose the country, then the mission and details."""
    person = _person_from_query()
    chosen = request.args.get("country")
    if chosen is None and person.nationality is not None:
        chosen = person.nationality.alpha2
    country = find_country(identifier(chosen)) if chosen else None
    step = CountryStepForm(data={"person": str(person.id), "country": country.alpha2 if country else ""})
    if country is None:
        if chosen:
            step.country.errors = [_("Unknown country code.")]
        return render_template("requests/new.html", person=person, step=step, country=None, form=None), (
            422 if chosen else 200)
    first_mission = str(country.missions[0].id) if country.missions else ""
    form = NewRequestForm(data={"mission": first_mission})
    form.mission.choices = mission_choices(country)
    general: list[str] = []
    if form.validate_on_submit():
        try:
            details = _details(form, country)
            mission = details.pop("mission")
            submit = raw_values(form, ("submitted_on", "channel", *DETAILS)) if form.submitted_already.data else None
            created = services.create_request(person, country, mission, user_id=_user_id(), details=details,
                                              submit=submit, repeat_reason=form.repeat_reason.data or "")
        except ValidationFailed as failure:
            general = apply_errors(form, failure)
        else:
            flash(_("Request %(reference)s created.", reference=created.reference), "success")
            return redirect(url_for("requests.show", request_id=created.id))
    invalid = bool(general) or any(field.errors for field in form)
    chosen_mission = next((m for m in country.missions if str(m.id) == form.mission.data), None)
    page = render_template("requests/new.html", person=person, step=step, country=country, form=form,
                           general=general, checklist=checklist(country, person, chosen_mission),
                           earlier=services.earlier_requests(person, country))
    return page, 422 if invalid else 200


# --- request page and its actions ---------------------------------------------------


@dataclass
class OfferedAction:
    """One action the request page offers: where it posts, its label and its form."""

    name: str
    label: Any
    form: Form
    closes: bool = False


def _actions(lp_request: LpRequest, posted: Form | None, posted_name: str | None) -> list[OfferedAction]:
    """Return the actions the request's state allows, each with a fresh form (or the posted one)."""
    actions = []
    for action in available(lp_request.status, lp_request.paused_since is not None):
        name = action.name
        form = posted if name == posted_name and posted is not None else action_form(name, lp_request)
        actions.append(OfferedAction(name, action.label, form, action.confirm))
    return actions


def _owner_form(lp_request: LpRequest, posted: OwnerForm | None = None) -> OwnerForm | None:
    """Return the reassign form (None for a viewer, or a closed request)."""
    if not display.can_edit() or not lp_request.is_open:
        return None
    form = posted
    if form is None:
        owner = lp_request.owner
        form = OwnerForm(data={"owner": officer_label(owner) if owner is not None else "",
                               "version": str(lp_request.version)})
    form.owner.render_kw = {**(form.owner.render_kw or {}),
                            "data-options-url": url_for("requests.filter_options_json", kind="officers")}
    return form


def _render_request(lp_request: LpRequest, *, posted: Form | None = None, posted_name: str | None = None,
                    general: list[str] | None = None, message: Any = None, status: int = 200,
                    link_form: LinkForm | None = None, unlink_form: UnlinkForm | None = None,
                    owner_form: OwnerForm | None = None, attach_errors: list[str] | None = None):
    group = groups.group_of(lp_request)
    request_files = files.files_of_request(lp_request.id)
    # A long history shows its newest events first; the whole timeline on request (?timeline=all).
    shown = None if request.args.get("timeline") == "all" else display.TIMELINE_SHOWN
    timeline = display.timeline(lp_request, limit=shown)
    on = today()
    deemed = deadlines.deemed_agreed_since(lp_request, on)
    page = render_template(
        "requests/show.html",
        r=lp_request,
        facts=display.facts(lp_request, deemed),
        deemed=deemed,
        checklist=checklist(lp_request.country, lp_request.person, lp_request.mission),
        timeline=timeline[:shown] if shown is not None else timeline,
        timeline_cut=shown is not None and len(timeline) > shown,
        actions=_actions(lp_request, posted, posted_name) if display.can_edit() else [],
        posted_name=posted_name,
        general=general or [],
        message=message,
        overdue=display.is_overdue(lp_request),
        expected=answer_times.expected_answer(lp_request, on),
        detention_risk=pace.detention_risk(lp_request, on),
        earlier=services.earlier_requests(lp_request.person, lp_request.country, before_id=lp_request.id),
        group=group,
        group_kinds=dict(groups.GROUP_KINDS),
        linked=groups.linked_requests(lp_request),
        link_form=link_form or LinkForm(),
        unlink_form=unlink_form or UnlinkForm(),
        owner_form=_owner_form(lp_request, owner_form),
        clock=display.clocks([lp_request], on).get(lp_request.id),
        files=request_files,
        event_files=files.by_event(request_files),
        attachable=ATTACHABLE,
        attach_errors=attach_errors or [],
    )
    return page, status


@bp.get("/<int:request_id>")
@requires(Role.VIEWER)
def show(request_id: int):
    lp_request = db.get_or_404(LpRequest, request_id, options=PAGE_LOADS)
    return _render_request(lp_request)


def _perform(lp_request: LpRequest, action: str, form: Form, version: int,
             upload: files.CheckedUpload | None = None) -> None:
    raw = raw_values(form, ACTIONS[action].form_fields)
    confirmed = form._fields.get(plausible.CONFIRM_FIELD)

    def attach(event: RequestEvent) -> None:
        if upload is not None:  # in the action's own transaction: both are recorded, or neither
            files.add_to_request(lp_request, upload, user_id=_user_id(), event=event, commit=False)

    services.perform(lp_request, action, raw, user_id=_user_id(), expected_version=version,
                     unusual_confirmed=bool(confirmed and confirmed.data), before_commit=attach)


def _posted_upload(action: str) -> files.CheckedUpload | None:
    """Return the file posted with an action that takes one (checked), or None when none was chosen."""
    storage = request.files.get(files.FIELD)
    if action not in ATTACHABLE or storage is None or not storage.filename:
        return None
    data = storage.stream.read(files.max_bytes() + 1)
    return files.check_upload(data, storage.filename)


@bp.post("/<int:request_id>/actions/<action>")
@requires(Role.STAFF)
def act(request_id: int, action: str):
    """Apply one action of the request page; on refusal show the page again with why."""
    lp_request = _request_or_404(request_id)
    offered = ACTIONS.get(action)
    if offered is None:
        abort(404)
    form = action_form(action, lp_request, request.form)
    version = whole_number(form.version.data)
    if version is None:
        abort(400)
    try:
        allowed = offered.allowed(lp_request.status, lp_request.paused_since is not None)
        # An illegal action is refused as such (409), confirmed or not.
        if offered.confirm and allowed and not form.confirm.data:
            raise ValidationFailed.single("confirm", _l("Tick the box to confirm that the request closes."))
        try:
            upload = _posted_upload(action)
        except ValidationFailed as refused:
            db.session.rollback()
            return _render_request(lp_request, posted=form, posted_name=action, status=422,
                                   attach_errors=[str(m) for m in refused.errors.get(files.FIELD, [])])
        _perform(lp_request, action, form, version, upload)
    except Conflict as error:  # IllegalTransition included
        db.session.rollback()
        return _render_request(lp_request, message=error.message, status=409)
    except ValidationFailed as failure:
        db.session.rollback()
        general = apply_errors(form, failure)
        return _render_request(lp_request, posted=form, posted_name=action, general=general, status=422)
    flash(_("Recorded: %(action)s.", action=offered.label), "success")
    return redirect(url_for("requests.show", request_id=lp_request.id))


@bp.post("/<int:request_id>/owner")
@requires(Role.STAFF)
def reassign(request_id: int):
    """Give the request another owner (version-checked); on refusal show the page again with why."""
    lp_request = _request_or_404(request_id)
    form = OwnerForm(request.form)
    if not form.validate():
        abort(400)  # the CSRF token: the page was not ours
    version = form.expected_version()
    new_owner = ownership.find_owner(staff_id(form.owner.data or ""))
    try:
        ownership.reassign(lp_request, new_owner, current_user, expected_version=version)
    except Conflict as error:
        db.session.rollback()
        return _render_request(lp_request, message=error.message, status=409)
    except ValidationFailed as failure:
        db.session.rollback()
        form.owner.errors = [str(m) for m in failure.errors.get("owner", [])]
        return _render_request(lp_request, owner_form=form, status=422)
    flash(_("Assigned to %(name)s.", name=ownership.name_of(new_owner)), "success")
    return redirect(url_for("requests.show", request_id=lp_request.id))


@bp.route("/<int:request_id>/edit", methods=["GET", "POST"])
@requires(Role.STAFF)
def edit(request_id: int):
    """Change the details of a request (mission, references, documents) with a version check."""
    lp_request = _request_or_404(request_id)
    form = DetailsForm(data={
        "mission": str(lp_request.mission_id or ""),
        "embassy_reference": lp_request.embassy_reference,
        "documents_enclosed": lp_request.documents_enclosed,
        "identity_requested": lp_request.identity_requested,
        "version": str(lp_request.version),
    })
    form.mission.choices = mission_choices(lp_request.country)

    def save(version: int) -> None:
        values = _details(form, lp_request.country)
        services.update_details(lp_request, values, user_id=_user_id(), expected_version=version)

    outcome = save_versioned(form, save, lp_request)
    if outcome.saved:
        flash(_("Changes saved."), "success")
        return redirect(url_for("requests.show", request_id=lp_request.id))
    page = render_template("requests/edit.html", r=lp_request, form=form, general=outcome.general,
                           conflict=outcome.conflict)
    return page, outcome.status(form)


# --- linked requests of a family or travelling group ------------------------------------


@bp.post("/<int:request_id>/links")
@requires(Role.STAFF)
def link(request_id: int):
    """Link the request with another one of the same family or travelling group."""
    lp_request = _request_or_404(request_id)
    form = LinkForm(request.form)
    try:
        groups.link(lp_request, raw_values(form, ("other", "kind", "label")), user_id=_user_id())
    except Conflict as error:
        db.session.rollback()
        return _render_request(lp_request, message=error.message, status=409, link_form=form)
    except ValidationFailed as failure:
        db.session.rollback()
        general = apply_errors(form, failure)
        return _render_request(lp_request, message=" ".join(general) or None, status=422, link_form=form)
    flash(_("The requests are linked."), "success")
    return redirect(url_for("requests.show", request_id=lp_request.id))


@bp.post("/<int:request_id>/links/remove")
@requires(Role.STAFF)
def unlink(request_id: int):
    """Take the request out of its group, once the box is ticked."""
    lp_request = _request_or_404(request_id)
    form = UnlinkForm(request.form)
    if not form.confirm.data:
        form.confirm.errors = [_("Tick the box to confirm.")]
        return _render_request(lp_request, status=422, unlink_form=form)
    try:
        groups.unlink(lp_request, user_id=_user_id())
    except Conflict as error:
        db.session.rollback()
        return _render_request(lp_request, message=error.message, status=409)
    flash(_("The request is no longer linked to the group."), "success")
    return redirect(url_for("requests.show", request_id=lp_request.id))
