"""The home page."""

from __future__ import annotations

from flask import Blueprint, render_template

from lp.access import requires
from lp.auth.roles import Role

bp = Blueprint("main", __name__)


@bp.get("/")
@requires(Role.VIEWER)
def index():
    return render_template("main/index.html")
