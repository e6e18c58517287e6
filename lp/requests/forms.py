"""Forms for persons and LP requests, built from the field definitions (FieldSpec).

The forms carry text only: parsing and checking stay with the services
(``persons.parse_person``, ``services.parse_event_data``), so the browser follows the
same rules and shows the same messages as the API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from wtforms import BooleanField, Form, HiddenField, SearchField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import DateInput

from countries.models import Country, Mission
from lp.auth.models import User
from lp.auth.roles import Role
from lp.core.fields import FieldSpec
from lp.core.forms import ANY, VersionedForm, apply_errors, field_for, options
from lp.core.kinds import NONE_CHOSEN
from lp.core.validation import Conflict, ValidationFailed
from lp.requests import plausible
from lp.requests.display import DETAIL_LABELS
from lp.requests.groups import GROUP_FIELDS
from lp.requests.lifecycle import ACTIONS, EVENT_FIELDS, STATUS_LABELS
from lp.requests.models import LpRequest, RequestEvent
from lp.requests.search import PAGE_SIZES
from lp.requests.services import OUTCOME_COLUMNS
from lp.web.extensions import db


def country_choices(blank: tuple[str, Any] = NONE_CHOSEN) -> list[SelectChoice]:
    """Return every country on record by its name in the UI language, valued by alpha-2 code."""
    language = get_locale().language
    rows = db.session.execute(select(Country.alpha2, Country.name_nl, Country.name_en)).all()
    named = sorted(((code, en if language == "en" else nl) for code, nl, en in rows),
                   key=lambda choice: choice[1].casefold())
    return options([blank, *named])


def officer_choices(blank: tuple[str, Any] = NONE_CHOSEN, value: str = "email") -> list[SelectChoice]:
    """Return the active staff and admin accounts (valued by email, or by id for filters)."""
    users = db.session.scalars(
        select(User).where(User.active.is_(True), User.role != Role.VIEWER.value).order_by(User.display_name)
    )
    return options([blank] + [(str(getattr(user, value)), user.display_name or user.email) for user in users])


def mission_choices(country: Country | None, blank: tuple[str, Any] = NONE_CHOSEN) -> list[SelectChoice]:
    """Return the missions of a country (all missions, by country, when None)."""
    query = select(Mission).order_by(Mission.name, Mission.id)
    if country is not None:
        query = query.where(Mission.country_id == country.id)
    return options([blank] + [(str(m.id), f"{m.name} ({m.city})" if m.city else m.name)
                              for m in db.session.scalars(query)])


#: What the country and user fields of persons and requests offer (see field_for). Wrapped:
#: WTForms would call a provider that takes two arguments with (form, field).
RECORD_CHOICES = {"country": lambda: country_choices(), "user": lambda: officer_choices()}


def spec_field(spec: FieldSpec):
    """Return an unbound form field that edits one defined field as text.

    Its kind decides the field (lp.core.kinds); a country is one on record and a user
    field offers the active staff.
    """
    return field_for(spec, choices=RECORD_CHOICES)


def raw_values(form: Form, names: Iterable[str], prefix: str = "") -> dict[str, str]:
    """Return the text of the named fields as submitted (a checkbox as yes/no)."""
    raw = {}
    for name in names:
        field = form[prefix + name]
        raw[name] = ("yes" if field.data else "no") if isinstance(field, BooleanField) else (field.data or "")
    return raw


def initial_values(specs: Iterable[FieldSpec], obj: Any | None) -> dict[str, Any]:
    """Return the form data of an object's defined fields (defaults for a new one)."""
    return {spec.name: spec.form_data(getattr(obj, spec.name) if obj is not None else spec.default)
            for spec in specs}


@dataclass
class SaveOutcome:
    """What became of saving a versioned form: saved, or the messages to show with it."""

    saved: bool = False
    general: list[str] = field(default_factory=list)
    conflict: Any = None

    def status(self, form: Form) -> int:
        """Return the HTTP status of the form page: 409 on a conflict, 422 with errors, else 200."""
        if self.conflict:
            return 409
        return 422 if self.general or any(f.errors for f in form) else 200


def save_versioned(form: VersionedForm, save: Callable[[int], Any], obj: Any) -> SaveOutcome:
    """Run ``save(version)`` for a posted form; on refusal keep the input and say why.

    After a conflict the form moves to ``obj``'s current version: the input stays, and
    saving it again is then a deliberate choice made after seeing the message.
    """
    if not form.validate_on_submit():
        return SaveOutcome()
    try:
        save(form.expected_version())
    except ValidationFailed as failure:
        db.session.rollback()
        return SaveOutcome(general=apply_errors(form, failure))
    except Conflict as error:
        db.session.rollback()
        form.version.data = str(obj.version)
        return SaveOutcome(conflict=error.message)
    return SaveOutcome(saved=True)


# -- requests --------------------------------------------------------------------------

class CountryStepForm(Form):
    """The first step of a new request: the country (reloads the page with its missions)."""

    person = HiddenField()
    country = SelectField(_l("Country"), choices=lambda: country_choices(), validate_choice=False)


class DetailsForm(VersionedForm):
    """The details of a request that are not part of the workflow."""

    mission = SelectField(DETAIL_LABELS["mission"], choices=[], validate_choice=False)
    embassy_reference = spec_field(EVENT_FIELDS["embassy_reference"])
    documents_enclosed = spec_field(EVENT_FIELDS["documents_enclosed"])
    identity_requested = BooleanField(DETAIL_LABELS["identity_requested"])


class NewRequestForm(DetailsForm):
    """A new request; ticking "submitted already" records the submission at once."""

    submitted_already = BooleanField(_l("Already submitted to the embassy"))
    submitted_on = spec_field(EVENT_FIELDS["submitted_on"])
    channel = spec_field(EVENT_FIELDS["channel"])
    #: Shown while the person has an open request to the country (services.create_request).
    repeat_reason = StringField(_l("Reason for another request to this country"),
                                render_kw={"maxlength": EVENT_FIELDS["reason"].max_length})


@cache
def action_form_class(action: str) -> type[Form]:
    """Return the form of one action on a request page, with a field per value it takes."""
    fields: dict[str, Any] = {"version": HiddenField()}
    fields.update({name: spec_field(EVENT_FIELDS[name]) for name in ACTIONS[action].form_fields})
    if ACTIONS[action].confirm:
        fields["confirm"] = BooleanField(_l("I confirm: this closes the request."))
    if action in plausible.CONFIRMS_UNUSUAL:
        # Shown with the warning only (templates/requests/show.html).
        fields[plausible.CONFIRM_FIELD] = BooleanField(_l("I have checked it: save it as it is."))
    return type(f"{action.title().replace('_', '')}Form", (Form,), fields)


def action_form(action: str, lp_request: LpRequest, formdata=None) -> Form:
    """Return the form of ``action``, filled in with the request's current values (or the posted data).

    Several action forms share one page; the prefix keeps their fields' ids apart. The
    page's CSRF token is checked for every POST by CSRFProtect, so these plain forms
    carry it as a hidden input rather than as a form field of their own.
    """
    data = {"version": str(lp_request.version), **current_values(ACTIONS[action].form_fields, lp_request)}
    return action_form_class(action)(formdata=formdata, prefix=action + "-", data=data)


def current_values(names: Iterable[str], lp_request: LpRequest) -> dict[str, Any]:
    """Return what the request holds now for an action's fields, as its form shows them.

    An action form opens on these, so saving it unchanged keeps every value: a value
    that is stored on the request, the scheduled presentation (with the place, the
    interpreter and staff admission it was scheduled with). Values of one event only
    (a date, a note, a reason) start empty.
    """
    scheduled = _scheduled_presentation(lp_request)
    data: dict[str, Any] = {}
    for name in names:
        spec = EVENT_FIELDS[name]
        if name in OUTCOME_COLUMNS:
            value = getattr(lp_request, name)
        elif name in scheduled:
            value = scheduled[name]
        else:
            continue
        data[name] = spec.form_data(value)
    return data


def _scheduled_presentation(lp_request: LpRequest) -> dict[str, Any]:
    """Return the values of the presentation scheduled now (none when none is)."""
    if lp_request.next_presentation_at is None:
        return {}
    event = db.session.scalar(
        select(RequestEvent).where(RequestEvent.request_id == lp_request.id, RequestEvent.kind == "status",
                                   RequestEvent.to_status == "presentation_scheduled")
        .order_by(RequestEvent.id.desc()).limit(1))
    values = dict(event.data or {}) if event is not None else {}
    values.pop("changes", None)
    return {**values, "presentation_at": lp_request.next_presentation_at}


class LinkForm(Form):
    """Link the request with another request of the same family or travelling group."""

    other = spec_field(GROUP_FIELDS["other"])
    kind = spec_field(GROUP_FIELDS["kind"])
    label = spec_field(GROUP_FIELDS["label"])


class UnlinkForm(Form):
    """Take the request out of its group, after a ticked confirmation."""

    confirm = BooleanField(_l("Yes, take this request out of the group"))


class BulkNoteForm(Form):
    """One note verbale for several requests of one mission."""

    occurred_on = spec_field(EVENT_FIELDS["occurred_on"])
    note = spec_field(EVENT_FIELDS["note"])


# -- the request list -------------------------------------------------------------------

STATE_CHOICES = (ANY, ("open", _l("Open")), ("closed", _l("Closed")))


class RequestFilterForm(Form):
    """The request list's filters: a GET form (no CSRF token), so a list can be bookmarked."""

    q = SearchField(_l("Search"), description=_l("V-number, name, our or the embassy's reference"),
                    render_kw={"maxlength": 100})
    # Country and case officer are typed (name or code; the server resolves them, see
    # lp.requests.views._canonical_filters); their hundreds of choices come from a small JSON
    # endpoint into a <datalist> on first focus (lp/static/js/filter-options.js), not with
    # every page.
    country = StringField(_l("Country"), description=_l("Name or two-letter code"),
                          render_kw={"list": "country-options", "autocomplete": "off", "spellcheck": "false",
                                     "data-options": "countries"})
    mission = SelectField(DETAIL_LABELS["mission"], choices=[], validate_choice=False)
    status = SelectField(_l("Status"), choices=options([ANY, *STATUS_LABELS.items()]), validate_choice=False)
    state = SelectField(_l("Open or closed"), choices=options(STATE_CHOICES), validate_choice=False)
    case_officer = StringField(_l("Case officer"), description=_l("Name or email address"),
                               render_kw={"list": "officer-options", "autocomplete": "off", "spellcheck": "false",
                                          "data-options": "officers"})
    # The owner is typed like the case officer (same options), or "me" for my own requests.
    owner = StringField(_l("Owner"), description=_l("Name, email address or “me”"),
                        render_kw={"list": "owner-options", "autocomplete": "off", "spellcheck": "false",
                                   "data-options": "officers"})
    submitted_from = StringField(_l("Submitted from"), widget=DateInput())
    submitted_to = StringField(_l("Submitted until"), widget=DateInput())
    overdue = BooleanField(_l("Reply overdue"))
    detention = BooleanField(_l("In detention"))
    per_page = SelectField(_l("Per page"), choices=options((str(n), str(n)) for n in PAGE_SIZES),
                           default="50", validate_choice=False)


def filter_form(args, country: Country | None, officer: User | None = None,
                owner: User | None = None, mission: Mission | None = None) -> RequestFilterForm:
    """Return the filter form filled from the query, its missions those of the chosen country.

    Without a country the mission list holds only the chosen mission (if any), not the hundreds
    of every country: choosing a country first offers its missions. The chosen case officer and
    owner show by name (the query holds the account's id).
    """
    form = RequestFilterForm(args)
    if country is not None:
        form.mission.choices = mission_choices(country, ANY)
    else:
        chosen = ([(str(mission.id), f"{mission.name} ({mission.country.name(get_locale().language)})")]
                  if mission else [])
        form.mission.choices = options([ANY, *chosen])
        form.mission.description = _l("Choose a country first to pick one of its missions.")
    if officer is not None:
        form.case_officer.data = officer_label(officer)
    if owner is not None:
        form.owner.data = officer_label(owner)
    return form


class OwnerForm(VersionedForm):
    """Reassign a request: the new owner (by id), with the version the page was opened on."""

    # Typed (name or email address) with the staff fetched on focus: no option per colleague on every page.
    owner = StringField(_l("Owner"), description=_l("Name or email address"),
                        render_kw={"list": "reassign-options", "autocomplete": "off", "spellcheck": "false",
                                   "data-options": "officers"})


def officer_label(user: User) -> str:
    """Return how a case officer is shown and typed in the filter: the name, else the email address."""
    return user.display_name or user.email


def staff_id(typed: str) -> int | None:
    """Return the id of the one active staff member (or admin) ``typed`` names: an id, a name or an email address.

    None when it names nobody, or two people share the name (then the email address tells them apart).
    """
    typed = typed.strip()
    if typed.isascii() and typed.isdigit():
        return int(typed) if len(typed) <= 9 else None
    lowered = typed.casefold()
    ids = list(db.session.scalars(select(User.id).where(
        User.active.is_(True), User.role != Role.VIEWER.value,
        or_(func.lower(User.display_name) == lowered, func.lower(User.email) == lowered)).limit(2)))
    return ids[0] if len(ids) == 1 else None


def filter_options(kind: str) -> list[dict[str, str]]:
    """Return the typeahead options of the request filter's ``kind`` ("countries" or "officers").

    Countries by name in the UI language, valued by code; case officers (active staff and
    admins) by name, with the email address as the label that tells namesakes apart.
    """
    if kind == "countries":
        return [{"value": str(choice.value), "label": str(choice.label)} for choice in country_choices(ANY)[1:]]
    users = db.session.scalars(
        select(User).where(User.active.is_(True), User.role != Role.VIEWER.value).order_by(User.display_name))
    return [{"value": officer_label(user), "label": user.email} for user in users]
