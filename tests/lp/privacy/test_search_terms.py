"""Searching by name or V-number never puts the term in a URL."""

from tests.conftest import post_form


def test_request_search_keeps_the_name_out_of_every_url(client, login_as, make_country, make_person,
                                                       make_request):
    login_as("viewer")
    make_country("GN", missions=[{"name": "Ambassade van Guinee"}])
    wanted = make_person(name="Fatoumata Zeldzaam", nationality="GN")
    make_request("GN", person_id=wanted, submitted_on="2026-01-05")
    for _ in range(3):
        make_request("GN", submitted_on="2026-01-06")
    response = post_form(client, "/requests/", {"q": "Zeldzaam", "country": "GN", "per_page": "25"})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "Zeldzaam" not in location and "search=" in location and "country=GN" in location
    page = client.get(location).get_data(as_text=True)
    assert "Fatoumata Zeldzaam" in page and "1 aanvraag" in page
    assert 'value="Zeldzaam"' in page  # the box still shows what was searched
    links = [part.split('"')[0] for part in page.split('href="')[1:]]
    assert links and not any("Zeldzaam" in link for link in links)


def test_person_search_keeps_the_v_number_out_of_the_url(client, login_as, make_person):
    login_as("viewer")
    make_person(name="Ali Voorbeeld", v_number="1234567890")
    response = post_form(client, "/persons/", {"q": "1234567890"})
    assert "1234567890" not in response.headers["Location"]
    assert "Ali Voorbeeld" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_search_key_from_another_session_finds_nothing_special(app, client, login_as, make_person):
    login_as("viewer")
    make_person(name="Ali Voorbeeld")
    location = post_form(client, "/persons/", {"q": "Voorbeeld"}).headers["Location"]
    stranger = app.test_client()
    from tests.conftest import Auth

    Auth(stranger).login("viewer@example.org")
    page = stranger.get(location).get_data(as_text=True)
    assert 'value="Voorbeeld"' not in page  # the term lives in the searching session only
