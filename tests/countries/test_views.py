"""The country list and profile page: names per language, search, filters, sorting, access."""

import re

import pytest

from countries.seed import seed_countries
from lp.core import clock
from lp.web.extensions import db
from tests.conftest import post_form

ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def seeded(app):
    with app.app_context():
        seed_countries()


def _names(html: str) -> list[str]:
    """Return the country names in the list, in the order shown."""
    return re.findall(r'<td><a href="/countries/[A-Z]{2}">([^<]+)</a></td>', html)


def _list(client, query: str = "", **kw) -> str:
    response = client.get(f"/countries/{query}", **kw)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_list_shows_names_in_dutch_by_default_and_in_english_on_request(client, login_as, seeded):
    login_as("viewer")
    dutch = _list(client, "?show=all")
    assert "249 landen" in dutch
    assert {"Marokko", "Ivoorkust", "Duitsland"} <= set(_names(dutch))
    assert "Afrika" in dutch
    english = _list(client, "?show=all", headers=ENGLISH)
    assert "249 countries" in english
    assert {"Morocco", "Côte d’Ivoire", "Germany"} <= set(_names(english))
    assert "Marokko" not in english and "Africa" in english


@pytest.mark.parametrize("query", ["Marokko", "morocco", "MAR", "rokk"])
def test_search_finds_a_country_by_dutch_or_english_name_or_code(client, login_as, seeded, query):
    login_as("viewer")
    names = _names(_list(client, f"?q={query}"))
    assert "Marokko" in names
    assert "Duitsland" not in names


def test_search_by_alpha3_finds_exactly_that_country(client, login_as, seeded):
    login_as("viewer")
    page = _list(client, "?q=civ", headers=ENGLISH)
    assert _names(page) == ["Côte d’Ivoire"]
    assert "1 country" in page


@pytest.fixture
def three_countries(make_country, make_user, app):
    holder = make_user("holder@example.org", role="staff", display_name="Hanna Houder")
    make_country(
        "GN",
        "GIN",
        "Guinee",
        "Guinea",
        region="002",
        presentation_required="yes",
        biometric_registers="no",
        refuses_unwilling="yes",
        requires_identity="sometimes",
        portfolio_holder_id=holder,
    )
    make_country(
        "MA",
        "MAR",
        "Marokko",
        "Morocco",
        region="002",
        presentation_required="no",
        biometric_registers="yes",
        refuses_unwilling="no",
        requires_identity="yes",
    )
    make_country(
        "NG",
        "NGA",
        "Nigeria",
        "Nigeria",
        region="002",
        presentation_required="yes",
        biometric_registers="yes",
        refuses_unwilling="unknown",
        requires_identity="no",
    )
    with app.app_context():
        from countries import services

        for code, kind, title in (("GN", "mou", "MoU"), ("MA", "eu_readmission", "EU-MA")):
            country = services.get_country(code)
            values = services.parse_values("agreement", {"kind": kind, "title": title})
            services.add_item(
                country, "agreement", values, expected_version=country.version, user_id=None
            )
        morocco = services.get_country("MA")
        services.update_profile(
            morocco,
            {"last_reviewed_on": clock.today()},
            expected_version=morocco.version,
            user_id=None,
        )
    return holder


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", ["Guinee", "Marokko", "Nigeria"]),
        ("?presentation_required=yes", ["Guinee", "Nigeria"]),
        ("?biometric_registers=yes", ["Marokko", "Nigeria"]),
        ("?refuses_unwilling=unknown", ["Nigeria"]),
        ("?requires_identity=sometimes", ["Guinee"]),
        ("?agreement_kind=mou", ["Guinee"]),
        ("?agreement_kind=eu_readmission", ["Marokko"]),
        ("?agreement_kind=none", ["Nigeria"]),
        ("?portfolio_holder=none", ["Marokko", "Nigeria"]),
        ("?not_reviewed=1", ["Guinee", "Nigeria"]),
        ("?presentation_required=yes&biometric_registers=yes", ["Nigeria"]),
    ],
)
def test_each_filter_narrows_the_list(client, login_as, three_countries, query, expected):
    login_as("viewer")
    assert _names(_list(client, query)) == expected


def test_filter_by_portfolio_holder_and_the_holder_is_shown(client, login_as, three_countries):
    login_as("viewer")
    page = _list(client, f"?portfolio_holder={three_countries}")
    assert _names(page) == ["Guinee"]
    assert "Hanna Houder" in page


def test_not_reviewed_checkbox_sends_what_the_filter_reads(client, login_as, three_countries):
    login_as("viewer")
    page = _list(client)
    assert 'name="not_reviewed" type="checkbox" value="1"' in page
    assert (
        "checked"
        in _list(client, "?not_reviewed=1").split('name="not_reviewed"')[0].rsplit("<input", 1)[1]
    )


def test_bad_filter_value_is_explained_not_a_crash(client, login_as, three_countries):
    login_as("viewer")
    response = client.get("/countries/?presentation_required=maybe&sort=colour")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Kies ja, nee, soms of onbekend." in page
    assert _names(page) == []


def test_sorting_by_a_column_works_both_ways_and_keeps_the_filters(
    client, login_as, three_countries
):
    login_as("viewer")
    page = _list(client, "?presentation_required=yes")
    assert 'aria-sort="ascending"' in page
    assert (
        'href="/countries/?presentation_required=yes&amp;desc=1"' in page
    )  # reverse the name order
    assert _names(_list(client, "?presentation_required=yes&desc=1")) == ["Nigeria", "Guinee"]
    assert _names(_list(client, "?sort=biometric_registers")) == ["Guinee", "Marokko", "Nigeria"]
    descending = _list(client, "?sort=biometric_registers&desc=1")
    assert _names(descending) == ["Marokko", "Nigeria", "Guinee"]
    assert 'aria-sort="descending"' in descending
    assert _names(_list(client, "?sort=alpha2&desc=1")) == ["Nigeria", "Marokko", "Guinee"]


def test_profile_shows_facts_agreements_and_missions(client, login_as, three_countries, app):
    login_as("viewer")
    page = client.get("/countries/MA").get_data(as_text=True)
    assert "Marokko" in page and "MAR" in page and "Afrika" in page
    assert "Presentatie in persoon vereist" in page
    assert "EU-overnameovereenkomst" in page and "EU-MA" in page
    english = client.get("/countries/MA", headers=ENGLISH).get_data(as_text=True)
    assert "Morocco" in english and "EU readmission agreement" in english


def test_lowercase_code_leads_to_the_profile_and_an_unknown_code_is_404(
    client, login_as, make_country
):
    login_as("viewer")
    make_country("GN", "GIN", "Guinee", "Guinea")
    response = client.get("/countries/gn")
    assert response.status_code == 302 and response.headers["Location"] == "/countries/GN"
    assert client.get("/countries/XQ").status_code == 404
    assert client.get("/countries/XQ/edit").status_code in (403, 404)


def test_viewer_reads_but_sees_no_edit_buttons_and_cannot_post(
    client, login_as, three_countries, app
):
    login_as("viewer")
    page = client.get("/countries/GN").get_data(as_text=True)
    assert "Guinee" in page
    assert (
        "/countries/GN/edit" not in page and "/agreements/new" not in page and "/remove" not in page
    )
    assert client.get("/countries/GN/edit").status_code == 403
    for url in ("/countries/GN/edit", "/countries/GN/reviewed", "/countries/GN/agreements/new"):
        response = post_form(
            client,
            url,
            {"version": "2", "notes": "x", "kind": "mou", "title": "T"},
            page="/countries/GN",
        )
        assert response.status_code == 403, url
    with app.app_context():
        from countries import services

        guinea = services.get_country("GN")
        assert (
            guinea.notes == "" and guinea.last_reviewed_on is None and len(guinea.agreements) == 1
        )


def test_staff_sees_the_edit_buttons(client, login_as, three_countries):
    login_as("staff")
    page = client.get("/countries/GN").get_data(as_text=True)
    assert "/countries/GN/edit" in page and "/countries/GN/agreements/new" in page
    assert "/countries/GN/missions/new" in page and "/countries/GN/reviewed" in page


def test_notes_with_markup_are_shown_as_text(client, login_as, make_country, app):
    login_as("viewer")
    make_country("GN", "GIN", "Guinee", "Guinea", notes="<script>alert(1)</script>")
    page = client.get("/countries/GN").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_csv_links_appear_when_the_transfer_feature_is_installed(
    client, login_as, three_countries, app
):
    if "country_transfer.export" not in app.view_functions:
        pytest.skip("CSV export is not installed")
    from flask import url_for

    with app.test_request_context():
        export = url_for("country_transfer.export", presentation_required="yes")
    login_as("viewer")
    page = _list(client, "?presentation_required=yes")
    assert f'href="{export}">CSV downloaden' in page
    assert "CSV importeren" not in page


def test_list_costs_the_same_number_of_queries_for_many_countries(
    client, login_as, seeded, app, make_user, count_queries
):
    """Eager loading: no query per row, whether 1 or 249 countries are shown."""
    from sqlalchemy import update

    from countries.models import Country

    login_as("viewer")
    holders = {
        code: make_user(f"holder-{code}@example.org") for code in ("MA", "DE", "FR", "GN", "NL")
    }
    with app.app_context():
        for code, holder in holders.items():  # a different holder each, so lazy loading would show
            db.session.execute(
                update(Country).where(Country.alpha2 == code).values(portfolio_holder_id=holder)
            )
        db.session.commit()
    counts = []
    for query in ("?q=marokko", ""):
        with count_queries:
            _list(client, query)
        counts.append(count_queries.count)
    assert counts[0] == counts[1], counts


def test_the_list_opens_on_the_countries_in_use_and_all_countries_are_one_click_away(
        client, login_as, seeded, make_user, make_request, app):
    """Defect 17 of issue 11: the list opened on 249 rows, 217 of them empty."""
    from countries import services

    login_as("staff")
    with app.app_context():
        morocco = services.get_country("MA")
        services.update_profile(morocco, {"presentation_required": "yes"}, expected_version=morocco.version,
                                user_id=None)
    make_request("GN")  # a request, no profile
    page = _list(client)
    # Profiles seeded with a public agreement count too; empty ones do not.
    with app.app_context():
        from sqlalchemy import select

        from countries.models import Agreement, Country

        with_agreements = set(db.session.scalars(select(Country.name_nl).join(Agreement)))
    assert set(_names(page)) == with_agreements | {"Marokko", "Guinee"}
    assert "Tuvalu" not in _names(page)
    count = len(set(_names(page)))
    assert f"{count} landen met een profiel of aanvragen" in page
    everything = re.search(r'<a href="([^"]+)">Alle landen</a>', page)
    assert everything, "no link to all countries"
    all_page = _list(client, everything.group(1).removeprefix("/countries/").replace("&amp;", "&"))
    assert "249 landen" in all_page and "Tuvalu" in _names(all_page)
    # The choice stays a GET filter that sorting keeps.
    assert 'href="/countries/?sort=alpha2&amp;show=all"' in all_page
