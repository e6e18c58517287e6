"""``lp retention``, ``lp persons export`` and ``lp backup``: privacy and backups on the command line.

Output is in English, like the rest of the command line, and never shows a
person's name or V-number: ids and counts only.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from lp.persons.models import Person
from lp.privacy import access_export, backup, retention
from lp.web.extensions import db

persons_cli = AppGroup("persons", help="Persons: the right of access.")


@click.command("retention")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="Only show what would change.")
@click.option("--years", type=click.IntRange(min=1), default=None,
              help="Retention period in years (default: LP_RETENTION_YEARS).")
def retention_command(dry_run: bool, years: int | None) -> None:
    """Anonymise persons whose LP requests all closed more than the retention period ago."""
    try:
        plan = retention.plan_retention(years) if dry_run else retention.apply_retention(years)
    except ValueError as error:  # LP_RETENTION_YEARS below one
        raise click.ClickException(str(error)) from None
    click.echo(f"Retention {plan.years} years: last activity before {plan.cutoff.isoformat()}.")
    verb = "would be anonymised" if dry_run else "anonymised"
    counts = plan.counts()
    click.echo(f"Persons {verb}: {counts.pop('persons')}"
               + (f" (ids {', '.join(map(str, plan.person_ids))})" if plan.person_ids else ""))
    click.echo("Their requests: {requests}, identity documents: {documents}, events: {events}, "
               "reminders: {reminders}, audit events: {audit_events}, uploaded files: {files}; "
               "mails deleted from the outbox: {outbox_mails}; "
               "removed files deleted: {removed_files}.".format(**counts))
    click.echo("Dry run: nothing was changed." if dry_run else "Applied.")


@persons_cli.command("export")
@click.argument("person_id", type=int)
@click.argument("file", type=click.File("w", encoding="utf-8"))
def export_command(person_id: int, file) -> None:
    """Write everything held on one person to FILE as JSON ('-' for standard output)."""
    person = db.session.get(Person, person_id)
    if person is None:
        raise click.ClickException(f"No person with id {person_id}.")
    file.write(access_export.export_person_json(person))
    click.echo(f"Exported person {person_id}.", err=file.name == "<stdout>")


@click.command("backup")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def backup_command(file: Path) -> None:
    """Copy the SQLite database to FILE while the app keeps running (PostgreSQL: use pg_dump)."""
    try:
        source = backup.sqlite_path(db.engine.url)
        size = backup.backup_sqlite(source, file)
    except backup.BackupRefused as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(f"Backup of {source} written to {file} ({size} bytes, integrity check ok).")
