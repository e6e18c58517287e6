"""``lp countries``: export and import country profiles as CSV."""

from __future__ import annotations

from flask.cli import AppGroup

countries_cli = AppGroup("countries", help="Country profiles: CSV export and import.")
