"""The headers of every ``/api/v1`` answer, errors and unknown paths included.

``API-Version`` (/core/version-header) and the transport security headers of the
NL API Design Rules (/core/transport/security-headers): an API answer is never
cached, framed, sniffed or followed by a referrer. The rest comes from
lp.web.security, as for every answer: the Content-Security-Policy (with
``frame-ancestors 'none'``) and Strict-Transport-Security, which is sent over HTTPS,
so in production and never in development over plain HTTP (RFC 6797 section 7.2
forbids it on an insecure connection). A request that used an old snake_case query
key gets a ``Deprecation`` header (RFC 9745): the key works until the next minor version.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, g, jsonify

from lp.web.access import is_api_request

#: info.version of the OpenAPI document (semantic: /core/semver); say what changed in CHANGELOG.md.
API_VERSION = "1.0.0"
#: When the snake_case query keys were deprecated: the release of API 1.0.0 (RFC 9745 wants a date).
SNAKE_CASE_DEPRECATED = datetime(2026, 11, 29, tzinfo=UTC)
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def add_api_headers(response):
    """Set the version and the security headers on an API answer (other answers pass unchanged)."""
    if not is_api_request():
        return response
    headers = response.headers
    headers["API-Version"] = API_VERSION
    headers.update(SECURITY_HEADERS)
    if g.get("lp_deprecated_keys"):
        headers["Deprecation"] = f"@{int(SNAKE_CASE_DEPRECATED.timestamp())}"
    return response


def created(body: dict, location: str) -> Response:
    """Answer 201 Created with ``body`` and the new resource's ``Location``."""
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = location
    return response
