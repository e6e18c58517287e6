"""Files in the browser: a letter uploaded on the request page is listed and downloads as it was; a renamed
program is refused with the reason, and nothing is listed."""

from __future__ import annotations

import pytest

from tests.e2e import playwright_expect
from tests.lp.files import samples

pytestmark = pytest.mark.e2e
expect = playwright_expect()


@pytest.fixture
def request_id(make_country, make_request, make_user):
    make_user("kim@example.org", role="staff")
    make_country("GN", name_nl="Guinee", missions=[{"name": "Ambassade van Guinee"}])
    return make_request("GN", submitted_on="2026-10-01")


def test_a_file_uploaded_on_the_request_page_is_listed_and_downloads(page, log_in, request_id, tmp_path):
    log_in("kim@example.org")
    page.goto(f"/requests/{request_id}")
    files = page.get_by_role("region", name="Bestanden (0)")
    expect(files).to_contain_text("Nog geen bestanden.")
    expect(files).to_contain_text("Bestanden worden niet op virussen gescand")

    program = tmp_path / "nota-verbale.pdf"
    program.write_bytes(samples.EXE)
    files.get_by_label("Bestand").set_input_files(program)
    files.get_by_role("button", name="Uploaden").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bestand uploaden bij aanvraag")
    expect(page.get_by_text("Dit soort bestand wordt niet aangenomen")).to_be_visible()

    letter = tmp_path / "nota verbale aan Guinee.pdf"
    letter.write_bytes(samples.PDF)
    page.goto(f"/requests/{request_id}")
    files = page.get_by_role("region", name="Bestanden (0)")
    files.get_by_label("Bestand").set_input_files(letter)
    files.get_by_role("button", name="Uploaden").click()
    expect(page.get_by_text("Bestand geüpload.")).to_be_visible()
    listed = page.get_by_role("region", name="Bestanden (1)")
    link = listed.get_by_role("link", name="nota verbale aan Guinee.pdf")
    expect(link).to_be_visible()
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "nota verbale aan Guinee.pdf"
    assert download.path().read_bytes() == samples.PDF
