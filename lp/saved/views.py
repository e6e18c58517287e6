"""Saved views in the browser: save a list's filters, open, rename, delete; the views beside each list."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lp.auth.roles import Role
from lp.core.validation import Conflict, ValidationFailed
from lp.saved import services
from lp.saved.lists import LISTS
from lp.saved.models import SavedView
from lp.web.access import requires
from lp.web.extensions import db

bp = Blueprint("saved", __name__, url_prefix="/views")
#: The hidden inputs of the save form that carry the list's filters: ``p.<name>``.
PARAM_PREFIX = "p."


@bp.app_context_processor
def _beside_lists() -> dict[str, Any]:
    def saved_views(list_name: str | None = None) -> list[services.Counted]:
        if not current_user.is_authenticated:
            return []
        return services.counted_for_menu(current_user.id, list_name)

    return {"saved_views": saved_views, "SAVED_PARAM_PREFIX": PARAM_PREFIX,
            "SAVED_WITH_CSV": {name for name, saved in LISTS.items() if saved.csv is not None}}


def _messages(failure: ValidationFailed) -> str:
    return " ".join(str(message) for messages in failure.errors.values() for message in messages)


def _view_or_404(view_id: int) -> SavedView:
    view = db.get_or_404(SavedView, view_id)
    if not services.may_open(view, current_user.id):
        abort(404)  # another's private view does not exist for you
    return view


def _own_view(view_id: int) -> SavedView:
    """Return my view; a shared view of someone else is refused (403), another's private one is 404."""
    view = _view_or_404(view_id)
    if view.owner_id != current_user.id:
        abort(403)
    return view


@bp.get("/")
@requires(Role.VIEWER)
def index():
    """List my views and the shared ones, each with its count now."""
    views = services.counted(services.visible(current_user.id, limit=100), current_user.id)
    return render_template("saved/index.html", views=views, lists=LISTS)


@bp.post("/")
@requires(Role.VIEWER, Role.VIEWER)
def create():
    """Save the posted filters of a list under a name; back to the list, as saved."""
    list_name = request.form.get("list_name", "")
    params = {name[len(PARAM_PREFIX):]: value for name, value in request.form.items()
              if name.startswith(PARAM_PREFIX)}
    try:
        view = services.create(current_user.id, list_name, params, request.form)
    except ValidationFailed as failure:
        flash(_("The view was not saved: %(reason)s", reason=_messages(failure)), "danger")
        saved = LISTS.get(list_name)
        return redirect(url_for(saved.endpoint) if saved else url_for("saved.index"))
    flash(_("View “%(name)s” saved.", name=view.name), "success")
    return redirect(url_for("saved.open_view", view_id=view.id))


@bp.get("/<int:view_id>")
@requires(Role.VIEWER)
def open_view(view_id: int):
    """Open a view: its list with its filters (validated again)."""
    view = _view_or_404(view_id)
    saved = LISTS.get(view.list_name)
    try:
        if saved is None:
            raise ValidationFailed.single("list_name", _("This list no longer exists."))
        params: dict[str, Any] = saved.clean(view.params)
    except ValidationFailed as failure:
        flash(_("The view “%(name)s” cannot be opened: %(reason)s", name=view.name, reason=_messages(failure)),
              "danger")
        return redirect(url_for("saved.index"))
    return redirect(url_for(saved.endpoint, **params))


@bp.route("/<int:view_id>/edit", methods=["GET", "POST"])
@requires(Role.VIEWER)
def edit(view_id: int):
    """Rename my view, share it or not, mail it weekly or not."""
    view = _own_view(view_id)
    general: list[str] = []
    if request.method == "POST":
        try:
            services.update(view, current_user.id, request.form)
        except (ValidationFailed, Conflict) as error:
            db.session.rollback()
            general = [_messages(error) if isinstance(error, ValidationFailed) else str(error.message)]
        else:
            flash(_("View “%(name)s” saved.", name=view.name), "success")
            return redirect(url_for("saved.index"))
    return render_template("saved/edit.html", view=view, general=general, lists=LISTS,
                           form=request.form if request.method == "POST" else None), 422 if general else 200


@bp.route("/<int:view_id>/delete", methods=["GET", "POST"])
@requires(Role.VIEWER)
def delete(view_id: int):
    """Delete my view, after a page that asks to confirm."""
    view = _own_view(view_id)
    if request.method == "GET":
        return render_template("saved/delete.html", view=view)
    name = view.name
    services.delete(view, current_user.id)
    flash(_("View “%(name)s” deleted.", name=name), "success")
    return redirect(url_for("saved.index"))
