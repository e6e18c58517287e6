"""What the requests package does when another feature tells it about a change (see lp.core.signals)."""

from __future__ import annotations

from typing import Any

from countries.models import Country
from lp.core.signals import item_used, profile_changed
from lp.requests import services


def _profile_changed(country: Country, *, user_id: int | None = None, **_extra: Any) -> None:
    # The due date comes from the country's agreements (or its reminder policy).
    services.move_due_dates(country, user_id=user_id)


def connect() -> None:
    """Listen to the signals the requests package acts on (connecting twice is harmless)."""
    profile_changed.connect(_profile_changed)
    item_used.connect(services.requests_to_mission)  # a mission with requests is not removed
