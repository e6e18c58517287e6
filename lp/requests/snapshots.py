"""Each country's insights figures, kept between page views and shared by every worker (issue 19).

Beside the facts (lp.requests.facts), as they are kept up to date by the same flushes;
what a body holds is lp.insights.stats' business (``encode``).

The overview, the dashboard's ranking, the assessment of all countries and their CSV files
need the figures of every country: counted from a year of facts, with a Kaplan–Meier curve
each, that is most of the cost of those pages, and it grows with the requests. The
figures of one country for one period (lp.insights.stats.country_rows) are therefore kept
in ``figure_snapshots`` and used again while nothing they were made of has changed:

- the same period and the same day (a waiting request is censored today: the curves move
  every day, and so do the overdue counts);
- the same version of the country (``figure_versions``): every flush that writes a request
  raises the version of its country, before and after (``_before_flush``), in the same
  transaction; so does every flush that writes a status event (the presentations kept with
  the figures are counted from those events, and moving a presentation to another place
  at the same time records one without changing the request's row). A reader reads the
  versions before the requests, so figures are never kept under a version newer than the
  requests they were counted from; at worst they are counted again.

So after one request changes, the next page counts one country again, not 249. After writes
that bypass the ORM (imports, the bench's generator), ``facts.rebuild`` forgets them all;
retention's bulk updates of the events change only their texts, never what is counted.
Keeping is best effort: figures that cannot be written are still shown.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import delete, event, null, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from lp.requests.facts import value_before, value_now, written_requests
from lp.requests.models import COUNTRY_FIGURES, FigureSnapshot, FigureVersion, RequestEvent
from lp.web.database import conflict_insert
from lp.web.extensions import db

log = logging.getLogger(__name__)


def versions() -> dict[int, int]:
    """Return {country id: version} (a country never changed is version 0) (1 query)."""
    rows = db.session.execute(select(FigureVersion.country_id, FigureVersion.version)).all()
    return {row.country_id: row.version for row in rows}


def versions_of(country_ids: Iterable[int]) -> dict[int, int]:
    """Return {country id: version} of these countries (0: never changed) (1 query)."""
    wanted = sorted(set(country_ids))
    rows = db.session.execute(select(FigureVersion.country_id, FigureVersion.version)
                              .where(FigureVersion.country_id.in_(wanted)))
    found = {row.country_id: row.version for row in rows}
    return {country_id: found.get(country_id, 0) for country_id in wanted}


def read(start: date, end: date, day: date, current: Mapping[int, int], *, detail: bool = False,
         kind: str = COUNTRY_FIGURES) -> dict[int, tuple[str, str | None]]:
    """Return {country id: (body, detail or None)} of the figures of ``kind`` kept for the period on ``day``
    at the ``current`` versions (1 query); the detail only when asked for.

    Every country's of the kind (and 0: their total); of the other kinds only those in ``current``.
    """
    s = FigureSnapshot
    query = select(s.country_id, s.version, s.body, s.detail if detail else null().label("detail")).where(
        s.period_start == start, s.period_end == end, s.day == day, s.kind == kind)
    if kind != COUNTRY_FIGURES:
        query = query.where(s.country_id.in_(sorted(current)))
    return {row.country_id: (row.body, row.detail) for row in db.session.execute(query)
            if row.version == current.get(row.country_id, 0)}


def keep(start: date, end: date, day: date, bodies: Mapping[int, tuple[int, str, str]], *,
         kind: str = COUNTRY_FIGURES) -> None:
    """Keep {country id: (version, body, detail)} of ``kind`` for the period on ``day``, and drop what earlier
    days kept.

    In a transaction of its own, so a page that only reads keeps its figures without
    committing its session; a failure is logged and otherwise ignored.
    """
    s = FigureSnapshot
    rows = [{"period_start": start, "period_end": end, "day": day, "kind": kind, "country_id": country_id,
             "version": version, "body": body, "detail": kept_detail}
            for country_id, (version, body, kept_detail) in sorted(bodies.items())]
    statement = conflict_insert(s)
    statement = statement.on_conflict_do_update(
        index_elements=["period_start", "period_end", "day", "kind", "country_id"],
        set_={"version": statement.excluded.version, "body": statement.excluded.body,
              "detail": statement.excluded.detail})
    try:
        with db.engine.begin() as connection:
            connection.execute(delete(s).where(s.day < day))
            connection.execute(statement, rows)
    except SQLAlchemyError:
        log.warning("insights figures not kept", exc_info=True)


def forget(session: Any = None) -> None:
    """Drop every kept figure (after requests were written without the ORM); the caller commits."""
    (session or db.session).execute(delete(FigureSnapshot))


def raise_versions(country_ids: Iterable[int], session: Session | None = None) -> None:
    """Raise the version of each country (in the caller's transaction): its kept figures are old now.

    The country's row stays locked until the transaction ends (PostgreSQL): two transactions
    writing requests of one country take turns at their commits, as their rows' updates would.
    """
    ids = sorted(set(country_ids))  # one order for every writer: two flushes cannot lock them crosswise
    if not ids:
        return
    statement = conflict_insert(FigureVersion, session)
    statement = statement.on_conflict_do_update(index_elements=["country_id"],
                                                set_={"version": FigureVersion.version + 1})
    (session or db.session).connection().execute(statement, [{"country_id": i, "version": 1} for i in ids])


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    changed: set[Any] = set()
    for request, existed, stays in written_requests(session):
        if existed:
            changed.add(value_before(request, "country_id"))
        if stays:
            changed.add(value_now(request, "country_id"))
    for written in (*session.new, *session.dirty, *session.deleted):
        if isinstance(written, RequestEvent) and written.kind == "status":  # every presentation event is one
            changed.add(written.request.country_id)
    changed.discard(None)
    raise_versions(changed, session)
    session.info.setdefault(WRITTEN, set()).update(changed)


#: Where a session notes the countries whose requests it wrote (for lp.insights.refresh); a
#: superset after a rollback, which only costs a recount that finds nothing to do.
WRITTEN = "figures_written"


def written_countries(session: Session) -> set[int]:
    """Return, and forget, the countries whose requests ``session`` wrote since last asked."""
    return session.info.pop(WRITTEN, None) or set()


def periods_kept_before(day: date) -> list[tuple[date, date, date]]:
    """Return the periods whose countries' figures (``COUNTRY_FIGURES``) were kept on days before ``day``,
    as (start, end, that day), oldest first (1 query); gone once anything is kept on ``day``."""
    s = FigureSnapshot
    query = (select(s.period_start, s.period_end, s.day).where(s.day < day, s.kind == COUNTRY_FIGURES).distinct()
             .order_by(s.day, s.period_start, s.period_end))
    return [(row.period_start, row.period_end, row.day) for row in db.session.execute(query)]


def kept_on(start: date, end: date, day: date) -> bool:
    """Whether any countries' figures (``COUNTRY_FIGURES``) of the period are kept for ``day`` (1 query)."""
    s = FigureSnapshot
    query = select(s.country_id).where(s.period_start == start, s.period_end == end, s.day == day,
                                       s.kind == COUNTRY_FIGURES).limit(1)
    return db.session.execute(query).first() is not None


def listen() -> None:
    """Raise the versions on every flush that writes a request or a status event (idempotent; called when the
    app is made)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
