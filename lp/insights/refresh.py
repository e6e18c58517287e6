"""Count the kept insights figures again right after a page wrote requests, not when they are next read.

A change to one request makes its country's kept figures old (lp.requests.snapshots);
the next overview or dashboard would count that country again, and put the total of all
countries together again from every country's life table, while the person who opened
it waits. Writes are far fewer than views, so the page that made the change pays that
instead: after it, the figures of the default period (the last 12 months: the
dashboard's and the overview's) are counted again for today, when any are kept for
today. Other periods are counted again when viewed, as before.

Only an optimisation: a reader never shows figures older than its data, refreshed or not
(versions, lp.requests.snapshots). Failures are logged and the response goes out.
"""

from __future__ import annotations

import logging

from flask import Flask, Response
from sqlalchemy.exc import SQLAlchemyError

from lp.core.clock import today
from lp.insights import stats
from lp.requests import snapshots
from lp.web.extensions import db

log = logging.getLogger(__name__)


def refresh_written() -> bool:
    """Count the default period's kept figures of today again if the request wrote requests
    (no query when it wrote none; 1 when none are kept). Return whether it counted."""
    if not snapshots.written_countries(db.session()):
        return False
    day = today()
    period = stats.Period.default(day)
    try:
        if not snapshots.kept_on(period.start, period.end, day):
            return False  # the first view of the day (or the morning job) counts everything
        stats.country_table(period, day, "nl")
        return True
    except SQLAlchemyError:
        log.warning("insights figures not counted after a write", exc_info=True)
        return False
    finally:
        db.session.rollback()  # only read; the figures were kept in a transaction of their own


def _after_request(response: Response) -> Response:
    refresh_written()
    return response


def init_app(app: Flask) -> None:
    """Refresh after every request of the app (web pages and API alike)."""
    app.after_request(_after_request)
