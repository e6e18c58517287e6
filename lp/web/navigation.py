"""The main navigation: each feature adds its entry when its blueprint is registered."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask_babel import lazy_gettext as _l

from lp.auth.roles import Role


def init_app(app: Flask, items: list[tuple[str, object, Role]]) -> None:
    """Expose ``nav_items`` (endpoint, label, role needed) to every template."""
    app.extensions["lp_nav"] = items
    app.extensions.setdefault("lp_nav_badges", {})

    @app.context_processor
    def navigation():
        return {"nav_items": app.extensions["lp_nav"], "nav_badges": app.extensions["lp_nav_badges"]}


def register_badge(app: Flask, endpoint: str, count: Callable[[], int | None]) -> None:
    """Show a number beside a navigation item; ``count`` is called only when the menu is drawn."""
    app.extensions.setdefault("lp_nav_badges", {})[endpoint] = count


DEFAULT_ITEMS: list[tuple[str, object, Role]] = [
    ("main.index", _l("Home"), Role.VIEWER),
    ("requests.index", _l("Requests"), Role.VIEWER),
    ("countries.index", _l("Countries"), Role.VIEWER),
    ("reminders.index", _l("Reminders"), Role.VIEWER),
    ("presentations.index", _l("Presentation days"), Role.VIEWER),
    ("insights.index", _l("Insights"), Role.VIEWER),
    ("saved.index", _l("Views"), Role.VIEWER),
    ("admin.users", _l("Administration"), Role.ADMIN),
]
