"""``lp users`` and ``lp tokens``: accounts and API tokens from the command line."""

from __future__ import annotations

import csv
import io

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from lp.auth import oidc, review, services
from lp.auth.models import ApiToken
from lp.auth.reset import one_time_password
from lp.auth.roles import Role
from lp.core.csv import escape_cell
from lp.core.validation import ValidationFailed
from lp.web.extensions import db

users_cli = AppGroup("users", help="Manage accounts.")
tokens_cli = AppGroup("tokens", help="Manage API tokens.")


def _fail(failure: ValidationFailed) -> None:
    for field, messages in failure.errors.items():
        for message in messages:
            click.echo(f"{field}: {message}", err=True)
    raise SystemExit(1)


def _user_or_exit(email: str):
    user = services.find_user_by_email(email)
    if user is None:
        click.echo(f"No account with email address {email}.", err=True)
        raise SystemExit(1)
    return user


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.VIEWER.value)
@click.option("--name", "display_name", default="", help="Display name (default: from the email).")
@click.option("--language", type=click.Choice(["nl", "en"]), default=None)
@click.option("--password", envvar="LP_NEW_USER_PASSWORD", default=None,
              help="Initial password (default: generated and printed once).")
def create_user_command(email, role, display_name, language, password) -> None:
    """Create an account."""
    generated = None
    if not password:
        password = generated = services.generate_password()
    try:
        user = services.create_user(email, display_name, role, password, language)
    except ValidationFailed as failure:
        _fail(failure)
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")
    if generated:
        click.echo(f"Generated password (shown once): {generated}")


@users_cli.command("reset-password")
@click.argument("email")
def reset_password_command(email) -> None:
    """Give an account a one-time password; the next login must choose a new one."""
    user = _user_or_exit(email)
    password = one_time_password(user)
    click.echo(f"One-time password for {user.email} (shown once): {password}")
    click.echo("It must be changed at the next login; every session of the account has ended.")


@users_cli.command("link-sso")
@click.argument("email")
@click.argument("subject")
@click.option("--issuer", default=None, help="The provider's issuer (default: LP_OIDC_ISSUER).")
def link_sso_command(email, subject, issuer) -> None:
    """Let an existing account sign in through single sign-on as the provider's SUBJECT (its ``sub``)."""
    user = _user_or_exit(email)
    issuer = issuer or current_app.config.get("LP_OIDC_ISSUER")
    if not issuer:
        click.echo("Single sign-on is not configured: set LP_OIDC_ISSUER or give --issuer.", err=True)
        raise SystemExit(1)
    try:
        oidc.link_account(user, issuer, subject)
    except ValidationFailed as failure:
        _fail(failure)
    click.echo(f"{user.email} now signs in through {issuer} as {subject}.")


@users_cli.command("review")
@click.option("--csv", "as_csv", is_flag=True, help="Write the review as CSV (for a spreadsheet) instead of a table.")
@click.option("--reviewed", "reviewed", multiple=True, metavar="EMAIL",
              help="Record that this account's access was reviewed and is right (repeatable).")
def review_command(as_csv, reviewed) -> None:
    """The access review: every account, its role, last sign-in, second factor, and admins due for review.

    Administrators not reviewed for 90 days are marked "due"; --reviewed records a review.
    """
    for email in reviewed:
        user = _user_or_exit(email)
        review.mark_reviewed(user)
        click.echo(f"Recorded: access of {user.email} reviewed.")
    rows = review.access_review()
    if as_csv:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(REVIEW_COLUMNS)
        writer.writerows([escape_cell(cell) for cell in _review_cells(row)] for row in rows)
        click.echo(out.getvalue(), nl=False)
        return
    for row in rows:
        click.echo("  ".join(_review_cells(row)))
    due = sum(row.review_due for row in rows)
    click.echo(f"{len(rows)} accounts; {due} administrator(s) not reviewed for 90 days.")


REVIEW_COLUMNS = ("email", "name", "role", "active", "last_sign_in", "second_factor", "last_reviewed", "review_due")


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def _review_cells(row: review.AccountReview) -> list[str]:
    factor = {True: "on", False: "off", None: "unknown"}[row.second_factor]
    return [row.user.email, row.user.display_name, row.user.role, "yes" if row.user.active else "no",
            _when(row.last_sign_in), factor, _when(row.last_reviewed), "due" if row.review_due else "ok"]


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", default="api", help="What the token is for.")
def create_token_command(email, name) -> None:
    """Create an API token for an account and print it once."""
    user = _user_or_exit(email)
    token, plaintext = services.create_token(user, name)
    click.echo(f"Token {token.id} for {user.email} (shown once, keep it safe):")
    click.echo(plaintext)


@tokens_cli.command("list")
@click.argument("email")
def list_tokens_command(email) -> None:
    """List an account's tokens (never their secret)."""
    user = _user_or_exit(email)
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
        state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
        click.echo(f"{token.id}\t{token.name}\t{token.created_at:%Y-%m-%d}\t{state}")


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_token_command(token_id) -> None:
    """Revoke a token by its id."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        click.echo(f"No token with id {token_id}.", err=True)
        raise SystemExit(1)
    services.revoke_token(token)
    click.echo(f"Token {token_id} revoked.")
