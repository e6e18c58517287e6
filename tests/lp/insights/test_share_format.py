"""Shares read the same in the insights' own fast formatting as in Babel's, in both languages."""

from __future__ import annotations

import random

from flask_babel import force_locale, format_percent

from lp.insights.formatting import format_share, share_of


def test_every_share_of_small_counts_reads_as_babel_writes_it(app):
    rng = random.Random(7)
    values = [k / n for n in range(1, 250) for k in range(n + 1)]
    values += [rng.random() for _ in range(5000)] + [0.295, 0.125, 0.005, 9.99951, 12.3456, -0.25]
    with app.test_request_context():
        for language in ("en", "nl"):
            with force_locale(language):
                assert [format_share(v) for v in values] == [format_percent(v) for v in values], language
                assert share_of(2, 5) == f"{format_percent(0.4)} (2/5)"
