"""Read the API's RFC 9457 problems in tests: the refusals per name, and that an answer is a problem."""

from __future__ import annotations

from typing import Any


def is_problem(response, status: int) -> bool:
    """Return whether ``response`` is an application/problem+json answer with ``status`` and a detail."""
    body = response.json
    return (response.status_code == status and response.mimetype == "application/problem+json"
            and body["status"] == status and body["type"] == "about:blank" and bool(body["title"])
            and bool(body["detail"]))


def refused(response) -> dict[str, list[Any]]:
    """Return the reasons per refused field or parameter of a 400 answer (its invalidParams), in order."""
    assert response.status_code == 400, response.get_data(as_text=True)
    reasons: dict[str, list[Any]] = {}
    for item in response.json["invalidParams"]:
        reasons.setdefault(item["name"], []).append(item["reason"])
    return reasons
