"""The ``flask --app app lp`` command group."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

lp_cli = AppGroup("lp", help="LP-tracker commands.")


@lp_cli.command("init")
def init_command() -> None:
    """Migrate the database, seed reference data and create the first administrator.

    Safe to run again: it only adds what is missing.
    """
    from lp.auth.services import ensure_admin
    from lp.seed import run_seeders

    upgrade(directory=current_app.extensions["migrate"].directory)
    run_seeders()
    created = ensure_admin(
        current_app.config["LP_ADMIN_EMAIL"], current_app.config["LP_ADMIN_PASSWORD"]
    )
    if created is not None:
        user, generated = created
        click.echo(f"Created administrator {user.email}.")
        if generated:
            click.echo(f"Generated password (shown once, change it after logging in): {generated}")
    click.echo("Database ready.")


def register_commands() -> None:
    """Attach the command groups that the packages own."""
    from countries.cli import countries_cli
    from lp.auth.cli import tokens_cli, users_cli
    from lp.reminders.cli import digest_cli, outbox_cli, reminders_cli, scheduler_command

    for group in (users_cli, tokens_cli, countries_cli, reminders_cli, digest_cli, outbox_cli,
                  scheduler_command):
        lp_cli.add_command(group)


register_commands()
