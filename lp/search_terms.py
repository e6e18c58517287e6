"""Keep search terms (names, V-numbers) out of URLs.

Search forms post their fields; the term is kept in the session under a short random
key, and the result is shown at a URL with ``search=<key>`` instead of ``q=<name>``.
So names never reach browser history, bookmarks, Referer headers or access logs.
"""

from __future__ import annotations

import secrets
from typing import Mapping

from flask import session
from werkzeug.datastructures import MultiDict

SESSION_KEY = "search_terms"
KEEP = 20  # the most recent searches of this session
MAX_LENGTH = 100


def remember(text: str) -> str:
    """Keep a search term in the session; return the key that stands for it in URLs."""
    terms = dict(session.get(SESSION_KEY, {}))
    key = secrets.token_urlsafe(6)
    terms[key] = text[:MAX_LENGTH]
    while len(terms) > KEEP:
        terms.pop(next(iter(terms)))
    session[SESSION_KEY] = terms
    return key


def recall(key: str | None) -> str:
    """Return the search term a key stands for ('' when unknown or expired)."""
    return session.get(SESSION_KEY, {}).get(key or "", "") if key else ""


def query_args(form: Mapping[str, str]) -> dict[str, str]:
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
