"""Country profiles in the browser: list, profile page, edit forms (in words: countries.display)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import ColumnElement, column, func, or_, select, table
from sqlalchemy.orm import selectinload

from countries import display, services
from countries.fields import COUNTRY_FIELDS, FIELDS_BY_ENTITY
from countries.forms import ConfirmForm, CountryFilterForm, entity_form, raw_values
from countries.models import Agreement, Country, Mission
from countries.search import CountryFilter, country_query, parse_filters
from lp.auth.roles import Role
from lp.core import clock
from lp.core.fields import FieldSpec
from lp.core.forms import VersionedForm, apply_errors
from lp.core.validation import Conflict, InUse, ValidationFailed
from lp.web.access import requires
from lp.web.extensions import db

bp = Blueprint("countries", __name__, url_prefix="/countries")

#: URL segment of each kind of item a profile holds, and its entity in countries.fields.
ITEM_ENTITIES = {"agreements": "agreement", "missions": "mission"}


def _country_or_404(alpha2: str) -> Country:
    country = services.find_country(alpha2) if len(alpha2) == 2 else None
    if country is None:
        abort(404)
    return country


def _item_or_404(alpha2: str, items: str, item_id: int) -> tuple[Country, str, Any]:
    """Return the country, the entity name and the agreement or mission of a URL."""
    country = _country_or_404(alpha2)
    entity = ITEM_ENTITIES[items]
    item = db.session.get(services.ENTITY_MODELS[entity], item_id)
    if not isinstance(item, (Agreement, Mission)) or item.country_id != country.id:
        abort(404)
    return country, entity, item


def _profile_items(country: Country) -> list[tuple[str, Any]]:
    return [
        (entity, item)
        for entity in ITEM_ENTITIES.values()
        for item in services.iter_items(country, entity)
    ]


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return display.template_helpers()


# --- list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SortHeader:
    key: str
    label: Any
    url: str
    aria_sort: str | None


def _sort_headers(country_filter: CountryFilter, extra: dict[str, Any]) -> list[SortHeader]:
    """Return the column headers: a link that sorts by the column, or reverses the current sort."""
    headers = []
    for key, label in display.LIST_COLUMNS:
        current = country_filter.sort == key
        args = country_filter.as_args(sort=key, desc=not country_filter.desc if current else False)
        aria = ("descending" if country_filter.desc else "ascending") if current else None
        headers.append(SortHeader(key, label, url_for("countries.index", **args, **extra), aria))
    return headers


def _transfer_links(country_filter: CountryFilter) -> dict[str, str]:
    """Return the CSV download and upload links (and, for admins, the reference data review)
    when those features are installed."""
    links = {}
    views = current_app.view_functions
    if "country_transfer.export" in views:
        links["export"] = url_for("country_transfer.export", **country_filter.as_args())
    if "country_transfer.import_upload" in views and current_user.may(Role.STAFF):
        links["import"] = url_for("country_transfer.import_upload")
    if "country_reference.review" in views and current_user.may(Role.ADMIN):
        links["reference"] = url_for("country_reference.review")
    return links


#: The list's ``show`` argument: the countries in use (the default, unless searching by name) or all 249.
SHOW_ALL = "all"
#: The requests' table, named without importing the requests package (which builds on this one).
_REQUESTS = table("lp_requests", column("country_id"))


def _filled(spec: FieldSpec) -> ColumnElement[bool]:
    """Return "this profile field holds more than its empty default"."""
    column_ = getattr(Country, spec.model_attribute)
    empty = spec.empty_value()
    return column_.is_not(None) if empty is None else column_ != empty


def in_use() -> ColumnElement[bool]:
    """Return "has a profile (any field filled, an agreement or a mission) or requests"."""
    return or_(
        Country.edited.is_(True),
        *(_filled(spec) for spec in COUNTRY_FIELDS),
        select(Agreement.id).where(Agreement.country_id == Country.id).exists(),
        select(Mission.id).where(Mission.country_id == Country.id).exists(),
        select(_REQUESTS.c.country_id).where(_REQUESTS.c.country_id == Country.id).exists(),
    )


@bp.get("/")
@requires(Role.VIEWER)
def index():
    """List the countries in use (or all with ``show=all``), filtered and sorted."""
    form = CountryFilterForm(request.args)
    try:
        country_filter = parse_filters(request.args)
    except ValidationFailed as failure:
        general = apply_errors(form, failure)
        page = render_template(
            "countries/index.html",
            form=form,
            general=general,
            countries=None,
            country_filter=CountryFilter(),
        )
        return page, 422
    # A search by name or code looks in every country: a person typing a name wants that country.
    show_all = request.args.get("show") == SHOW_ALL or bool(country_filter.q)
    query = country_query(country_filter, display.language(), clock.today()).options(
        selectinload(Country.portfolio_holder)
    )
    if not show_all:
        query = query.where(in_use())
    countries = db.session.scalars(query).all()
    agreement_counts = dict(
        db.session.execute(
            select(Agreement.country_id, func.count()).group_by(Agreement.country_id)
        ).all()
    )
    return render_template(
        "countries/index.html",
        form=form,
        general=[],
        countries=countries,
        agreement_counts=agreement_counts,
        country_filter=country_filter,
        headers=_sort_headers(country_filter, {"show": SHOW_ALL} if show_all else {}),
        list_fields=display.LIST_FIELDS,
        transfer=_transfer_links(country_filter),
        show_all=show_all,
        show_links={"in_use": url_for("countries.index", **country_filter.as_args()),
                    "all": url_for("countries.index", **country_filter.as_args(), show=SHOW_ALL)},
    )


# --- profile ------------------------------------------------------------------------


def _render_profile(country: Country, *, conflict: Conflict | None = None, status: int = 200):
    review = ConfirmForm()
    review.version.data = str(country.version)
    page = render_template(
        "countries/profile.html",
        country=country,
        history=display.change_groups(services.history(country), _profile_items(country)),
        review=review,
        conflict=conflict,
        conflict_groups=display.change_groups(conflict.changes) if conflict else [],
    )
    return page, status


@bp.get("/<alpha2>")
@requires(Role.VIEWER)
def profile(alpha2: str):
    country = _country_or_404(alpha2)
    if alpha2 != country.alpha2:
        return redirect(url_for("countries.profile", alpha2=country.alpha2))
    return _render_profile(country)


@bp.post("/<alpha2>/reviewed")
@requires(Role.STAFF)
def mark_reviewed(alpha2: str):
    country = _country_or_404(alpha2)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.mark_reviewed(
            country, expected_version=form.expected_version(), user_id=current_user.id
        )
    except Conflict as conflict:
        return _render_profile(country, conflict=conflict, status=409)
    flash(_("Marked as reviewed today."), "success")
    return redirect(url_for("countries.profile", alpha2=country.alpha2))


# --- edit forms ---------------------------------------------------------------------


def _form_page(
    form: VersionedForm, entity: str, country: Country, save: Callable[[dict, int], Any], title: str
):
    """Save a posted form through ``save``, or show it again with what went wrong."""
    general: list[str] = []
    conflict: Conflict | None = None
    if form.validate_on_submit():
        try:
            values = services.parse_values(entity, raw_values(form, entity))
            changed = save(values, form.expected_version())
        except ValidationFailed as failure:
            general = apply_errors(form, failure)
        except Conflict as error:
            conflict = error
            # The input stays; saving it again now is a deliberate choice made after
            # seeing the other person's changes, so the form moves to the new version.
            form.version.data = str(country.version)
        else:
            flash(
                _("Changes saved.") if changed else _("Nothing was changed."),
                "success" if changed else "info",
            )
            return redirect(url_for("countries.profile", alpha2=country.alpha2))
    invalid = bool(general) or any(field.errors for field in form)
    page = render_template(
        "countries/form.html",
        form=form,
        fields=FIELDS_BY_ENTITY[entity],
        general=general,
        conflict=conflict,
        conflict_groups=display.change_groups(conflict.changes) if conflict else [],
        country=country,
        title=title,
    )
    return page, 409 if conflict else 422 if invalid else 200


@bp.route("/<alpha2>/edit", methods=["GET", "POST"])
@requires(Role.STAFF)
def edit(alpha2: str):
    country = _country_or_404(alpha2)
    form = entity_form("country", country, country.version)

    def save(values: dict, version: int):
        return services.update_profile(
            country, values, expected_version=version, user_id=current_user.id
        )

    title = _("Edit profile of %(country)s", country=country.name(display.language()))
    return _form_page(form, "country", country, save, title)


@bp.route("/<alpha2>/<any(agreements, missions):items>/new", methods=["GET", "POST"])
@requires(Role.STAFF)
def new_item(alpha2: str, items: str):
    return _item_form_page(alpha2, items, None)


@bp.route("/<alpha2>/<any(agreements, missions):items>/<int:item_id>/edit", methods=["GET", "POST"])
@requires(Role.STAFF)
def edit_item(alpha2: str, items: str, item_id: int):
    return _item_form_page(alpha2, items, item_id)


def _item_form_page(alpha2: str, items: str, item_id: int | None):
    """Add an agreement or mission (no ``item_id``), or change one."""
    if item_id is None:
        country, entity, item = _country_or_404(alpha2), ITEM_ENTITIES[items], None
    else:
        country, entity, item = _item_or_404(alpha2, items, item_id)
    form = entity_form(entity, item, country.version)

    def save(values: dict, version: int):
        if item is None:
            return services.add_item(
                country, entity, values, expected_version=version, user_id=current_user.id
            )
        return services.update_item(
            item, entity, values, expected_version=version, user_id=current_user.id
        )

    return _form_page(
        form, entity, country, save, display.item_title(entity, "new" if item is None else "edit", country)
    )


@bp.route(
    "/<alpha2>/<any(agreements, missions):items>/<int:item_id>/remove", methods=["GET", "POST"]
)
@requires(Role.STAFF)
def remove_item(alpha2: str, items: str, item_id: int):
    country, entity, item = _item_or_404(alpha2, items, item_id)
    form = ConfirmForm(data={"version": str(country.version)})
    conflict: Conflict | None = None
    in_use: InUse | None = None
    if form.validate_on_submit():
        try:
            services.remove_item(
                item, entity, expected_version=form.expected_version(), user_id=current_user.id
            )
        except Conflict as error:
            conflict = error
            form.version.data = str(country.version)
        except InUse as error:
            in_use = error
        else:
            flash(_("Removed. The history keeps its last values."), "success")
            return redirect(url_for("countries.profile", alpha2=country.alpha2))
    page = render_template(
        "countries/confirm_remove.html",
        form=form,
        country=country,
        entity=entity,
        item=item,
        fields=FIELDS_BY_ENTITY[entity],
        conflict=conflict,
        conflict_groups=display.change_groups(conflict.changes) if conflict else [],
        in_use=in_use,
        title=display.item_title(entity, "remove", country),
    )
    return page, 409 if conflict or in_use else 200
