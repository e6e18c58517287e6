"""Country profiles out to CSV and back in with a preview, through the browser's download and upload."""

import csv
import io
import re

import pytest

from tests.e2e import menu, playwright_expect

pytestmark = pytest.mark.e2e
expect = playwright_expect()

VALIDITY = "Gebruikelijke geldigheid LP (dagen)"


def _download_countries(page, tmp_path) -> tuple[list[str], list[dict[str, str]]]:
    """Click the list's CSV download; return the header and the rows of the saved file."""
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV downloaden").click()
    download = info.value
    assert re.fullmatch(r"countries-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "the file starts with a BOM so that Excel reads UTF-8"
    text = raw.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    header, *rows = list(reader)
    return header, [dict(zip(header, row, strict=True)) for row in rows]


def _write_csv(path, header: list[str], rows: list[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, header, delimiter=";", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)


def test_export_countries_and_import_a_change_with_preview(page, make_user, make_country, log_in, tmp_path):
    make_user("kim@example.org", role="staff", display_name="Kim Jansen")
    make_country("GN", alpha3="GIN", name_nl="Guinee", name_en="Guinea", lp_validity_days=30,
                 notes="Alleen op afspraak.", missions=[{"name": "Ambassade van Guinee", "city": "Brussel"}])
    make_country("MA", alpha3="MAR", name_nl="Marokko", name_en="Morocco", lp_validity_days=14)
    log_in("kim@example.org")
    menu(page).get_by_role("link", name="Landen").click()

    header, rows = _download_countries(page, tmp_path)
    assert header[:6] == ["alpha2", "alpha3", "name_nl", "name_en", "region", "presentation_required"]
    columns = {"lp_validity_days", "notes", "agreement_2_kind", "mission_1_name", "mission_3_city"}
    assert columns <= set(header)
    assert [row["alpha2"] for row in rows] == ["GN", "MA"]
    guinea = rows[0]
    assert (guinea["alpha3"], guinea["name_nl"], guinea["name_en"]) == ("GIN", "Guinee", "Guinea")
    assert (guinea["lp_validity_days"], guinea["notes"]) == ("30", "Alleen op afspraak.")
    assert (guinea["mission_1_name"], guinea["mission_1_city"]) == ("Ambassade van Guinee", "Brussel")

    # Change one value, as someone would in Excel, and upload the file.
    guinea["lp_validity_days"] = "60"
    changed = tmp_path / "countries-changed.csv"
    _write_csv(changed, header, rows)
    page.get_by_role("link", name="CSV importeren").click()
    expect(page.get_by_role("heading", name="Landenprofielen importeren")).to_be_visible()
    page.get_by_label("CSV-bestand (UTF-8)").set_input_files(changed)
    page.get_by_role("button", name="Wijzigingen tonen").click()

    # The preview lists the one change; nothing is saved yet.
    expect(page.get_by_text("Het bestand heeft 2 regels; 1 land zou veranderen:")).to_be_visible()
    expect(page.get_by_role("heading", name="Guinee (GN)")).to_be_visible()
    expect(page.get_by_role("heading", name="Marokko (MA)")).to_have_count(0)
    change = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=VALIDITY))
    expect(change.get_by_role("cell")).to_have_text(["30", "60"])
    page.get_by_role("button", name="Deze wijzigingen doorvoeren").click()

    expect(page.get_by_role("alert")).to_contain_text("1 land gewijzigd door de import.")
    expect(page.get_by_role("heading", name="Landen", exact=True)).to_be_visible()
    page.get_by_role("link", name="Guinee", exact=True).click()
    fact = page.locator(f"xpath=//dt[normalize-space()='{VALIDITY}']/following-sibling::dd[1]")
    expect(fact).to_have_text("60")
    history = page.get_by_role("table", name="Geschiedenis")
    entry = history.get_by_role("row").filter(has_text=VALIDITY)
    expect(entry).to_contain_text("CSV-import")
    expect(entry).to_contain_text("Kim Jansen")
    expect(entry.get_by_role("cell").nth(-2)).to_have_text("30")
    expect(entry.get_by_role("cell").nth(-1)).to_have_text("60")
