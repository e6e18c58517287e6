"""The ``flask --app app lp`` command group."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from lp import demo

#: One line per kind of database failure (see lp.database.failure_kind), never its text:
#: that may quote personal data.
FAILURE_MESSAGES = {
    "refused": "the database refused a value; nothing was saved.",
    "conflict": "the change conflicts with the stored data (something it refers to is gone, "
                "something still uses what it would remove, or a value must be unique); nothing "
                "was saved.",
    "concurrent": "another change to the same data came first; nothing was saved. Try again.",
    "unavailable": "the database cannot be reached right now; nothing was saved. Try again shortly.",
}


class LpGroup(AppGroup):
    """The ``lp`` group: a failing database ends any command with one line, not a traceback."""

    def invoke(self, ctx: click.Context):
        from lp.database import failure_kind
        from lp.validation import InUse

        try:
            return super().invoke(ctx)
        except InUse as error:
            raise click.ClickException(f"{error.message} Nothing was saved.") from error
        except Exception as error:
            kind = failure_kind(error)
            if kind is None:
                raise
            raise click.ClickException(FAILURE_MESSAGES[kind]) from error


lp_cli = LpGroup("lp", help="LP-tracker commands.")


@lp_cli.command("init")
def init_command() -> None:
    """Migrate the database, seed reference data and create the first administrator.

    Safe to run again: it only adds what is missing.
    """
    from lp.auth.services import ensure_admin
    from lp.database import refresh_statistics
    from lp.seed import run_seeders

    upgrade(directory=current_app.extensions["migrate"].directory)
    run_seeders()
    refresh_statistics(full=True)
    created = ensure_admin(
        current_app.config["LP_ADMIN_EMAIL"], current_app.config["LP_ADMIN_PASSWORD"]
    )
    if created is not None:
        user, generated = created
        click.echo(f"Created administrator {user.email}.")
        if generated:
            click.echo(f"Generated password (shown once, change it after logging in): {generated}")
    click.echo("Database ready.")


@lp_cli.command("demo")
@click.option("--seed", type=int, default=demo.DEFAULT_SEED, show_default=True,
              help="Seed of the random generator: the same seed on the same day gives the same data.")
@click.option("--persons", type=click.IntRange(demo.MIN_PERSONS, 100_000), default=demo.DEFAULT_PERSONS,
              show_default=True,
              help="Number of persons; they get about 1.2 LP requests each.")
@click.option("--password", envvar="LP_DEMO_PASSWORD", show_envvar=True, default=None,
              help="Password of the demo accounts (default: generated and printed once).")
def demo_command(seed: int, persons: int, password: str | None) -> None:
    """Load a realistic demo data set: staff, country profiles, persons and LP requests.

    Does nothing when persons are already registered.
    """
    from lp.auth.services import check_password_strength, generate_password
    from lp.validation import ValidationFailed

    if demo.persons_exist():
        click.echo("Demo data already present (persons are registered); nothing loaded.")
        return
    generated = None
    if not password:
        password = generated = generate_password()
    try:
        check_password_strength(password)
    except ValidationFailed as failure:
        click.echo(f"Demo password refused: {failure}", err=True)
        raise SystemExit(1)
    click.echo(demo.report(demo.load_demo(seed=seed, persons=persons, password=password), generated))


def register_commands() -> None:
    """Attach the command groups that the packages own."""
    from countries.cli import countries_cli
    from lp.auth.cli import tokens_cli, users_cli
    from lp.privacy.cli import backup_command, persons_cli, retention_command
    from lp.reminders.cli import digest_cli, outbox_cli, reminders_cli, scheduler_command

    for group in (users_cli, tokens_cli, countries_cli, reminders_cli, digest_cli, outbox_cli,
                  scheduler_command, retention_command, persons_cli, backup_command):
        lp_cli.add_command(group)


register_commands()
