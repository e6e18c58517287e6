"""Files in the browser: upload on a request or a person, download, replace with a new version, remove."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage

from lp.auth.roles import Role
from lp.core.forms import apply_errors
from lp.core.validation import ValidationFailed
from lp.files import scan, services
from lp.files.forms import RemoveForm, UploadForm
from lp.files.models import Attachment
from lp.persons.models import Person
from lp.persons.views_log import EXPORTED, record_person_view
from lp.requests import display
from lp.requests.models import LpRequest
from lp.web.access import requires
from lp.web.extensions import db

bp = Blueprint("files", __name__)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return display.template_helpers()


@bp.app_context_processor
def _file_helpers() -> dict[str, Any]:
    # The request and person pages list files and offer the upload too.
    return {"files_scanned": scan.configured(), "max_mb": current_app.config["LP_FILES_MAX_MB"],
            "accepted_kinds": services.accepted_labels(), "file_size": file_size}


def file_size(size: int) -> str:
    """Return a size in bytes as people read it: 12 kB, 1.4 MB (in the UI language)."""
    if size < 1024:
        return _("%(n)d bytes", n=size)
    if size < services.MEGABYTE:
        return _("%(n)s kB", n=format_decimal(round(size / 1024)))
    return _("%(n)s MB", n=format_decimal(round(size / services.MEGABYTE, 1)))


def read_upload(storage: FileStorage | None) -> tuple[bytes | None, str | None]:
    """Return the bytes and the name of an uploaded file, reading at most one byte past the limit."""
    if storage is None or not storage.filename:
        return None, None
    return storage.stream.read(services.max_bytes() + 1), storage.filename


def checked_upload() -> services.CheckedUpload:
    """Check the posted file (``file``); raise ValidationFailed with why it is refused."""
    data, filename = read_upload(request.files.get(services.FIELD))
    return services.check_upload(data, filename)


def _user_id() -> int:
    return current_user.id


def _attachment_or_404(attachment_id: int) -> Attachment:
    return db.get_or_404(Attachment, attachment_id)


def _back(attachment: Attachment) -> str:
    if attachment.request_id is not None:
        return url_for("requests.show", request_id=attachment.request_id, _anchor="files-heading")
    return url_for("persons.show", person_id=attachment.person_id, _anchor="files-heading")


def _form_page(form: FlaskForm, save: Callable[[], object], done: str, done_url: str, template: str,
               **context: Any):
    """Handle a file form: on POST ``save`` (which may refuse), then go to ``done_url``; else show ``template``.

    A refusal changes nothing and shows the form again with why (422).
    """
    general: list[str] = []
    if request.method == "POST":  # CSRFProtect has checked the token
        try:
            save()
        except ValidationFailed as failure:
            db.session.rollback()
            general = apply_errors(form, failure)
        else:
            flash(done, "success")
            return redirect(done_url)
    page = render_template(template, form=form, general=general, **context)
    return page, 422 if form.errors or general else 200


@bp.route("/requests/<int:request_id>/files/new", methods=["GET", "POST"])
@requires(Role.STAFF)
def upload_to_request(request_id: int):
    """Upload a file on a request."""
    lp_request = db.get_or_404(LpRequest, request_id)
    back = url_for("requests.show", request_id=lp_request.id)
    return _form_page(UploadForm(), lambda: services.add_to_request(lp_request, checked_upload(), user_id=_user_id()),
                      _("File uploaded."), back + "#files-heading", "files/upload.html",
                      r=lp_request, person=lp_request.person, back=back)


@bp.route("/persons/<int:person_id>/files/new", methods=["GET", "POST"])
@requires(Role.STAFF)
def upload_to_person(person_id: int):
    """Upload a file on a person (not on one of his requests)."""
    person = db.get_or_404(Person, person_id)
    back = url_for("persons.show", person_id=person.id)
    return _form_page(UploadForm(), lambda: services.add_to_person(person, checked_upload(), user_id=_user_id()),
                      _("File uploaded."), back + "#files-heading", "files/upload.html",
                      r=None, person=person, back=back)


@bp.get("/files/<int:attachment_id>/download")
@requires(Role.VIEWER)
def download(attachment_id: int):
    """Send a file (any version, also a removed one still kept); the person's log records the download."""
    attachment = _attachment_or_404(attachment_id)
    try:
        data = services.read(attachment)
    except FileNotFoundError:
        abort(404)
    record_person_view(attachment.person_id, action=EXPORTED)
    return send_attachment(attachment, data)


def send_attachment(attachment: Attachment, data: bytes) -> Response:
    """Return a file as a download, under its own name and type; never shown inline."""
    response = Response(data, mimetype=attachment.content_type)
    response.headers.set("Content-Disposition", "attachment", filename=attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/files/<int:attachment_id>/replace", methods=["GET", "POST"])
@requires(Role.STAFF)
def replace(attachment_id: int):
    """Upload a new version of a file; the earlier versions stay downloadable."""
    attachment = _attachment_or_404(attachment_id)
    return _form_page(UploadForm(), lambda: services.replace(attachment, checked_upload(), user_id=_user_id()),
                      _("New version uploaded."), _back(attachment), "files/replace.html",
                      attachment=attachment, versions=services.versions(attachment), back=_back(attachment))


@bp.route("/files/<int:attachment_id>/remove", methods=["GET", "POST"])
@requires(Role.STAFF)
def remove(attachment_id: int):
    """Ask for confirmation, then remove a file (kept for the retention period, then deleted)."""
    attachment = _attachment_or_404(attachment_id)
    form = RemoveForm()

    def save() -> None:
        if not form.confirm.data:
            raise ValidationFailed.single("confirm", _("Tick the box to confirm the removal."))
        services.remove(attachment, user_id=_user_id())

    return _form_page(form, save, _("File removed."), _back(attachment), "files/remove.html",
                      attachment=attachment, back=_back(attachment), years=current_app.config["LP_RETENTION_YEARS"])
