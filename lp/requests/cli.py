"""``lp facts``: the facts the insights read (lp.requests.facts)."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from lp.requests import facts
from lp.web.extensions import db

facts_cli = AppGroup("facts", help="The facts the insights read: time to answer, outcomes, response times.")


@facts_cli.command("rebuild")
def rebuild_command() -> None:
    """Recompute the facts from the requests (after inserting requests without the app, e.g. bench/generate.py)."""
    started = time.perf_counter()
    rows = facts.rebuild()
    db.session.commit()
    click.echo(f"Facts rebuilt: {rows} rows in {time.perf_counter() - started:.1f} s.")
