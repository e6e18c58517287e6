"""The CSV format on its own: escaping against formula injection, header, encoding."""

import io

import pytest

from countries import csv_format
from countries.csv_format import CsvImportError
from countries.fields import AGREEMENT_FIELDS, COUNTRY_FIELDS, MISSION_FIELDS
from lp.core.csv import escape_cell, unescape_cell

ROUND_TRIP = [
    '=HYPERLINK("http://x","y")',
    "+31 70 123",
    "-",
    "@foo",
    "'=x",
    "''=x",
    "'plain",
    "\tstarts with a tab",
    "\rstarts with a carriage return",
    "plain text",
    "",
    "'",
    "a = b",
]


@pytest.mark.parametrize("value", ROUND_TRIP)
def test_every_value_round_trips(value):
    assert unescape_cell(escape_cell(value)) == value


@pytest.mark.parametrize("value, written", [
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("+31 70 123", "'+31 70 123"),
    ("-", "'-"),
    ("@foo", "'@foo"),
    ("\tx", "'\tx"),
    ("\rx", "'\rx"),
    ("'=x", "''=x"),
    ("''=x", "'''=x"),
    ("'plain", "'plain"),
    ("plain", "plain"),
])
def test_cells_that_could_start_a_formula_get_one_apostrophe(value, written):
    assert escape_cell(value) == written


def test_import_removes_only_the_apostrophe_the_export_added():
    assert unescape_cell("'=x") == "=x"
    assert unescape_cell("''=x") == "'=x"
    assert unescape_cell("'plain") == "'plain"


def test_header_names_every_field_once_with_at_least_two_agreements_and_three_missions():
    columns = csv_format.header({"agreement": 2, "mission": 3})
    assert columns[:5] == ["alpha2", "alpha3", "name_nl", "name_en", "region"]
    assert columns[5:5 + len(COUNTRY_FIELDS)] == [spec.name for spec in COUNTRY_FIELDS]
    assert "portfolio_holder" in columns
    assert "agreement_2_reply_time_limit_days" in columns and "agreement_3_kind" not in columns
    assert "mission_3_correspondence_language" in columns and "mission_4_name" not in columns
    assert len(columns) == 5 + len(COUNTRY_FIELDS) + 2 * len(AGREEMENT_FIELDS) + 3 * len(MISSION_FIELDS)
    assert len(set(columns)) == len(columns)


def _file(columns, rows, delimiter=";", bom=True) -> bytes:
    lines = [delimiter.join(columns)] + [delimiter.join(row) for row in rows]
    return (("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n").encode("utf-8")


COLUMNS = csv_format.header({"agreement": 1, "mission": 0})


def _read(data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Read a whole file as the import does; raise CsvImportError for any problem."""
    errors = csv_format.ErrorLog()
    columns, records = csv_format.read_csv(io.BytesIO(data), errors)
    rows = list(records)
    errors.check()
    return columns, rows


@pytest.mark.parametrize("delimiter", [";", ","])
@pytest.mark.parametrize("bom", [True, False])
def test_separator_and_bom_are_detected(app, delimiter, bom):
    row = ["NL"] + [""] * (len(COLUMNS) - 1)
    columns, rows = _read(_file(COLUMNS, [row], delimiter, bom))
    assert columns == COLUMNS
    assert [(line, cells["alpha2"]) for line, cells in rows] == [(2, "NL")]


def test_wrong_header_names_each_bad_column(app):
    columns = [c for c in COLUMNS if c not in ("notes", "agreement_1_title")] + ["remarks"]
    with pytest.raises(CsvImportError) as failure:
        _read(_file(columns, []))
    named = {(e.row, e.column) for e in failure.value.errors}
    assert named == {(1, "notes"), (1, "agreement_1_title"), (1, "remarks")}


def test_header_without_alpha2_is_refused(app):
    with pytest.raises(CsvImportError) as failure:
        _read(_file(COLUMNS[1:], []))
    assert [e.column for e in failure.value.errors] == ["alpha2"]


def test_text_that_is_not_utf8_is_refused_with_a_clear_message(app):
    data = ";".join(COLUMNS).encode() + b"\r\nNL;" + "Côte".encode("cp1252") + b"\r\n"
    with pytest.raises(CsvImportError) as failure:
        _read(data)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert "UTF-8" in str(failure.value.errors[0].message)


def test_row_with_the_wrong_number_of_cells_is_reported_with_its_line(app):
    data = _file(COLUMNS, [["NL", "NLD"], ["BE"] + [""] * (len(COLUMNS) - 1), ["DE", "x"]])
    with pytest.raises(CsvImportError) as failure:
        _read(data)
    assert [e.row for e in failure.value.errors] == [2, 4]


def test_row_numbers_are_a_spreadsheet_s_not_a_text_editor_s_lines(app):
    row = ["NL"] + [""] * (len(COLUMNS) - 1)
    multi = list(row)
    multi[COLUMNS.index("notes")] = '"two\r\nlines"'
    _columns, rows = _read(_file(COLUMNS, [multi, row]))
    assert [number for number, _cells in rows] == [2, 3]
    assert rows[0][1]["notes"] == "two\r\nlines"


def test_all_empty_group_is_no_item_and_numbers_are_parsed(app):
    columns = csv_format.header({"agreement": 2, "mission": 0})
    cells = dict.fromkeys(columns, "")
    cells.update(alpha2="nl", agreement_2_kind="mou", agreement_2_title="Werkafspraken",
                 agreement_2_reply_time_limit_days="30", lp_validity_days="90")
    with app.app_context():
        row, errors = csv_format.parse_row(2, cells, {"agreement": 2, "mission": 0},
                                             csv_format.group_parser(lambda email: None))
    assert errors == []
    assert row.alpha2 == "NL"
    assert row.values["lp_validity_days"] == 90
    assert row.items["agreement"] == [{
        "kind": "mou", "title": "Werkafspraken", "in_force_since": None, "reply_time_limit_days": 30,
        "reply_time_limit_unit": "unknown", "reply_extension_days": None,
        "silence_is_acceptance": "unknown", "source": "",
    }]
    assert row.items["mission"] == []


def test_export_uses_bom_semicolons_and_crlf(app):
    from countries.models import Country

    country = Country(alpha2="NL", alpha3="NLD", name_nl="Nederland", name_en="Netherlands", region="150",
                      notes="=1+1")
    for spec in COUNTRY_FIELDS:
        if spec.kind == "choice":
            setattr(country, spec.name, spec.default)
    country.agreements, country.missions = [], []
    data = csv_format.write_csv([country])
    assert data.startswith("\ufeffalpha2;alpha3;".encode())
    text = data.decode("utf-8-sig")
    assert text.count("\r\n") == 2 and "\n" not in text.replace("\r\n", "")
    assert ";'=1+1;" in text
    assert csv_format.write_csv([country], ",").decode("utf-8-sig").startswith("alpha2,alpha3,")
