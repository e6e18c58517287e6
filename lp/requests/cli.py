"""``lp facts``: the facts the insights read (lp.requests.facts)."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from lp.requests import facts
from lp.web.extensions import db

facts_cli = AppGroup("facts", help="What is kept derived from the requests: the facts the insights read (time to "
                                    "answer, outcomes, response times), the day the reminder sweep next looks at "
                                    "each request.")


@facts_cli.command("rebuild")
def rebuild_command() -> None:
    """Recompute the facts from the requests (after inserting requests without the app, e.g. bench/generate.py).

    Every open request is also marked for the next reminder sweep, which then checks them all
    and stores the day each one's reminders next change.
    """
    started = time.perf_counter()
    rows = facts.rebuild()
    marked = facts.mark_for_sweep()
    db.session.commit()
    click.echo(f"Facts rebuilt: {rows} rows in {time.perf_counter() - started:.1f} s; "
               f"{marked} open requests marked for the next reminder sweep.")
