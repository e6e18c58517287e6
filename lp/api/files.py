"""Uploaded files in the JSON API, the same for a request's and a person's: the schemas, the JSON of a
file, storing a multipart upload and sending a file (each download logged as an export of the person)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, jsonify, request
from flask_babel import gettext as _

from lp.api.openapi import documented
from lp.api.schemas import INVALID_INPUT, PROBLEM, Schema, object_schema
from lp.core.validation import ValidationFailed
from lp.files import services as files
from lp.files.content import ACCEPTED
from lp.files.models import Attachment
from lp.files.views import read_upload, send_attachment
from lp.persons.views_log import EXPORTED, record_person_view
from lp.web.access import api_error
from lp.web.extensions import db

_MOMENT = {"type": "string", "format": "date-time"}
FILE = Schema("File", object_schema({
    "id": {"type": "integer"},
    "filename": {"type": "string", "description": "The name it was uploaded under (no folders)."},
    "content_type": {"type": "string", "enum": [kind.mime for kind in ACCEPTED],
                     "description": "The kind of file, read from its content (never from its name)."},
    "size": {"type": "integer", "minimum": 0, "description": "In bytes."},
    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    "scanned": {"type": "boolean", "description": "Whether a virus scanner (ClamAV) passed it."},
    "uploaded_at": _MOMENT,
    "previous_id": {"type": ["integer", "null"], "description": "The version this one replaced, if any."},
    "event_id": {"type": ["integer", "null"], "description": "The timeline event it came with, if any."},
    "request_id": {"type": ["integer", "null"],
                   "description": "The LP request it belongs to; null for a file of the person on none of them."},
    "download": {"type": "string", "format": "uri-reference", "description": "Where to download it (this API)."},
}))
FILE_LIST = Schema("FileList", object_schema({
    "items": {"type": "array", "items": FILE}, "count": {"type": "integer", "minimum": 0}}))
FILE_UPLOAD = Schema("FileUpload", object_schema({
    "file": {"type": "string", "contentMediaType": "application/octet-stream",
             "description": "The file: PDF, JPEG, PNG, DOCX, ODT, MSG or EML (read from the content), at most "
                            "LP_FILES_MAX_MB (default 20) MB."},
}))
FILE_CONTENT = {"type": "string", "contentMediaType": "application/octet-stream",
                "description": "The file's bytes, in its own media type (Content-Type), as an attachment."}
SCHEMAS = (FILE, FILE_LIST, FILE_UPLOAD)

UPLOAD_DESCRIPTION = ("Send the file as `multipart/form-data` in the part `file`. Its kind is read from its content; "
                      "other kinds are refused. When the server has a virus scanner, the file is scanned first and "
                      "refused when infected or when the scanner does not answer.")
UPLOAD_REFUSED = ("No file, a refused kind, too large, or refused by the virus scanner; nothing was stored.")
DOWNLOAD_DESCRIPTION = "Any version, also one replaced since. The download is logged as an export of the person."


def documented_upload(summary: str, note: str = ""):
    """Document an upload route: multipart in, 201 with the file, 400 when refused, 415 when not multipart."""
    return documented(
        summary,
        description=f"{UPLOAD_DESCRIPTION} {note}".strip(),
        request_body=FILE_UPLOAD,
        request_media_type="multipart/form-data",
        responses={201: ("The file as stored.", FILE), 404: PROBLEM,
                   400: (UPLOAD_REFUSED, INVALID_INPUT),
                   415: ("The body was not sent as multipart/form-data.", PROBLEM)},
    )


def documented_download(summary: str):
    """Document a download route: the file in its own media type, or 404."""
    return documented(summary, description=DOWNLOAD_DESCRIPTION,
                      responses={200: ("The file.", FILE_CONTENT), 404: PROBLEM}, binary=True)


def file_json(attachment: Attachment, download: str) -> dict[str, Any]:
    """Return what the API tells of an uploaded file; ``download`` is where its bytes are."""
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "scanned": attachment.scanned,
        "uploaded_at": attachment.uploaded_at.isoformat(),
        "previous_id": attachment.previous_id,
        "event_id": attachment.event_id,
        "request_id": attachment.request_id,
        "download": download,
    }


def file_list(found: list[Attachment], download: Callable[[Attachment], str]):
    """Answer a list of files."""
    return jsonify({"items": [file_json(attachment, download(attachment)) for attachment in found],
                    "count": len(found)})


def store_upload(add: Callable[[files.CheckedUpload], Attachment]) -> Attachment:
    """Check the multipart upload (part ``file``) and store it with ``add``; answer 415 or 400 when refused."""
    if request.mimetype != "multipart/form-data":
        abort(api_error(415, _("Send the file as multipart/form-data, in the part named file.")))
    data, filename = read_upload(request.files.get(files.FIELD))
    try:
        return add(files.check_upload(data, filename))
    except ValidationFailed:
        db.session.rollback()
        raise


def send_file(attachment: Attachment | None, belongs: Callable[[Attachment], bool], not_found: str):
    """Send a file that ``belongs`` where it was asked for, logged as an export of its person; else 404."""
    if attachment is None or not belongs(attachment):
        abort(api_error(404, not_found))
    try:
        data = files.read(attachment)
    except FileNotFoundError:
        abort(api_error(404, not_found))
    record_person_view(attachment.person_id, action=EXPORTED)
    return send_attachment(attachment, data)
