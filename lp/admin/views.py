"""Administration: accounts and the audit trail."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lp.admin.forms import ConfirmForm, UserCreateForm, UserEditForm
from lp.auth import mfa, reset, review, services
from lp.auth.models import User
from lp.auth.roles import Role
from lp.core.forms import apply_errors
from lp.core.validation import ValidationFailed, whole_number
from lp.web.access import requires
from lp.web.audit import AuditEvent
from lp.web.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")
AUDIT_PAGE_SIZE = 100


@bp.get("/users")
@requires(Role.ADMIN)
def users():
    accounts = db.session.scalars(select(User).order_by(User.active.desc(), User.display_name)).all()
    return render_template("admin/users.html", users=accounts, confirm=ConfirmForm())


@bp.route("/users/new", methods=["GET", "POST"])
@requires(Role.ADMIN)
def create_user():
    form = UserCreateForm()
    general: list[str] = []
    if form.validate_on_submit():
        password = form.password.data or services.generate_password()
        try:
            user = services.create_user(
                form.email.data,
                form.display_name.data,
                form.role.data,
                password,
                form.preferred_language.data or None,
            )
        except ValidationFailed as failure:
            general = apply_errors(form, failure)
        else:
            if form.password.data:
                flash(_("Account %(email)s created.", email=user.email), "success")
            else:
                flash(
                    _(
                        "Account %(email)s created with password %(password)s. "
                        "Pass it on securely; it is not shown again.",
                        email=user.email,
                        password=password,
                    ),
                    "warning",
                )
            return redirect(url_for("admin.users"))
    status = 422 if form.errors or general else 200
    return render_template("admin/user_form.html", form=form, general=general, user=None), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires(Role.ADMIN)
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user)
    if request.method == "GET":
        form.preferred_language.data = user.preferred_language or ""
        form.version.data = str(user.version)
    general: list[str] = []
    if form.validate_on_submit():
        try:
            services.update_user(
                user,
                display_name=form.display_name.data,
                role=form.role.data,
                language=form.preferred_language.data or None,
                expected_version=int(form.version.data or 0),
                acting_user=current_user,
            )
        except ValidationFailed as failure:
            db.session.rollback()
            general = apply_errors(form, failure)
        else:
            flash(_("Account %(email)s saved.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    status = 422 if form.errors or general else 200
    return render_template("admin/user_form.html", form=form, general=general, user=user), status


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@requires(Role.ADMIN)
def deactivate_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.set_active(user, False, acting_user=current_user)
        except ValidationFailed as failure:
            for messages in failure.errors.values():
                for message in messages:
                    flash(str(message), "danger")
        else:
            flash(_("Account %(email)s deactivated.", email=user.email), "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/confirm_deactivate.html", form=form, user=user)


@bp.route("/users/<int:user_id>/reset-password", methods=["GET", "POST"])
@requires(Role.ADMIN)
def reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        reset.send_link(user, started_by=current_user)
        flash(_("A link to choose a new password has been mailed to %(email)s.", email=user.email), "success")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/confirm_reset.html", form=form, user=user)


@bp.route("/users/<int:user_id>/reset-second-factor", methods=["GET", "POST"])
@requires(Role.ADMIN)
def reset_second_factor(user_id: int):
    """Remove a lost second factor so the account enrols anew; another admin's job, never one's own."""
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            mfa.reset(user, acting_user=current_user)
        except ValidationFailed as failure:
            db.session.rollback()
            for messages in failure.errors.values():
                for message in messages:
                    flash(str(message), "danger")
        else:
            flash(_("The second factor of %(email)s is reset; the account sets up a new one at its next "
                    "sign-in.", email=user.email), "success")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/confirm_mfa_reset.html", form=form, user=user)


@bp.post("/users/<int:user_id>/activate")
@requires(Role.ADMIN)
def activate_user(user_id: int):
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        services.set_active(user, True, acting_user=current_user)
        flash(_("Account %(email)s activated.", email=user.email), "success")
    return redirect(url_for("admin.users"))


@bp.get("/review")
@requires(Role.ADMIN)
def access_review():
    """The access review (BIO2): accounts, roles, last sign-in, second factor, administrators due."""
    rows = review.access_review()
    return render_template("admin/review.html", rows=rows, confirm=ConfirmForm(),
                           due=sum(row.review_due for row in rows),
                           factor_known=any(row.second_factor is not None for row in rows),
                           interval_days=review.REVIEW_INTERVAL.days)


@bp.post("/review/<int:user_id>")
@requires(Role.ADMIN)
def mark_reviewed(user_id: int):
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        review.mark_reviewed(user, actor_id=current_user.id)
        flash(_("Access of %(email)s recorded as reviewed.", email=user.email), "success")
    return redirect(url_for("admin.access_review"))


@bp.get("/audit")
@requires(Role.ADMIN)
def audit():
    before = whole_number(request.args.get("before"))
    # Views of person records have their own page (privacy.views); they would drown the rest.
    query = (select(AuditEvent).where(AuditEvent.action != "person.viewed")
             .order_by(AuditEvent.id.desc()).limit(AUDIT_PAGE_SIZE))
    if before:
        query = query.where(AuditEvent.id < before)
    events = db.session.scalars(query).all()
    older = events[-1].id if len(events) == AUDIT_PAGE_SIZE else None
    return render_template("admin/audit.html", events=events, older=older)
