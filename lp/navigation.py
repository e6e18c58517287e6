"""The main navigation: each feature adds its entry when its blueprint is registered."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from lp.auth.roles import Role


def init_app(app: Flask, items: list[tuple[str, object, Role]]) -> None:
    """Expose ``nav_items`` (endpoint, label, role needed) to every template."""
    app.extensions["lp_nav"] = items

    @app.context_processor
    def navigation():
        return {"nav_items": app.extensions["lp_nav"]}


DEFAULT_ITEMS: list[tuple[str, object, Role]] = [
    ("main.index", _l("Home"), Role.VIEWER),
    ("countries.index", _l("Countries"), Role.VIEWER),
    ("admin.users", _l("Administration"), Role.ADMIN),
]
