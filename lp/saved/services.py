"""Saved views: save a list's filters under a name, list the views a person may open, rename, delete.

Only the owner renames or deletes a view; a shared view is seen (and opened) by everyone.
Every change is in the audit trail. The navigation shows at most ``SHOWN`` views, each
with one COUNT, so a page never costs more than that whatever the number of views.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError

from lp.core.validation import Conflict, ValidationFailed, flag, identifier
from lp.saved.lists import LISTS, SavedList
from lp.saved.models import SavedView
from lp.web import audit
from lp.web.extensions import db

#: Views shown (with their counts) in the navigation and beside a list.
SHOWN = 10
NAME_LENGTH = 80


def saved_list(name: str) -> SavedList:
    """Return the list of this name; raise ValidationFailed for another."""
    found = LISTS.get(name)
    if found is None:
        raise ValidationFailed.single("list_name", _l("This list cannot be saved as a view."))
    return found


def _name(raw: str | None) -> str:
    name = " ".join(identifier(raw).split())
    if not name:
        raise ValidationFailed.single("name", _l("Give the view a name."))
    if len(name) > NAME_LENGTH:
        raise ValidationFailed.single("name", _l("Use at most %(n)d characters.", n=NAME_LENGTH))
    return name


def _flags(form: Mapping[str, str]) -> dict[str, bool]:
    errors: dict[str, list[Any]] = {}
    values = {"shared": flag(form, "shared", errors), "weekly_csv": flag(form, "weekly_csv", errors)}
    if errors:
        raise ValidationFailed(errors)
    return values


def create(owner_id: int, list_name: str, params: Mapping[str, str], form: Mapping[str, str]) -> SavedView:
    """Save the filters ``params`` of a list under the posted name; or raise ValidationFailed and save nothing."""
    saved = saved_list(list_name)
    name = _name(form.get("name"))
    cleaned = saved.clean(params)
    values = _flags(form)
    if values["weekly_csv"] and saved.csv is None:
        raise ValidationFailed.single("weekly_csv", _l("This list has no CSV to mail."))
    view = SavedView(owner_id=owner_id, name=name, list_name=saved.name, params=cleaned, **values)
    db.session.add(view)
    db.session.flush()
    audit.record("saved_view.created", "saved_view", view.id, actor_id=owner_id, list=saved.name,
                 shared=values["shared"])
    db.session.commit()
    return view


def _own(view: SavedView, user_id: int) -> None:
    if view.owner_id != user_id:
        raise Conflict(_l("Only the person who saved this view can change or delete it."))


def update(view: SavedView, user_id: int, form: Mapping[str, str]) -> None:
    """Rename the view and set whether it is shared and mailed; only its owner may."""
    _own(view, user_id)
    name, values = _name(form.get("name")), _flags(form)
    if values["weekly_csv"] and LISTS[view.list_name].csv is None:
        raise ValidationFailed.single("weekly_csv", _l("This list has no CSV to mail."))
    view.name, view.shared, view.weekly_csv = name, values["shared"], values["weekly_csv"]
    audit.record("saved_view.changed", "saved_view", view.id, actor_id=user_id, shared=view.shared,
                 weekly_csv=view.weekly_csv)
    db.session.commit()


def delete(view: SavedView, user_id: int) -> None:
    """Delete the view; only its owner may."""
    _own(view, user_id)
    audit.record("saved_view.deleted", "saved_view", view.id, actor_id=user_id, list=view.list_name)
    db.session.delete(view)
    db.session.commit()


def visible(user_id: int, list_name: str | None = None, limit: int | None = SHOWN) -> list[SavedView]:
    """Return my views and the shared ones (of one list, when named), mine first, by name."""
    query = select(SavedView).where(or_(SavedView.owner_id == user_id, SavedView.shared.is_(True)))
    if list_name is not None:
        query = query.where(SavedView.list_name == list_name)
    query = query.order_by((SavedView.owner_id == user_id).desc(), SavedView.name, SavedView.id)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def may_open(view: SavedView, user_id: int) -> bool:
    return view.owner_id == user_id or view.shared


@dataclass(frozen=True)
class Counted:
    view: SavedView
    #: None when the saved filters are no longer valid.
    count: int | None
    #: The count stopped at the list's limit: more rows match ("10,000+").
    more: bool = False


def counted(views: list[SavedView], user_id: int) -> list[Counted]:
    """Return each view with the number of rows its list holds now: one COUNT per view."""
    result = []
    for view in views:
        try:
            count, more = LISTS[view.list_name].count(view.params, user_id)
        except (ValidationFailed, KeyError):
            result.append(Counted(view, None))
            continue
        result.append(Counted(view, count, more))
    return result


def counted_for_menu(user_id: int, list_name: str | None = None) -> list[Counted]:
    """Return the views for the navigation or beside a list, counted; none when the database fails."""
    try:
        return counted(visible(user_id, list_name), user_id)
    except SQLAlchemyError:  # the menu is drawn on error pages too
        db.session.rollback()
        return []
