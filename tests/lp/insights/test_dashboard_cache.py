"""The dashboard keeps its country ranking for LP_STATS_CACHE_SECONDS."""

import pytest


@pytest.fixture
def config_overrides():
    return {"LP_STATS_CACHE_SECONDS": 300}


def _queries(count_queries, client, path="/"):
    with count_queries:
        assert client.get(path).status_code == 200
    return count_queries.count


def test_a_second_dashboard_view_reuses_the_ranking(count_queries, client, login_as, make_country, make_request):
    from lp.main import dashboard

    dashboard._recent.clear()
    make_country("GN")
    make_request("GN", submitted_on="2026-01-05")
    login_as("viewer")
    first, second = _queries(count_queries, client), _queries(count_queries, client)
    assert second == first - 4  # the ranking's four aggregate queries are not run again
    dashboard._recent.clear()
