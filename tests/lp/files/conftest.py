from __future__ import annotations

import pytest


@pytest.fixture
def request_id(make_country, make_request):
    make_country("GN", missions=[{"name": "Ambassade van Guinee", "city": "Brussel"}])
    return make_request("GN", submitted_on="2026-10-01")
