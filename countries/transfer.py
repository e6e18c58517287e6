"""CSV export and import of country profiles in the browser."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("country_transfer", __name__, url_prefix="/countries/csv")
