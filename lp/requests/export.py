"""CSV export of the filtered request list: every matching row, streamed in chunks.

The encoding and the formula-injection rule are those of the country export
(``countries.csv_format``): UTF-8 with a byte order mark, ``;`` (or ``,``) between
cells, CRLF line ends, and a cell that a spreadsheet could run as a formula gets one
``'`` in front. Values are stable text: dates as ISO ``YYYY-MM-DD``, choices by their
code, countries by alpha-2 code, the case officer by email.

The file names persons: each part is logged as an export of its persons (one audit
event and one processing record per person) and committed before it is sent.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lp.core.chunks import chunks
from lp.core.csv import escape_cell, spreadsheet_writer
from lp.persons.models import Person
from lp.persons.views_log import EXPORTED, record_persons_shown
from lp.requests.models import LpRequest
from lp.requests.search import RequestFilter, filtered, ordered
from lp.web import audit
from lp.web.extensions import db

#: Rows loaded per query: bounds memory whatever the number of matching requests.
CHUNK = 1000

#: The audit action of a download of the list (one row per download, with the number of requests).
LIST_EXPORTED = "requests.exported"


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


#: The columns in order, each with how it reads its value from a request.
COLUMNS: tuple[tuple[str, Callable[[LpRequest], str | None]], ...] = (
    ("reference", lambda r: r.reference),
    ("embassy_reference", lambda r: r.embassy_reference),
    ("v_number", lambda r: r.person.v_number),
    ("name", lambda r: r.person.name),
    ("date_of_birth", lambda r: _iso(r.person.date_of_birth)),
    ("nationality", lambda r: r.person.nationality.alpha2 if r.person.nationality else ""),
    ("country", lambda r: r.country.alpha2),
    ("mission", lambda r: r.mission.name if r.mission else ""),
    ("status", lambda r: r.status),
    ("submitted_on", lambda r: _iso(r.submitted_on)),
    ("channel", lambda r: r.channel),
    ("reply_due_on", lambda r: _iso(r.reply_due_on)),
    ("decided_on", lambda r: _iso(r.decided_on)),
    ("lp_number", lambda r: r.lp_number),
    ("issued_on", lambda r: _iso(r.issued_on)),
    ("valid_until", lambda r: _iso(r.valid_until)),
    ("refusal_reason", lambda r: r.refusal_reason),
    ("closure_reason", lambda r: r.closure_reason),
    ("in_detention_since", lambda r: _iso(r.person.in_detention_since)),
    ("case_officer", lambda r: r.person.case_officer.email if r.person.case_officer else ""),
)


def matching_ids(f: RequestFilter, today: date) -> list[int]:
    """Return the ids of the requests the filtered list holds, in list order: what an export writes."""
    return list(db.session.scalars(ordered(filtered(f, today), f)))


def _chunks(ids: list[int]) -> Iterator[list[LpRequest]]:
    """Yield these requests in this order, CHUNK at a time, with what the columns read."""
    for chunk in chunks(ids, CHUNK):
        rows = db.session.scalars(
            select(LpRequest).where(LpRequest.id.in_(chunk)).options(
                joinedload(LpRequest.person).joinedload(Person.nationality),
                joinedload(LpRequest.person).joinedload(Person.case_officer),
                joinedload(LpRequest.country),
                joinedload(LpRequest.mission),
            )
        ).unique()
        by_id = {row.id: row for row in rows}
        # The session's identity map holds objects weakly: once written, a chunk can go.
        # (A request deleted since the first query is left out.)
        yield [by_id[i] for i in chunk if i in by_id]


def generate(ids: list[int], delimiter: str) -> Iterator[bytes]:
    """Yield the CSV file of these requests (``matching_ids``) as encoded pieces: the header, then per chunk."""
    buffer = io.StringIO()
    writer = spreadsheet_writer(buffer, delimiter)

    def flush() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode("utf-8")

    # The download as a whole, in the audit trail before a byte leaves (the persons in it are
    # logged per part as it is sent); never the filters: a search term may be a name.
    audit.record(LIST_EXPORTED, "request", None, count=len(ids), format="csv")
    db.session.commit()
    writer.writerow([name for name, _value in COLUMNS])
    yield flush()
    for chunk in _chunks(ids):
        for request in chunk:
            writer.writerow([escape_cell(value(request) or "") for _name, value in COLUMNS])
        # Nothing leaves without a trace: the persons of this part are logged before it is sent.
        if record_persons_shown((request.person_id for request in chunk), action=EXPORTED,
                                activity="csv_export"):
            db.session.commit()
        yield flush()
