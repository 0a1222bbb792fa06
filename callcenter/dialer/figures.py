"""A campaign's figures, counted from its contacts and attempts as stored.

- dialed: attempts that dialed (a preview contact skipped is no dial); in flight included;
- connected: the customer picked up and an agent took the call (outcome ``answered``, or an
  attempt still in flight that an agent has taken);
- abandoned: the customer picked up and no agent took the call within the grace time;
- answered: live answers, connected + abandoned (machines are not live answers);
- abandon rate: abandoned / answered, in percent (as the notes count drops, machines left out);
- dispositions and refusal reasons: the agents' wrap-ups of the attempts;
- orders made: orders of the contacts' clients made since the campaign first started, not
  cancelled, counted and summed per currency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.dialer.campaigns import LEFT_STATES
from callcenter.dialer.models import CONTACT_STATES, Campaign, CampaignAttempt, CampaignContact
from callcenter.orders.models import Order, OrderStatus


@dataclass(frozen=True)
class DispositionCount:
    code: str
    label: str
    kind: str
    count: int


@dataclass
class Figures:
    contacts: int = 0
    contacts_left: int = 0
    states: dict[str, int] = field(default_factory=dict)
    dialed: int = 0
    in_flight: int = 0
    answered: int = 0
    connected: int = 0
    abandoned: int = 0
    abandon_rate: Decimal = Decimal("0.00")  # percent of answered
    dial_ratio: Decimal = Decimal("1.00")
    paced_at: datetime | None = None
    outcomes: dict[str, int] = field(default_factory=dict)
    dispositions: list[DispositionCount] = field(default_factory=list)
    refusal_reasons: list[tuple[str, int]] = field(default_factory=list)
    orders: int = 0
    orders_total: dict[str, Decimal] = field(default_factory=dict)  # per currency


def percent(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal("0.00")
    return (Decimal(part * 100) / Decimal(whole)).quantize(Decimal("0.01"))


async def _contact_states(session: AsyncSession, figures: Figures, campaign_id: int) -> None:
    rows = await session.execute(
        select(CampaignContact.state, func.count())
        .where(CampaignContact.campaign_id == campaign_id)
        .group_by(CampaignContact.state)
    )
    figures.states = dict.fromkeys(CONTACT_STATES, 0) | {s: n for s, n in rows}
    figures.contacts = sum(figures.states.values())
    figures.contacts_left = sum(figures.states.get(s, 0) for s in LEFT_STATES)


async def _attempts(session: AsyncSession, figures: Figures, campaign_id: int) -> None:
    rows = await session.execute(
        select(
            CampaignAttempt.outcome,
            func.count(),
            func.count(CampaignAttempt.connected_at),
        )
        .where(CampaignAttempt.campaign_id == campaign_id)
        .group_by(CampaignAttempt.outcome)
    )
    for outcome, count, taken in rows:
        if outcome:
            figures.outcomes[outcome] = count
        else:
            figures.in_flight = count
            figures.connected += taken
        if outcome != "skipped":
            figures.dialed += count
    figures.connected += figures.outcomes.get("answered", 0)
    figures.abandoned = figures.outcomes.get("abandoned", 0)
    figures.answered = figures.connected + figures.abandoned
    figures.abandon_rate = percent(figures.abandoned, figures.answered)


async def _counts(session: AsyncSession, column: Any, campaign_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(column, func.count())
        .where(CampaignAttempt.campaign_id == campaign_id, column != "")
        .group_by(column)
    )
    return {value: count for value, count in rows}


async def _wrapups(session: AsyncSession, figures: Figures, campaign: Campaign) -> None:
    counts = await _counts(session, CampaignAttempt.disposition, campaign.id)
    for item in campaign.dispositions or []:
        code = item.get("code", "")
        label, kind = item.get("label", code), item.get("kind", "")
        figures.dispositions.append(DispositionCount(code, label, kind, counts.pop(code, 0)))
    for code, count in sorted(counts.items()):  # codes since removed from the campaign
        figures.dispositions.append(DispositionCount(code, code, "", count))
    reasons = await _counts(session, CampaignAttempt.refusal_reason, campaign.id)
    listed = [(r, reasons.pop(r, 0)) for r in campaign.refusal_reasons or []]
    figures.refusal_reasons = listed + sorted(reasons.items())


async def _orders(session: AsyncSession, figures: Figures, campaign: Campaign) -> None:
    if campaign.started_at is None:
        return
    clients = select(CampaignContact.client_id).where(
        CampaignContact.campaign_id == campaign.id, CampaignContact.client_id.is_not(None)
    )
    rows = await session.execute(
        select(Order.currency, func.count(), func.sum(Order.total))
        .join(OrderStatus, OrderStatus.id == Order.status_id)
        .where(
            Order.client_id.in_(clients),
            Order.created_at >= campaign.started_at,
            OrderStatus.kind != "cancel",
        )
        .group_by(Order.currency)
        .order_by(Order.currency)
    )
    for currency, count, total in rows:
        figures.orders += count
        figures.orders_total[currency] = total or Decimal("0.00")


async def campaign_figures(session: AsyncSession, campaign: Campaign) -> Figures:
    figures = Figures(dial_ratio=campaign.dial_ratio, paced_at=campaign.paced_at)
    await _contact_states(session, figures, campaign.id)
    await _attempts(session, figures, campaign.id)
    await _wrapups(session, figures, campaign)
    await _orders(session, figures, campaign)
    return figures


@dataclass(frozen=True)
class Progress:
    """What the campaign list shows of each campaign."""

    contacts: int = 0
    contacts_left: int = 0
    dialed: int = 0
    connected: int = 0


async def progress_of(session: AsyncSession, campaign_ids: list[int]) -> dict[int, Progress]:
    """The list's figures in two grouped queries, whatever the number of campaigns."""
    if not campaign_ids:
        return {}
    contacts = await session.execute(
        select(
            CampaignContact.campaign_id,
            func.count(),
            func.count().filter(CampaignContact.state.in_(LEFT_STATES)),
        )
        .where(CampaignContact.campaign_id.in_(campaign_ids))
        .group_by(CampaignContact.campaign_id)
    )
    attempts = await session.execute(
        select(
            CampaignAttempt.campaign_id,
            func.count().filter(CampaignAttempt.outcome != "skipped"),
            func.count().filter(
                (CampaignAttempt.outcome == "answered")
                | ((CampaignAttempt.outcome == "") & CampaignAttempt.connected_at.is_not(None))
            ),
        )
        .where(CampaignAttempt.campaign_id.in_(campaign_ids))
        .group_by(CampaignAttempt.campaign_id)
    )
    counted = {cid: (total, left) for cid, total, left in contacts}
    dialing = {cid: (dialed, connected) for cid, dialed, connected in attempts}
    return {
        cid: Progress(*counted.get(cid, (0, 0)), *dialing.get(cid, (0, 0))) for cid in campaign_ids
    }
