"""Show figures as people read them: shares as percentages, a dash for a figure that does not exist."""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_EVEN, Decimal

from babel import Locale
from babel.numbers import format_percent as babel_percent
from flask_babel import format_percent

from lp.core.survival import Estimate, Quantile
from lp.web.i18n import locale_and_zone

DASH = "\u2013"
ONE = Decimal(1)


def _percent_sign(locale: Locale) -> str | None:
    """Return the percent sign of a locale whose percentages are whole numbers with the sign after them
    ("#,##0%", as English and Dutch), else None."""
    # Looked up by the locale's parts: hashing a Locale itself costs more than the rest of a share.
    return _percent_sign_of(locale.language, locale.territory, locale.script, locale.variant)


@functools.cache
def _percent_sign_of(language: str, territory: str | None, script: str | None, variant: str | None) -> str | None:
    locale = Locale(language, territory, script, variant)
    zero = babel_percent(0, locale=locale)
    if locale.percent_formats[None].pattern != "#,##0%" or not zero.startswith("0"):
        return None
    return zero[1:]


@functools.lru_cache(maxsize=4096)
def _whole_percent(value: float, sign: str) -> str:
    """The share as its shortest decimal x 100, rounded half to even, with the sign (a table repeats many)."""
    return f"{Decimal(str(value)).scaleb(2).quantize(ONE, rounding=ROUND_HALF_EVEN)}{sign}"


def format_share(value: float) -> str:
    """Format a share as ``flask_babel.format_percent`` does, in a tenth of its time.

    The insights tables show thousands of shares (249 countries x a dozen columns); Babel's
    general number formatting was the largest cost of rendering them. For a share under 9
    (no thousands separator) in a locale with the plain pattern, the same text comes from
    the same arithmetic: the float as its shortest decimal, x 100, rounded half to even.
    Anything else goes to Babel.
    """
    locale, _zone = locale_and_zone()  # the request's, found once
    sign = _percent_sign(locale) if locale is not None else None
    if sign is None or not 0 <= value < 9:  # under 900 %: no thousands separator, also once rounded
        return format_percent(value)
    return _whole_percent(value, sign)


def percent(value: float | None) -> str:
    """Format a share (0..1) as a percentage in the UI language, or a dash."""
    return DASH if value is None else format_share(value)


def number(value: int | None) -> str:
    """Format a count or a number of days, or a dash."""
    return DASH if value is None else str(value)


def share_of(part: int, whole: int) -> str:
    """Format a share with the counts it is made of: "40% (2/5)", or a dash without a whole."""
    return DASH if not whole else f"{format_share(part / whole)} ({part}/{whole})"


def curve_days(curve: Estimate | None, share: float) -> str:
    """Format the day by which ``share`` was answered: "20", "> 91" when not reached, or a dash.

    "Not reached" means longer than the longest wait observed: that is all the data says.
    """
    if curve is None or not curve.cases:
        return DASH
    day = curve.quantile(share).day
    return str(day) if day is not None else f"> {curve.longest}"


def curve_interval(curve: Estimate | None, share: float) -> str:
    """Format the 95% interval of that day: "12–40", "≥ 12" (upper end not reached), or a dash."""
    if curve is None or not curve.cases:
        return DASH
    q: Quantile = curve.quantile(share)
    if q.low is None:
        return DASH
    return f"{q.low}\u2013{q.high}" if q.high is not None else f"\u2265 {q.low}"
