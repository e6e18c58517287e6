"""Language and time zone: Dutch first, English fully."""

from __future__ import annotations

from flask import Flask, has_request_context, request, session
from flask_login import current_user

from lp.extensions import babel

#: The interface languages, each named in its own language for the switch.
LANGUAGES = {"nl": "Nederlands", "en": "English"}
DEFAULT_LANGUAGE = "nl"
SESSION_KEY = "language"


def select_locale() -> str:
    """Pick the user's saved language, else the session's, else the browser's, else Dutch."""
    if not has_request_context():  # CLI and scheduled jobs choose with force_locale
        return DEFAULT_LANGUAGE
    if current_user and current_user.is_authenticated and current_user.preferred_language:
        return current_user.preferred_language
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES.keys(), default=DEFAULT_LANGUAGE)


def remember_choice(language: str) -> None:
    """Keep a language choice in the session (for visitors who are not logged in)."""
    if language in LANGUAGES:
        session[SESSION_KEY] = language


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def language_context():
        from flask_babel import get_locale

        return {"LANGUAGES": LANGUAGES, "current_language": str(get_locale())}
