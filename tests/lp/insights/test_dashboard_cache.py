"""The dashboard keeps its country ranking for LP_STATS_CACHE_SECONDS."""

import pytest
from sqlalchemy import event

from lp.web.extensions import db


@pytest.fixture
def config_overrides():
    return {"LP_STATS_CACHE_SECONDS": 300}


def _queries(app, client, path="/"):
    count = {"n": 0}

    def before(*_args, **_kw):
        count["n"] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return count["n"]


def test_a_second_dashboard_view_reuses_the_ranking(app, client, login_as, make_country, make_request):
    from lp.main import dashboard

    dashboard._recent.clear()
    make_country("GN")
    make_request("GN", submitted_on="2026-01-05")
    login_as("viewer")
    first, second = _queries(app, client), _queries(app, client)
    assert second == first - 4  # the ranking's four aggregate queries are not run again
    dashboard._recent.clear()
