"""The request list's country and case-officer filters are typed, not chosen from hundreds of options (issue 19).

Every list page used to carry 250 countries and every case officer as <option>s. Now
both are text inputs: a person types a name or a code (it works without JavaScript), and
the typeahead options come from a small JSON endpoint on first focus
(lp/static/js/filter-options.js). The list's URL and links keep the code and the id.
"""

import re

from tests.conftest import post_form

LIST = "/requests/"


def _rows(html: str) -> set[str]:
    return set(re.findall(r'href="/requests/(\d+)"', html))


def _data(login_as, make_user, make_country, make_person, make_request):
    login_as("staff", email="me@example.org")
    make_user(email="jan@example.org", role="staff", display_name="Jan Jansen")
    for n in range(40):
        make_user(email=f"staff{n}@example.org", role="staff", display_name=f"Medewerker {n}")
    make_country("GN", name_nl="Guinee", name_en="Guinea")
    make_country("MA", name_nl="Marokko", name_en="Morocco")
    guinea = [make_request("GN", person_id=make_person(nationality="GN", case_officer="jan@example.org"))
              for _ in range(2)]
    morocco = [make_request("MA") for _ in range(3)]
    return {str(i) for i in guinea}, {str(i) for i in morocco}


def test_the_list_page_carries_no_country_or_officer_options(client, login_as, make_user, make_country,
                                                             make_person, make_request):
    _data(login_as, make_user, make_country, make_person, make_request)
    html = client.get(LIST).get_data(as_text=True)
    form = re.search(r'<form method="post" action="/requests/".*?</form>', html, flags=re.S).group(0)
    assert "Jan Jansen" not in form and "Marokko" not in form
    assert form.count("<option") < 30  # status, open/closed, page size
    country = re.search(r'<input[^>]*name="country"[^>]*>', form).group(0)
    assert 'list="country-options"' in country
    assert 'data-options-url="/requests/filter-options/countries.json"' in country
    assert '<datalist id="country-options"></datalist>' in form


def test_a_typed_country_name_or_code_filters_the_list(client, login_as, make_user, make_country,
                                                       make_person, make_request):
    guinea, _morocco = _data(login_as, make_user, make_country, make_person, make_request)
    for typed in ("GN", "gn", "Guinee", "guinea", " GUINEE "):
        response = client.get(LIST, query_string={"country": typed})
        assert response.status_code == 200, typed
        assert _rows(response.get_data(as_text=True)) == guinea, typed
    # Sent with the form: the URL gets the code, not the name.
    response = post_form(client, LIST, {"country": "Guinee"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/requests/?country=GN")


def test_a_typed_case_officer_filters_the_list_and_the_url_keeps_the_id(app, client, login_as, make_user,
                                                                       make_country, make_person, make_request):
    guinea, _morocco = _data(login_as, make_user, make_country, make_person, make_request)
    from lp.auth import services

    with app.app_context():
        jan = services.find_user_by_email("jan@example.org").id
    response = post_form(client, LIST, {"case_officer": "jan jansen"})
    assert response.headers["Location"].endswith(f"/requests/?case_officer={jan}")
    for typed in (str(jan), "Jan Jansen", "JAN@example.org"):
        html = client.get(LIST, query_string={"case_officer": typed}).get_data(as_text=True)
        assert _rows(html) == guinea, typed
        assert re.search(r'<input[^>]*name="case_officer"[^>]*value="Jan Jansen"', html), typed


def test_a_name_that_matches_nothing_is_refused_with_a_message(client, login_as, make_user, make_country,
                                                               make_person, make_request):
    _data(login_as, make_user, make_country, make_person, make_request)
    response = client.get(LIST, query_string={"case_officer": "Niemand"})
    assert response.status_code == 422
    assert "Onbekende regievoerder" in response.get_data(as_text=True)
    response = client.get(LIST, query_string={"country": "Atlantis"})
    assert response.status_code == 422


def test_the_options_come_from_a_small_json_endpoint(client, login_as, make_user, make_country, make_person,
                                                     make_request):
    _data(login_as, make_user, make_country, make_person, make_request)
    countries = client.get("/requests/filter-options/countries.json").get_json()["options"]
    assert {"value": "GN", "label": "Guinee"} in countries
    officers = client.get("/requests/filter-options/officers.json").get_json()["options"]
    assert {"value": "Jan Jansen", "label": "jan@example.org"} in officers
    assert client.get("/requests/filter-options/persons.json").status_code == 404


def test_the_options_need_a_login(client):
    response = client.get("/requests/filter-options/officers.json")
    assert response.status_code in (302, 401)


def _mission_options(html: str) -> list[str]:
    select = re.search(r'<select[^>]*name="mission"[^>]*>(.*?)</select>', html, flags=re.S).group(1)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_missions_are_offered_once_a_country_is_chosen(client, login_as, make_country, make_request):
    """Without a country the mission list holds no mission of every country, only the one chosen."""
    login_as("staff")
    make_country("GN", name_nl="Guinee", missions=[{"name": "Ambassade Guinee"}, {"name": "Consulaat Guinee"}])
    make_country("MA", name_nl="Marokko", missions=[{"name": "Ambassade Marokko"}])
    make_request("GN")
    html = client.get(LIST).get_data(as_text=True)
    assert not any("Ambassade" in option for option in _mission_options(html))
    assert "Kies eerst een land" in html
    guinea = _mission_options(client.get(LIST, query_string={"country": "GN"}).get_data(as_text=True))
    assert [o for o in guinea if "Guinee" in o] == ["Ambassade Guinee", "Consulaat Guinee"]
    mission_id = re.search(r'<option[^>]*value="(\d+)"[^>]*>Consulaat Guinee',
                           client.get(LIST, query_string={"country": "GN"}).get_data(as_text=True)).group(1)
    chosen = client.get(LIST, query_string={"mission": mission_id}).get_data(as_text=True)
    assert re.search(r"<option[^>]*selected[^>]*>Consulaat Guinee \(Guinee\)</option>", chosen)
    assert not any("Marokko" in option for option in _mission_options(chosen))
