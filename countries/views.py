"""Country profiles in the browser: list, profile page, edit forms."""

from __future__ import annotations

from flask import Blueprint, render_template

from lp.access import requires
from lp.auth.roles import Role

bp = Blueprint("countries", __name__, url_prefix="/countries")


@bp.get("/")
@requires(Role.VIEWER)
def index():
    return render_template("countries/index.html")
