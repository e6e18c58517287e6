"""Language and time zone: Dutch first, English fully."""

from __future__ import annotations

from flask import Flask, has_request_context, request, session
from flask_babel import get_locale
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import Markup, escape

from lp.web.extensions import babel

#: The interface languages, each named in its own language for the switch.
LANGUAGES = {"nl": "Nederlands", "en": "English"}
DEFAULT_LANGUAGE = "nl"
SESSION_KEY = "language"
#: The Babel locale each language is shown in. Plain "en" writes dates the American
#: way (9/6/26 for 6 September); British English writes 06/09/2026 and 6 Sept 2026.
#: The language code (templates, links, a user's choice) stays "en".
FORMAT_LOCALES = {"nl": "nl", "en": "en_GB"}


def locale_for(language: str | None) -> str:
    """Return the Babel locale to show ``language`` in (British forms for English)."""
    language = language or DEFAULT_LANGUAGE
    return FORMAT_LOCALES.get(language, language)


def select_language() -> str:
    """Pick the user's saved language, else the session's, else the browser's, else Dutch."""
    if not has_request_context():  # CLI and scheduled jobs choose with force_locale
        return DEFAULT_LANGUAGE
    if current_user and current_user.is_authenticated and current_user.preferred_language:
        return current_user.preferred_language
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES.keys(), default=DEFAULT_LANGUAGE)


def select_locale() -> str:
    """Return the locale of the chosen language (Flask-Babel's locale selector)."""
    return locale_for(select_language())


def remember_choice(language: str) -> None:
    """Keep a language choice in the session (for visitors who are not logged in)."""
    if language in LANGUAGES:
        session[SESSION_KEY] = language


def _lazy_text_as_html(text: LazyString) -> Markup:
    return escape(str(text))


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel hands a lazy string to templates as safe HTML (its ``__html__``
    # returns it unescaped), so a user's text in a placeholder, e.g. a country's
    # accepted documents in _l("...: %(documents)s"), would reach the page as markup.
    # Our messages hold no HTML: escape them like any other text.
    LazyString.__html__ = _lazy_text_as_html

    @app.context_processor
    def language_context():
        return {"LANGUAGES": LANGUAGES, "current_language": get_locale().language}
