"""Bulk work on a list: a registry of actions, the selection as confirmed, one transaction per item.

A list that offers bulk work (the request list, the reminder inbox) declares a
``BulkList``: how to load its items by id, how to name and link them, and its actions.
An action is one entry: its label, the role it needs, the fields it asks for, and
either ``apply`` (one item, one transaction: it commits or raises ``Conflict`` /
``ValidationFailed`` and changes nothing) or ``apply_all`` (the whole selection at once,
all or none, as the note verbale to one mission is). Adding an action is one
``register`` call.

The selection is never carried in a URL: the list's filters are re-applied on the
server when the person confirms, and only the items shown on the confirmation page
that still match are acted on; each one that changed since (its version), left the
list or is not allowed is refused with the reason, and the others go ahead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from lp.core.fields import FieldSpec, parse_fields
from lp.core.validation import Conflict, ValidationFailed, whole_number
from lp.web.extensions import db

#: The most items one bulk action takes: a confirmation page must list what it does.
MAX_ITEMS = 500


@dataclass(frozen=True)
class BulkAction:
    """One thing that can be done to the selected items of a list."""

    name: str
    label: Any
    #: The role needed (an ``lp.auth.roles.Role``); the view checks it.
    role: Any
    fields: tuple[FieldSpec, ...] = ()
    #: Do it to one item in its own transaction: ``apply(item, raw, user_id=, version=)``.
    apply: Callable[..., Any] | None = None
    #: Do it to all items at once, all or none: ``apply_all(items, shown, raw, user_id=, context=)``.
    apply_all: Callable[..., Any] | None = None
    #: Answer a file instead of changing anything (no confirmation): ``download(ids, context)``.
    download: Callable[..., Any] | None = None
    #: Whether the list as filtered offers the action (e.g. only when filtered to one mission).
    offered: Callable[[Any], bool] = lambda _context: True
    #: Check the fields as a whole before any item is touched: ``check(raw)`` raises ValidationFailed.
    check: Callable[[dict[str, Any]], Any] | None = None
    #: Said on the confirmation page: what will happen.
    explanation: Any = None


@dataclass
class BulkList:
    """A list whose items can be selected and acted on."""

    name: str
    #: Load the items of these ids: {id: item}.
    load: Callable[[Iterable[int]], dict[int, Any]]
    label: Callable[[Any], str]
    link: Callable[[Any], str]
    #: The version of an item as shown (None where the item has none).
    version: Callable[[Any], int | None] = lambda _item: None
    #: Why an item shown on the confirmation page is no longer in the filtered list.
    gone: Callable[[Any], Any] = lambda _item: _l("No longer matches the filters of the list.")
    actions: dict[str, BulkAction] = field(default_factory=dict)

    def register(self, action: BulkAction) -> BulkAction:
        """Add an action to the list's bulk actions (a second one of the same name replaces it)."""
        self.actions[action.name] = action
        return action

    def token(self, item: Any) -> str:
        """Return what identifies an item as shown: ``id`` or ``id:version``."""
        version = self.version(item)
        return f"{item.id}" if version is None else f"{item.id}:{version}"


@dataclass(frozen=True)
class Done:
    label: str
    link: str


@dataclass(frozen=True)
class Refused:
    label: str
    link: str | None
    reason: str


@dataclass
class Outcome:
    """What a bulk action did: per item done or refused with the reason."""

    done: list[Done] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)


def posted_ids(values: Iterable[str]) -> set[int]:
    """Return the ticked ids (anything that is not a whole number is left out)."""
    return {number for value in values if (number := whole_number(value)) is not None}


def parse_shown(values: Iterable[str]) -> list[tuple[int, int | None]]:
    """Read the items of the confirmation page back; raise ValidationFailed when the form was damaged."""
    shown = []
    for value in values:
        id_text, sep, version_text = (value or "").partition(":")
        item_id = whole_number(id_text)
        version = whole_number(version_text) if sep else None
        if item_id is None or (sep and version is None):
            raise ValidationFailed.single("_", _l("The form was damaged. Go back to the list and select again."))
        shown.append((item_id, version))
    return shown


def check_count(count: int) -> None:
    """Refuse an empty selection and one larger than ``MAX_ITEMS``."""
    if count == 0:
        raise ValidationFailed.single("ids", _l("Select at least one item, or all that match."))
    if count > MAX_ITEMS:
        raise ValidationFailed.single("ids", _l(
            "Select at most %(max)d items at once (%(n)d selected); narrow the filters.", max=MAX_ITEMS, n=count))


def parse_values(action: BulkAction, raw: dict[str, Any], *,
                 resolve_user: Callable[[str], int | None] | None = None) -> dict[str, Any]:
    """Check the action's fields once before any item is touched; raise ValidationFailed.

    ``resolve_user`` reads a field of kind "user" (a staff member's email) as an account id.
    """
    if action.check is not None:
        return action.check(raw)
    return parse_fields(action.fields, raw, resolve_user=resolve_user) if action.fields else {}


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationFailed):
        return " ".join(str(message) for messages in error.errors.values() for message in messages)
    if isinstance(error, Conflict):
        return str(error.message)
    return str(error)


def run(bulk: BulkList, action: BulkAction, shown: list[tuple[int, int | None]], still_listed: set[int],
        raw: dict[str, Any], *, user_id: int, context: Any = None) -> Outcome:
    """Do ``action`` to each item shown that the list still holds; refuse the others with the reason."""
    outcome = Outcome()
    items = bulk.load([item_id for item_id, _version in shown])
    db.session.rollback()  # hold nothing while the items are done one by one
    acting: list[tuple[Any, int | None]] = []
    for item_id, version in shown:
        item = items.get(item_id)
        if item is None:
            outcome.refused.append(Refused(f"#{item_id}", None, str(_l("It no longer exists."))))
        elif item_id not in still_listed:
            outcome.refused.append(Refused(bulk.label(item), bulk.link(item), str(bulk.gone(item))))
        elif version is not None and bulk.version(item) != version:
            outcome.refused.append(Refused(bulk.label(item), bulk.link(item), str(_l(
                "Someone else changed it after you saw it; nothing of yours was saved."))))
        else:
            acting.append((item, version))
    if action.apply_all is not None and acting:
        chosen = [item for item, _version in acting]
        try:
            action.apply_all(chosen, {(item.id, version) for item, version in acting}, raw, user_id=user_id,
                             context=context)
        except (Conflict, ValidationFailed) as error:
            db.session.rollback()
            outcome.refused.extend(Refused(bulk.label(item), bulk.link(item), _reason(error)) for item in chosen)
        else:
            outcome.done.extend(Done(bulk.label(item), bulk.link(item)) for item in chosen)
        return outcome
    assert action.apply is not None, f"bulk action {action.name} does nothing"
    for item, version in acting:
        label, link = bulk.label(item), bulk.link(item)  # read before a rollback expires the item
        try:
            action.apply(item, raw, user_id=user_id, version=version)
        except (Conflict, ValidationFailed) as error:
            db.session.rollback()
            outcome.refused.append(Refused(label, link, _reason(error)))
        else:
            outcome.done.append(Done(label, link))
    return outcome
