"""Logging in and out, one's own password, and the interface language."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lp.auth import mfa, oidc, reset, services, sessions, signin
from lp.auth.forms import ChangePasswordForm, ConfirmForm, ForgotPasswordForm, LoginForm, NewPasswordForm
from lp.auth.roles import Role
from lp.core.forms import apply_errors
from lp.core.validation import ValidationFailed
from lp.web import audit
from lp.web.access import public, requires
from lp.web.extensions import db
from lp.web.i18n import LANGUAGES, remember_choice

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if request.args.get("lang") in LANGUAGES:
        remember_choice(request.args["lang"])
        return redirect(url_for("auth.login", next=request.args.get("next")))
    if current_user.is_authenticated:
        return redirect(signin.safe_next(request.args.get("next")))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        result = services.authenticate(form.email.data, form.password.data, request.remote_addr)
        if result.user is not None:
            if mfa.needed_at_sign_in(result.user):  # not signed in yet: a code (or enrolment) first
                return redirect(signin.await_second_factor(result.user, request.args.get("next")))
            return signin.complete(result.user, request.args.get("next"))
        error = result.error
    status = 200 if error is None and not form.errors else 422
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@requires(Role.VIEWER)
def logout():
    id_token = oidc.id_token_of_session()  # read before the session is emptied
    sessions.sign_out()
    flash(_("You are logged out."), "info")
    # After a single sign-on, the session at the provider ends too, then the provider sends the browser back.
    return redirect(oidc.logout_url(id_token) or url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@requires(Role.VIEWER)
def change_password():
    form = ChangePasswordForm()
    general: list[str] = []
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current_password.data, form.new_password.data)
        except ValidationFailed as failure:
            db.session.rollback()
            general = apply_errors(form, failure)
        else:
            sessions.sign_in(user)  # every other session ended; this browser gets a new one
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("main.index"))
    status = 422 if form.errors or general else 200
    return render_template("auth/password.html", form=form, general=general), status


@bp.route("/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        reset.request_link(form.email.data)
        flash(_("If an account has this email address, a link to choose a new password is on its way. "
                "It is valid for one hour."), "info")
        return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("auth/forgot.html", form=form), status


@bp.route("/reset", methods=["GET", "POST"])
@public
def reset_password():
    token = request.args.get("token")
    if reset.find_open(token) is None:  # a page that says so and offers a new link
        return render_template("auth/reset.html", form=None)
    form = NewPasswordForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            reset.use_link(token, form.new_password.data)
        except ValidationFailed as failure:
            db.session.rollback()
            general = apply_errors(form, failure)
        else:
            flash(_("Your new password is set. Log in with it."), "success")
            return redirect(url_for("auth.login"))
    status = 422 if form.errors or general else 200
    return render_template("auth/reset.html", form=form, general=general), status


@bp.post("/language")
@requires(Role.VIEWER)
def set_language():
    language = request.form.get("language", "")
    try:
        services.set_language(current_user, language)
    except ValidationFailed:
        flash(_("Unknown language."), "danger")
    return redirect(signin.safe_next(request.form.get("next")))


@bp.get("/account")
@requires(Role.VIEWER)
def account():
    user = current_user._get_current_object()
    return render_template("auth/account.html", user=user, form=ConfirmForm(),
                           required=mfa.required_for(user), codes_left=mfa.unused_recovery_codes(user))


@bp.post("/sessions/end-all")
@requires(Role.VIEWER)
def sign_out_everywhere():
    """End every session of one's account, this browser's included (a lost or shared device)."""
    if ConfirmForm().validate_on_submit():
        user_id = current_user.id
        sessions.end_all(user_id)
        audit.record("session.ended_everywhere", "user", user_id, actor_id=user_id)
        db.session.commit()
        sessions.sign_out()
        flash(_("You are signed out on every device and browser."), "info")
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.account"))


@bp.get("/session")
@requires(Role.VIEWER)
def session_status():
    """Tell the time-out warning how long this session has left (asking is not activity)."""
    return _time_left()


@bp.post("/session")
@requires(Role.VIEWER)
def stay_signed_in():
    """Count as activity ("stay signed in"): loading the session has moved its idle time-out."""
    return _time_left()


def _time_left():
    current = sessions.current_session()
    if current is None:  # signed in by other means than a browser session: nothing times out here
        abort(404)
    return jsonify(sessions.seconds_left(current))
