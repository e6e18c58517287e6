"""Which open requests the daily reminder sweep must look at: ``SweepDay`` and ``LpRequest.next_due_on``.

The sweep stores for each open request the first day its reminders change
(``deadlines.next_change``, from the rules it applies; ``SweepDay``) and the next run reads
only the requests whose day has come: one index range, however long the history. Whatever
the rules read may also change in between; a flush hook (``before_flush``) then marks the
request: its ``next_due_on`` becomes ``CHANGED``, a day long past, in the same transaction,
so the next run looks at it whatever service changed it (the sweep takes the mark away
again). A request that closes loses its day. What is marked:

- the request's own columns the rules read (``INPUTS``), and a new request;
- the person's detention (start, maximum term): that person's open requests;
- the country's presentation rule, reminder policy or flight lead time, or any of its
  agreements' reply terms: that country's open requests, set-based (one UPDATE).

Settings and the holiday calendar are checked by the sweep itself (``sweep.settings``).
Rows written without the ORM (bench/generate.py, imports) get ``CHANGED`` from the
column's server default; ``flask lp facts rebuild`` marks every open request.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, event, or_, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import PASSIVE_NO_INITIALIZE, get_history

from countries.models import Agreement, Country
from lp.persons.models import Person
from lp.reminders.models import SweepDay
from lp.requests.models import CHANGED, REQUESTS, LpRequest, changed_mark

#: The request's columns the rules read (lp.reminders.sweep reads these and nothing else of it).
INPUTS = ("status", "submitted_on", "reply_due_on", "paused_since", "paused_days", "valid_until",
          "next_presentation_at", "country_id", "person_id", "is_open")
#: The same set through the relationships (set on the object, their ids only at the flush).
RELATIONSHIPS = ("country", "person")
PERSON_INPUTS = ("in_detention_since", "detention_max_months")
#: The country's fields the rules read, and its agreements (added or removed through the collection).
COUNTRY_INPUTS = ("presentation_required", "reminder_policy", "flight_lead_days", "agreements")
AGREEMENT_INPUTS = ("country_id", "in_force_since", "reply_time_limit_days", "reply_time_limit_unit",
                    "silence_is_acceptance")


def _changed(obj: Any, names: tuple[str, ...]) -> bool:
    # Never loads an attribute (a relationship or collection not read is not changed): no query in the flush.
    return any(get_history(obj, name, passive=PASSIVE_NO_INITIALIZE).has_changes() for name in names)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    persons: set[int] = set()
    countries: set[int] = set()
    for obj in session.new:
        if isinstance(obj, LpRequest):
            obj.next_due_on = CHANGED if obj.is_open is not False else None
        elif isinstance(obj, Agreement):
            countries.update(_country_ids(obj))
    closed: set[int] = set()
    for obj in session.dirty:
        if isinstance(obj, LpRequest):
            if _changed(obj, INPUTS + RELATIONSHIPS):
                obj.next_due_on = CHANGED if obj.is_open else None
                if not obj.is_open:
                    closed.add(obj.id)
        elif isinstance(obj, Person):
            if obj.id is not None and _changed(obj, PERSON_INPUTS):
                persons.add(obj.id)
        elif isinstance(obj, Country):
            if obj.id is not None and _changed(obj, COUNTRY_INPUTS):
                countries.add(obj.id)
        elif isinstance(obj, Agreement) and _changed(obj, AGREEMENT_INPUTS):
            countries.update(_country_ids(obj, *get_history(obj, "country_id").deleted))
    for obj in session.deleted:
        if isinstance(obj, Agreement):
            countries.update(_country_ids(obj))
    if closed:  # never looked at again: its day would stay in the index range the sweep reads
        session.connection().execute(delete(SweepDay).where(SweepDay.request_id.in_(sorted(closed))))
    table = REQUESTS.c
    whose = [condition for condition in (table.person_id.in_(sorted(persons)) if persons else None,
                                         table.country_id.in_(sorted(countries)) if countries else None)
             if condition is not None]
    if whose:
        # Core, not the ORM: the rows need not be loaded, and no version is bumped (an open form stays valid).
        # A mark of its own: a sweep that read the request before it cannot overwrite it (changed_mark).
        session.connection().execute(update(REQUESTS).where(table.is_open.is_(True), or_(*whose))
                                     .values(next_due_on=changed_mark()))


def _country_ids(agreement: Agreement, *earlier: int | None) -> set[int]:
    """Return the country of an agreement (its id, or its country's before the flush sets it) and ``earlier``."""
    country = agreement.country_id if agreement.country_id is not None else getattr(agreement.country, "id", None)
    return {c for c in (country, *earlier) if c is not None}


def listen() -> None:
    """Keep the requests' next sweep day in step on every flush (idempotent; called when the app is made)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
