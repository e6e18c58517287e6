"""Split a long list into parts of a fixed size: for statements with a bound on their parameters
(SQLite allows 32,766 in one statement), and for streams sent a piece at a time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
S = TypeVar("S", bound=Sequence)


def chunks(items: S, size: int) -> Iterator[S]:
    """Yield ``items`` (a list, bytes, ...) ``size`` at a time, in order; the last part may be shorter."""
    if size < 1:
        raise ValueError("size must be at least 1")
    for start in range(0, len(items), size):
        yield items[start:start + size]  # type: ignore[misc]


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``chunks`` of any iterable, as lists."""
    return chunks(list(items), size)
