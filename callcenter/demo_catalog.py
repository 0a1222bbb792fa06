"""The demo's seller and catalog, so a newcomer can issue an invoice at once.

The requisites are made up but pass every check (check digits of the INN, OGRN and the
settlement account's key against the BIK, after the requisites note) and say plainly that
they are a demo: «ООО "Демо"». Products carry a ``DEMO-`` SKU; both go with
``python -m callcenter demo-remove`` unless real work was built on them.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.company.input import CompanyInput, validate_company
from callcenter.company.models import CompanyProfile
from callcenter.company.service import get_company
from callcenter.orders.models import OrderLine
from callcenter.products.models import Product

DEMO_SELLER = 'ООО "Демо"'
DEMO_SKU = "DEMO-"
DEMO_REQUISITES = CompanyInput(
    kind="company",
    legal_name='Общество с ограниченной ответственностью "Демо" (демонстрационные данные)',
    short_name=DEMO_SELLER,
    inn="7709999995",
    kpp="770901001",
    ogrn="1267700000006",
    address="109012, г. Москва, ул. Демонстрационная, д. 1 (демо)",
    phone="+7 495 123-45-67",
    bank_name="ПАО СБЕРБАНК г. Москва (демо)",
    bik="044525225",
    corr_account="30101810400000000225",
    settlement_account="40702810200000000001",
    director="Демо Д. Д.",
    accountant="Демо Д. Д.",
    vat_mode="included",
)
# (SKU, name, OKEI unit, price, VAT rate)
DEMO_PRODUCTS = (
    ("DEMO-001", "Подписка на сервис, месяц (демо)", "362", "4990.00", "22"),
    ("DEMO-002", "Настройка и обучение, час (демо)", "356", "2500.00", "22"),
    ("DEMO-003", "Гарнитура оператора (демо)", "796", "3450.50", "22"),
    ("DEMO-004", "Справочник «Продажи по телефону» (демо)", "796", "990.00", "10"),
)


async def seed_catalog(session: AsyncSession, *, region: str = "RU") -> None:
    """The demo seller, unless the company's requisites are already filled in, and the
    demo products not yet in the catalog."""
    if await get_company(session) is None:
        clean = validate_company(DEMO_REQUISITES, region=region)  # the demo is valid itself
        session.add(CompanyProfile(id=1, **clean))
    taken = set(await session.scalars(select(Product.sku).where(Product.sku.like(DEMO_SKU + "%"))))
    for sku, name, unit, price, rate in DEMO_PRODUCTS:
        if sku not in taken:
            session.add(
                Product(sku=sku, name=name, unit_code=unit, price=Decimal(price), vat_rate=rate)
            )
    await session.flush()


async def remove_catalog(session: AsyncSession) -> dict[str, int]:
    """The demo seller (issued invoices keep their own copy of it) and the demo products
    no order line names."""
    company = await get_company(session)
    sellers = 0
    if company is not None and company.short_name == DEMO_SELLER:
        await session.delete(company)
        sellers = 1
    used = exists().where(OrderLine.product_id == Product.id)
    products = await session.execute(
        delete(Product).where(Product.sku.like(DEMO_SKU + "%"), ~used).returning(Product.id)
    )
    await session.flush()
    return {"sellers": sellers, "products": len(products.all())}
