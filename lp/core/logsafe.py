"""Log an exception without its message: messages can quote the data being processed.

``logging.exception`` writes ``str(error)``, and a ``ValueError`` about a date or a
``KeyError`` can quote a person's name or V-number. These helpers keep what is
needed to find the bug, the exception types and where they were raised, and
leave out the messages.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Iterator


def _chain(error: BaseException) -> Iterator[BaseException]:
    """Yield the exception and the ones it came from, the last raised first."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)


def describe(error: BaseException) -> str:
    """Return the traceback of ``error`` (and its causes) with types and places only."""
    parts = []
    for link in reversed(list(_chain(error))):
        kind = type(link)
        parts.append("Traceback (most recent call last):\n" + "".join(traceback.format_tb(link.__traceback__))
                     + f"{kind.__module__}.{kind.__qualname__} (message not logged)")
    return "\n\nwhich led to:\n\n".join(parts)


def log_exception(logger: logging.Logger, message: str, *args: object) -> None:
    """Log ``message`` at ERROR with the current exception's traceback, without its message."""
    error = sys.exc_info()[1]
    if error is None:
        logger.error(message, *args)
        return
    logger.error(message + "\n%s", *args, describe(error))
