"""The product catalog: list, find, create and edit (the admin keeps it)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import record_change
from callcenter.errors import Forbidden, Invalid, NotFound
from callcenter.i18n import N_
from callcenter.limits import NUMBER_TOO_LARGE
from callcenter.orders.money import (
    MAX_AMOUNT,
    NotANumber,
    NumberTooLarge,
    money,
    parse_decimal,
)
from callcenter.products.models import VAT_RATES, Product
from callcenter.products.units import UNITS
from callcenter.users.models import User
from callcenter.users.roles import Permission


class ProductInvalid(Invalid):
    id = "product_invalid"


@dataclass
class ProductInput:
    name: str = ""
    sku: str = ""
    unit_code: str = "796"
    price: str = ""
    vat_rate: str = "22"
    active: bool = True
    cost: str = ""  # what a unit costs the company; empty: not known


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def list_products(
    session: AsyncSession, *, q: str = "", active_only: bool = False, limit: int = 500
) -> list[Product]:
    stmt = select(Product).order_by(Product.name, Product.id).limit(limit)
    if active_only:
        stmt = stmt.where(Product.active.is_(True))
    if q.strip():
        pattern = _like(q.strip().lower())
        stmt = stmt.where(or_(func.lower(Product.name).like(pattern), Product.sku.ilike(pattern)))
    return list(await session.scalars(stmt))


async def get_product(session: AsyncSession, product_id: int) -> Product:
    product = await session.get(Product, product_id)
    if product is None:
        raise NotFound(N_("No such product"))
    return product


def _cost(raw: str, errors: dict[str, str]) -> Decimal | None:
    """The unit cost, or None when left empty (the margin is then not known)."""
    if not raw.strip():
        return None
    try:
        cost = money(parse_decimal(raw))
    except NumberTooLarge:
        errors["cost"] = NUMBER_TOO_LARGE
        return None
    except NotANumber:
        errors["cost"] = N_("Not a number")
        return None
    if cost < 0 or cost > MAX_AMOUNT:
        errors["cost"] = N_("A cost is zero or more")
    return cost


def _validate(data: ProductInput) -> tuple[str, str, Decimal, Decimal | None]:
    errors: dict[str, str] = {}
    name = " ".join(data.name.split())
    if not name:
        errors["name"] = N_("Name is required")
    elif len(name) > 300:
        errors["name"] = N_("Name is too long")
    sku = data.sku.strip()
    if len(sku) > 64:
        errors["sku"] = N_("SKU is too long")
    if data.unit_code not in UNITS:
        errors["unit_code"] = N_("Choose a unit from the list")
    if data.vat_rate not in VAT_RATES:
        errors["vat_rate"] = N_("Choose a VAT rate from the list")
    price = Decimal(0)
    try:
        price = money(parse_decimal(data.price))
        if price < 0 or price > MAX_AMOUNT:
            errors["price"] = N_("A price is zero or more")
    except NumberTooLarge:
        errors["price"] = NUMBER_TOO_LARGE
    except NotANumber:
        errors["price"] = N_("Not a number")
    cost = _cost(data.cost, errors)
    if errors:
        raise ProductInvalid(N_("Please correct the marked fields"), fields=errors)
    return name, sku, price, cost


async def save_product(
    session: AsyncSession, *, data: ProductInput, actor: User, product_id: int | None = None
) -> Product:
    if not actor.can(Permission.PRODUCTS_MANAGE):
        raise Forbidden(N_("Only an admin keeps the catalog"))
    name, sku, price, cost = _validate(data)
    if sku:
        clash = await session.scalar(select(Product.id).where(Product.sku == sku))
        if clash is not None and clash != product_id:
            raise ProductInvalid(
                N_("Please correct the marked fields"), fields={"sku": N_("This SKU is taken")}
            )
    if product_id is None:
        product = Product()
        session.add(product)
    else:
        product = await get_product(session, product_id)
    before = {
        "name": product.name,
        "sku": product.sku,
        "price": str(product.price or ""),
        "cost": "" if product.cost is None else str(product.cost),
    }
    product.name, product.sku, product.price, product.cost = name, sku, price, cost
    product.unit_code, product.vat_rate, product.active = data.unit_code, data.vat_rate, data.active
    await session.flush()
    await record_change(
        session,
        actor=actor,
        entity="product",
        entity_id=product.id,
        action="created" if product_id is None else "updated",
        changes={
            "name": [before["name"], name],
            "sku": [before["sku"], sku],
            "price": [before["price"], str(price)],
            "cost": [before["cost"], "" if cost is None else str(cost)],
        },
    )
    return product
