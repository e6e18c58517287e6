"""The reference data review page: shipped agreement values that differ from values staff chose.

``lp init`` never overwrites a value a person changed; this page (and ``lp reference
review``) is where an administrator sees those differences and decides, by editing the
agreement, whether the shipped value should replace theirs.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import format_date

from countries import reference
from countries.display import SOURCE_LABELS
from countries.fields import spec
from lp.auth.roles import Role
from lp.web.access import requires

bp = Blueprint("country_reference", __name__, url_prefix="/countries/reference")


def _shown(field: str, text: str) -> str:
    """Return a stored value as people read it: a choice by its label."""
    if not field or not text:
        return text
    return str(spec("agreement", field).choice_label(text))


@bp.get("/")
@requires(Role.ADMIN)
def review():
    """List the differences left for review, and whether the database has the shipped version."""
    todo = reference.plan()
    applied = reference.applied_version()
    rows = [
        {
            "item": item,
            "label": spec("agreement", item.field).label if item.field else None,
            "current": _shown(item.field, item.current),
            "shipped": _shown(item.field, item.shipped),
            "source": SOURCE_LABELS.get(item.changed_by, item.changed_by),
            "changed_on": format_date(item.changed_at) if item.changed_at else "",
        }
        for item in todo.review
    ]
    return render_template(
        "country_reference/review.html",
        rows=rows,
        shipped_version=reference.REFERENCE_VERSION,
        applied=applied,
        applied_on=format_date(applied.applied_at) if applied else "",
        pending=len(todo.updates) + len(todo.additions),
    )
