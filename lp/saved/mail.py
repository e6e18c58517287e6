"""The weekly CSV of a saved view, mailed to its owner through the outbox, once per view per ISO week.

Queued under the key view:<id>:<ISO week>, as the digest is: the database lets one
through however often or wherever the job runs. The CSV is built only when this
week's mail is not queued yet (building it logs the export of every person in it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lp.auth.models import User
from lp.core.validation import ValidationFailed
from lp.mail import outbox
from lp.mail.models import OutboxMail
from lp.reminders.digest import iso_week
from lp.saved.lists import LISTS
from lp.saved.models import SavedView
from lp.web.extensions import db
from lp.web.i18n import locale_for


@dataclass
class WeeklyResult:
    queued: int = 0
    already_sent: int = 0
    invalid: int = 0


def dedupe_key(view: SavedView, week: str) -> str:
    return f"view:{view.id}:{week}"


def send_weekly(as_of: date) -> WeeklyResult:
    """Queue this week's CSV of every view mailed weekly whose owner is active (once per ISO week)."""
    result, week = WeeklyResult(), iso_week(as_of)
    views = db.session.scalars(
        select(SavedView).join(User, User.id == SavedView.owner_id)
        .where(SavedView.weekly_csv.is_(True), User.active.is_(True))
        .options(joinedload(SavedView.owner)).order_by(SavedView.id)).all()
    base_url = current_app.config["LP_BASE_URL"].rstrip("/")
    for view in views:
        key, saved = dedupe_key(view, week), LISTS.get(view.list_name)
        if db.session.scalar(select(OutboxMail.id).where(OutboxMail.dedupe_key == key)) is not None:
            result.already_sent += 1
            continue
        if saved is None or saved.csv is None:
            result.invalid += 1
            continue
        with force_locale(locale_for(view.owner.preferred_language)):
            try:
                params = saved.clean(view.params)
            except ValidationFailed:
                result.invalid += 1
                continue
            csv_text = saved.csv(params)
            subject = _("LP-tracker view “%(name)s”, week %(week)s", name=view.name, week=week)
            context = {"view": view, "week": week, "subject": subject, "base_url": base_url,
                       "rows": max(0, csv_text.count("\r\n") - 1)}
            text = render_template("mail/saved_view.txt", **context)
            html = render_template("mail/saved_view.html", **context)
        filename = f"lp-view-{view.id}-{week}.csv"
        if outbox.enqueue(key, view.owner.email, subject, text, html, view.owner_id, attachment=(filename, csv_text)):
            result.queued += 1
        else:
            result.already_sent += 1
        db.session.commit()
    return result
