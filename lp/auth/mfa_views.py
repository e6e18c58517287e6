"""The second factor in the browser: the code step after the password, and enrolment.

Both pages are public in the access rules because a *pending* sign-in (password
checked, code not yet given: ``lp.auth.signin``) is not a session; each page finds
its account itself and sends anyone else to the login page.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lp.auth import mfa, services, signin, throttle
from lp.auth.forms import CodeForm
from lp.auth.roles import Role
from lp.core.forms import apply_errors
from lp.core.validation import ValidationFailed
from lp.web.access import public, requires
from lp.web.extensions import db

bp = Blueprint("mfa", __name__, url_prefix="/auth/mfa")


def _back_to_login():
    flash(_("Please log in again."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/code", methods=["GET", "POST"])
@public
def code():
    """Ask for the code of the authenticator app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    user = signin.pending_user()
    if user is None:
        return _back_to_login()
    if not user.has_second_factor:
        return redirect(url_for("mfa.setup"))
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        attempt_id = throttle.take_slot(services.normalise_email(user.email), request.remote_addr or "unknown")
        if attempt_id is None:
            error = throttle.locked_message()
        else:
            used = mfa.verify(user, form.code.data)
            if used is not None:
                throttle.mark_succeeded(attempt_id)
                db.session.commit()
                response = signin.complete(user, signin.pending_next())
                if used == "recovery":  # after complete(): signing in starts a fresh cookie session
                    flash(_("You used a recovery code; %(left)d are left. Each works only once.",
                            left=mfa.unused_recovery_codes(user)), "warning")
                return response
            db.session.rollback()
            error = _("This code is not correct, or was used already.")
    status = 422 if error or form.errors else 200
    return render_template("auth/mfa_code.html", form=form, error=error), status


@bp.route("/setup", methods=["GET", "POST"])
@public
def setup():
    """Set up the authenticator app: scan the QR code, confirm with a first code, get recovery codes.

    Reached at sign-in by an account that must have a second factor, or from the
    account page by a signed-in user who wants one.
    """
    signed_in = current_user.is_authenticated
    user = current_user._get_current_object() if signed_in else signin.pending_user()
    if user is None:
        return _back_to_login()
    if user.has_second_factor:
        flash(_("A second factor is set up already."), "info")
        return redirect(url_for("auth.account") if signed_in else url_for("mfa.code"))
    secret = mfa.pending_secret(user)
    form = CodeForm()
    general: list[str] = []
    if form.validate_on_submit():
        next_url = signin.pending_next()
        try:
            codes = mfa.confirm_enrolment(user, form.code.data)
        except ValidationFailed as failure:
            db.session.rollback()
            general = apply_errors(form, failure)
        else:
            if not signed_in:
                signin.complete(user, next_url)
            onward = url_for("auth.account") if signed_in else signin.safe_next(next_url)
            return render_template("auth/mfa_recovery_codes.html", codes=codes, onward=onward)
    uri = mfa.provisioning_uri(user, secret)
    status = 422 if form.errors or general else 200
    return render_template("auth/mfa_setup.html", form=form, general=general, secret=secret,
                           qr_code=mfa.qr_code_data_uri(uri), required=mfa.required_for(user)), status


@bp.route("/recovery-codes", methods=["GET", "POST"])
@requires(Role.VIEWER)
def renew_recovery_codes():
    """Make ten new recovery codes (the old ones stop working), confirmed with a code of the app."""
    user = current_user._get_current_object()
    if not user.has_second_factor:
        return render_template("auth/mfa_renew_codes.html", form=None, general=[], codes_left=0)
    form = CodeForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            codes = mfa.renew_recovery_codes(user, form.code.data)
        except ValidationFailed as failure:
            db.session.rollback()
            general = apply_errors(form, failure)
        else:
            return render_template("auth/mfa_recovery_codes.html", codes=codes, onward=url_for("auth.account"),
                                   renewed=True)
    status = 422 if form.errors or general else 200
    return render_template("auth/mfa_renew_codes.html", form=form, general=general,
                           codes_left=mfa.unused_recovery_codes(user)), status
