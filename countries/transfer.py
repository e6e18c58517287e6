"""CSV export and import of country profiles in the browser.

The import takes two steps: the upload shows a preview, the confirmation applies it.
Between the two the file waits in ``instance/imports/`` under a random token, with
the versions the preview saw and the uploader's id, so no personal data travels in
URLs or hidden fields; it is deleted when applied (or refused) and after a day.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import IO

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from countries import csv_format, csv_import
from countries.csv_format import CsvImportError
from countries.search import country_query, parse_filters
from lp.auth.roles import Role
from lp.core import clock
from lp.core.csv import DEFAULT_DELIMITER, DELIMITERS
from lp.core.validation import Conflict, ValidationFailed
from lp.web.access import requires
from lp.web.errors import render_error
from lp.web.extensions import db

bp = Blueprint("country_transfer", __name__, url_prefix="/countries/csv")

PENDING_MAX_AGE = 24 * 3600  # seconds an uploaded file waits for confirmation
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@bp.get("/export.csv")
@requires(Role.VIEWER)
def export():
    """Download the countries of the list, with its filters, as CSV."""
    delimiter = request.args.get("delimiter", DEFAULT_DELIMITER)
    try:
        filters = parse_filters(request.args)
    except ValidationFailed as failure:
        return render_error(422, " ".join(str(m) for ms in failure.errors.values() for m in ms))
    if delimiter not in DELIMITERS:
        return render_error(422, _("Choose ; or , as the separator."))
    query = csv_format.with_items(country_query(filters, get_locale().language, clock.today()))
    body = csv_format.write_csv(db.session.scalars(query), delimiter)
    filename = f"countries-{clock.today().isoformat()}.csv"
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })


@bp.get("/import")
@requires(Role.STAFF)
def import_upload():
    """Show the upload form."""
    return render_template("country_transfer/upload.html", errors=[])


@bp.post("/import")
@requires(Role.STAFF)
def import_preview():
    """Check an uploaded file and show what it would change (or every error)."""
    upload = request.files.get("file")
    # Werkzeug keeps a large upload in a temporary file: read it from there, row by row.
    stream = upload.stream if upload else None
    if stream is None or not stream.read(1):
        return _upload_page([_("Choose a CSV file to import.")], 422)
    stream.seek(0)
    try:
        plan = csv_import.plan_import(stream)
    except CsvImportError as failure:
        return _refused(failure)
    token = _save_pending(stream, plan.versions) if plan.previews else None
    return render_template("country_transfer/preview.html", previews=plan.previews, token=token,
                           rows=len(plan.rows))


@bp.post("/import/apply")
@requires(Role.STAFF)
def import_apply():
    """Apply a previewed file and go back to the country list."""
    token = request.form.get("token", "")
    pending = _load_pending(token)
    if pending is None:
        message = _("This import has expired or was already applied. Upload the file again.")
        return _upload_page([message], 410)
    stream, versions = pending
    _discard_pending(token)  # one try: after a refusal the preview is stale anyway
    try:
        with stream:  # still readable after the discard
            changed = csv_import.apply_import(stream, versions, user_id=current_user.id)
    except CsvImportError as failure:
        return _refused(failure)
    except Conflict:
        message = _("A profile in this file was changed by someone else after the preview. Nothing "
                    "was imported. Upload the file again to see the current changes.")
        return _upload_page([message], 409)
    flash(ngettext("%(num)d country changed by the import.",
                   "%(num)d countries changed by the import.", changed), "success")
    return redirect(url_for("countries.index"))


def _refused(failure: CsvImportError):
    return render_template("country_transfer/upload.html", errors=failure.errors, more=failure.more), 422


def _upload_page(messages: list[str], status: int):
    errors = [csv_format.CellError(None, None, message) for message in messages]
    return render_template("country_transfer/upload.html", errors=errors), status


# -- the file between preview and apply -----------------------------------------------------

def _pending_dir() -> Path:
    return Path(current_app.instance_path) / "imports"


def _save_pending(upload: IO[bytes], versions: dict[str, int]) -> str:
    directory = _pending_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    _remove_stale(directory)
    token = secrets.token_urlsafe(24)
    meta = json.dumps({"user_id": current_user.id, "versions": versions}).encode()
    upload.seek(0)
    for suffix, content in ((".csv", upload), (".json", io.BytesIO(meta))):
        fd = os.open(directory / (token + suffix), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            shutil.copyfileobj(content, handle)
    return token


def _load_pending(token: str) -> tuple[IO[bytes], dict[str, int]] | None:
    """Open the file behind a token and return it with its versions, if it belongs to the current user."""
    if not _TOKEN.match(token):
        return None
    base = _pending_dir() / token
    try:
        meta = json.loads(base.with_suffix(".json").read_text())
        if meta.get("user_id") != current_user.id:
            abort(403)
        return base.with_suffix(".csv").open("rb"), {str(k): int(v) for k, v in meta["versions"].items()}
    except (OSError, ValueError):
        return None


def _discard_pending(token: str) -> None:
    for suffix in (".csv", ".json"):
        (_pending_dir() / (token + suffix)).unlink(missing_ok=True)


def _remove_stale(directory: Path) -> None:
    cutoff = time.time() - PENDING_MAX_AGE
    for path in directory.iterdir():
        if path.suffix in (".csv", ".json") and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
