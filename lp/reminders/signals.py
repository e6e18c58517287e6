"""What the reminders package does when another feature tells it about a change (see lp.core.signals)."""

from __future__ import annotations

from typing import Any

from lp.core.signals import item_removing, request_closed
from lp.reminders.sweep import close_for_request, follow_requests_off_mission
from lp.requests.models import LpRequest


def _request_closed(request: LpRequest, **_extra: Any) -> None:
    # A closed request needs no more reminders; the closing transition commits this too.
    close_for_request(request.id)


def connect() -> None:
    """Listen to the signals the reminders package acts on (connecting twice is harmless)."""
    request_closed.connect(_request_closed)
    item_removing.connect(follow_requests_off_mission)
