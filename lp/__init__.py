"""LP-tracker: the application factory."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from lp.core.paths import PROJECT_ROOT  # re-exported: tools and tests import it from lp

# The factory imports the application's modules inside its functions, on purpose: every
# `import lp.<module>` (a tool, a migration, one test file) runs this file first, and that
# must not load the whole application or depend on the order its modules import each other.


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure an LP-tracker application."""
    from lp.web import files

    files.restrict_new_files()  # the app's files (database, backups, mails) hold personal data
    instance_path = (test_config or {}).get("LP_INSTANCE_PATH") or os.environ.get(
        "LP_INSTANCE_PATH", str(PROJECT_ROOT / "instance")
    )
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    from lp.web.config import load_config

    app.config.from_mapping(load_config(app.instance_path, os.environ, test_config))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PROJECT_ROOT / "translations")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)

    if app.config["LP_TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    if app.config["LP_SCHEDULER"] and not app.testing:
        from lp.scheduler import start_in_process

        start_in_process(app)
    return app


def _init_extensions(app: Flask) -> None:
    from lp import models  # noqa: F401  (all tables)
    from lp.web import access, audit, database, errors, files, i18n, processing_log, security
    from lp.web.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    files.init_app(app)
    database.init_app(app)
    audit.init_session_events()
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    access.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    processing_log.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from countries.reference_views import bp as country_reference_bp
    from countries.transfer import bp as country_transfer_bp
    from countries.views import bp as countries_bp
    from lp.admin.views import bp as admin_bp
    from lp.api import bp as api_bp
    from lp.auth import oidc
    from lp.auth.mfa_views import bp as mfa_bp
    from lp.auth.oidc_views import bp as oidc_bp
    from lp.auth.views import bp as auth_bp
    from lp.core.validation import IdConverter
    from lp.files.views import bp as files_bp
    from lp.insights import refresh
    from lp.insights.calendar import bp as calendar_bp
    from lp.insights.views import bp as insights_bp
    from lp.main.views import bp as main_bp
    from lp.persons.views import bp as persons_bp
    from lp.presentations.views import bp as presentations_bp
    from lp.privacy.views import bp as privacy_bp
    from lp.reminders.notification_views import bp as notifications_bp
    from lp.reminders.views import bp as reminders_bp
    from lp.requests.views import bp as requests_bp
    from lp.saved.views import bp as saved_bp
    from lp.web import links, navigation
    from lp.web.health import bp as health_bp

    app.url_map.converters["int"] = IdConverter  # before any rule is added
    oidc.init_app(app)  # refuses unsafe single sign-on settings at start-up
    for blueprint in (health_bp, auth_bp, oidc_bp, mfa_bp, main_bp, requests_bp, persons_bp, files_bp, countries_bp,
                      country_reference_bp, country_transfer_bp, reminders_bp, notifications_bp,
                      presentations_bp, insights_bp, calendar_bp, admin_bp, privacy_bp, saved_bp,
                      api_bp):
        app.register_blueprint(blueprint)
    navigation.init_app(app, list(navigation.DEFAULT_ITEMS))
    links.init_app(app)
    refresh.init_app(app)  # the kept insights figures counted again after a page wrote requests


def _register_cli(app: Flask) -> None:
    from lp.cli import lp_cli

    app.cli.add_command(lp_cli)
