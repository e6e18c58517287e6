"""The person's own notification settings (under their account): per kind, at once, daily or never."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField

from lp.auth.roles import Role
from lp.core.kinds import options
from lp.core.validation import ValidationFailed
from lp.reminders import notifications
from lp.web.access import requires
from lp.web.extensions import db

bp = Blueprint("notifications", __name__, url_prefix="/auth/account")


def _form(data: dict[str, str] | None = None) -> FlaskForm:
    """Return the settings form: one choice per kind of notification, filled with ``data``."""

    class SettingsForm(FlaskForm):
        pass

    for kind, (label, _default) in notifications.KINDS.items():
        setattr(SettingsForm, kind, RadioField(label, choices=options(notifications.MODES), validate_choice=False))
    return SettingsForm(data=data) if data is not None else SettingsForm()


@bp.route("/notifications", methods=["GET", "POST"])
@requires(Role.VIEWER)
def settings():
    """Show and save how I want to hear about each kind of event."""
    user_id = current_user.id
    form = _form() if request.method == "POST" else _form(notifications.preferences(user_id))
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                notifications.save_preferences(user_id, {kind: getattr(form, kind).data or ""
                                                         for kind in notifications.KINDS})
            except ValidationFailed as failure:
                db.session.rollback()
                for name, messages in failure.errors.items():
                    getattr(form, name).errors = [str(m) for m in messages]
                status = 422
            else:
                flash(_("Notification settings saved."), "success")
                return redirect(url_for("notifications.settings"))
        else:
            status = 422
    return render_template("auth/notifications.html", form=form, kinds=notifications.KINDS), status
