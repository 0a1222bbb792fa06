"""A statement's PDF read back as text: the page's very figures, every line with its order,
level and arithmetic, Cyrillic in Russian, and only for whom the statement is."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

from callcenter.partners.service import PartnerInput, update_partner
from callcenter.partners.statement_pdf import PDF_MAX_LINES
from callcenter.partners.statements import statement, statement_lines
from callcenter.users.service import get_user
from tests.conftest import sign_in
from tests.invoices.test_pdf import pdf_text
from tests.partners.support import client_of, make_chain, paid_order, three_lines

FIGURES = ("accrued", "reversed", "held", "payable", "paid")
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture
async def world(db_session: Any, make_user: Any, settings: Any) -> dict[str, Any]:
    """D's client pays two orders in March 2026: one of three lines over two product groups
    (two lines for D), and one plain."""
    admin = await make_user("admin", language="en")
    chain = await make_chain(db_session, await get_user(db_session, admin.id))
    buyer = await client_of(db_session, chain, chain.d, "Покупатель Д")
    orders = [
        await paid_order(db_session, chain, buyer, settings, three_lines(chain)),
        await paid_order(db_session, chain, buyer, settings),
    ]
    return {"chain": chain, "admin": admin, "orders": orders}


def _page_figures(html: str) -> dict[str, str]:
    found = {}
    for name in FIGURES:
        match = re.search(rf'<td class="num {name}">([^<]*)</td>', html)
        assert match, name
        found[name] = re.sub(r"[\s\u00a0]+", " ", match.group(1)).strip()
    return found


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_the_pdf_shows_the_pages_figures_and_every_line_traceable(
    client: Any, world: dict[str, Any], db_session: Any, make_user: Any, language: str
) -> None:
    await sign_in(client, await make_user("admin", login=f"reader_{language}", language=language))
    d = world["chain"].d.id
    html = await (await client.get(f"/partners/{d}/statements?month=2026-03")).text()
    response = await client.get(f"/partners/{d}/statements.pdf?month=2026-03")
    assert response.status == 200 and response.content_type == "application/pdf"
    assert "DDDD-2026-03.pdf" in response.headers["Content-Disposition"]
    text = pdf_text(await response.read())
    figures = _page_figures(html)
    assert figures["accrued"] != figures["reversed"]  # real figures, not all zero
    for name, shown in figures.items():
        assert shown in text, (name, shown)
    view = await statement(db_session, d, date(2026, 3, 1), date(2026, 3, 31))
    assert len(view.lines) == 3
    for line in view.lines:
        assert f"{line.order_number} {line.level}" in text  # the order, then its level
        assert line.arithmetic in text
    assert "DDDD" in text and "Покупатель" not in text  # the partner's, not the buyer's
    if language == "ru":
        assert "Начислено за месяц" in text and "Удержано до доставки" in text
    else:
        assert "Accrued in the month" in text and "Held until delivery" in text


async def test_the_pdf_is_the_partners_own_and_no_one_elses(
    client: Any, world: dict[str, Any], db_session: Any, make_user: Any
) -> None:
    chain = world["chain"]
    user = await make_user("partner", language="en")
    await update_partner(
        db_session,
        partner_id=chain.c.id,
        data=PartnerInput(code="CCCC", plan_id=chain.c.plan_id, sponsor="BBBB", user_id=user.id),
        actor=await get_user(db_session, chain.admin.id),
    )
    await db_session.commit()
    await sign_in(client, user)
    own = await client.get(f"/partners/{chain.c.id}/statements.pdf?month=2026-03")
    assert own.status == 200 and "CCCC" in pdf_text(await own.read())
    for other in (chain.d.id, chain.b.id, chain.a.id):
        assert (await client.get(f"/partners/{other}/statements.pdf")).status == 403
    for month in ("2026-13", "x", "0000-01", "2026-03%00"):
        bad = await client.get(f"/partners/{chain.c.id}/statements.pdf?month={month}")
        assert bad.status in (400, 422), month


async def test_an_empty_month_still_makes_a_document(client: Any, world: dict[str, Any]) -> None:
    await sign_in(client, world["admin"])
    response = await client.get(f"/partners/{world['chain'].a.id}/statements.pdf?month=2025-01")
    assert response.status == 200
    assert "No commission in this month." in pdf_text(await response.read())


async def _copies_of_ds_lines(db_session: Any, chain: Any, copies: int) -> int:
    """``copies`` more lines of D's first line (each at a level of its own: a run pays a
    partner once per level), booked in March: the statement's line count."""
    await db_session.execute(
        text(
            "INSERT INTO commission_lines (run_id, partner_id, order_id, level, group_id, base,"
            " rate, amount, state, booked_on)"
            " SELECT run_id, partner_id, order_id, level + g, group_id, base, rate, amount, state,"
            " booked_on FROM commission_lines, generate_series(1, :copies) AS g"
            " WHERE id = (SELECT min(id) FROM commission_lines WHERE partner_id = :partner)"
        ),
        {"copies": copies, "partner": chain.d.id},
    )
    await db_session.commit()
    view = await statement(db_session, chain.d.id, MARCH[0], MARCH[1], per_page=0)
    return view.line_count


async def test_a_statement_of_more_lines_than_a_pdf_holds_reads_only_the_first_ones(
    world: dict[str, Any], db_session: Any
) -> None:
    chain = world["chain"]
    total = await _copies_of_ds_lines(db_session, chain, PDF_MAX_LINES + 5)
    assert total == PDF_MAX_LINES + 8
    read = [
        len(b) async for b in statement_lines(db_session, chain.d.id, *MARCH, limit=PDF_MAX_LINES)
    ]
    assert sum(read) == PDF_MAX_LINES and max(read) <= 2_000  # a batch at a time
    every = [len(b) async for b in statement_lines(db_session, chain.d.id, *MARCH)]
    assert sum(every) == total  # the XLSX's reading: every line
    for limit, batch in ((1, 2_000), (7, 3), (9, 3), (total + 1, 4_000)):
        lines = statement_lines(db_session, chain.d.id, *MARCH, batch=batch, limit=limit)
        assert sum([len(b) async for b in lines]) == min(limit, total), (limit, batch)


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_a_pdf_cut_short_says_so_and_points_to_the_xlsx(
    client: Any,
    world: dict[str, Any],
    db_session: Any,
    make_user: Any,
    language: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("web.views.partners.PDF_MAX_LINES", 5)  # drawn fast; the cap is above
    chain = world["chain"]
    total = await _copies_of_ds_lines(db_session, chain, 9)
    await sign_in(client, await make_user("admin", login=f"cut_{language}", language=language))
    html = await (await client.get(f"/partners/{chain.d.id}/statements?month=2026-03")).text()
    response = await client.get(f"/partners/{chain.d.id}/statements.pdf?month=2026-03")
    assert response.status == 200
    text = re.sub(r"\s+", " ", pdf_text(await response.read()))
    for name, shown in _page_figures(html).items():  # the figures still count every line
        assert shown in text, (name, shown)
    if language == "ru":
        assert f"первые 5 из {total} строк" in text and "XLSX" in text
    else:
        assert f"the first 5 of the statement's {total} lines" in text and "XLSX" in text
    every = [line async for b in statement_lines(db_session, chain.d.id, *MARCH) for line in b]
    assert sum(text.count(a) for a in {line.arithmetic for line in every}) == 5  # lines drawn
    full = await client.get(f"/partners/{chain.d.id}/statements.xlsx?month=2026-03")
    assert full.status == 200
