"""``lp audit verify``: recompute the audit trail's hash chain and name the first changed or missing row."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lp.web.audit import verify_chain

audit_cli = AppGroup("audit", help="Check the audit trail.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Recompute every row's hash from the first to the last; exit 1 at the first changed or missing row."""
    report = verify_chain()
    if report.problem is None:
        click.echo(f"Audit trail intact: {report.rows} rows chained.")
        return
    click.echo(f"Audit trail broken after {report.rows} intact rows: {report.problem}.", err=True)
    raise SystemExit(1)
