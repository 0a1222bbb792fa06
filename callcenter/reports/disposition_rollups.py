"""Call results by day: campaign dispositions (with the refusal reason) and the generic
wrap-up results operators set after any call.

A result counts on the UTC day it was recorded (an attempt's ``dispositioned_at``, a
wrap-up's ``created_at``), under its campaign (0 for a wrap-up), the agent who set it, the
client's segment and channel, its kind and code. A campaign disposition's kind is the one the
campaign gives its code (success, refusal, callback, other); a wrap-up's is "success" for a
sale, "callback" for a follow-up, "other" for the rest. ``ordered_after``: the client took an
order at or after the result; ``after_complaint``: the client had complained before it.

The first build fills the days (and the results' ledger, ``result_ledger.py``); afterwards a
refresh adds the difference of the results recorded since, those of clients saved, taking or
changing an order or complaining since, and those gone with a deletion (``deletions.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, case, exists, func, literal, select, union, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.functions import coalesce

from callcenter.calls.models import CallRow, CallWrapup
from callcenter.clients.models import Client
from callcenter.dialer.models import Campaign, CampaignAttempt, CampaignContact
from callcenter.feedback.models import Feedback
from callcenter.orders.models import Order, OrderStatus
from callcenter.reports.days import DayRollup, day_of
from callcenter.reports.result_ledger import add_changed_results, fill_result_days
from callcenter.reports.rollups import Rollup
from callcenter.reports.sales_models import SLICES, disposition_days

WRAPUP_KINDS = {"sale": "success", "follow_up": "callback"}


def bought_after(client_id: Any, at: Any) -> Any:
    """The client took an order (not cancelled) at or after ``at``."""
    return (
        exists()
        .where(Order.client_id == client_id, Order.created_at >= at)
        .where(Order.status_id.not_in(select(OrderStatus.id).where(OrderStatus.kind == "cancel")))
    )


def complained_before(client_id: Any, at: Any) -> Any:
    return exists().where(
        Feedback.client_id == client_id, Feedback.kind == "complaint", Feedback.created_at < at
    )


def _outcomes(client_id: Any, at: Any) -> list[Any]:
    return [
        bought_after(client_id, at).label("ordered"),
        complained_before(client_id, at).label("complained"),
    ]


def campaign_kind(disposition: Any = CampaignAttempt.disposition) -> Any:
    """The kind the attempt's campaign gives its disposition code ("other" if none)."""
    entry = func.jsonb_array_elements(Campaign.dispositions).table_valued("value").alias("d")
    kind = (
        select(entry.c.value.op("->>")("kind"))
        .where(entry.c.value.op("->>")("code") == disposition)
        .limit(1)
        .scalar_subquery()
    )
    return coalesce(kind, "other")


def wrapup_kind() -> Any:
    return case(*((CallWrapup.result == r, k) for r, k in WRAPUP_KINDS.items()), else_="other")


def _campaign_results(lo: datetime | None, hi: datetime | None, ids: Any = None) -> Any:
    """The campaign results recorded in [lo, hi), or those whose id is among ``ids``."""
    attempt = CampaignAttempt
    kept: list[Any]
    if ids is not None:
        kept = [attempt.id.in_(ids), attempt.dispositioned_at.isnot(None)]
    else:
        kept = [attempt.dispositioned_at >= lo, attempt.dispositioned_at < hi]
    return (
        select(
            day_of(attempt.dispositioned_at).label("day"),
            literal("campaign", String).label("source"),
            attempt.campaign_id,
            coalesce(attempt.agent_id, 0).label("agent_id"),
            coalesce(Client.segment_id, 0).label("segment_id"),
            coalesce(Client.channel_id, 0).label("channel_id"),
            campaign_kind().label("kind"),
            attempt.disposition.label("code"),
            attempt.refusal_reason.label("reason"),
            *_outcomes(CampaignContact.client_id, attempt.dispositioned_at),
            attempt.id.label("result_id"),
            CampaignContact.client_id,
        )
        .join(Campaign, Campaign.id == attempt.campaign_id)
        .join(CampaignContact, CampaignContact.id == attempt.contact_id)
        .outerjoin(Client, Client.id == CampaignContact.client_id)
        .where(*kept)
        .where(attempt.disposition != "")
    )


def _wrapup_results(lo: datetime | None, hi: datetime | None, ids: Any = None) -> Any:
    kept: list[Any]
    if ids is not None:
        kept = [CallWrapup.id.in_(ids)]
    else:
        kept = [CallWrapup.created_at >= lo, CallWrapup.created_at < hi]
    return (
        select(
            day_of(CallWrapup.created_at).label("day"),
            literal("call", String).label("source"),
            literal(0).label("campaign_id"),
            coalesce(CallWrapup.user_id, 0).label("agent_id"),
            coalesce(Client.segment_id, 0).label("segment_id"),
            coalesce(Client.channel_id, 0).label("channel_id"),
            wrapup_kind().label("kind"),
            CallWrapup.result.label("code"),
            literal("", String).label("reason"),
            *_outcomes(CallRow.client_id, CallWrapup.created_at),
            CallWrapup.id.label("result_id"),
            CallRow.client_id,
        )
        .join(CallRow, CallRow.id == CallWrapup.call_id)
        .outerjoin(Client, Client.id == CallRow.client_id)
        .where(*kept)
    )


def disposition_facts(lo: datetime, hi: datetime) -> Any:
    results = union_all(_campaign_results(lo, hi), _wrapup_results(lo, hi)).subquery("results")
    dims = [
        results.c.day,
        results.c.source,
        results.c.campaign_id,
        results.c.agent_id,
        results.c.segment_id,
        results.c.channel_id,
        results.c.kind,
        results.c.code,
        results.c.reason,
    ]
    return select(
        *dims,
        func.count().label("results"),
        func.count().filter(results.c.ordered).label("ordered_after"),
        func.count().filter(results.c.complained).label("after_complaint"),
    ).group_by(*dims)


def _no_select(since: datetime | None) -> Any:
    raise AssertionError("result days are found by touched_results")


async def touched_results(session: AsyncSession, since: datetime | None) -> list[datetime]:
    """Every day with a result (the first build); afterwards the results changed since
    ``since`` are added as differences (``result_ledger``): no day to rebuild."""
    if since is None:
        attempts = select(day_of(CampaignAttempt.dispositioned_at)).where(
            CampaignAttempt.dispositioned_at.isnot(None)
        )
        days = union(attempts, select(day_of(CallWrapup.created_at))).subquery()
        return [d for (d,) in await session.execute(select(days))]
    await add_changed_results(session, since, DISPOSITION_DAYS)
    return []


async def rebuild_results(session: AsyncSession, days: list[datetime]) -> None:
    await fill_result_days(session, days)
    await DISPOSITION_DAYS.rebuild(session, days)


DISPOSITION_DAYS = DayRollup(
    disposition_days, disposition_facts, _no_select, slices=SLICES[disposition_days.name]
)

ROLLUPS = (Rollup(disposition_days.name, touched_results, rebuild_results, chunk=31),)
