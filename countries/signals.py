"""Signals sent by the country profiles; the features built on them answer.

The profiles never call those features (they depend on the profiles, not the other
way round): a feature that keeps an agreement's or a mission's id connects here.
Every signal is sent with the item as sender and ``entity`` ("agreement" or "mission").
"""

from __future__ import annotations

from typing import Any

from blinker import Namespace

_signals = Namespace()

#: Asks what still needs an item that is about to be removed. A receiver only reads:
#: it returns a translated text naming what uses the item (which refuses the removal),
#: or None.
item_used = _signals.signal("item-used")

#: Sent when an item is removed (nothing needs it any more), in the removing
#: transaction: a receiver that only remembers the item lets go of it here.
item_removing = _signals.signal("item-removing")


def uses_of(entity: str, item: Any) -> list[Any]:
    """Return what still needs ``item``, as texts from the receivers; empty when nothing does."""
    return [answer for _receiver, answer in item_used.send(item, entity=entity) if answer]
