"""Write iCalendar files (RFC 5545) with timed and all-day events.

Small on purpose: a VCALENDAR of VEVENTs is all the feed needs. Lines end in CRLF and
are folded at 75 octets (never inside a UTF-8 character); TEXT values escape ``\\``,
``;``, ``,`` and newlines; timed events are in UTC (``...Z``), all-day events use
``VALUE=DATE`` with an exclusive end date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

PRODID = "-//LP-tracker//Calendar feed//EN"
LINE_OCTETS = 75


@dataclass(frozen=True)
class Event:
    """One calendar entry: ``start`` is a UTC datetime, or a date for an all-day event."""

    uid: str
    start: datetime | date
    summary: str
    end: datetime | date | None = None
    description: str = ""
    location: str = ""
    url: str = ""


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545, 3.3.11)."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets, joined by CRLF and a space."""
    pieces: list[str] = []
    current: list[str] = []
    size, limit = 0, LINE_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, LINE_OCTETS - 1  # the leading space counts
        current.append(char)
        size += octets
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def _moment(value: datetime | date) -> str:
    if isinstance(value, datetime):
        return ":" + value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return ";VALUE=DATE:" + value.strftime("%Y%m%d")


def _event_lines(event: Event, stamp: datetime) -> list[str]:
    end = event.end
    if end is None:
        end = event.start + (timedelta(hours=1) if isinstance(event.start, datetime) else timedelta(days=1))
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        "DTSTAMP" + _moment(stamp),
        "DTSTART" + _moment(event.start),
        "DTEND" + _moment(end),
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if not isinstance(event.start, datetime):
        lines.append("TRANSP:TRANSPARENT")  # a reminder for the day, not a busy slot
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.url:
        lines.append(f"URL:{event.url}")  # a URI value: not escaped as TEXT
    lines.append("END:VEVENT")
    return lines


def calendar(name: str, events: Iterable[Event], stamp: datetime) -> bytes:
    """Return a VCALENDAR with ``events`` as UTF-8 bytes; ``stamp`` is the DTSTAMP of each."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines += _event_lines(event, stamp)
    lines.append("END:VCALENDAR")
    return ("".join(fold(line) + "\r\n" for line in lines)).encode("utf-8")
