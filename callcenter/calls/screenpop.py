"""What an operator sees when their phone rings: who is calling, and what we know of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from callcenter.calls.models import CallLegRow, CallRow
from callcenter.clients.models import Client, ClientPhone
from callcenter.db import utcnow
from callcenter.dialer.pop import CampaignPop, campaign_pop
from callcenter.feedback.service import open_complaints
from callcenter.orders.models import Order, OrderStatus
from callcenter.tasks.models import Task
from callcenter.tasks.service import open_tasks


@dataclass(frozen=True)
class PopOrder:
    """An open order of the caller, as the pop lists it."""

    id: int
    number: str
    client_id: int
    status_ru: str
    status_en: str
    total: Decimal
    currency: str
    overdue: bool  # its stage's deadline has passed

    def status(self, language: str) -> str:
        return self.status_ru if language == "ru" else self.status_en


@dataclass
class ScreenPop:
    linkedid: str
    number: str  # the outside party, E.164 where known
    direction: str
    queue: str
    clients: list[Client] = field(default_factory=list)  # several: the operator chooses
    last_calls: list[CallRow] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    complaints: dict[int, int] = field(default_factory=dict)  # client id: open complaints
    orders: list[PopOrder] = field(default_factory=list)  # open ones, newest first
    campaign: CampaignPop | None = None  # a campaign's call: its contact, script, dispositions

    @property
    def unknown(self) -> bool:
        return not self.clients


async def build_pop(
    session: AsyncSession, *, linkedid: str, number: str, direction: str, queue: str = ""
) -> ScreenPop:
    campaign = await campaign_pop(session, linkedid)
    if campaign is not None and not number.startswith("+"):
        number = campaign.contact.e164  # a preview dial rings the agent before the customer
    pop = ScreenPop(linkedid=linkedid, number=number, direction=direction, queue=queue)
    pop.campaign = campaign
    if number.startswith("+"):
        pop.clients = list(
            await session.scalars(
                select(Client)
                .join(ClientPhone, ClientPhone.client_id == Client.id)
                .where(ClientPhone.e164 == number, Client.merged_into_id.is_(None))
                .order_by(Client.updated_at.desc())
                .limit(5)
                .options(  # one query for the client, company and owner; one for tags
                    joinedload(Client.company),
                    joinedload(Client.owner),
                    selectinload(Client.tags),
                )
            )
        )
        pop.last_calls = list(
            await session.scalars(
                select(CallRow)
                .where(
                    (CallRow.caller == number) | (CallRow.callee == number),
                    CallRow.linkedid != linkedid,
                    CallRow.ended_at.is_not(None),
                )
                .order_by(CallRow.started_at.desc())
                .limit(5)
            )
        )
        pop.tasks = await open_tasks(session, client_ids=[c.id for c in pop.clients], limit=5)
        pop.complaints = await open_complaints(session, [c.id for c in pop.clients])
        pop.orders = await open_orders(session, [c.id for c in pop.clients])
    return pop


async def open_orders(
    session: AsyncSession, client_ids: list[int], *, limit: int = 5, now: datetime | None = None
) -> list[PopOrder]:
    """The clients' orders still in an open stage, newest first: one query, columns only
    (``ix_orders_client_created`` finds them)."""
    if not client_ids:
        return []
    rows = await session.execute(
        select(
            Order.id,
            Order.number,
            Order.client_id,
            OrderStatus.name_ru,
            OrderStatus.name_en,
            Order.total,
            Order.currency,
            Order.stage_due_at,
        )
        .join(OrderStatus, OrderStatus.id == Order.status_id)
        .where(Order.client_id.in_(client_ids), OrderStatus.kind == "open")
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
    )
    now = now or utcnow()
    return [
        PopOrder(*row[:7], overdue=row.stage_due_at is not None and row.stage_due_at < now)
        for row in rows.all()
    ]


async def ringing_for_extension(session: AsyncSession, extension: str) -> list[CallRow]:
    """Calls ringing at this extension now: what a (re)connecting operator page must show."""
    legs = select(CallLegRow.call_id).where(
        CallLegRow.agent.in_([extension, f"PJSIP/{extension}", f"SIP/{extension}"])
        | CallLegRow.agent.like(f"Local/{extension}@%"),
        CallLegRow.answered_at.is_(None),
        CallLegRow.ended_at.is_(None),
    )
    rows = await session.scalars(
        select(CallRow)
        .where(CallRow.id.in_(legs), CallRow.ended_at.is_(None))
        .order_by(CallRow.started_at)
    )
    return list(rows)
