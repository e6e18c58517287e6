"""``lp reminders``, ``lp digest`` and ``lp outbox`` commands (``lp scheduler`` is in lp.scheduler)."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from countries.services import find_country
from lp.core.clock import today
from lp.core.validation import ValidationFailed
from lp.mail.outbox import deliver_pending
from lp.reminders.digest import send_digests
from lp.reminders.policy import set_country_policy
from lp.reminders.sweep import sweep

reminders_cli = AppGroup("reminders", help="Reminders for requests and profiles.")
digest_cli = AppGroup("digest", help="The weekly digest mail.")
outbox_cli = AppGroup("outbox", help="The mail outbox.")


def _as_of(value: str | None) -> date:
    if not value:
        return today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--as-of") from None


@reminders_cli.command("sweep")
@click.option("--as-of", "as_of", default=None, help="Evaluate the rules as on this day (YYYY-MM-DD).")
@click.option("--full", is_flag=True, help="Check every open request, not only those due or changed since the "
                                           "last sweep (the result is the same).")
def sweep_command(as_of, full) -> None:
    """Create the reminders that are due and close those that no longer are."""
    day = _as_of(as_of)
    result = sweep(day, incremental=not full)
    which = "open requests" if result.full else "requests due or changed since the last sweep"
    click.echo(f"Sweep as of {day}: {result.requests_checked} {which} checked, "
               f"{result.created} reminders created, {result.closed} closed, {result.reopened} reopened.")


@reminders_cli.command("policy")
@click.argument("alpha2")
@click.option("--set", "settings", multiple=True, metavar="NAME=DAYS",
              help="Override one policy value for this country (repeatable).")
@click.option("--reset", "resets", multiple=True, metavar="NAME", help="Remove an override (repeatable).")
def policy_command(alpha2, settings, resets) -> None:
    """Show a country's reminder policy, or change its overrides."""
    country = find_country(alpha2)
    if country is None:
        raise click.BadParameter(f"no country {alpha2}", param_hint="ALPHA2")
    overrides: dict[str, int | None] = dict.fromkeys(resets)
    for setting in settings:
        name, _sep, value = setting.partition("=")
        if not value.isdigit():
            raise click.BadParameter(f"{setting}: use NAME=DAYS", param_hint="--set")
        overrides[name.strip()] = int(value)
    try:
        effective = set_country_policy(country, overrides, user_id=None)
    except ValidationFailed as failure:
        raise click.ClickException(str(failure)) from None
    own = country.reminder_policy or {}
    for name, value in effective.items():
        click.echo(f"{name}\t{value}{'  (this country)' if name in own else ''}")


@digest_cli.command("send")
@click.option("--as-of", "as_of", default=None, help="Build the digest as on this day (YYYY-MM-DD).")
def digest_command(as_of) -> None:
    """Queue this week's digest for every portfolio holder and deliver the outbox."""
    day = _as_of(as_of)
    result = send_digests(day)
    delivery = deliver_pending()
    click.echo(f"Digest for week of {day}: {result.queued} queued, {result.already_sent} already sent "
               f"this week; {delivery.sent} mails delivered, {delivery.failed} failed (kept for retry).")


@outbox_cli.command("deliver")
def deliver_command() -> None:
    """Deliver queued mail now."""
    result = deliver_pending()
    click.echo(f"{result.sent} mails delivered, {result.failed} failed (kept for retry).")
