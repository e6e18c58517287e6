"""Profile edits: history per field, one version per save, concurrent saves refused."""

import pytest

from countries import services
from countries.models import Country
from lp.core.validation import Conflict, ValidationFailed
from lp.web.extensions import db


@pytest.fixture
def country(app):
    with app.app_context():
        db.session.add(Country(alpha2="GN", alpha3="GIN", name_nl="Guinee", name_en="Guinea", region="002"))
        db.session.commit()
    return "GN"


def test_each_changed_field_is_recorded_with_who_old_and_new(app, country, make_user):
    editor = make_user(role="staff", display_name="Eva Editor")
    with app.app_context():
        guinea = services.get_country(country)
        values = services.parse_values("country", {"presentation_required": "yes", "lp_validity_days": "30",
                                                   "notes": "  Interview in Brussels.  "}, partial=True)
        services.update_profile(guinea, values, expected_version=1, user_id=editor)
        guinea = services.get_country(country)
        assert guinea.version == 2 and guinea.edited
        assert guinea.notes == "Interview in Brussels."
        changes = {c.field: (c.old_value, c.new_value, c.user.display_name, c.version)
                   for c in services.history(guinea)}
        assert changes == {
            "presentation_required": ("unknown", "yes", "Eva Editor", 2),
            "lp_validity_days": (None, "30", "Eva Editor", 2),
            "notes": (None, "Interview in Brussels.", "Eva Editor", 2),
        }


def test_saving_the_same_values_records_nothing(app, country, make_user):
    editor = make_user(role="staff")
    with app.app_context():
        guinea = services.get_country(country)
        services.update_profile(guinea, {"presentation_required": "unknown"}, expected_version=1, user_id=editor)
        assert services.get_country(country).version == 1
        assert services.history(guinea) == []


def test_second_of_two_concurrent_saves_is_refused_and_told_what_changed(app, country, make_user):
    first, second = make_user(role="staff"), make_user(role="staff")
    with app.app_context():
        guinea = services.get_country(country)
        services.update_profile(guinea, {"refuses_unwilling": "yes"}, expected_version=1, user_id=first)
        with pytest.raises(Conflict) as refused:
            services.update_profile(guinea, {"refuses_unwilling": "no"}, expected_version=1, user_id=second)
        assert [(c.field, c.new_value) for c in refused.value.changes] == [("refuses_unwilling", "yes")]
        db.session.rollback()
        assert services.get_country(country).refuses_unwilling == "yes"


def test_a_save_racing_in_the_database_is_refused(app, country, make_user):
    """Both read version 1; the first commit wins even if the second passed the early check."""
    first = make_user(role="staff")
    with app.app_context():
        guinea = services.get_country(country)
        edit = services.ProfileEdit(guinea, expected_version=1, user_id=first, source="ui")
        edit.set_fields("country", guinea, {"biometric_registers": "no"})
        # Someone else commits version 2 through another connection meanwhile.
        with db.engine.begin() as other:
            other.exec_driver_sql("UPDATE countries SET version = 2, biometric_registers = 'yes' WHERE alpha2 = 'GN'")
        with pytest.raises(Conflict):
            edit.flush()
        assert services.get_country(country).biometric_registers == "yes"


def test_agreements_and_missions_are_recorded_when_added_changed_and_removed(app, country, make_user):
    editor = make_user(role="staff")
    with app.app_context():
        guinea = services.get_country(country)
        agreement = services.add_item(guinea, "agreement", services.parse_values(
            "agreement", {"kind": "other", "title": "Good practices", "reply_time_limit_days": "30"}),
            expected_version=1, user_id=editor)
        services.update_item(agreement, "agreement", {"reply_time_limit_days": 45}, expected_version=2,
                             user_id=editor)
        mission = services.add_item(guinea, "mission", services.parse_values(
            "mission", {"kind": "embassy", "name": "Ambassade van Guinee", "city": "Brussel", "located_in": "be",
                        "correspondence_language": "fr"}), expected_version=3, user_id=editor)
        assert mission.located_in == "BE"
        services.remove_item(agreement, "agreement", expected_version=4, user_id=editor)
        rows = [(c.version, c.entity, c.field, c.old_value, c.new_value) for c in services.history(guinea)]
        assert (5, "agreement", "title", "Good practices", None) in rows
        assert (4, "mission", "name", None, "Ambassade van Guinee") in rows
        assert (3, "agreement", "reply_time_limit_days", "30", "45") in rows
        assert (2, "agreement", "kind", None, "other") in rows
        assert [r[0] for r in rows] == sorted((r[0] for r in rows), reverse=True)  # newest first


def test_bad_values_are_refused_with_every_error(app):
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        with pytest.raises(ValidationFailed) as failed:
            services.parse_values("agreement", {"kind": "treaty", "title": "", "in_force_since": "1-5-2006",
                                                "reply_time_limit_days": "-3"})
        messages = {field: str(m[0]) for field, m in failed.value.errors.items()}
    assert messages["title"] == "Dit veld is verplicht."
    assert messages["in_force_since"] == "Vul een datum in als JJJJ-MM-DD."
    assert messages["reply_time_limit_days"] == "Vul een geheel getal van 0 of meer in."
    assert messages["kind"].startswith("Geen van de toegestane waarden")


def test_portfolio_holder_must_be_an_active_staff_account(app, make_user, country):
    make_user("viewer@example.org", role="viewer")
    staff_id = make_user("staff@example.org", role="staff")
    with app.test_request_context():
        with pytest.raises(ValidationFailed):
            services.parse_values("country", {"portfolio_holder": "viewer@example.org"}, partial=True)
        values = services.parse_values("country", {"portfolio_holder": "Staff@Example.org"}, partial=True)
        assert values == {"portfolio_holder": staff_id}
        guinea = services.get_country(country)
        services.update_profile(guinea, values, expected_version=1, user_id=staff_id)
        assert services.history(guinea)[0].new_value == "staff@example.org"
