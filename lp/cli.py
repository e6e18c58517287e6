"""The ``flask --app app lp`` command group."""

from __future__ import annotations

from dataclasses import dataclass

import click
from flask import current_app
from flask.cli import AppGroup
from flask_migrate import upgrade
from sqlalchemy import select

from countries.cli import countries_cli, reference_cli
from lp.auth.cli import tokens_cli, users_cli
from lp.auth.models import User
from lp.auth.roles import Role
from lp.auth.services import check_password_strength, ensure_admin, generate_password
from lp.core.validation import InUse, ValidationFailed
from lp.demo import load as demo
from lp.privacy.cli import backup_command, persons_cli, retention_command
from lp.reminders.cli import digest_cli, outbox_cli, reminders_cli
from lp.requests import answer_times, facts
from lp.requests.cli import facts_cli
from lp.scheduler import scheduler_command
from lp.seed import run_seeders
from lp.web.audit_cli import audit_cli
from lp.web.database import failure_kind, refresh_statistics
from lp.web.extensions import db

#: One line per kind of database failure (see lp.web.database.failure_kind), never its text:
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


@dataclass
class StartInfo:
    """What the start block tells: where to log in, and the passwords generated this run."""

    admin_email: str | None = None
    admin_password: str | None = None
    demo_password: str | None = None
    demo_password_given: bool = False


RULE = "=" * 78


def start_block(info: StartInfo) -> str:
    """Return the block printed last before the server starts: login address, accounts, passwords."""
    login_url = current_app.config["LP_BASE_URL"].rstrip("/") + "/auth/login"
    lines = [RULE, f"LP-tracker is ready. Log in at {login_url}", ""]
    admins = [info.admin_email] if info.admin_email else list(db.session.scalars(
        select(User.email).where(User.role == Role.ADMIN.value, User.active.is_(True)).order_by(User.id)))
    for email in admins:
        lines.append(f"  Administrator: {email}")
    if info.admin_password:
        lines.append(f"  Administrator's password (shown once): {info.admin_password}")
        lines.append("    Change it after logging in.")
    elif admins:
        lines.append("  Administrator's password: LP_ADMIN_PASSWORD, or the one printed at the first start.")
    accounts = demo.demo_accounts()
    if accounts:
        lines += ["", "  Demo accounts:"]
        width = max(len(email) for email, _name, _job in accounts)
        lines += [f"    {email:<{width}}  {job}" for email, _name, job in accounts]
        if info.demo_password:
            lines.append(f"  Password of every demo account (shown once): {info.demo_password}")
        elif info.demo_password_given:
            lines.append("  Password of every demo account: the one in LP_DEMO_PASSWORD.")
        else:
            lines.append("  Password of every demo account: LP_DEMO_PASSWORD, or the one printed when the "
                         "demo was loaded.")
    lines.append(RULE)
    return "\n".join(lines)


def _load_demo(info: StartInfo, seed: int, persons: int, password: str | None) -> None:
    if demo.persons_exist():
        click.echo("Demo data already present (persons are registered); nothing loaded.")
        return
    info.demo_password_given = bool(password)
    if not password:
        password = generate_password()
    try:
        check_password_strength(password)
    except ValidationFailed as failure:
        click.echo(f"Demo password refused: {failure}", err=True)
        raise SystemExit(1) from None
    result = demo.load_demo(seed=seed, persons=persons, password=password)
    facts.rebuild()
    db.session.commit()
    if result["accounts_created"] and not info.demo_password_given:
        info.demo_password = password
    click.echo(demo.report(result))


def _demo_options(command):
    command = click.option("--seed", type=int, default=demo.DEFAULT_SEED, show_default=True,
                           help="Seed of the random generator: the same seed on the same day gives the same "
                                "data.")(command)
    command = click.option("--persons", type=click.IntRange(demo.MIN_PERSONS, 100_000),
                           default=demo.DEFAULT_PERSONS, show_default=True,
                           help="Number of persons; they get about 1.2 LP requests each.")(command)
    return click.option("--password", envvar="LP_DEMO_PASSWORD", show_envvar=True, default=None,
                        help="Password of the demo accounts (default: generated and printed once).")(command)


@lp_cli.command("init")
@click.option("--demo", "with_demo", is_flag=True, help="Also load the demo data (as ``lp demo``).")
@_demo_options
def init_command(with_demo: bool, seed: int, persons: int, password: str | None) -> None:
    """Migrate the database, seed reference data and create the first administrator.

    Safe to run again: it adds what is missing and brings the shipped agreements up to
    date, never overwriting a value staff changed by hand (countries.reference). Ends with a block naming the
    login address, the accounts and any password generated now (``make run`` prints
    it just before the server starts).
    """
    upgrade(directory=current_app.extensions["migrate"].directory)
    seeded = run_seeders()
    if not answer_times.facts_in_step():  # requests inserted without the app (imports, generators) count too
        facts.rebuild()
        db.session.commit()
    refresh_statistics(full=True)
    info = StartInfo()
    created = ensure_admin(
        current_app.config["LP_ADMIN_EMAIL"], current_app.config["LP_ADMIN_PASSWORD"]
    )
    if created is not None:
        user, info.admin_password = created
        info.admin_email = user.email
        click.echo(f"Created administrator {user.email}.")
    _echo_reference(seeded.get("countries", {}))
    click.echo("Database ready.")
    if with_demo:
        _load_demo(info, seed, persons, password)
    click.echo(start_block(info))


def _echo_reference(counts: dict[str, int]) -> None:
    """Say what bringing the agreements up to the shipped data changed, and what awaits review."""
    if counts.get("updated") or counts.get("agreements"):
        click.echo(f"Reference data: {counts.get('updated', 0)} value(s) updated, "
                   f"{counts.get('agreements', 0)} agreement(s) added (recorded with source 'reference').")
    if counts.get("review"):
        click.echo(f"Reference data: {counts['review']} value(s) changed by hand differ from the shipped data "
                   "and were kept; see `flask --app app lp reference review`.")


@lp_cli.command("demo")
@_demo_options
def demo_command(seed: int, persons: int, password: str | None) -> None:
    """Load a realistic demo data set: staff, country profiles, persons and LP requests.

    Does nothing when persons are already registered.
    """
    info = StartInfo()
    _load_demo(info, seed, persons, password)
    click.echo(start_block(info))


def register_commands() -> None:
    """Attach the command groups that the packages own."""
    for group in (users_cli, tokens_cli, countries_cli, reference_cli, reminders_cli, digest_cli, outbox_cli,
                  scheduler_command, retention_command, persons_cli, backup_command, audit_cli, facts_cli):
        lp_cli.add_command(group)


register_commands()
