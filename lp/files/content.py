"""What an uploaded file is, read from its bytes (never from its name): the types staff may upload.

PDF, JPEG and PNG by their signatures (the ``filetype`` library); DOCX and ODT are zip
containers, told apart by the zip's ``[Content_Types].xml`` (the main part of a Word
document) and ODF's ``mimetype`` entry; MSG is an OLE2 compound file holding Outlook's
``__substg1.0_`` property streams (``olefile``); EML is text that starts with RFC 822
headers (``From`` and a ``Date``, ``Subject`` or ``Message-ID``). Anything else is refused,
a renamed executable included.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32

import filetype
import olefile


@dataclass(frozen=True)
class FileType:
    """An accepted kind of file: its media type and the extension its downloads get."""

    mime: str
    extension: str
    label: str
    #: Every extension a file of this kind may have in its name (the first one: ``extension``).
    also: tuple[str, ...] = ()

    @property
    def extensions(self) -> tuple[str, ...]:
        return (self.extension, *self.also)


PDF = FileType("application/pdf", "pdf", "PDF")
JPEG = FileType("image/jpeg", "jpg", "JPEG", ("jpeg",))
PNG = FileType("image/png", "png", "PNG")
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "DOCX")
ODT = FileType("application/vnd.oasis.opendocument.text", "odt", "ODT")
MSG = FileType("application/vnd.ms-outlook", "msg", "MSG")
EML = FileType("message/rfc822", "eml", "EML")
ACCEPTED = (PDF, JPEG, PNG, DOCX, ODT, MSG, EML)
BY_MIME = {kind.mime: kind for kind in ACCEPTED}

_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_ODT_MIMETYPE = ODT.mime.encode()
#: How much of a mail is read for its headers.
_HEADER_BYTES = 64 * 1024
_EML_NEEDS_ONE_OF = ("date", "subject", "message-id")


def detect(data: bytes) -> FileType | None:
    """Return the accepted type of ``data`` by its content, or None when it is none of them."""
    found = filetype.guess_mime(data[:8192]) if data else None
    if found in (PDF.mime, JPEG.mime, PNG.mime):
        return BY_MIME[found]
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if data.startswith(olefile.MAGIC):
        return MSG if _is_outlook_message(data) else None
    if found is None and _is_mail(data):
        return EML
    return None


def _zip_kind(data: bytes) -> FileType | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").strip() == _ODT_MIMETYPE:
                return ODT
            if "[Content_Types].xml" in names and _DOCX_MAIN in archive.read("[Content_Types].xml"):
                return DOCX
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError):
        return None
    return None


def _is_outlook_message(data: bytes) -> bool:
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return any(entry[0].startswith("__substg1.0_") for entry in ole.listdir(streams=True, storages=False))
    except (OSError, ValueError, IndexError):
        return False


def _is_mail(data: bytes) -> bool:
    head = data[:_HEADER_BYTES]
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            head.decode("latin-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
            return False
    first_line = head.split(b"\n", 1)[0]
    if b":" not in first_line or first_line[:1].isspace():
        return False
    headers = BytesHeaderParser(policy=compat32).parsebytes(head)
    if headers.defects or not headers.keys():
        return False
    names = {name.lower() for name in headers}
    return "from" in names and any(name in names for name in _EML_NEEDS_ONE_OF)
