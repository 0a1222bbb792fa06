"""A seller and a buyer with requisites from the notes' verified vectors."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Client, ClientEmail, ClientPhone
from callcenter.company.input import CompanyInput
from callcenter.company.service import save_company
from callcenter.invoices.input import LineInput
from callcenter.orders.input import LineInput as OrderLineInput
from callcenter.orders.input import OrderInput
from callcenter.orders.models import Order
from callcenter.orders.service import create_order
from callcenter.orders.statuses import seed_default_pipeline
from callcenter.settings import Settings
from callcenter.users.models import User


def company_input(**changes: Any) -> CompanyInput:
    data = CompanyInput(
        kind="company",
        legal_name="ПАО «Ромашка»",
        short_name="Ромашка",
        inn="7707083893",
        kpp="773601001",
        ogrn="1027700132195",
        address="117312, г. Москва, ул. Вавилова, д. 19",
        phone="+7 495 500-55-50",
        bank_name="ПАО СБЕРБАНК г. Москва",
        bik="044525225",
        corr_account="30101810400000000225",
        settlement_account="40702810938000012345",
        director="Иванов И. И.",
        accountant="Петрова А. А.",
        vat_mode="included",
    )
    for name, value in changes.items():
        setattr(data, name, value)
    return data


def sole_trader_input(**changes: Any) -> CompanyInput:
    values: dict[str, Any] = {
        "kind": "sole_trader",
        "legal_name": "ИП Сидоров Пётр Петрович",
        "short_name": "",
        "inn": "500100732259",
        "kpp": "",
        "ogrn": "304500116000157",
        "settlement_account": "40802810100000012345",
        "director": "Сидоров П. П.",
        "accountant": "",
        "vat_mode": "none",
        "vat_exempt_reason": "УСН, ст. 346.11 НК РФ",
    }
    return company_input(**(values | changes))


async def set_up_company(session: AsyncSession, admin: User, **changes: Any) -> None:
    data = company_input(**changes)
    await save_company(session, data=data, actor=admin, region="RU")
    await session.commit()


async def add_client(session: AsyncSession, owner: User | None = None, **fields: Any) -> Client:
    fields.setdefault("kind", "company")
    fields.setdefault("name", "ООО «Вектор»")
    if fields["kind"] == "company":
        fields.setdefault("inn", "7736207543")
        fields.setdefault("kpp", "770401001")
        fields.setdefault("legal_address", "119021, г. Москва, ул. Льва Толстого, д. 16")
    client = Client(
        owner_id=owner.id if owner else None,
        phones=[ClientPhone(number="8 (916) 123-45-67", e164="+79161234567", kind="work")],
        emails=[ClientEmail(email="buh@vector.example")],
        **fields,
    )
    session.add(client)
    await session.commit()
    return client


def three_lines() -> list[LineInput]:
    """12 200,00 in three lines: the notes' example with 2 200,00 VAT at 22 % included."""
    return [
        LineInput(name="Монтаж системы", quantity="1", unit_code="876", price="10 000,00"),
        LineInput(name="Кабель UTP", quantity="10", unit_code="006", price="150"),
        LineInput(name="Коннектор RJ-45", quantity="7", unit_code="796", price="100.00"),
    ]


async def add_order(
    session: AsyncSession,
    actor: User,
    client: Client,
    settings: Settings,
    lines: list[OrderLineInput] | None = None,
) -> Order:
    """An order through the service, the default pipeline seeded if the table is empty."""
    await seed_default_pipeline(session)
    rows = lines or [OrderLineInput(description="Монтаж системы", quantity="1", price="12200")]
    order = await create_order(
        session, data=OrderInput(client_id=client.id, lines=rows), actor=actor, settings=settings
    )
    await session.commit()
    return order
