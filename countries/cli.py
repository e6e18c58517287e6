"""``lp countries``: export and import country profiles as CSV."""

from __future__ import annotations

import shutil
import tempfile
from typing import IO

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from countries import csv_format, csv_import, reference, services
from countries.csv_format import CsvImportError
from countries.models import Country
from lp.core.csv import DEFAULT_DELIMITER, DELIMITERS
from lp.core.validation import Conflict
from lp.web.extensions import db

countries_cli = AppGroup("countries", help="Country profiles: CSV export and import.")


@countries_cli.command("export")
@click.argument("file", type=click.File("wb"))
@click.option("--delimiter", type=click.Choice(DELIMITERS),
              default=DEFAULT_DELIMITER, show_default=True, help="Cell separator (';' opens directly in Dutch Excel).")
def export_command(file, delimiter) -> None:
    """Write every country profile to FILE ('-' for standard output)."""
    countries = list(db.session.scalars(csv_format.with_items(select(Country))))
    file.write(csv_format.write_csv(countries, delimiter))
    click.echo(f"Exported {len(countries)} countries.", err=file.name == "<stdout>")


@countries_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Only show what would change.")
@click.option("--user", "email", default=None,
              help="Email address of the staff account the changes are recorded under.")
def import_command(file, dry_run, email) -> None:
    """Import country profiles from FILE (the export's format); nothing changes on any error."""
    user_id = None
    if email:
        user_id = services.staff_user_id(email)
        if user_id is None:
            raise click.ClickException(f"No active staff account with email address {email}.")
    # Read row by row, twice (check, then apply): standard input goes to a temporary file first.
    stream = file if file.seekable() else _spooled(file)
    # Messages in English, like the rest of the command line.
    with force_locale("en"):
        try:
            plan = csv_import.plan_import(stream)
        except CsvImportError as failure:
            for error in failure.errors:
                click.echo(str(error), err=True)
            if failure.more:
                click.echo(f"... and {failure.more} more.", err=True)
            click.echo(f"{failure.total} errors; nothing was imported.", err=True)
            raise SystemExit(1) from None
        for preview in plan.previews:
            _echo_preview(preview)
        if dry_run:
            click.echo(f"{len(plan.previews)} of {len(plan.rows)} countries would change (dry run: "
                       "nothing was imported).")
            return
        stream.seek(0)
        try:
            changed = csv_import.apply_import(stream, plan.versions, user_id=user_id)
        except Conflict as conflict:
            click.echo(f"{conflict.message} Nothing was imported.", err=True)
            raise SystemExit(1) from None
    click.echo(f"Changed {changed} of {len(plan.rows)} countries.")


def _spooled(file: IO[bytes]) -> IO[bytes]:
    copy = tempfile.TemporaryFile()  # noqa: SIM115  returned open: the caller reads it, and closing removes it
    shutil.copyfileobj(file, copy)
    copy.seek(0)
    return copy


def _echo_preview(preview: csv_import.CountryPreview) -> None:
    click.echo(f"{preview.country.alpha2} {preview.country.name_en}")
    _echo_changes(preview.fields, "  ")
    for item in preview.items:
        click.echo(f"  {item.entity} {item.position}: {item.action}")
        _echo_changes(item.fields, "    ")


def _echo_changes(changes: list[csv_import.FieldChange], indent: str) -> None:
    for change in changes:
        click.echo(f"{indent}{change.spec.label}: {change.old!r} -> {change.new!r}")


reference_cli = AppGroup("reference", help="Shipped reference data (the public agreements): apply and review.")


def _echo_review(items: list[reference.ReviewItem]) -> None:
    if not items:
        click.echo("No differences to review: every shipped value is in the database or was never changed by hand.")
        return
    click.echo(f"{len(items)} shipped value(s) differ from a value staff changed by hand (theirs is kept):")
    for item in items:
        when = item.changed_at.date().isoformat() if item.changed_at else "?"
        if not item.field:
            click.echo(f"  {item.alpha2}  agreement removed by hand ({item.changed_by}, {when}): {item.agreement}")
            continue
        click.echo(f"  {item.alpha2}  {item.agreement}")
        click.echo(f"      {item.field}: database {item.current or '(empty)'!r}, shipped {item.shipped or '(empty)'!r}"
                   f" (changed by hand via {item.changed_by}, {when})")


@reference_cli.command("review")
def review_command() -> None:
    """List the shipped values that differ from values staff changed by hand; change nothing."""
    version = reference.applied_version()
    applied = f"version {version.version}, applied {version.applied_at:%Y-%m-%d}" if version else "never applied"
    click.echo(f"Shipped reference data: version {reference.REFERENCE_VERSION}; this database: {applied}.")
    todo = reference.plan()
    if todo.updates or todo.additions:
        click.echo(f"Not yet applied: {len(todo.updates)} value(s) to update, {len(todo.additions)} agreement(s) "
                   "to add. Run `flask --app app lp init` or `lp reference apply`.")
    _echo_review(todo.review)


@reference_cli.command("apply")
def apply_command() -> None:
    """Bring the agreements up to the shipped data (as ``lp init`` does); hand-made changes stay."""
    outcome = reference.apply_reference_data()
    db.session.commit()
    click.echo(f"Reference data version {reference.REFERENCE_VERSION}: {outcome.updated} value(s) updated, "
               f"{outcome.added} agreement(s) added.")
    _echo_review(outcome.review)
