"""Error pages: translated HTML for people, JSON for the API."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, make_response, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DBAPIError
from werkzeug.exceptions import HTTPException

from lp.access import api_error, is_api_request
from lp.extensions import db
from lp.privacy.logsafe import log_exception

log = logging.getLogger(__name__)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Go back and try again.")),
        403: (_("No access"), _("Your account does not have permission for this page or action.")),
        404: (_("Page not found"), _("This page does not exist, or it was moved.")),
        405: (_("Not allowed"), _("This action is not possible on this page.")),
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
        return render_error(
            400, _("The form expired or was not sent from this site. Reload the page and try again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        response = make_response(render_error(error.code))
        # Keep what the exception says beside the status, e.g. the methods a 405 allows.
        response.headers.update((k, v) for k, v in error.get_headers() if k.lower() != "content-type")
        return response

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        db.session.rollback()
        if "_login_user" not in g:
            # The user could not be loaded either; render the page as for a visitor
            # rather than trying the database again.
            g._login_user = current_app.login_manager.anonymous_user()
        log.error("database error: %s", type(error.orig).__name__ if error.orig else type(error).__name__)
        return render_error(503)

    @app.errorhandler(DataError)
    def refused_value(error: DataError):
        # The database is there but refused a value (e.g. NUL in a search text on
        # PostgreSQL): bad input, not an outage.
        db.session.rollback()
        log.warning("database refused a value: %s", type(error.orig).__name__ if error.orig else "DataError")
        return render_error(400)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        log_exception(log, "unhandled error")  # without the message: it may quote personal data
        return render_error(500)
