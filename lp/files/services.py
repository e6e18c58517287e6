"""Files on requests and persons: check an upload (size, type from the content, virus scan), store it,
list, replace with a new version, remove, and delete what retention says must go.

Every write is one transaction. The bytes are written to disk (by hash) before the row
commits; a row never points to missing bytes, and bytes without a row are deleted by
``purge_removed`` along with the removed files whose retention period has passed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from lp.core.types import utcnow
from lp.core.validation import ValidationFailed
from lp.files import content, scan, storage
from lp.files.models import Attachment
from lp.persons.models import Person
from lp.requests.models import LpRequest, RequestEvent
from lp.web import audit
from lp.web.extensions import db

log = logging.getLogger(__name__)

FIELD = "file"
FILENAME_LENGTH = 200
UPLOADED, REPLACED, REMOVED, PURGED = "file.uploaded", "file.replaced", "file.removed", "file.purged"
SUBJECT = "attachment"
MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed every check: its bytes, name, type and whether it was scanned."""

    data: bytes
    filename: str
    kind: content.FileType
    scanned: bool


def max_bytes() -> int:
    """Return the largest upload accepted, in bytes (``LP_FILES_MAX_MB``)."""
    return int(current_app.config["LP_FILES_MAX_MB"]) * MEGABYTE


def accepted_labels() -> str:
    """Return the accepted kinds of file as people name them (PDF, JPEG, ...)."""
    return ", ".join(kind.label for kind in content.ACCEPTED)


def clean_filename(name: str | None, kind: content.FileType) -> str:
    """Return a file name safe to show and to send back: no folders, no control characters, sane length."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?').strip(" .")
    if not base:
        base = "file"
    stem, _dot, extension = base.rpartition(".")
    if not stem or extension.lower() not in kind.extensions:
        base = f"{base}.{kind.extension}"
    if len(base) > FILENAME_LENGTH:
        base = base[:FILENAME_LENGTH - len(kind.extension) - 1] + "." + kind.extension
    return base


def check_upload(data: bytes | None, filename: str | None) -> CheckedUpload:
    """Return the upload if it may be stored; else raise ValidationFailed with why (nothing stored)."""
    if not data:
        raise ValidationFailed.single(FIELD, _l("Choose a file to upload."))
    if len(data) > max_bytes():
        raise ValidationFailed.single(FIELD, _l("The file is larger than %(limit)d MB.",
                                                limit=current_app.config["LP_FILES_MAX_MB"]))
    scanned = False
    if scan.configured():
        try:
            verdict = scan.scan(data)
        except scan.ScannerUnavailable as error:
            log.error("virus scanner unavailable, upload refused: %s", error)
            raise ValidationFailed.single(FIELD, _l("The virus scanner is not available, so the file was not "
                                                    "accepted. Try again later.")) from None
        if not verdict.clean:
            log.warning("upload refused: virus scanner found %s", verdict.signature)
            raise ValidationFailed.single(FIELD, _l("The virus scanner found malware in this file "
                                                    "(%(name)s); it was not stored.", name=verdict.signature))
        scanned = True
    kind = content.detect(data)
    if kind is None:
        raise ValidationFailed.single(FIELD, _l("This kind of file is not accepted. Accepted are: %(kinds)s. "
                                                "The kind is read from the file's content, not from its name.",
                                                kinds=accepted_labels()))
    return CheckedUpload(data, clean_filename(filename, kind), kind, scanned)


def _new(upload: CheckedUpload, *, person_id: int, request_id: int | None, user_id: int | None,
         event: RequestEvent | None = None, previous: Attachment | None = None) -> Attachment:
    sha256 = storage.store(upload.data)
    attachment = Attachment(person_id=person_id, request_id=request_id, filename=upload.filename,
                            content_type=upload.kind.mime, size=len(upload.data), sha256=sha256,
                            scanned=upload.scanned, uploaded_by_id=user_id, previous=previous, event=event)
    db.session.add(attachment)
    return attachment


def add_to_request(request: LpRequest, upload: CheckedUpload, *, user_id: int | None,
                   event: RequestEvent | None = None, commit: bool = True) -> Attachment:
    """Store an upload as a file of ``request`` (and so of its person); shown on ``event`` when given."""
    attachment = _new(upload, person_id=request.person_id, request_id=request.id, user_id=user_id, event=event)
    db.session.flush()
    audit.record(UPLOADED, SUBJECT, attachment.id, actor_id=user_id, request_id=request.id)
    if commit:
        db.session.commit()
    return attachment


def attacher(upload: CheckedUpload | None, *, user_id: int | None) -> Callable[[list[RequestEvent]], None] | None:
    """Return what attaches ``upload`` to each of a note verbale's events (their requests), or None without one."""
    if upload is None:
        return None

    def attach(events: list[RequestEvent]) -> None:
        for event in events:
            add_to_request(event.request, upload, user_id=user_id, event=event, commit=False)

    return attach


def add_to_person(person: Person, upload: CheckedUpload, *, user_id: int | None) -> Attachment:
    """Store an upload as a file of ``person`` (on none of his requests)."""
    attachment = _new(upload, person_id=person.id, request_id=None, user_id=user_id)
    db.session.flush()
    audit.record(UPLOADED, SUBJECT, attachment.id, actor_id=user_id, person_id=person.id)
    db.session.commit()
    return attachment


def _refuse_unless_current(attachment: Attachment) -> None:
    if attachment.removed_at is not None:
        raise ValidationFailed.single(FIELD, _l("This file was removed."))
    if attachment.superseded_at is not None:
        raise ValidationFailed.single(FIELD, _l("A newer version of this file exists: replace that one."))


def replace(attachment: Attachment, upload: CheckedUpload, *, user_id: int | None) -> Attachment:
    """Store ``upload`` as the new version of ``attachment``; the old version is kept."""
    _refuse_unless_current(attachment)
    attachment.superseded_at = utcnow()
    newer = _new(upload, person_id=attachment.person_id, request_id=attachment.request_id, user_id=user_id,
                 previous=attachment, event=attachment.event)
    db.session.flush()
    audit.record(REPLACED, SUBJECT, newer.id, actor_id=user_id, previous_id=attachment.id)
    db.session.commit()
    return newer


def remove(attachment: Attachment, *, user_id: int | None) -> None:
    """Mark a file (and its earlier versions) removed; kept until the retention period has passed."""
    _refuse_unless_current(attachment)
    moment = utcnow()
    for version in versions(attachment):
        if version.removed_at is None:
            version.removed_at, version.removed_by_id = moment, user_id
    audit.record(REMOVED, SUBJECT, attachment.id, actor_id=user_id)
    db.session.commit()


def versions(attachment: Attachment) -> list[Attachment]:
    """Return ``attachment`` and the versions it replaced, newest first."""
    chain, seen = [], set()
    current: Attachment | None = attachment
    while current is not None and current.id not in seen:
        chain.append(current)
        seen.add(current.id)
        current = current.previous
    return chain


def _listed(query):
    return list(db.session.scalars(
        query.where(Attachment.superseded_at.is_(None), Attachment.removed_at.is_(None))
        .options(joinedload(Attachment.uploaded_by))  # with the files: one query
        .order_by(Attachment.uploaded_at.desc(), Attachment.id.desc())))


def files_of_request(request_id: int) -> list[Attachment]:
    """Return the current files of a request, newest first (a fixed number of queries)."""
    return _listed(select(Attachment).where(Attachment.request_id == request_id))


def files_of_person(person_id: int) -> list[Attachment]:
    """Return the current files of a person, on his requests or not, newest first."""
    return _listed(select(Attachment).where(Attachment.person_id == person_id))


def by_event(attachments: Iterable[Attachment]) -> dict[int, list[Attachment]]:
    """Return the files that came with a timeline event, by the event's id."""
    by_event: dict[int, list[Attachment]] = {}
    for attachment in attachments:
        if attachment.event_id is not None:
            by_event.setdefault(attachment.event_id, []).append(attachment)
    return by_event


def read(attachment: Attachment) -> bytes:
    """Return the bytes of a file."""
    return storage.read(attachment.sha256)


# --- retention --------------------------------------------------------------------------


def delete_for_persons(person_ids: list[int]) -> set[str]:
    """Delete the file rows of these persons (the caller commits); return the hashes they used."""
    return delete_rows(list(db.session.scalars(select(Attachment.id).where(Attachment.person_id.in_(person_ids)))))


def removed_before(cutoff: date) -> list[int]:
    """Return the ids of files removed before ``cutoff`` (due for deletion)."""
    moment = datetime.combine(cutoff, time.min, tzinfo=UTC)
    return list(db.session.scalars(select(Attachment.id).where(Attachment.removed_at < moment)))


def delete_rows(ids: list[int]) -> set[str]:
    """Delete these file rows (the caller commits); return the hashes they used."""
    if not ids:
        return set()
    hashes = set(db.session.scalars(select(Attachment.sha256).where(Attachment.id.in_(ids))))
    db.session.execute(db.update(Attachment).where(Attachment.previous_id.in_(ids)).values(previous_id=None),
                       execution_options={"synchronize_session": False})
    db.session.execute(delete(Attachment).where(Attachment.id.in_(ids)),
                       execution_options={"synchronize_session": False})
    return hashes


def delete_unreferenced(hashes: Iterable[str]) -> int:
    """Delete the stored bytes of each hash no row uses any more (after the commit); return how many."""
    hashes = set(hashes)
    if not hashes:
        return 0
    used = set(db.session.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(hashes))))
    return sum(storage.delete(sha256) for sha256 in sorted(hashes - used))


