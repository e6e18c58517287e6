"""Reference data: every shipped agreement row sourced, and corrections reaching existing databases.

The upgrade tests load an older agreements file first (Albania's reply limit not yet
known, as shipped before issue 14), then the current one, the way an existing database
meets a new release.
"""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from countries import reference, services
from countries.models import Agreement, ProfileChange
from countries.seed import seed_countries
from lp.web.extensions import db
from tests.conftest import base_config

SHIPPED = Path(reference.__file__).parent / "data"
#: The checksum of the agreements file that REFERENCE_VERSION describes.
CHECKSUM = "1530c333187d55f709082d4dd242a797445b20a8df6890309ca727e9e5ee595b"
ARTICLE = re.compile(r"\bArt(?:icle|\.)\s*\d+")
ALBANIA = ("Agreement between the European Community and the Republic of Albania on the readmission of persons "
           "residing without authorisation")


def _shipped_rows() -> list[dict[str, str]]:
    return reference.data_rows("agreements.csv")


def test_the_version_is_raised_with_every_change_to_the_agreements_file():
    digest = hashlib.sha256((SHIPPED / "agreements.csv").read_bytes()).hexdigest()
    assert (reference.REFERENCE_VERSION, digest) == (2, CHECKSUM), (
        "agreements.csv changed: raise countries.reference.REFERENCE_VERSION and update CHECKSUM here")


@pytest.mark.parametrize("row", _shipped_rows(), ids=lambda row: f"{row['alpha2']}-{row['kind']}")
def test_each_agreement_row_has_sourced_terms(row):
    """Limit, unit, extension, silence, in force and source; no number without its article."""
    limit, unit, extension = row["reply_time_limit_days"], row["reply_time_limit_unit"], row["reply_extension_days"]
    assert limit == "" or (limit.isdigit() and 0 < int(limit) <= 365)
    assert unit in ("", "calendar", "working") and (limit or not unit)
    assert extension == "" or (limit and extension.isdigit() and int(extension) >= int(limit))
    assert row["silence_is_acceptance"] in ("", "yes", "no")
    assert row["in_force_since"] == "" or date.fromisoformat(row["in_force_since"])
    source = row["source"]
    # Where the text was published, or at least the act that concluded it.
    assert any(where in source for where in ("OJ L", "treaty database", "Council Decision"))
    if limit or row["silence_is_acceptance"]:
        assert ARTICLE.search(source), "a limit or a silence rule needs the article it comes from"
    if not limit:
        assert "search" in source, "an unknown limit says what was searched"


def test_albania_has_the_limit_its_agreement_states():
    albania = next(r for r in _shipped_rows() if r["alpha2"] == "AL")
    assert (albania["reply_time_limit_days"], albania["reply_time_limit_unit"], albania["silence_is_acceptance"]) \
        == ("14", "calendar", "yes")
    assert "Art. 10(2)" in albania["source"]


@pytest.fixture
def older_release(tmp_path, monkeypatch):
    """Ship the agreements as an earlier release did (Albania's limit unknown), until switched back."""
    old = tmp_path / "old_data"
    shutil.copytree(SHIPPED, old)
    rows = _shipped_rows()
    for row in rows:
        if row["alpha2"] == "AL":
            row.update(reply_time_limit_days="", reply_time_limit_unit="", silence_is_acceptance="")
    with (old / "agreements.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    monkeypatch.setattr(reference, "DATA", old)
    return lambda: monkeypatch.setattr(reference, "DATA", SHIPPED)


def _albania() -> Agreement:
    country = services.get_country("AL")
    return next(a for a in country.agreements if a.title == ALBANIA)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_upgrading_applies_a_corrected_row_and_records_it_as_reference(app, older_release):
    with app.app_context():
        seed_countries()
        assert _albania().reply_time_limit_days is None
        version_before = services.get_country("AL").version
        older_release()  # the new release
        assert seed_countries() == {"countries": 0, "agreements": 0, "updated": 3, "review": 0}
        agreement = _albania()
        assert (agreement.reply_time_limit_days, agreement.reply_time_limit_unit,
                agreement.silence_is_acceptance) == (14, "calendar", "yes")
        albania = services.get_country("AL")
        assert albania.version == version_before + 1 and not albania.edited
        latest = [c for c in services.history(albania) if c.version == albania.version]
        assert {(c.field, c.old_value, c.new_value, c.source, c.user_id) for c in latest} == {
            ("reply_time_limit_days", None, "14", "reference", None),
            ("reply_time_limit_unit", "unknown", "calendar", "reference", None),
            ("silence_is_acceptance", "unknown", "yes", "reference", None),
        }
        assert reference.applied_version().version == reference.REFERENCE_VERSION


def test_a_value_changed_by_hand_stays_and_is_listed_for_review(app, older_release, make_user, runner,
                                                                 login_as, client):
    staff_id = make_user(email="desk@example.org", role="staff")
    with app.app_context():
        seed_countries()
        albania = services.get_country("AL")
        services.update_item(_albania(), "agreement", {"reply_time_limit_days": 20},
                             expected_version=albania.version, user_id=staff_id)
        older_release()
        counts = seed_countries()
        assert (counts["updated"], counts["review"]) == (2, 1)  # unit and silence: nobody touched them
        assert _albania().reply_time_limit_days == 20
        [item] = reference.plan().review
        assert (item.alpha2, item.field, item.current, item.shipped, item.changed_by) == (
            "AL", "reply_time_limit_days", "20", "14", "ui")

    output = runner.invoke(args=["lp", "reference", "review"]).output
    assert "AL  Agreement between the European Community and the Republic of Albania" in output
    assert "reply_time_limit_days: database '20', shipped '14' (changed by hand via ui," in output

    login_as("admin")
    page = client.get("/countries/reference/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    edit_url = f"/countries/AL/agreements/{item.agreement_id}/edit"
    assert re.search(r"<td><a href=\"/countries/AL\">AL</a></td>\s*<td><a href=\"" + edit_url + r"\">Agreement between "
                     r"the European Community and the Republic of Albania[^<]*</a></td>\s*"
                     r"<td>Reply time limit \(days\)</td>\s*"
                     r"<td>20</td>\s*<td>14</td>\s*<td>web form, ", page), page
    assert "This database received version 2 on" in page
    assert 'href="/countries/reference/"' in client.get("/countries/").get_data(as_text=True)


def test_a_removed_agreement_is_not_added_again_but_listed(app, make_user):
    staff_id = make_user(email="desk@example.org", role="staff")
    with app.app_context():
        seed_countries()
        albania = services.get_country("AL")
        services.remove_item(_albania(), "agreement", expected_version=albania.version, user_id=staff_id)
        seed_countries()
        assert services.get_country("AL").agreements == []
        [item] = reference.plan().review
        assert (item.alpha2, item.field, item.agreement, item.changed_by) == ("AL", "", ALBANIA, "ui")


def test_applying_twice_changes_nothing_the_second_time(app, older_release, runner):
    with app.app_context():
        seed_countries()
        older_release()
        first = runner.invoke(args=["lp", "reference", "apply"])
        assert "3 value(s) updated" in first.output, first.output
        before = (_count(Agreement), _count(ProfileChange), services.get_country("AL").version,
                  reference.applied_version().applied_at)
    second = runner.invoke(args=["lp", "reference", "apply"])
    assert "0 value(s) updated, 0 agreement(s) added." in second.output
    with app.app_context():
        assert (_count(Agreement), _count(ProfileChange), services.get_country("AL").version,
                reference.applied_version().applied_at) == before


def test_only_administrators_see_the_review(app, login_as, client):
    login_as("staff")
    assert client.get("/countries/reference/").status_code == 403
    assert "/countries/reference/" not in client.get("/countries/").get_data(as_text=True)


def test_lp_init_brings_an_existing_database_up_to_the_shipped_data(empty_database_url, tmp_path, older_release):
    """The whole upgrade: a database made by an older release, then ``lp init`` of the new one."""
    from lp import create_app

    app = create_app({**base_config(empty_database_url, tmp_path / "instance"),
                      "LP_ADMIN_EMAIL": "boss@example.org", "LP_ADMIN_PASSWORD": "a long admin password"})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["lp", "init"]).exit_code == 0
    older_release()
    upgraded = runner.invoke(args=["lp", "init"])
    assert upgraded.exit_code == 0, upgraded.output
    assert "Reference data: 3 value(s) updated, 0 agreement(s) added" in upgraded.output
    again = runner.invoke(args=["lp", "init"])
    assert "Reference data:" not in again.output
    with app.app_context():
        assert _albania().reply_time_limit_days == 14
        db.session.remove()
        db.engine.dispose()
