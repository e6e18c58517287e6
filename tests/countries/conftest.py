"""Fixtures for the country tests: a few hand-made countries (the database starts empty)."""

from __future__ import annotations

import pytest

from countries.models import Country
from lp.web.extensions import db


@pytest.fixture
def make_country(app):
    """Create a country with the given facts; returns its alpha-2 code.

    ``make_country("GN", "GIN", "Guinee", "Guinea", region="002", presentation_required="yes")``
    """

    def make(alpha2: str, alpha3: str, name_nl: str, name_en: str, **facts) -> str:
        with app.app_context():
            db.session.add(
                Country(alpha2=alpha2, alpha3=alpha3, name_nl=name_nl, name_en=name_en, **facts)
            )
            db.session.commit()
        return alpha2

    return make
