"""A busy partner's statement: its lines page by page (no gap, no repeat, ties on a day kept
apart by id), its figures summed over all the lines whatever the page, and its XLSX and PDF
with every line. The lines are written straight to the table (900 of them, over February,
March and April, in every state, reversals among them); the figures are summed here by the
statement's rules, line by line."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from sqlalchemy import insert, select

from callcenter.partners.models import CommissionLine, CommissionRun
from callcenter.partners.statements import LINES_PER_PAGE, statement, statement_lines
from callcenter.users.service import get_user
from tests.conftest import sign_in
from tests.invoices.test_pdf import pdf_text
from tests.partners.support import client_of, make_chain, paid_order

MARCH = (date(2026, 3, 1), date(2026, 3, 31))
STATES = ("held", "payable", "paid", "reversed")


@dataclass
class Busy:
    partner_id: int
    shown: list[int]  # the March statement's line ids, by (day, id)
    accrued: Decimal
    reversed: Decimal
    held: Decimal
    payable: Decimal
    total: Decimal  # of every line shown


def _day(n: int) -> date:
    """February to April, several lines a day (ties that only the id orders)."""
    month, day = (2, 3, 4)[n % 3], 1 + (n * 7) % 28
    return date(2026, month, day)


@pytest.fixture
async def busy(db_session: Any, make_user: Any, settings: Any) -> Busy:
    admin = await make_user("admin", language="en")
    chain = await make_chain(db_session, await get_user(db_session, admin.id))
    buyer = await client_of(db_session, chain, chain.d, "D's client")
    order = await paid_order(db_session, chain, buyer, settings)
    run = await db_session.scalar(select(CommissionRun).where(CommissionRun.order_id == order.id))
    await db_session.execute(  # the real accrual's own line aside: these are the statement's
        CommissionLine.__table__.delete().where(CommissionLine.partner_id == chain.d.id)
    )
    rows = []
    for n in range(900):  # one run of one order, a level each (one line a share)
        amount = Decimal(n * 37 % 5000 + 1) / 100
        rows.append(
            {"run_id": run.id, "partner_id": chain.d.id, "order_id": order.id, "level": 1 + n,
             "base": amount * 10, "rate": Decimal("10"), "amount": amount,
             "state": STATES[n % 4], "booked_on": _day(n)}
        )  # fmt: skip
    made = await db_session.execute(insert(CommissionLine).returning(CommissionLine.id), rows)
    ids = list(made.scalars())
    # every fifth line of March reverses a line made before it
    reversals = [
        {**rows[n], "amount": -rows[n - 5]["amount"], "base": -rows[n - 5]["base"],
         "reverses_id": ids[n - 5], "state": "payable"}
        for n in range(5, 900, 5) if rows[n]["booked_on"].month == 3
    ]  # fmt: skip
    made = await db_session.execute(insert(CommissionLine).returning(CommissionLine.id), reversals)
    rows += reversals
    ids += list(made.scalars())
    await db_session.commit()
    first, last = MARCH
    kept = [
        (row["booked_on"], i, row)
        for i, row in zip(ids, rows, strict=True)
        if first <= row["booked_on"] <= last
        or (row["booked_on"] < first and row["state"] in ("held", "payable"))
    ]
    kept.sort(key=lambda item: (item[0], item[1]))
    in_month = [row for _, _, row in kept if row["booked_on"] >= first]

    def total(chosen: list[dict[str, Any]]) -> Decimal:
        return sum((row["amount"] for row in chosen), Decimal("0.00"))

    return Busy(
        partner_id=chain.d.id,
        shown=[i for _, i, _ in kept],
        accrued=total([r for r in in_month if r.get("reverses_id") is None]),
        reversed=total([r for r in in_month if r.get("reverses_id") is not None]),
        held=total([r for _, _, r in kept if r["state"] == "held"]),
        payable=total([r for _, _, r in kept if r["state"] == "payable"]),
        total=total([r for _, _, r in kept]),
    )


def _figures(view: Any) -> tuple[Decimal, ...]:
    return (view.accrued, view.reversed, view.held, view.payable)


async def test_pages_of_lines_follow_on_with_no_gap_or_repeat_and_the_figures_cover_all(
    db_session: Any, busy: Busy
) -> None:
    assert len(busy.shown) > 2 * LINES_PER_PAGE and busy.reversed < 0 < busy.held
    expected = (busy.accrued, busy.reversed, busy.held, busy.payable)
    seen: list[int] = []
    after = None
    pages = 0
    while True:
        view = await statement(db_session, busy.partner_id, *MARCH, after=after, per_page=37)
        assert _figures(view) == expected and view.line_count == len(busy.shown)
        assert 0 < len(view.lines) <= 37
        seen += [line.id for line in view.lines]
        pages += 1
        if view.next_after is None:
            break
        after = view.next_after
    assert seen == busy.shown and pages == -(-len(busy.shown) // 37)


async def test_an_export_reads_every_line_in_batches_in_the_pages_order(
    db_session: Any, busy: Busy
) -> None:
    batches = [b async for b in statement_lines(db_session, busy.partner_id, *MARCH, batch=50)]
    assert all(len(batch) == 50 for batch in batches[:-1]) and len(batches) > 2
    assert [line.id for batch in batches for line in batch] == busy.shown


async def test_the_page_shows_one_page_of_lines_and_the_next_link_continues_it(
    client: Any, busy: Busy, make_user: Any
) -> None:
    await sign_in(client, await make_user("admin", login="reader", language="ru"))
    url = f"/partners/{busy.partner_id}/statements?month=2026-03"
    seen: list[int] = []
    while url:
        response = await client.get(url)
        html = await response.text()
        assert response.status == 200
        assert f"Строк в выписке: {len(busy.shown)}" in html
        held = re.search(r'<td class="num held">([^<]*)</td>', html)
        assert held and re.sub(r"\D", "", held.group(1)) == re.sub(r"\D", "", f"{busy.held}")
        page = [int(x) for x in re.findall(r'data-line="(\d+)"', html)]
        assert 0 < len(page) <= LINES_PER_PAGE
        seen += page
        following = re.search(r'<a class="next" href="([^"]+)"', html)
        url = following and following.group(1).replace("&amp;", "&")
        if url:
            url = f"/partners/{busy.partner_id}/statements{url}"
    assert seen == busy.shown


async def test_the_api_pages_too_and_refuses_a_damaged_place(
    client: Any, busy: Busy, make_user: Any
) -> None:
    await sign_in(client, await make_user("admin", login="api_reader"))
    base = f"/api/v1/partners/{busy.partner_id}/statements?month=2026-03"
    seen: list[int] = []
    after = ""
    while True:
        body = await (await client.get(base + (f"&after={after}" if after else ""))).json()
        assert body["line_count"] == len(busy.shown) and body["held"] == f"{busy.held:.2f}"
        seen += [line["id"] for line in body["lines"]]
        if body["next_after"] is None:
            break
        after = body["next_after"]
    assert seen == busy.shown
    for bad in (
        "x",
        "2026-03-01",
        "2026-13-01.5",
        "2026-03-01.-1",
        "2026-03-01.0",
        "2026-03-01.99999999999999999999",
        "0001-01-01.1",
        "2026-03-01.1%00",
        "." * 500,
    ):
        response = await client.get(f"{base}&after={bad}")
        assert response.status == 422, bad
        page = await client.get(f"/partners/{busy.partner_id}/statements?after={bad}")
        assert page.status == 422, bad  # fmt: skip


async def test_the_xlsx_and_the_pdf_hold_every_line(
    client: Any, busy: Busy, make_user: Any
) -> None:
    await sign_in(client, await make_user("admin", login="exporter", language="en"))
    response = await client.get(f"/partners/{busy.partner_id}/statements.xlsx?month=2026-03")
    assert response.status == 200
    sheet = openpyxl.load_workbook(io.BytesIO(await response.read())).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(busy.shown)
    assert sum(Decimal(str(row[7])) for row in rows) == busy.total
    response = await client.get(f"/partners/{busy.partner_id}/statements.pdf?month=2026-03")
    assert response.status == 200
    text = pdf_text(await response.read())
    assert text.count("× 10 % =") == len(busy.shown)
