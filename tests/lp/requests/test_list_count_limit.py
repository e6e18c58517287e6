"""The request list counts its matches up to LP_LIST_COUNT_LIMIT, then says "more than" (issue 19).

An exact count of the whole archive costs more the longer history grows (a million rows read for
one number on every unfiltered page); nobody pages through 200 pages. Past the limit the list says
"more than N", numbers no last page, and "Next" goes on while pages are full. A narrower filter
gets its exact count again; the API's total stays exact.
"""

import re

import pytest

from tests.conftest import csrf_token_from

LIMIT = 30


@pytest.fixture
def config_overrides():
    return {"LP_LIST_COUNT_LIMIT": LIMIT}


@pytest.fixture
def sixty(make_country, make_request):
    make_country("GN", name_nl="Guinee")
    make_country("MA", name_nl="Marokko")
    return [make_request("GN") for _ in range(50)] + [make_request("MA") for _ in range(10)]


def _status(html: str) -> str:
    return re.sub(r"\s+", " ", re.search(r'<p role="status">(.*?)</p>', html, re.S).group(1)).strip()


def _rows(html: str) -> int:
    return len(set(re.findall(r'href="/requests/(\d+)"', html)))


def _next_enabled(html: str) -> bool:
    return not re.search(r'<li class="page-item disabled">\s*<a class="page-link"[^>]*>Volgende', html)


def test_past_the_limit_the_list_says_more_than_and_pages_on(client, login_as, sixty):
    login_as("staff")
    first = client.get("/requests/?per_page=25").get_data(as_text=True)
    assert _status(first) == "Meer dan 30 aanvragen · pagina 1"
    assert _rows(first) == 25 and _next_enabled(first)
    second = client.get("/requests/?per_page=25&page=2").get_data(as_text=True)
    assert _status(second) == "Meer dan 30 aanvragen · pagina 2"
    assert _rows(second) == 25 and _next_enabled(second)
    third = client.get("/requests/?per_page=25&page=3").get_data(as_text=True)
    assert _rows(third) == 10 and not _next_enabled(third)  # the last, not full: no further page
    assert "Alle die voldoen selecteren" in first and "Alle 30 die voldoen" not in first


def test_a_filter_under_the_limit_counts_exactly(client, login_as, sixty):
    login_as("staff")
    html = client.get("/requests/?country=MA").get_data(as_text=True)
    assert _status(html) == "10 aanvragen"
    assert "Alle 10 die voldoen selecteren" in html


def test_the_api_counts_exactly(client, login_as, bearer, sixty):
    answer = client.get("/api/v1/requests?pageSize=25", headers=bearer("staff"))
    assert answer.status_code == 200
    assert answer.get_json()["total"] == 60


def test_a_saved_view_past_the_limit_shows_the_limit_and_a_plus(client, login_as, sixty):
    login_as("staff")
    page = client.get("/requests/").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/views/"(.*?)</form>', page, re.S).group(1)
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    saved = client.post("/views/", data={**data, "name": "Alles", "csrf_token": csrf_token_from(page)})
    assert saved.status_code == 302
    assert re.search(r'Alles <span class="badge[^>]*>30\+</span>', client.get("/requests/").get_data(as_text=True))
