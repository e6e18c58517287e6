"""Error pages: translated HTML for people, JSON for the API."""

from __future__ import annotations

import logging

from flask import Flask, g, make_response, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from lp.core.logsafe import log_exception
from lp.core.validation import InUse
from lp.web import audit
from lp.web.access import api_error, is_api_request
from lp.web.database import failure_kind
from lp.web.extensions import db, login_manager

log = logging.getLogger(__name__)
#: Audit actions of refused and failed requests.
ACCESS_REFUSED, CSRF_REFUSED, REQUEST_FAILED = "access.refused", "csrf.refused", "request.failed"


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Go back and try again.")),
        403: (_("No access"), _("Your account does not have permission for this page or action.")),
        404: (_("Page not found"), _("This page does not exist, or it was moved.")),
        405: (_("Not allowed"), _("This action is not possible on this page.")),
        409: (
            _("Not saved"),
            _("This change conflicts with what is stored now: something it refers to is gone, "
              "or something still uses what it would remove. Nothing was saved. Reload the page "
              "and try again."),
        ),
        413: (_("Too large"), _("The file or form you sent is too large.")),
        500: (
            _("Something went wrong"),
            _("An unexpected error occurred. Nothing was saved. Try again, or contact support."),
        ),
        503: (
            _("Temporarily unavailable"),
            _("The database cannot be reached right now. Nothing was saved. Try again shortly."),
        ),
    }


def render_error(status: int, detail: str | None = None):
    """Render the error page (or JSON for the API) for an HTTP status."""
    messages = _messages()
    title, text = messages.get(status, messages[500] if status >= 500 else messages[400])
    if is_api_request():
        return api_error(status, detail or text)
    return render_template("errors/error.html", status=status, title=title, text=detail or text), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        # Flask-WTF's description says what was wrong (missing, expired, invalid), never the token.
        audit.record_apart(CSRF_REFUSED, reason=error.description, **audit.request_details())
        return render_error(
            400, _("The form expired or was not sent from this site. Reload the page and try again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.code == 403:
            audit.record_apart(ACCESS_REFUSED, **audit.request_details())
        # A failure outside the view (e.g. in an after-request hook) arrives as a 500
        # wrapping the original error.
        original = getattr(error, "original_exception", None)
        kind = failure_kind(original)
        if kind is not None and original is not None:
            _rollback()
            return database_failure(kind, original)
        response = make_response(render_error(error.code))
        # Keep what the exception says beside the status, e.g. the methods a 405 allows.
        response.headers.update((k, v) for k, v in error.get_headers() if k.lower() != "content-type")
        return response

    @app.errorhandler(InUse)
    def in_use(error: InUse):
        _rollback()
        return render_error(409, str(error.message))

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        _rollback()
        kind = failure_kind(error)
        if kind is not None:
            return database_failure(kind, error)
        log_exception(log, "unhandled error")  # without the message: it may quote personal data
        audit.record_apart(REQUEST_FAILED, result=audit.ERROR, error=type(error).__name__,
                           **audit.request_details())
        return render_error(500)


#: The HTTP status for each kind of database failure (see lp.web.database.failure_kind).
FAILURE_STATUS = {"refused": 400, "conflict": 409, "concurrent": 409, "unavailable": 503}


def database_failure(kind: str, error: BaseException):
    """Answer a failure of the database layer: bad input, a conflict, or an outage."""
    name = type(getattr(error, "orig", None) or error).__name__  # never the message: it quotes values
    if kind == "unavailable":
        log.error("database error: %s", name)
        if "_login_user" not in g:
            # The user could not be loaded either; render the page as for a visitor
            # rather than trying the database again.
            g._login_user = login_manager.anonymous_user()
    else:
        log.warning("database error: %s (%s)", name, kind)
    if kind == "concurrent":
        return render_error(409, _("Someone else changed this at the same moment, and theirs was "
                                   "saved first. Nothing of yours was saved; reload the page to see "
                                   "the current state."))
    return render_error(FAILURE_STATUS[kind])


def _rollback() -> None:
    """End the failed transaction; when even that fails, the connection is gone already."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.close()
