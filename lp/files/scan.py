"""Virus scanning by ClamAV's daemon (clamd) over its socket, with the INSTREAM command.

Configured by ``CLAMD_SOCKET`` (a unix socket path) or ``CLAMD_HOST`` and ``CLAMD_PORT``;
without either, uploads are not scanned (and the upload page says so). The protocol is
small (clamd(8): ``zINSTREAM``, then chunks each prefixed by its length as a 4-byte
big-endian number, then a zero length; the answer is ``stream: OK`` or
``stream: <name> FOUND``), so it is spoken here rather than through the unmaintained
``clamd`` package.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

from flask import current_app

from lp.core.chunks import chunks

CHUNK = 64 * 1024
TIMEOUT_SECONDS = 60


class ScannerUnavailable(Exception):
    """The scanner is configured but did not answer (down, refused, or an error answer)."""


@dataclass(frozen=True)
class Verdict:
    clean: bool
    signature: str | None = None


def configured() -> bool:
    """Return whether uploads are to be scanned."""
    config = current_app.config
    return bool(config.get("CLAMD_SOCKET") or config.get("CLAMD_HOST"))


def _connect() -> socket.socket:
    config = current_app.config
    if config.get("CLAMD_SOCKET"):
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.settimeout(TIMEOUT_SECONDS)
            connection.connect(config["CLAMD_SOCKET"])
        except OSError:
            connection.close()
            raise
        return connection
    return socket.create_connection((config["CLAMD_HOST"], int(config.get("CLAMD_PORT") or 3310)),
                                    timeout=TIMEOUT_SECONDS)


def scan(data: bytes) -> Verdict:
    """Scan ``data`` with clamd; raise ScannerUnavailable when it cannot say."""
    try:
        with _connect() as connection:
            connection.sendall(b"zINSTREAM\0")
            for chunk in chunks(data, CHUNK):
                connection.sendall(struct.pack("!L", len(chunk)) + chunk)
            connection.sendall(struct.pack("!L", 0))
            answer = b""
            while not answer.endswith(b"\0"):
                part = connection.recv(4096)
                if not part:
                    break
                answer += part
    except OSError as error:
        raise ScannerUnavailable(type(error).__name__) from None
    text = answer.rstrip(b"\0").decode("utf-8", "replace").strip()
    if text.endswith(" OK"):
        return Verdict(clean=True)
    if text.endswith(" FOUND"):
        return Verdict(clean=False, signature=text.removeprefix("stream:").removesuffix("FOUND").strip())
    raise ScannerUnavailable("unexpected answer")
