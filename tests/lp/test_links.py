"""links_for: a table's row links, built once, are the links url_for builds."""

from __future__ import annotations

import pytest

from lp.web.links import links_for

PERIOD = {"from": "2026-01-01", "to": "2026-06-30"}


@pytest.mark.parametrize("value", ["GN", "MA", "x1", "a b", "é", "../x", "LPROWKEY"])
def test_each_row_link_is_the_link_url_for_builds(app, value):
    from flask import url_for

    with app.test_request_context():
        assert links_for("insights.country", "alpha2", **PERIOD)(value) == url_for(
            "insights.country", alpha2=value, **PERIOD)
        assert links_for("countries.profile", "alpha2")(value) == url_for("countries.profile", alpha2=value)
