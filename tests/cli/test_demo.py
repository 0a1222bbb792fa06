"""The newcomer's demo: seeded once, living traffic from its clients, removed in one command."""

from datetime import time
from typing import Any

from sqlalchemy import func, select

from callcenter.calls.models import CallRow
from callcenter.clients.models import Client
from callcenter.demo import SIMULATOR_PBX, demo_numbers, is_seeded, remove_demo, seed_demo
from callcenter.dialer.models import Campaign, CampaignContact
from callcenter.products.models import Product
from callcenter.users.models import User


async def test_demo_is_seeded_marked_and_removed_whole(db_session: Any, make_user: Any) -> None:
    await make_user("admin", login="admin")
    own = Client(kind="person", name="Настоящий клиент")
    db_session.add(own)
    await db_session.flush()
    demo = await seed_demo(db_session, clients=40)
    assert set(demo.logins) == {"operator1", "operator2", "manager1", "supervisor1"}
    assert await is_seeded(db_session)
    admin = await db_session.scalar(select(User).where(User.login == "admin"))
    assert admin.extension == "101"
    assert len(await demo_numbers(db_session)) == 40
    campaign = await db_session.scalar(select(Campaign))
    assert (campaign.state, campaign.mode, campaign.queue) == ("draft", "progressive", "campaigns")
    assert campaign.window_from == campaign.window_to == time(0, 0)  # around the clock
    contacts = await db_session.scalar(select(func.count(CampaignContact.id)))
    assert contacts == 35  # every demo person (every eighth client is a company)
    db_session.add(
        CallRow(linkedid="sim.1", direction="inbound", pbx=SIMULATOR_PBX, started_at=func.now())
    )
    await db_session.flush()
    counts = await remove_demo(db_session)
    assert counts == {
        "campaigns": 1,
        "tasks": 0,
        "calls": 1,
        "clients": 40,
        "users": 4,
        "sellers": 1,
        "products": 4,
    }
    assert await db_session.scalar(select(func.count(Product.id))) == 0
    assert await db_session.scalar(select(func.count(CampaignContact.id))) == 0
    names = list(await db_session.scalars(select(Client.name)))
    assert names == ["Настоящий клиент"]
    await db_session.refresh(admin)
    assert admin.extension is None


async def test_demo_never_goes_into_a_client_base_that_has_clients(db_session: Any) -> None:
    from callcenter.cli import _seed_demo_once

    db_session.add(Client(kind="person", name="Настоящий клиент"))
    await db_session.flush()
    assert await _seed_demo_once(db_session) is None
    assert not await is_seeded(db_session)


async def test_a_fresh_demo_issues_an_invoice_from_its_catalog(db_session: Any) -> None:
    from callcenter.clients.requisites import (
        check_corr_account,
        check_inn,
        check_kpp,
        check_ogrn,
        check_settlement_account,
    )
    from callcenter.company.service import get_company
    from callcenter.invoices.input import LineInput
    from callcenter.invoices.service import issue_invoice

    await seed_demo(db_session, clients=16)
    company = await get_company(db_session)
    assert company is not None and company.short_name == 'ООО "Демо"'  # plainly a demo
    assert check_inn(company.inn) and check_kpp(company.kpp) and check_ogrn(company.ogrn)
    assert check_corr_account(company.corr_account, company.bik)
    assert check_settlement_account(company.settlement_account, company.bik)
    products = list(await db_session.scalars(select(Product).order_by(Product.sku)))
    assert len(products) >= 3 and all("демо" in p.name for p in products)
    manager = await db_session.scalar(select(User).where(User.login == "manager1"))
    buyer = await db_session.scalar(select(Client).where(Client.kind == "company"))
    lines = [
        LineInput(name=p.name, quantity="2", unit_code=p.unit_code, price=str(p.price),
                  vat_rate=p.vat_rate)
        for p in products
    ]  # fmt: skip
    invoice = await issue_invoice(db_session, client_id=buyer.id, lines=lines, by=manager)
    assert invoice.seller["inn"] == company.inn
    assert invoice.total == sum(2 * p.price for p in products)  # VAT included
    assert invoice.vat_total > 0


async def test_seeding_again_keeps_real_requisites_and_adds_no_duplicates(
    db_session: Any,
) -> None:
    from callcenter.company.models import CompanyProfile
    from callcenter.demo_catalog import DEMO_REQUISITES, seed_catalog

    real = CompanyProfile(id=1, **{**vars(DEMO_REQUISITES), "short_name": 'ООО "Ромашка"'})
    db_session.add(real)
    await db_session.flush()
    await seed_catalog(db_session)
    await seed_catalog(db_session)
    assert (await db_session.get(CompanyProfile, 1)).short_name == 'ООО "Ромашка"'
    assert await db_session.scalar(select(func.count(Product.id))) == 4
    counts = await remove_demo(db_session)
    assert counts["sellers"] == 0  # not the demo's: stays
    assert await db_session.get(CompanyProfile, 1) is not None
