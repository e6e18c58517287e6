"""Keep search terms (names, V-numbers) out of URLs and out of the session cookie.

Search forms post their fields; the term is kept on the server, bound to the browser's
session (``lp.auth.sessions``), under a short random key, and the result is shown at a
URL with ``search=<key>`` instead of ``q=<name>``. So names never reach browser history,
bookmarks, Referer headers, access logs or the (readable) cookie, and they end with
the session: at logout, or when a password change or deactivation ends it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from werkzeug.datastructures import MultiDict

from lp.auth.models import SessionSearchTerm
from lp.auth.sessions import current_session_id
from lp.web.extensions import db

KEEP = 20  # the most recent searches of this session
MAX_LENGTH = 100


def remember(text: str) -> str:
    """Keep a search term for this session; return the key that stands for it in URLs."""
    key = secrets.token_urlsafe(6)
    session_id = current_session_id()
    if session_id is None:  # no server-side session (cannot happen behind a login)
        return key
    db.session.add(SessionSearchTerm(session_id=session_id, key=key, term=text[:MAX_LENGTH]))
    db.session.flush()
    kept = select(SessionSearchTerm.id).where(SessionSearchTerm.session_id == session_id) \
        .order_by(SessionSearchTerm.id.desc()).limit(KEEP)
    db.session.execute(delete(SessionSearchTerm).where(
        SessionSearchTerm.session_id == session_id, SessionSearchTerm.id.not_in(kept.scalar_subquery())))
    db.session.commit()
    return key


def recall(key: str | None) -> str:
    """Return the search term a key stands for ('' when unknown or expired)."""
    session_id = current_session_id()
    if not key or session_id is None:
        return ""
    return db.session.scalar(select(SessionSearchTerm.term).where(
        SessionSearchTerm.session_id == session_id, SessionSearchTerm.key == key)) or ""


def query_args(form: Mapping[str, str]) -> dict[str, Any]:
    """Turn posted search and filter fields into query arguments, the term replaced by a key."""
    args = {name: value for name, value in form.items() if name != "csrf_token" and value not in ("", None)}
    text = (args.pop("q", "") or "").strip()
    if text:
        args["search"] = remember(text)
    return args


def with_term(args: MultiDict) -> MultiDict:
    """Return query arguments with the remembered term of ``search`` as ``q``."""
    if "search" not in args:
        return args
    resolved = MultiDict(args)
    resolved.setlist("q", [recall(args.get("search"))])
    return resolved
