"""CSV export and import of country profiles: round trip, checks, preview, UI and CLI."""

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from countries import csv_format, csv_import, services
from countries.models import Agreement, Country, Mission, ProfileChange
from countries.seed import seed_countries
from lp.core.csv import escape_cell
from lp.core.validation import Conflict
from lp.web.extensions import db
from tests.conftest import csrf_token_from

HYPERLINK = '=HYPERLINK("http://x","y")'


def _add_country(alpha2, alpha3, name_nl, name_en, **values) -> Country:
    country = Country(alpha2=alpha2, alpha3=alpha3, name_nl=name_nl, name_en=name_en, region="002",
                      version=1)
    db.session.add(country)
    db.session.flush()
    if values:
        services.update_profile(country, values, expected_version=1, user_id=None)
    return country


@pytest.fixture
def countries(app):
    """Four countries; Côte d'Ivoire has an agreement and a mission."""
    with app.app_context():
        _add_country("NL", "NLD", "Nederland", "Netherlands")
        _add_country("BE", "BEL", "België", "Belgium", notes="één café")
        _add_country("DE", "DEU", "Duitsland", "Germany", presentation_required="yes")
        ci = _add_country("CI", "CIV", "Ivoorkust", "Côte d’Ivoire")
        services.add_item(ci, "agreement", services.parse_values("agreement", {
            "kind": "eu_readmission", "title": "EU-overeenkomst", "reply_time_limit_days": "30"}),
            expected_version=ci.version, user_id=None)
        services.add_item(ci, "mission", services.parse_values("mission", {
            "kind": "embassy", "name": "Ambassade van Ivoorkust", "city": "Brussel", "located_in": "BE",
            "phone": "+32 2 672 23 57", "correspondence_language": "fr"}),
            expected_version=ci.version, user_id=None)
        db.session.commit()


def _export(app, delimiter=";") -> bytes:
    with app.app_context():
        countries = db.session.scalars(csv_format.with_items(select(Country)))
        return csv_format.write_csv(countries, delimiter)


def _rewrite(data: bytes, changes: dict[str, dict[str, str]], *, delimiter=";", bom=True) -> bytes:
    """Change cells of an exported file as a spreadsheet user would, and save it again."""
    text = data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=text[6]))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        for column, value in changes.get(row["alpha2"], {}).items():
            row[column] = escape_cell(value)
        writer.writerow(row)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def _state(app):
    """Return every country's version and field texts, and the number of history records."""
    with app.app_context():
        countries = db.session.scalars(csv_format.with_items(select(Country)))
        state = {c.alpha2: (c.version, csv_format.country_record(c)) for c in countries}
        return state, db.session.scalar(select(func.count()).select_from(ProfileChange))


def _plan_and_apply(app, data: bytes, user_id=None) -> int:
    with app.app_context():
        plan = csv_import.plan_import(data)
        return csv_import.apply_import(data, plan.versions, user_id=user_id)


def _upload(client, data: bytes, filename="landen.csv"):
    token = csrf_token_from(client.get("/countries/csv/import").get_data(as_text=True))
    form = {"csrf_token": token, "file": (io.BytesIO(data), filename)}
    return client.post("/countries/csv/import", data=form, content_type="multipart/form-data")


# -- the round trip ------------------------------------------------------------------------

def test_export_then_import_changes_nothing(app, make_user):
    holder = make_user(email="holder@example.org", role="staff")
    with app.app_context():
        seed_countries()
        ma = services.get_country("MA")
        services.update_profile(ma, services.parse_values("country", {
            "portfolio_holder": "holder@example.org", "notes": "Regel 1\r\nRegel 2; \"quoted\", comma",
            "lp_validity_days": "30", "last_reviewed_on": "2024-05-01", "presentation_required": "sometimes",
            "accepted_documents": "-kopie paspoort"}, partial=True), expected_version=ma.version, user_id=holder)
        for name in ("Ambassade", "Consulaat", "Ereconsulaat", "Handelsmissie"):
            services.add_item(ma, "mission", services.parse_values("mission", {
                "kind": "consulate", "name": name, "phone": "+212 5", "email": "@x",
                "correspondence_language": "fr"}), expected_version=ma.version, user_id=holder)
    before = _state(app)
    data = _export(app)
    text = data.decode("utf-8-sig")
    assert text.count("\r\n") == 250  # header and 249 countries: records end in CRLF
    assert "Regel 1\nRegel 2" in text  # the line break typed in the notes is stored (and written) as LF
    assert "mission_4_name" in text.splitlines()[0] and "mission_5_name" not in text.splitlines()[0]

    with app.app_context():
        assert csv_import.plan_import(data).previews == []
    assert _plan_and_apply(app, data) == 0
    assert _state(app) == before
    assert _export(app) == data


def test_formula_in_notes_is_exported_neutralised_and_imported_back_unchanged(app, countries):
    with app.app_context():
        nl = services.get_country("NL")
        services.update_profile(nl, {"notes": HYPERLINK}, expected_version=nl.version, user_id=None)
    data = _export(app)
    cells = next(r for r in csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";") if r[0] == "NL")
    notes = cells[csv_format.header({"agreement": 2, "mission": 3}).index("notes")]
    assert notes.startswith("'=") and notes == "'" + HYPERLINK

    with app.app_context():
        nl = services.get_country("NL")
        services.update_profile(nl, {"notes": "overwritten"}, expected_version=nl.version, user_id=None)
    assert _plan_and_apply(app, data) == 1
    with app.app_context():
        assert services.get_country("NL").notes == HYPERLINK


def test_phone_number_with_plus_round_trips(app, countries):
    data = _export(app)
    assert "'+32 2 672 23 57" in data.decode("utf-8-sig")
    assert _plan_and_apply(app, data) == 0


@pytest.mark.parametrize("delimiter", [";", ","])
@pytest.mark.parametrize("bom", [True, False])
def test_both_separators_import_with_and_without_bom(app, countries, delimiter, bom):
    data = _rewrite(_export(app), {"DE": {"notes": "één, twee; drie", "biometric_registers": "no"}},
                    delimiter=delimiter, bom=bom)
    assert data.startswith(b"\xef\xbb\xbf") == bom
    assert _plan_and_apply(app, data) == 1
    with app.app_context():
        de = services.get_country("DE")
        assert (de.notes, de.biometric_registers, de.presentation_required) == ("één, twee; drie", "no", "yes")


def test_accents_survive_export_and_import(app, countries):
    data = _export(app)
    text = data.decode("utf-8")
    assert "Côte d’Ivoire" in text and "één café" in text and "België" in text
    changed = _rewrite(data, {"CI": {"notes": "Ambassade in Brussel — één contactpersoon, Chloë"}})
    assert _plan_and_apply(app, changed) == 1
    with app.app_context():
        assert services.get_country("CI").notes == "Ambassade in Brussel — één contactpersoon, Chloë"
        assert services.get_country("BE").notes == "één café"


# -- checks: nothing applied when anything is wrong ----------------------------------------

def test_three_bad_rows_report_three_errors_and_change_nothing(app, countries):
    data = _rewrite(_export(app), {
        "BE": {"presentation_required": "perhaps"},
        "CI": {"agreement_1_in_force_since": "1-2-2020", "notes": "would be fine"},
        "DE": {"lp_validity_days": "ninety"},
        "NL": {"notes": "a valid change that must not be applied either"},
    })
    before = _state(app)
    with app.app_context(), pytest.raises(csv_format.CsvImportError) as failure:
        csv_import.plan_import(data)
    errors = [(e.row, e.column) for e in failure.value.errors]
    assert errors == [(2, "presentation_required"), (3, "agreement_1_in_force_since"),
                      (4, "lp_validity_days")]
    with pytest.raises(csv_format.CsvImportError):
        _plan_and_apply(app, data)
    assert _state(app) == before


def test_unknown_country_duplicate_row_and_unknown_holder_are_reported(app, countries, make_user):
    make_user(email="viewer@example.org", role="viewer")
    text = _rewrite(_export(app), {"NL": {"portfolio_holder": "viewer@example.org"}}).decode("utf-8")
    lines = text.split("\r\n")
    be_line = next(line for line in lines if line.startswith("BE;"))
    text = text.rstrip("\r\n") + "\r\n" + be_line + "\r\n" + "XX" + be_line[2:] + "\r\n"
    with app.app_context(), pytest.raises(csv_format.CsvImportError) as failure:
        csv_import.plan_import(text.encode())
    with app.test_request_context(headers={"Accept-Language": "en"}):
        found = [(e.row, e.column, str(e.message)) for e in failure.value.errors]
    assert found == [
        (5, "portfolio_holder", "No staff account with this email address."),
        (6, "alpha2", "This country is already in row 2."),
        (7, "alpha2", "Unknown country code XX."),
    ]


def test_conflict_on_the_second_country_leaves_nothing_applied(app, countries, make_user):
    importer = make_user(email="importer@example.org")
    data = _rewrite(_export(app), {"BE": {"notes": "import BE"}, "CI": {"notes": "import CI"}})
    with app.app_context():
        plan = csv_import.plan_import(data)
        assert [p.country.alpha2 for p in plan.previews] == ["BE", "CI"]
        ci = services.get_country("CI")  # someone saves CI after the preview
        services.update_profile(ci, {"notes": "colleague"}, expected_version=ci.version, user_id=None)
        db.session.remove()
    before = _state(app)
    with app.app_context(), pytest.raises(Conflict):
        csv_import.apply_import(data, plan.versions, user_id=importer)
    assert _state(app) == before
    with app.app_context():
        assert services.get_country("BE").notes == "één café"
        assert services.get_country("CI").notes == "colleague"


# -- agreements and missions by position ---------------------------------------------------

def test_items_are_matched_by_position_added_changed_and_removed(app, countries):
    data = _rewrite(_export(app), {
        "CI": {"agreement_1_reply_time_limit_days": "45",
               **{f"mission_1_{spec}": "" for spec in ("kind", "name", "city", "located_in", "phone",
                                                        "correspondence_language")}},
        "NL": {"agreement_2_kind": "mou", "agreement_2_title": "Werkafspraken",
               "mission_3_name": "Consulaat", "mission_3_kind": "consulate",
               "mission_3_correspondence_language": "nl"},
    })
    with app.app_context():
        previews = {p.country.alpha2: p for p in csv_import.plan_import(data).previews}
        assert [(i.entity, i.position, i.action) for i in previews["CI"].items] == [
            ("agreement", 1, "changed"), ("mission", 1, "removed")]
        assert [(c.spec.name, c.old, c.new) for c in previews["CI"].items[0].fields] == [
            ("reply_time_limit_days", "30", "45")]
        assert [(i.entity, i.position, i.action) for i in previews["NL"].items] == [
            ("agreement", 1, "added"), ("mission", 1, "added")]
    assert _plan_and_apply(app, data) == 2
    with app.app_context():
        ci, nl = services.get_country("CI"), services.get_country("NL")
        assert [a.reply_time_limit_days for a in ci.agreements] == [45]
        assert ci.missions == []
        assert [(a.kind, a.title) for a in nl.agreements] == [("mou", "Werkafspraken")]
        assert [(m.kind, m.name, m.located_in) for m in nl.missions] == [("consulate", "Consulaat", "NL")]
        assert db.session.scalar(select(func.count()).select_from(Mission)) == 1
        assert db.session.scalar(select(func.count()).select_from(Agreement)) == 2
    assert _plan_and_apply(app, data) == 0  # the same file again: already there


# -- in the browser ------------------------------------------------------------------------

def test_export_downloads_the_filtered_list(app, client, countries, login_as):
    login_as("viewer")
    response = client.get("/countries/csv/export.csv?presentation_required=yes")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "countries-20" in disposition and ".csv" in disposition
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    assert [row[0] for row in rows[1:]] == ["DE"]

    response = client.get("/countries/csv/export.csv?q=ivoor&delimiter=,")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=","))
    assert rows[0][0] == "alpha2" and [row[0] for row in rows[1:]] == ["CI"]

    all_rows = client.get("/countries/csv/export.csv").get_data().decode("utf-8-sig").splitlines()
    assert [line[:2] for line in all_rows[1:]] == ["BE", "CI", "DE", "NL"]  # by alpha2


def test_export_with_bad_filter_arguments_is_refused(app, client, countries, login_as):
    login_as("viewer")
    assert client.get("/countries/csv/export.csv?presentation_required=maybe").status_code == 422
    assert client.get("/countries/csv/export.csv?delimiter=|").status_code == 422


def test_upload_shows_the_preview_and_apply_records_history_under_the_importer(app, client, countries,
                                                                               login_as):
    staff = login_as("staff")
    data = _rewrite(_export(app), {"DE": {"notes": "Nieuwe notitie", "presentation_required": "no"}})
    response = _upload(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Duitsland (DE)" in html
    assert "Notities" in html and "Nieuwe notitie" in html
    assert "Presentatie in persoon vereist" in html and ">ja<" in html and ">nee<" in html
    assert "(NL)" not in html  # unchanged countries are not listed
    with app.app_context():
        assert services.get_country("DE").notes == ""  # the preview writes nothing

    token = csrf_token_from(html)
    import_token = html.split('name="token" value="')[1].split('"')[0]
    response = client.post("/countries/csv/import/apply", data={"csrf_token": token, "token": import_token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/countries/")
    # The flash shows on the next page (any page; this one does not depend on the list).
    page = client.get("/countries/csv/import").get_data(as_text=True)
    assert "1 land gewijzigd door de import." in page
    with app.app_context():
        de = services.get_country("DE")
        assert (de.notes, de.presentation_required) == ("Nieuwe notitie", "no")
        changes = services.history(de)
        latest = [c for c in changes if c.version == de.version]
        assert {(c.field, c.old_value, c.new_value) for c in latest} == {
            ("notes", None, "Nieuwe notitie"), ("presentation_required", "yes", "no")}
        assert {(c.user_id, c.source) for c in latest} == {(staff, "import")}

    # The stored file is gone: applying twice is refused.
    again = client.post("/countries/csv/import/apply", data={"csrf_token": token, "token": import_token})
    assert again.status_code == 410
    assert list((Path(app.instance_path) / "imports").iterdir()) == []


def test_upload_with_errors_lists_them_and_changes_nothing(app, client, countries, login_as):
    login_as("staff")
    data = _rewrite(_export(app), {"BE": {"forced_return": "maybe"}, "NL": {"last_reviewed_on": "gisteren"}})
    response = _upload(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "forced_return" in html and "last_reviewed_on" in html
    assert "Vul een datum in als JJJJ-MM-DD." in html and "Geen van de toegestane waarden" in html
    assert 'name="token"' not in html


def test_upload_with_a_wrong_header_names_the_column(app, client, countries, login_as):
    login_as("staff")
    data = _export(app).replace(b";notes;", b";remarks;", 1)
    html = _upload(client, data).get_data(as_text=True)
    assert "<code>remarks</code>" in html and "<code>notes</code>" in html


def test_unchanged_file_shows_that_nothing_would_change(app, client, countries, login_as):
    login_as("staff")
    response = _upload(client, _export(app))
    assert response.status_code == 200
    assert 'name="token"' not in response.get_data(as_text=True)


def test_another_user_cannot_apply_someone_elses_upload(app, client, countries, login_as, auth, make_user):
    login_as("staff")
    html = _upload(client, _rewrite(_export(app), {"NL": {"notes": "x"}})).get_data(as_text=True)
    import_token = html.split('name="token" value="')[1].split('"')[0]
    auth.logout()
    login_as("staff", email="other@example.org")
    response = client.post("/countries/csv/import/apply", data={
        "csrf_token": csrf_token_from(client.get("/countries/csv/import").get_data(as_text=True)),
        "token": import_token})
    assert response.status_code == 403
    with app.app_context():
        assert services.get_country("NL").notes == ""


def test_viewer_may_export_but_not_import(app, client, countries, login_as):
    login_as("viewer")
    assert client.get("/countries/csv/export.csv").status_code == 200
    assert client.get("/countries/csv/import").status_code == 403
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    form = {"csrf_token": token, "file": (io.BytesIO(b"x"), "a.csv")}
    response = client.post("/countries/csv/import", data=form, content_type="multipart/form-data")
    assert response.status_code == 403
    form = {"csrf_token": token, "token": "x" * 32}
    assert client.post("/countries/csv/import/apply", data=form).status_code == 403


# -- on the command line -------------------------------------------------------------------

def test_cli_export_writes_every_country(app, runner, countries, tmp_path):
    target = tmp_path / "landen.csv"
    result = runner.invoke(args=["lp", "countries", "export", str(target)])
    assert result.exit_code == 0, result.output
    assert "4 countries" in result.output
    assert target.read_bytes() == _export(app)
    result = runner.invoke(args=["lp", "countries", "export", str(target), "--delimiter", ","])
    assert target.read_bytes() == _export(app, ",")


def test_cli_import_dry_run_then_apply(app, runner, countries, tmp_path, make_user):
    importer = make_user(email="importer@example.org")
    path = tmp_path / "landen.csv"
    path.write_bytes(_rewrite(_export(app), {"NL": {"notes": "Via de opdrachtregel"}}))

    result = runner.invoke(args=["lp", "countries", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "NL Netherlands" in result.output and "Notes: '' -> 'Via de opdrachtregel'" in result.output
    assert "1 of 4 countries would change" in result.output
    with app.app_context():
        assert services.get_country("NL").notes == ""

    result = runner.invoke(args=["lp", "countries", "import", str(path), "--user", "importer@example.org"])
    assert result.exit_code == 0, result.output
    assert "Changed 1 of 4 countries." in result.output
    with app.app_context():
        nl = services.get_country("NL")
        assert nl.notes == "Via de opdrachtregel"
        assert {(c.user_id, c.source) for c in services.history(nl)} == {(importer, "import")}


def test_cli_import_prints_errors_and_exits_non_zero(app, runner, countries, tmp_path):
    path = tmp_path / "landen.csv"
    path.write_bytes(_rewrite(_export(app), {"BE": {"lp_validity_days": "-3"}, "DE": {"notes": "ok"}}))
    before = _state(app)
    result = runner.invoke(args=["lp", "countries", "import", str(path)])
    assert result.exit_code == 1
    assert "Row 2 (BE), column lp_validity_days: Enter a whole number of 0 or more." in result.output
    assert _state(app) == before

    result = runner.invoke(args=["lp", "countries", "import", str(path), "--user", "nobody@example.org"])
    assert result.exit_code != 0 and "nobody@example.org" in result.output
