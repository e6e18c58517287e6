"""The home page: a dashboard of what needs attention and how the countries answer."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lp.auth.roles import Role
from lp.core.clock import today
from lp.core.types import utcnow
from lp.core.validation import search_text
from lp.insights.formatting import curve_days, curve_interval, number, percent
from lp.insights.stats import MIN_ANSWERED_FOR_RANKING, MIN_REQUESTS_FOR_RANKING
from lp.main import dashboard, search
from lp.reminders.services import kind_label
from lp.requests.display import template_helpers
from lp.web.access import public, requires
from lp.web.errors import render_error

bp = Blueprint("main", __name__)


@bp.get("/")
@requires(Role.VIEWER)
def index():
    """Show my (or everyone's) open reminders, coming presentations, expiring LPs and the rankings."""
    scope = request.args.get("scope", "mine")
    if scope not in dashboard.SCOPES:
        return render_error(422, _("Choose mine or all."))
    day, user_id = today(), current_user.id
    return render_template(
        "main/index.html",
        scope=scope,
        reminders=dashboard.reminders(user_id, scope, day),
        presentations=dashboard.presentations(user_id, scope, utcnow()),
        expiring=dashboard.expiring(user_id, scope, day),
        rankings=dashboard.rankings(day),
        has_inbox="reminders.index" in current_app.view_functions,
        has_reminder_page="reminders.show" in current_app.view_functions,
        kind_label=kind_label, percent=percent, number=number, curve_days=curve_days,
        curve_interval=curve_interval, ahead=dashboard.AHEAD_DAYS, min_answered=MIN_ANSWERED_FOR_RANKING,
        min_requests=MIN_REQUESTS_FOR_RANKING,
    )


@bp.get("/toegankelijkheid")
@public
def accessibility():
    """The accessibility statement (in the shape digitoegankelijk.nl asks for); no personal data, so public."""
    return render_template("main/accessibility.html", contact=current_app.config["LP_ACCESSIBILITY_CONTACT"])


@bp.post("/search")
@requires(Role.VIEWER, Role.VIEWER)
def search_everywhere():
    """Find a request or a person from the header's search box; one hit opens it.

    A post, so the term stays out of URLs, history and access logs; the results are the
    answer to the post itself.
    """
    text = search_text(request.form.get("q"))
    hits = search.find(text)
    if hits.count == 1:
        if hits.requests:
            return redirect(url_for("requests.show", request_id=hits.requests[0].id))
        return redirect(url_for("persons.show", person_id=hits.persons[0].id))
    return render_template("main/search.html", text=text, hits=hits, limit=search.LIMIT, **template_helpers())
