"""Seeding: all 249 ISO 3166-1 countries, CLDR names, sourced agreements, idempotent."""

from sqlalchemy import func, select

from countries import services
from countries.models import Agreement, Country, ProfileChange
from countries.seed import seed_countries
from lp.web.extensions import db


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_seeds_every_iso_country_with_names_in_both_languages(app):
    with app.app_context():
        added = seed_countries()
        assert added["countries"] == 249 and _count(Country) == 249
        morocco = services.get_country("MA")
        assert (morocco.alpha3, morocco.name_nl, morocco.name_en, morocco.region) == (
            "MAR", "Marokko", "Morocco", "002")
        assert services.get_country("CI").name_nl == "Ivoorkust"
        assert morocco.presentation_required == "unknown" and morocco.forced_return == "unknown"


def test_seeds_public_agreements_with_their_source(app):
    with app.app_context():
        seed_countries()
        albania = services.get_country("AL")
        agreement = next(a for a in albania.agreements if a.kind == "eu_readmission")
        assert agreement.in_force_since.isoformat() == "2006-05-01"
        assert "OJ L 124" in agreement.source
        assert _count(Agreement) >= 18
        history = services.history(albania)
        assert history and all(change.source == "reference" and change.user_id is None for change in history)
        assert not services.get_country("AL").edited  # the shipped data is no person's edit


def test_seeding_twice_adds_nothing(app):
    with app.app_context():
        seed_countries()
        before = (_count(Country), _count(Agreement), _count(ProfileChange))
        assert seed_countries() == {"countries": 0, "agreements": 0, "updated": 0, "review": 0}
        assert (_count(Country), _count(Agreement), _count(ProfileChange)) == before


def test_seeding_never_overwrites_an_edited_profile(app, make_user):
    staff_id = make_user(role="staff")
    with app.app_context():
        seed_countries()
        albania = services.get_country("AL")
        agreement = albania.agreements[0]
        services.remove_item(agreement, "agreement", expected_version=albania.version, user_id=staff_id)
        assert services.get_country("AL").agreements == []
        seed_countries()
        assert services.get_country("AL").agreements == []  # the person's removal stands
