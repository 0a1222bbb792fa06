"""In headless Chromium: a supervisor reads every report page over a small fixed data set.

Each page is opened from the report index, its headline figures and charts are read against
figures worked out by hand (tests/reports/calls_data.py, sales_data.py, loyalty_data.py),
a filter is changed in the filter bar, "How it is counted" is there, and a table is
downloaded and read back. An operator is refused; a Russian user reads Russian.
"""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from callcenter.db import make_engine, make_sessionmaker
from tests.browser.conftest import sign_in_page
from tests.conftest import PASSWORD
from tests.reports.calls_data import add_clients, add_day
from tests.reports.loyalty_data import add_loyalty_data
from tests.reports.sales_data import load_sales_data, rebuild_all

pytestmark = pytest.mark.browser

MARCH_2 = ("2026-03-02", "2026-03-02")
JANUARY = ("2026-01-01", "2026-01-31")
HALF_YEAR = ("2026-01-01", "2026-06-30")
FIGURE = ".report-figure"
CHART_TEXT = """title => {
  for (const svg of document.querySelectorAll("svg.chart")) {
    if (svg.querySelector("title")?.textContent === title) {
      return svg.querySelector("desc").textContent;
    }
  }
  return null;
}"""


async def seeded(database_url: str, add: Any) -> None:
    """Run ``add(session)`` in one transaction, then build the rollups from scratch."""
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        await add(session)
    await rebuild_all(sessionmaker)
    await engine.dispose()


async def no_wider_than_the_window(page: Any, width: int) -> None:
    """The page does not scroll sideways: its wide tables scroll inside their panel."""
    assert await page.evaluate("document.documentElement.scrollWidth") <= width
    widest = await page.evaluate(
        "Math.max(...[...document.querySelectorAll('.table-scroll')].map(b => b.scrollWidth))"
    )
    assert widest > 0


async def figure(page: Any, label: str) -> str:
    """The headline figure under ``label`` as the page shows it."""
    box = page.locator(FIGURE).filter(has=page.get_by_text(label, exact=True))
    return (await box.locator(".figure-value").text_content()).strip()


async def chart(page: Any, title: str) -> str:
    """What an SVG chart says it shows (its <desc>); None when there is no such chart."""
    return await page.evaluate(CHART_TEXT, title)


async def show(page: Any, **choices: str) -> None:
    """Change the filter bar (selects by their label, dates by value) and press Show."""
    bar = page.locator("form.report-filters")
    for name, value in choices.items():
        if name in ("since", "until"):
            await bar.locator(f"input[name={name}]").fill(value)
        elif name == "period":
            await bar.locator("select[name=period]").select_option(value=value)
        else:
            await bar.locator(f"select[name={name}]").select_option(label=value)
    async with page.expect_navigation():
        await bar.locator("button[type=submit]").click()


async def open_from_index(page: Any, title: str, period: tuple[str, str]) -> None:
    """The index lists the report; its page opens on this month, then the period is typed."""
    await page.goto("/reports")
    await page.locator("main").get_by_role("link", name=title, exact=True).click()
    await page.locator("form.report-filters").wait_for()
    await show(page, period="", since=period[0], until=period[1])


async def download(
    page: Any, table: str, file_format: str, label: str = "Export"
) -> tuple[str, list[list[Any]]]:
    """Press a table's export button; the file's name and its rows."""
    button = page.locator(f"#table-{table} a.export", has_text=f"{label} {file_format.upper()}")
    async with page.expect_download() as info:
        await button.click()
    got = await info.value
    rows = await asyncio.to_thread(read_rows, Path(await got.path()), file_format)
    return got.suggested_filename, rows


def read_rows(path: Path, file_format: str) -> list[list[Any]]:
    """A downloaded table's rows: XLSX cells as openpyxl reads them, CSV as text."""
    if file_format == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(path.read_bytes())).active
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    text = path.read_text(encoding="utf-8-sig")
    delimiter = ";" if ";" in text.splitlines()[0] else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


async def formulas_shown(page: Any, *names: str) -> None:
    formulas = page.locator("details.report-formulas")
    assert await formulas.locator("summary").text_content() == "How it is counted"
    assert await formulas.is_visible()
    shown = await formulas.locator("dt").all_text_contents()
    assert set(names) <= set(shown), shown


async def test_calls_page_figures_filters_charts_and_exports(
    page: Any, make_user: Any, database_url: str
) -> None:
    await make_user("operator", full_name="Anna Petrova", extension="101")
    m1 = await make_user("manager", full_name="Masha One")
    m2 = await make_user("manager", full_name="Misha Two")

    async def add(session: Any) -> None:
        await add_day(session)
        await add_clients(session, {"m1": m1.id, "m2": m2.id})

    await seeded(database_url, add)
    boss = await make_user("supervisor", full_name="The Boss")
    await sign_in_page(page, boss.login, PASSWORD)
    await page.set_viewport_size({"width": 1440, "height": 900})
    await open_from_index(page, "Calls", MARCH_2)
    await no_wider_than_the_window(page, 1440)
    assert [await figure(page, label) for label in ("Inbound calls", "Answered inbound")] == [
        "5",
        "2",
    ]
    assert await figure(page, "Lost calls") == "3"
    assert await figure(page, "Lost share") == "60 %"  # 3 of 5 inbound calls
    assert await figure(page, "Outbound calls") == "2"
    assert await figure(page, "Service level 2") == "75 %"  # (2 + the 3 s abandon) / 4
    assert await figure(page, "Abandon rate") == "33.3 %"
    assert await figure(page, "ASA") == "0:18"  # (10 + 25) / 2 = 17.5 s
    heat = await chart(page, "Inbound calls by weekday and hour")  # the boss is in Moscow
    assert heat == "Monday: 13 2, 14 2, 15 1"
    assert await chart(page, "How long abandoned callers waited") == (
        "up to 10 s: 1; 11-30 s: 0; 31-60 s: 1; 61-120 s: 0; over 120 s: 0"
    )
    queues = page.locator("#table-queues tbody tr")
    assert await queues.count() == 2
    assert (await queues.nth(0).locator("td").all_text_contents())[:4] == ["Sales", "3", "1", "2"]
    await formulas_shown(page, "Service level", "ASA", "AHT", "Filters")

    await show(page, channel="Yandex")  # Alpha's c1 and Delta's c4
    assert "channel=1" in page.url
    assert await figure(page, "Inbound calls") == "2"
    assert await figure(page, "Lost calls") == "0"
    assert await figure(page, "ASA") == "0:18"
    note = page.locator("#agent-time-unfiltered")
    assert "not kept to these filters: channel." in await note.text_content()
    heat = await chart(page, "Inbound calls by weekday and hour")
    assert heat == "Monday: 13 1, 14 1"

    name, rows = await download(page, "queues", "csv")
    assert name == "Calls - Queues 2026-03-02..2026-03-02.csv"
    assert rows[0][:4] == ["Queue", "Offered", "Answered", "Abandoned"]
    assert [row[:3] for row in rows[1:]] == [
        ["Sales", "1", "1"],
        ["support", "1", "1"],
        ["All queues", "2", "2"],
    ]
    name, rows = await download(page, "directions", "xlsx")
    assert name.endswith(".xlsx") and rows[0][:3] == ["Direction", "Calls", "Answered"]
    assert rows[1][:3] == ["inbound", 2, 2]


SALES = [
    # report, its title, [(figure, value)] for January, a filter, [(figure, value)] after it
    (
        "refusals",
        "Refusals",
        [("Results", "8"), ("Refusals", "3"), ("Refusal rate", "37.5 %")],
        {"campaign": "Winter"},
        [("Results", "5"), ("Refusals", "3"), ("Refusal rate", "60 %")],
    ),
    (
        "funnel",
        "Sales funnel",
        [("Leads", "5"), ("Ordered", "4"), ("Delivered", "1"), ("Lead to delivery", "20 %")],
        {"channel": "Radio"},
        [("Leads", "2"), ("Ordered", "2"), ("Delivered", "0"), ("Lead to delivery", "0 %")],
    ),
    (
        "channels",
        "Advertising channels",
        [("New clients", "5"), ("Conversion", "80 %"), ("Revenue", "RUB3,900.00")],
        {"manager": "Misha Two"},
        [("New clients", "2"), ("Conversion", "100 %"), ("Revenue", "RUB400.00")],
    ),
    (
        "segments",
        "Segments",
        [("Orders", "4"), ("Revenue", "RUB3,900.00"), ("Margin", "RUB1,200.00")],
        {"segment": "Retail"},
        [("Orders", "2"), ("Revenue", "RUB3,000.00"), ("Margin", "RUB1,200.00")],
    ),
]


@pytest.mark.parametrize(("name", "title", "january", "choice", "filtered"), SALES)
async def test_sales_pages_figures_filters_and_exports(
    page: Any,
    make_user: Any,
    database_url: str,
    name: str,
    title: str,
    january: list[tuple[str, str]],
    choice: dict[str, str],
    filtered: list[tuple[str, str]],
) -> None:
    data = await load_sales_data(database_url, make_user)
    await sign_in_page(page, data.boss.login, PASSWORD)
    await open_from_index(page, title, JANUARY)
    assert [(label, await figure(page, label)) for label, _ in january] == january
    assert await page.locator("figure.report-chart svg.chart").count() >= 2
    await formulas_shown(page)
    await show(page, **choice)
    assert [(label, await figure(page, label)) for label, _ in filtered] == filtered
    first_table = page.locator("section.report-table").first
    table = (await first_table.get_attribute("id")).removeprefix("table-")
    file_name, rows = await download(page, table, "csv")
    assert file_name.endswith(".csv") and len(rows) >= 2
    headers = await first_table.locator("thead th").all_text_contents()
    assert rows[0] == headers
    shown = await first_table.locator("tbody tr").first.locator("td").all_text_contents()
    assert rows[1][0] == shown[0]


async def test_sales_charts_draw_the_figures(page: Any, make_user: Any, database_url: str):
    data = await load_sales_data(database_url, make_user)
    await sign_in_page(page, data.boss.login, PASSWORD)
    await page.goto("/reports/funnel?since=2026-01-01&until=2026-01-31")
    assert await chart(page, "Clients by stage") == (
        "Leads: 5; Contacted: 5; Interested: 4; Ordered: 4; Delivered: 1"
    )
    await page.goto("/reports/refusals?since=2026-01-01&until=2026-01-31")
    assert await chart(page, "Refusal reasons") == "expensive: 2; has supplier: 1"


async def test_loyalty_page_figures_filter_and_export(
    page: Any, make_user: Any, database_url: str
) -> None:
    m1 = await make_user("manager", full_name="Manager One")
    m2 = await make_user("manager", full_name="Manager Two")

    async def add(session: Any) -> None:
        await add_loyalty_data(session, m1.id, m2.id)

    await seeded(database_url, add)
    boss = await make_user("supervisor", full_name="The Boss")
    await sign_in_page(page, boss.login, PASSWORD)
    await page.set_viewport_size({"width": 1440, "height": 900})
    await open_from_index(page, "Loyalty", HALF_YEAR)
    await no_wider_than_the_window(page, 1440)
    assert await figure(page, "Orders") == "5"
    assert await figure(page, "Repeat orders") == "60 %"
    assert await figure(page, "NPS") == "0"
    assert "First orders" in await chart(page, "First and repeat orders")
    await formulas_shown(page, "NPS", "Repeat calls")
    await show(page, manager="Manager Two")  # Gamma and Delta: no order in the half year
    assert await figure(page, "Orders") == "0"
    await show(page, manager="Manager One")
    assert await figure(page, "Orders") == "5"
    _, rows = await download(page, "trend", "csv")
    assert rows[0][:4] == ["Month", "Orders", "First orders", "Repeat orders"]
    assert rows[-1][1:4] == ["5", "2", "3"]  # the totals


async def test_an_operator_is_refused_the_reports(page: Any, make_user: Any) -> None:
    operator = await make_user("operator")
    await sign_in_page(page, operator.login, PASSWORD)
    assert await page.locator('a[href="/reports"]').count() == 0
    for path in ("/reports", "/reports/calls", "/api/v1/reports/calls"):
        response = await page.goto(path)
        assert response.status == 403, path


async def test_in_russian_labels_and_numbers_are_russian(
    page: Any, make_user: Any, database_url: str
) -> None:
    await load_sales_data(database_url, make_user)
    await seeded(database_url, add_day)  # the calls day, after the sales data's calls
    boss = await make_user("supervisor", language="ru", full_name="Начальник")
    await sign_in_page(page, boss.login, PASSWORD)
    await page.goto("/reports")
    assert await page.locator("main").get_by_role("link", name="Звонки", exact=True).count() == 1
    await page.goto("/reports/calls?since=2026-03-02&until=2026-03-02")
    assert await figure(page, "Входящие") == "5"
    assert await figure(page, "Доля потерянных") == "60 %"  # 3 of 5 inbound calls
    assert await figure(page, "Доля брошенных") == "33,3 %"  # of queue visits
    assert "Понедельник" in await chart(page, "Входящие по дням недели и часам")
    assert await page.locator("details.report-formulas summary").text_content() == "Как считается"
    name, rows = await download(page, "queues", "csv", label="Выгрузить")
    assert name.startswith("Звонки - ") and rows[0][:2] == ["Очередь", "Поступило"]
    assert rows[-1][:2] == ["Все очереди", "4"]
    assert rows[-1][rows[0].index("Доля брошенных")] == "33,3"  # as Russian Excel reads it
    totals = await page.locator("#table-queues tfoot th").all_text_contents()
    assert totals[0] == "Все очереди" and "33,3 %" in totals
    await page.goto("/reports/channels?since=2026-01-01&until=2026-01-31")
    assert await figure(page, "Выручка") == "3\xa0900,00\xa0₽"
