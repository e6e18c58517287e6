"""Signals through which a feature tells the features above it about a change (blinker, as BYCEPS does).

A lower package (``countries``) never imports a higher one (``lp.requests``): it sends a
signal, and the higher package connects a receiver when its blueprint is registered.
Receivers run in the sender's transaction, before the commit, so what they change is
saved, or refused, together with the change itself.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: A country's profile changed: its fields, agreements, missions or reminder policy.
#: Sender: the ``Country``; keyword ``user_id``: who changed it (None for the system).
#: Sent by ``countries.services.ProfileEdit.flush`` for the form, the API and the CSV import.
profile_changed = _signals.signal("profile-changed")
