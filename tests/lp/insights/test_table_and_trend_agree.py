"""The figures table and the quarterly chart beside it count the same requests the same way.

Defect 11 of issue 11: in the default 12-month view the table's "Geen antwoord" was 0
while the chart showed 6-11 per quarter (the chart counted decisions in the period,
the table requests submitted in it). On generated (demo) data, for several periods
and for one country, each outcome's total in the table equals the sum of the chart's
quarters, as a person reads them on the page.
"""

import re
from datetime import date, timedelta

import pytest

from lp.demo.data import STAFF, staff_email
from lp.insights.stats import TREND_OUTCOMES

#: The figures table's outcome cells, in the order of templates/insights/_macros.html figure_cells.
FIGURE_CELLS = ("p90", "rate", "issued", "refused", "handover", "deemed_agreed", "no_reply", "withdrawn")


@pytest.fixture(scope="module")
def demo_password():
    return "a long demo password 123"


@pytest.fixture
def demo(app, runner, auth, demo_password):
    result = runner.invoke(args=["lp", "demo", "--persons", "120"], env={"LP_DEMO_PASSWORD": demo_password})
    assert result.exit_code == 0, result.output
    assert auth.login(staff_email(STAFF[0][0]), demo_password).status_code == 302


def _cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]


def _trend_sums(html: str) -> dict[str, int]:
    table = re.search(r'<table[^>]*id="table-trend".*?</table>', html, re.S).group(0)
    sums = dict.fromkeys(TREND_OUTCOMES, 0)
    for row in re.findall(r"<tbody>.*?</tbody>", table, re.S)[0].split("</tr>")[:-1]:
        for outcome, value in zip(TREND_OUTCOMES, re.findall(r'data-value="(\d+)"', row), strict=True):
            sums[outcome] += int(value)
    return sums


def _table_totals(html: str) -> dict[str, int]:
    footer = re.search(r'<table[^>]*id="table-countries".*?<tfoot>(.*?)</tfoot>', html, re.S).group(1)
    cells = _cells(footer)[3:]  # after requests, median, share within the limit
    values = dict(zip(FIGURE_CELLS, cells, strict=False))  # the cells after these do not matter here
    return {outcome: int(values[outcome]) for outcome in TREND_OUTCOMES}


def _country_table(page: str) -> dict[str, int]:
    figures = re.search(r'<table[^>]*id="table-figures".*?</table>', page, re.S).group(0)
    labels = {"issued": "Afgegeven", "refused": "Geweigerd", "no_reply": "Geen antwoord"}
    return {outcome: int(re.search(rf'<th scope="row">{label}</th><td class="text-end">(\d+)</td>',
                                   figures).group(1))
            for outcome, label in labels.items()}


def test_table_and_chart_give_the_same_totals_for_every_period_and_country(client, demo):
    two_years_ago = (date.today() - timedelta(days=730)).isoformat()
    for query in ("", f"?from={two_years_ago}"):  # the default 12 months, and two years
        html = client.get(f"/insights/{query}").get_data(as_text=True)
        totals = _table_totals(html)
        assert totals == _trend_sums(html), query
        assert sum(totals.values()) > 0
    assert totals["no_reply"] > 0  # over two years the demo has requests closed as "no reply"

    alpha2 = re.search(r'href="/insights/countries/([A-Z]{2})', html).group(1)
    page = client.get(f"/insights/countries/{alpha2}?from={two_years_ago}").get_data(as_text=True)
    assert _country_table(page) == _trend_sums(page)
