"""Persons in the browser: find, register, view with all their requests, edit, documents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lp.auth.roles import Role
from lp.core.forms import VersionedForm, apply_errors
from lp.core.validation import ValidationFailed, search_text, whole_number
from lp.files import services as files
from lp.persons import services as persons
from lp.persons.forms import DOCUMENT_PREFIX, DocumentForm, NewPersonForm, PersonForm, PersonSearchForm
from lp.persons.models import IdentityDocument, Person
from lp.requests import display
from lp.requests.forms import initial_values, raw_values, save_versioned
from lp.requests.models import LpRequest
from lp.web import search_terms
from lp.web.access import requires
from lp.web.extensions import db

bp = Blueprint("persons", __name__, url_prefix="/persons")

PER_PAGE = 50
PERSON_NAMES = tuple(spec.name for spec in persons.PERSON_FIELDS)
DOCUMENT_NAMES = tuple(spec.name for spec in persons.DOCUMENT_FIELDS)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return display.template_helpers()


def _person_or_404(person_id: int) -> Person:
    return db.get_or_404(Person, person_id)


# --- find ---------------------------------------------------------------------------


@bp.get("/")
@requires(Role.VIEWER)
def index():
    """Find a person by (the start of) the V-number or part of the name, 50 per page."""
    form = PersonSearchForm(search_terms.with_term(request.args))
    text = search_text(form.q.data)
    page_text = request.args.get("page", "1")
    page = whole_number(page_text, minimum=1) or 1
    query = select(Person)
    if text.isdigit():
        query = query.where(Person.v_number.like(f"{text}%"))
    elif text:
        query = query.where(func.lower(Person.name).like(f"%{text.lower()}%"))
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    found = db.session.scalars(
        query.options(selectinload(Person.nationality)).order_by(Person.name, Person.id)
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    pages = max(1, -(-total // PER_PAGE))
    return render_template("persons/index.html", form=form, search=request.args.get("search") if text else None,
                           found=found, total=total, page=page, pages=pages)


@bp.post("/")
@requires(Role.VIEWER, Role.VIEWER)
def search_form():
    """Take the posted search and show the results with the term kept out of the URL."""
    return redirect(url_for("persons.index", **search_terms.query_args(request.form)))


# --- register and edit ----------------------------------------------------------------


def _first_document(form: VersionedForm) -> list[dict[str, Any]]:
    # NewPersonForm is built at run time (persons/forms.py); VersionedForm is its static base.
    """Return the optional first identity document of the form, parsed ([] when left empty)."""
    raw = raw_values(form, DOCUMENT_NAMES, DOCUMENT_PREFIX)
    if not raw["kind"] and not raw["number"].strip() and raw["copy_on_file"] != "yes":
        return []
    try:
        return [persons.parse_document(raw)]
    except ValidationFailed as failure:
        errors = {DOCUMENT_PREFIX + name: messages for name, messages in failure.errors.items()}
        raise ValidationFailed(errors) from None


@bp.route("/new", methods=["GET", "POST"])
@requires(Role.STAFF)
def new():
    """Register a person, with one identity document if given."""
    form = NewPersonForm(data=initial_values(persons.PERSON_FIELDS, None))
    general: list[str] = []
    if form.validate_on_submit():
        # Check the person and the document both, so that every problem shows at once.
        errors: dict[str, list[Any]] = {}
        try:
            values = persons.parse_person(raw_values(form, PERSON_NAMES))
        except ValidationFailed as failure:
            errors.update(failure.errors)
        try:
            documents = _first_document(form)
        except ValidationFailed as failure:
            errors.update(failure.errors)
        if not errors:
            person = persons.create_person(values, documents)
            flash(_("Person registered."), "success")
            return redirect(url_for("persons.show", person_id=person.id))
        general = apply_errors(form, ValidationFailed(errors))
    page = render_template("persons/form.html", form=form, general=general, conflict=None, person=None,
                           title=_("Register a person"))
    return page, 422 if general or any(field.errors for field in form) else 200


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
@requires(Role.STAFF)
def edit(person_id: int):
    """Change a person's details; refuse to overwrite someone else's changes."""
    person = _person_or_404(person_id)
    form = PersonForm(data=initial_values(persons.PERSON_FIELDS, person) | {"version": str(person.version)})

    def save(version: int) -> None:
        values = persons.parse_person(raw_values(form, PERSON_NAMES), person_id=person.id)
        persons.update_person(person, values, expected_version=version)

    outcome = save_versioned(form, save, person)
    if outcome.saved:
        flash(_("Changes saved."), "success")
        return redirect(url_for("persons.show", person_id=person.id))
    page = render_template("persons/form.html", form=form, general=outcome.general, conflict=outcome.conflict,
                           person=person, title=_("Edit %(name)s", name=person.name))
    return page, outcome.status(form)


# --- person page and documents ----------------------------------------------------------


def _render_person(person: Person, document_form: FlaskForm | None = None, general: Sequence[str] = (),
                   status: int = 200):
    requests = db.session.scalars(
        select(LpRequest).where(LpRequest.person_id == person.id)
        .options(selectinload(LpRequest.country), selectinload(LpRequest.mission))
        .order_by(LpRequest.created_at.desc(), LpRequest.id.desc())
    ).all()
    page = render_template("persons/show.html", person=person, requests=requests, facts=display.person_facts(person),
                           document_form=document_form or DocumentForm(), general=list(general),
                           document_kinds=dict(persons.DOCUMENT_KINDS), files=files.files_of_person(person.id))
    return page, status


@bp.get("/<int:person_id>")
@requires(Role.VIEWER)
def show(person_id: int):
    person = _person_or_404(person_id)
    return _render_person(person)


@bp.post("/<int:person_id>/documents")
@requires(Role.STAFF)
def add_document(person_id: int):
    """Record an identity document the person holds."""
    person = _person_or_404(person_id)
    form = DocumentForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        values = persons.parse_document(raw_values(form, DOCUMENT_NAMES))
    except ValidationFailed as failure:
        general = apply_errors(form, failure)
        return _render_person(person, form, general, 422)
    persons.add_document(person, values)
    flash(_("Identity document added."), "success")
    return redirect(url_for("persons.show", person_id=person.id))


@bp.route("/<int:person_id>/documents/<int:document_id>/remove", methods=["GET", "POST"])
@requires(Role.STAFF)
def remove_document(person_id: int, document_id: int):
    """Ask for confirmation, then remove an identity document."""
    person = _person_or_404(person_id)
    document = db.session.get(IdentityDocument, document_id)
    if document is None or document.person_id != person.id:
        abort(404)
    if request.method == "POST":  # CSRFProtect has checked the form's token
        persons.remove_document(document)
        flash(_("Identity document removed."), "success")
        return redirect(url_for("persons.show", person_id=person.id))
    return render_template("persons/confirm_remove.html", person=person, document=document,
                           document_kinds=dict(persons.DOCUMENT_KINDS))
