"""In headless Chromium: a visitor asks for a call back on partner DDDD's referral link, the
client's order is invoiced and a manager marks the invoice paid, and partner DDDD signs in
and sees the commission in their statement; the visitor and the partner in Russian and in
English."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.clients.models import Client
from callcenter.i18n import format_money, translations
from callcenter.invoices.service import issue_invoice
from callcenter.orders.input import LineInput
from callcenter.partners.service import PartnerInput, update_partner
from callcenter.users.service import get_user
from tests.browser.conftest import sign_in_page
from tests.conftest import PASSWORD
from tests.invoices.support import add_order
from tests.partners.support import make_chain

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_from_a_referral_link_to_a_paid_order_to_the_partners_statement(
    page: Any,
    browser: Any,
    live_app: Any,
    make_user: Any,
    db_session: Any,
    settings: Any,
    language: str,
) -> None:
    t = translations(language).gettext
    admin_row = await make_user("admin", language="en")
    admin = await get_user(db_session, admin_row.id)
    chain = await make_chain(db_session, admin)
    partner_user = await make_user("partner", login="dddd", language=language)
    manager = await make_user("manager", login="dmanager", language="en", sees_all_clients=True)
    await update_partner(
        db_session,
        partner_id=chain.d.id,
        data=PartnerInput(
            code="DDDD",
            plan_id=chain.d.plan_id,
            sponsor="CCCC",
            manager_id=manager.id,
            user_id=partner_user.id,
        ),
        actor=admin,
    )
    await db_session.commit()
    base_url = str(live_app.make_url("/")).rstrip("/")

    locale = "ru-RU" if language == "ru" else "en-US"
    visitor = await browser.new_context(base_url=base_url, locale=locale)
    landing = await visitor.new_page()
    await landing.goto(f"/r/DDDD?lang={language}")
    await landing.fill("input[name=name]", "Referred Buyer")
    await landing.fill("input[name=phone]", "+7 905 777-00-01")
    await landing.fill("textarea[name=comment]", "About a router")
    await landing.click("button[type=submit]")
    done = await landing.wait_for_selector(".referral-done")
    assert await done.text_content() == t("Thank you! We will call you back soon.")
    await visitor.close()

    buyer = await db_session.scalar(select(Client).where(Client.name == "Referred Buyer"))
    assert buyer is not None and buyer.owner_id == manager.id
    order = await add_order(
        db_session,
        await get_user(db_session, manager.id),
        buyer,
        settings,
        [LineInput(description="Router", quantity="1", price="12200")],  # 10 000,00 + 22 % VAT
    )
    invoice = await issue_invoice(
        db_session, client_id=buyer.id, lines=None, by=admin, order_id=order.id,
        issued_on=date.today(),
    )  # fmt: skip
    await db_session.commit()

    await sign_in_page(page, manager.login, PASSWORD)
    await page.goto(f"/invoices/{invoice.id}")
    await page.click("button:has-text('Record payment')")
    await page.wait_for_selector(".badge.pay-paid")

    own = await browser.new_context(base_url=base_url, locale=locale)
    partner_page = await own.new_page()
    await sign_in_page_any(partner_page, "dddd", language)
    await partner_page.goto("/my/partner")
    await partner_page.click(f"text={t('Statements')}")
    await partner_page.wait_for_selector("table.statement-lines")
    thousand = format_money(Decimal("1000.00"), "RUB", language)
    assert await partner_page.text_content("td.accrued") == thousand
    assert await partner_page.text_content("td.held") == thousand
    figures = await partner_page.text_content("table.statement-figures")
    assert figures and t("Accrued in the month") in figures
    line = await partner_page.text_content("tr.statement-line")
    assert line and order.number in line and "10000.00 × 10 % = 1000.00" in line
    card = await (await partner_page.request.get("/my/partner")).text()
    assert "/r/DDDD" in card
    await own.close()


async def sign_in_page_any(page: Any, login: str, language: str) -> None:
    """A partner lands on their own card, not the client list."""
    await page.goto(f"/login?lang={language}")
    await page.fill("input[name=login]", login)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/partners/*")
