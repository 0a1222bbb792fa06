"""A statement's PDF read back as text: the page's very figures, every line with its order,
level and arithmetic, Cyrillic in Russian, and only for whom the statement is."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from callcenter.partners.service import PartnerInput, update_partner
from callcenter.partners.statements import statement
from callcenter.users.service import get_user
from tests.conftest import sign_in
from tests.invoices.test_pdf import pdf_text
from tests.partners.support import client_of, make_chain, paid_order, three_lines

FIGURES = ("accrued", "reversed", "held", "payable", "paid")


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
