"""Language and time zone: Dutch first, English fully."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

import flask_babel
from babel import Locale
from babel.support import NullTranslations
from flask import Flask, g, has_request_context, request, session
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


# -- translating with fewer context lookups ---------------------------------------------
#
# Flask-Babel finds the translations of the request's locale anew for every message (a dozen
# lookups through flask.g: some 10 µs, against 0.1 µs for the message itself); a page of a few
# hundred messages spent milliseconds on it. ``translations`` keeps the one it found on the
# request's Babel context, next to the locale it is for: force_locale (another locale) and
# refresh (no locale) make it look again. The messages are Flask-Babel's own.


def translations() -> NullTranslations:
    """Return Flask-Babel's translations of the current locale (kept for the rest of the request)."""
    try:
        ctx = g._get_current_object()._flask_babel
        locale, found = ctx.lp_translations
        if locale is ctx.babel_locale:
            return found
    except (RuntimeError, AttributeError):  # no app context; locale not chosen yet; nothing kept yet
        pass
    found = flask_babel.get_translations()
    ctx = g.get("_flask_babel") if g else None
    if ctx is not None and getattr(ctx, "babel_locale", None) is not None:
        ctx.lp_translations = (ctx.babel_locale, found)
    return found


def locale_and_zone() -> tuple[Locale | None, tzinfo | None]:
    """Return Flask-Babel's get_locale() and get_timezone(), read off the request's Babel context once chosen."""
    try:
        ctx = g._get_current_object()._flask_babel
        return ctx.babel_locale, ctx.babel_tzinfo
    except (RuntimeError, AttributeError):  # no app context; not chosen yet in this request
        return get_locale(), flask_babel.get_timezone()


def gettext(string: str, **variables: Any) -> str:
    """Flask-Babel's ``gettext``, with the translations found once per request."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """Flask-Babel's ``ngettext`` (``num`` is a variable too), with the translations found once per request."""
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


#: The Flask-Babel functions a lazy string may call, and their faster equals.
_FASTER = {flask_babel.gettext: gettext, flask_babel.ngettext: ngettext}


def _lazy_text(text: LazyString) -> str:
    func = text._func
    return str(_FASTER.get(func, func)(*text._args, **text._kwargs))


def _lazy_text_as_html(text: LazyString) -> Markup:
    return escape(_lazy_text(text))


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel hands a lazy string to templates as safe HTML (its ``__html__``
    # returns it unescaped), so a user's text in a placeholder, e.g. a country's
    # accepted documents in _l("...: %(documents)s"), would reach the page as markup.
    # Our messages hold no HTML: escape them like any other text.
    LazyString.__html__ = _lazy_text_as_html
    LazyString.__str__ = _lazy_text
    # The templates' _() and ngettext(), as Flask-Babel installs them but with ``translations``.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )

    @app.context_processor
    def language_context():
        return {"LANGUAGES": LANGUAGES, "current_language": get_locale().language}
