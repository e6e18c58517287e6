"""A real SMTP server for tests (aiosmtpd) that keeps the mails it receives, on a free port."""

from __future__ import annotations

import email
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.live import free_port

__all__ = ["Inbox", "free_port", "smtp_inbox"]


class Inbox:
    """An aiosmtpd handler that keeps what it receives, parsed; ``refuse`` answers 451 instead."""

    def __init__(self, refuse: bool = False) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = refuse

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 4.3.0 try again later"
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@contextmanager
def smtp_inbox(port: int, inbox: Inbox | None = None) -> Iterator[Inbox]:
    """Run an SMTP server on 127.0.0.1:``port``; yield its inbox (a new one unless given)."""
    inbox = inbox if inbox is not None else Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
