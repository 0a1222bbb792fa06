"""Commission plans (rates per level, per product group, the base, a qualification rule) and
the product groups plans pay other rates on. Only an admin keeps them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import record_change
from callcenter.errors import Forbidden, NotFound
from callcenter.i18n import N_
from callcenter.orders.money import MAX_AMOUNT, NotANumber, money, parse_decimal
from callcenter.partners.exceptions import PartnerInvalid
from callcenter.partners.models import (
    PLAN_BASES,
    CommissionPlan,
    PlanRate,
    ProductGroup,
    ProductGroupMember,
)
from callcenter.products.models import Product
from callcenter.users.models import User
from callcenter.users.roles import Permission

MAX_LEVEL = 20


@dataclass
class PlanInput:
    name: str = ""
    base: str = "net"
    rates: str = ""  # per level from 1: "10; 5; 2" (a decimal comma is fine)
    group_rates: dict[int, str] = field(default_factory=dict)  # group id -> the same
    qualify_from_level: str = ""
    qualify_min_sales: str = ""


def parse_rates(text: object) -> list[Decimal]:
    """``"10; 5; 2,5"`` -> [10, 5, 2.5]: levels 1, 2, 3. Raises ValueError with a message."""
    parts = [p for p in re.split(r"[;\s]+", str(text or "").strip()) if p]
    if len(parts) > MAX_LEVEL:
        raise ValueError(N_("At most 20 levels"))
    rates = []
    for part in parts:
        try:
            rate = parse_decimal(part)
        except NotANumber:
            raise ValueError(N_("Rates are per cent numbers separated by ;")) from None
        if not Decimal(0) <= rate <= 100 or rate != rate.quantize(Decimal("0.001")):
            raise ValueError(N_("A rate is from 0 to 100 per cent, at most 3 decimals"))
        rates.append(rate)
    return rates


def _qualification(data: PlanInput, errors: dict[str, str]) -> tuple[int | None, Decimal | None]:
    level_text, sales_text = data.qualify_from_level.strip(), data.qualify_min_sales.strip()
    if not level_text and not sales_text:
        return None, None
    level = None
    if not (level_text.isascii() and level_text.isdigit() and 1 <= int(level_text) <= MAX_LEVEL):
        errors["qualify_from_level"] = N_("A level from 1 to 20")
    else:
        level = int(level_text)
    try:
        sales = money(parse_decimal(sales_text))
        if not Decimal(0) <= sales <= MAX_AMOUNT:
            raise NotANumber(sales_text)
        return level, sales
    except NotANumber:
        errors["qualify_min_sales"] = N_("An amount, 0 or more")
    return level, None


async def _validate(
    session: AsyncSession, data: PlanInput, plan_id: int | None
) -> tuple[list[PlanRate], int | None, Decimal | None]:
    errors: dict[str, str] = {}
    name = " ".join(data.name.split())
    if not name or len(name) > 100:
        errors["name"] = N_("Name is required")
    elif (
        clash := await session.scalar(select(CommissionPlan.id).where(CommissionPlan.name == name))
    ) is not None and clash != plan_id:
        errors["name"] = N_("This name is taken")
    if data.base not in PLAN_BASES:
        errors["base"] = N_("Choose a base from the list")
    rates: list[PlanRate] = []
    groups = set(await session.scalars(select(ProductGroup.id)))
    for key, text in [(None, data.rates), *sorted(data.group_rates.items())]:
        name_of = "rates" if key is None else f"group_{key}"
        if key is not None and key not in groups:
            errors[name_of] = N_("No such product group")
            continue
        try:
            values = parse_rates(text)
        except ValueError as exc:
            errors[name_of] = str(exc)
            continue
        rates += [PlanRate(level=n, group_id=key, rate=r) for n, r in enumerate(values, 1)]
    if not any(r.group_id is None for r in rates) and "rates" not in errors:
        errors["rates"] = N_("Give at least the rate of level 1")
    level, sales = _qualification(data, errors)
    if errors:
        raise PartnerInvalid(N_("Please correct the marked fields"), fields=errors)
    return rates, level, sales


async def save_plan(
    session: AsyncSession, *, data: PlanInput, actor: User, plan_id: int | None = None
) -> CommissionPlan:
    """Create or change a plan. A change applies to what is accrued from now on; lines
    already accrued keep the rate they were computed with."""
    if not actor.can(Permission.COMMISSION_PLANS):
        raise Forbidden(N_("Only an admin keeps the commission plans"))
    plan = CommissionPlan() if plan_id is None else await get_plan(session, plan_id)
    rates, level, sales = await _validate(session, data, plan_id)
    plan.name, plan.base = " ".join(data.name.split()), data.base
    plan.qualify_from_level, plan.qualify_min_sales = level, sales
    if plan_id is None:
        session.add(plan)
        await session.flush()
    else:
        await session.execute(delete(PlanRate).where(PlanRate.plan_id == plan.id))
    for rate in rates:
        rate.plan_id = plan.id
        session.add(rate)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        entity="commission_plan",
        entity_id=plan.id,
        action="created" if plan_id is None else "updated",
        changes={"rates": [None, describe_rates(rates)], "base": [None, plan.base]},
    )
    return await get_plan(session, plan.id)


def describe_rates(rates: list[PlanRate]) -> str:
    return "; ".join(
        f"{r.level}{'' if r.group_id is None else f'/g{r.group_id}'}: {r.rate.normalize():f}%"
        for r in rates
    )


async def get_plan(session: AsyncSession, plan_id: int) -> CommissionPlan:
    plan = await session.scalar(
        select(CommissionPlan)
        .where(CommissionPlan.id == plan_id)
        .execution_options(populate_existing=True)
    )
    if plan is None:
        raise NotFound(N_("No such commission plan"))
    return plan


async def list_plans(session: AsyncSession) -> list[CommissionPlan]:
    return list(await session.scalars(select(CommissionPlan).order_by(CommissionPlan.name)))


async def list_groups(session: AsyncSession) -> list[tuple[ProductGroup, list[Product]]]:
    groups = list(await session.scalars(select(ProductGroup).order_by(ProductGroup.name)))
    rows = await session.execute(
        select(ProductGroupMember.group_id, Product)
        .join(Product, Product.id == ProductGroupMember.product_id)
        .order_by(Product.name)
    )
    members: dict[int, list[Product]] = {}
    for group_id, product in rows.all():
        members.setdefault(group_id, []).append(product)
    return [(group, members.get(group.id, [])) for group in groups]


async def save_group(
    session: AsyncSession, *, name: str, product_ids: list[int], actor: User
) -> ProductGroup:
    """A product group with its products (a product moves here from any other group)."""
    if not actor.can(Permission.COMMISSION_PLANS):
        raise Forbidden(N_("Only an admin keeps the commission plans"))
    name = " ".join(name.split())
    errors = {}
    if not name or len(name) > 100:
        errors["name"] = N_("Name is required")
    elif await session.scalar(select(ProductGroup.id).where(ProductGroup.name == name)):
        errors["name"] = N_("This name is taken")
    known = set(await session.scalars(select(Product.id).where(Product.id.in_(product_ids))))
    if known != set(product_ids):
        errors["products"] = N_("No such product")
    if errors:
        raise PartnerInvalid(N_("Please correct the marked fields"), fields=errors)
    group = ProductGroup(name=name)
    session.add(group)
    await session.flush()
    await session.execute(
        delete(ProductGroupMember).where(ProductGroupMember.product_id.in_(product_ids))
    )
    session.add_all(ProductGroupMember(product_id=p, group_id=group.id) for p in known)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        entity="commission_group",
        entity_id=group.id,
        action="created",
        changes={"name": [None, name], "products": [None, sorted(known)]},
    )
    return group
