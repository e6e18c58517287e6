"""Answer one page of a list with an RFC 8288 ``Link`` header to its first, previous, next and last page.

A client walks a list by following the links (the body's ``page`` and ``pages``
say the same), so it never has to build a page URL itself.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import g, jsonify, request

#: How the 200 answer of a paginated list documents its Link header.
LINK_HEADER = {
    "description": "RFC 8288 links to the first, previous, next and last page (prev and next only where "
                   "they exist), each with this query.",
    "schema": {"type": "string"},
}


def page_links(page: int, pages: int) -> str:
    """Return the Link header value for ``page`` of ``pages``, keeping the rest of the query."""
    query = [(key, value) for key, value in g.get("lp_api_query", request.args).items(multi=True) if key != "page"]
    relations = {"first": 1, "prev": page - 1 if page > 1 else None,
                 "next": page + 1 if page < pages else None, "last": pages}
    return ", ".join(
        f'<{request.base_url}?{urlencode([*query, ("page", str(number))])}>; rel="{relation}"'
        for relation, number in relations.items() if number is not None
    )


def paged(body: dict[str, Any], page: int, pages: int):
    """Return ``body`` (one page of a list) as JSON with its Link header."""
    response = jsonify(body)
    response.headers["Link"] = page_links(page, pages)
    return response
