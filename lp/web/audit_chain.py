"""The hashes that chain the audit trail: pure functions, shared by the app and the migration.

Each row's hash covers the previous row's hash, its place in the chain (``seq``) and
every column but ``details``; ``details`` enter through their own hash
(``details_hash``). The retention job may blank the personal text in ``details``
(the right to erasure outlives the audit trail's need for it); the row's hash then
still holds, and the retention's own row, itself in the chain, names the rows it
blanked, so ``lp audit verify`` can tell a blanked row from a changed one.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

#: The "previous hash" of the first row.
GENESIS = "0" * 64


def canonical(value: Any) -> bytes:
    """Return one byte string per JSON value, whatever its key order: what is hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def details_digest(details: dict[str, Any] | None) -> str:
    return hashlib.sha256(canonical(details or {})).hexdigest()


def moment_text(at: datetime) -> str:
    """Return the moment as stored (naive UTC, microseconds): the same on SQLite and PostgreSQL."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def row_digest(prev_hash: str, seq: int, *, at: datetime, actor_id: int | None, action: str, subject_type: str,
               subject_id: int | None, result: str, origin_address: str | None, user_agent: str | None,
               details_hash: str) -> str:
    """Return the hash of one row, given the hash of the row before it."""
    fields = [prev_hash, seq, moment_text(at), actor_id, action, subject_type, subject_id, result,
              origin_address, user_agent, details_hash]
    return hashlib.sha256(canonical(fields)).hexdigest()
