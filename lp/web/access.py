"""Who may call which view: every view declares a rule, checked before it runs.

A view without a rule is refused (fail closed), so a new route cannot slip out
unprotected; the authorisation tests walk the URL map and check every rule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import TypeVar

from flask import Flask, abort, current_app, g, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lp.auth import sessions
from lp.auth.roles import Role
from lp.auth.services import user_for_token
from lp.web import audit
from lp.web.extensions import login_manager

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: All that a session signed in with a one-time password may do until the password is changed.
#: (The time-out warning's two endpoints too: the warning shows on the password page as well.)
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.change_password", "auth.logout", "auth.set_language",
                                       "auth.session_status", "auth.stay_signed_in"})
#: The audit action of an API request whose bearer token was not valid.
TOKEN_REFUSED = "token.refused"


@dataclass(frozen=True)
class AccessRule:
    """The role needed to read (GET) and to write (POST and the rest); None is public."""

    read: Role | None
    write: Role | None

    def needed_for(self, method: str) -> Role | None:
        return self.read if method in READ_METHODS else self.write


PUBLIC_RULE = AccessRule(None, None)


def public(view: F) -> F:
    """Mark a view as open to anonymous visitors."""
    view.lp_access = PUBLIC_RULE  # type: ignore[attr-defined]
    return view


def requires(read: Role, write: Role | None = None) -> Callable[[F], F]:
    """Require ``read`` to read the view and ``write`` (default: the same) to post to it."""

    def decorate(view: F) -> F:
        view.lp_access = AccessRule(read, write or read)  # type: ignore[attr-defined]
        return view

    return decorate


def rule_for(endpoint: str) -> AccessRule | None:
    """Return the access rule of an endpoint, or None when it declares none."""
    if endpoint == "static":
        return PUBLIC_RULE
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "lp_access", None)


def is_api_request() -> bool:
    """Return whether the request is for the JSON API (also when no route matched)."""
    if request.blueprint is not None:
        return request.blueprint.split(".")[0] == "api"
    return request.path.startswith("/api/")


#: RFC 9457's media type, which the NL API Design Rules (/core/error-handling/problem-details) require.
PROBLEM_JSON = "application/problem+json"


def api_error(status: int, message: str, **extra):
    """Answer an API request with an RFC 9457 problem: type, title, status and detail, plus extension members.

    ``type`` is ``about:blank``, so by RFC 9457 the title is the status' phrase;
    ``detail`` says what went wrong here, in the caller's language.
    """
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    response = jsonify({"type": "about:blank", "title": title, "status": status, "detail": message, **extra})
    response.mimetype = PROBLEM_JSON
    response.status_code = status
    return response


def _authenticate_bearer() -> None:
    """Make the user of a valid bearer token the current user for this request."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, credential = header.partition(" ")
    user = user_for_token(credential.strip()) if scheme.lower() == "bearer" else None
    # Flask-Login reads the current user from g; setting it here keeps the API
    # stateless (no session cookie is issued or consulted).
    g._login_user = user if user is not None else login_manager.anonymous_user()


def enforce_access():
    """Run before every request: refuse anything the current user may not do."""
    if request.endpoint is None:
        return None  # no such route: the 404 handler answers
    rule = rule_for(request.endpoint)
    api = is_api_request()
    if rule is None:
        log.error("endpoint %s has no access rule; refused", request.endpoint)
        abort(403)
    if api:
        _authenticate_bearer()
    needed = rule.needed_for(request.method)
    if needed is None:
        return None
    # Loading the session here, before the view, checks its time-outs and records the
    # activity in a transaction of its own (lp.auth.sessions.load), not halfway through the view's.
    if not current_user.is_authenticated:
        if api:
            if request.headers.get("Authorization"):  # a credential was offered and refused
                audit.record_apart(TOKEN_REFUSED, **audit.request_details())
            return api_error(401, _("A valid API token is required."))
        return login_manager.unauthorized()
    if not current_user.may(needed):
        abort(403)
    if not api and current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        return redirect(url_for("auth.change_password"))
    return None


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(cookie_id: str):
        return sessions.load(cookie_id)

    app.before_request(enforce_access)
