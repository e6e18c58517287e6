"""Signals through which a feature tells the features above it about a change (blinker, as BYCEPS does).

A lower package never imports a higher one (``countries`` not ``lp.requests``,
``lp.requests`` not ``lp.reminders``): it sends a signal, and the higher package connects
a receiver when its blueprint is registered.
Receivers run in the sender's transaction, before the commit, so what they change is
saved, or refused, together with the change itself.
"""

from __future__ import annotations

from typing import Any

from blinker import Namespace

_signals = Namespace()

#: A country's profile changed: its fields, agreements, missions or reminder policy.
#: Sender: the ``Country``; keyword ``user_id``: who changed it (None for the system).
#: Sent by ``countries.services.ProfileEdit.flush`` for the form, the API and the CSV import.
profile_changed = _signals.signal("profile-changed")

#: An LP request is closing (issued, refused, expired, withdrawn...). Sender: the
#: ``LpRequest``, before its new status is set. Sent by ``lp.requests.services`` in the
#: transition's transaction; the reminders package closes the request's open reminders.
request_closed = _signals.signal("request-closed")

#: A change to an LP request was recorded on its timeline (created, a transition, a
#: contact, a pause, changed details, a moved due date). Sender: the ``LpRequest``;
#: keyword ``event``: the new ``RequestEvent``. Sent by ``lp.requests.services`` in the
#: changing transaction.
request_changed = _signals.signal("request-changed")

#: Asks what still needs a profile item (``entity`` "agreement" or "mission") that is about
#: to be removed. Sender: the item. A receiver only reads: it returns a translated text
#: naming what uses the item (which refuses the removal), or None.
item_used = _signals.signal("item-used")

#: Sent when a profile item is removed (nothing needs it any more), in the removing
#: transaction: a receiver that only remembers the item lets go of it here.
item_removing = _signals.signal("item-removing")


def uses_of(entity: str, item: Any) -> list[Any]:
    """Return what still needs ``item``, as texts from the receivers; empty when nothing does."""
    return [answer for _receiver, answer in item_used.send(item, entity=entity) if answer]

#: Asks the current reminder level of LP requests (for their clock in lists and on the request
#: page). Sender: the list of request ids. A receiver only reads, in one query for all of them,
#: and returns a dict of request id → highest open reminder level (requests without one left out).
reminder_levels = _signals.signal("reminder-levels")


def levels_of(request_ids: list[int]) -> dict[int, int]:
    """Return the highest open reminder level of each request that has one (one query, by the receiver)."""
    levels: dict[int, int] = {}
    if not request_ids:
        return levels
    for _receiver, answer in reminder_levels.send(request_ids):
        for request_id, level in (answer or {}).items():
            levels[request_id] = max(level, levels.get(request_id, 0))
    return levels
