"""A call result as the refusals' rollup and ledger count it: a campaign disposition or a
wrap-up's result, its kind, and what the client did around it (bought after it, complained
before it); read from the raw rows for the results recorded in a range or named by id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, case, exists, func, literal, select
from sqlalchemy.sql.functions import coalesce

from callcenter.calls.models import CallRow, CallWrapup
from callcenter.clients.models import Client
from callcenter.dialer.models import Campaign, CampaignAttempt, CampaignContact
from callcenter.feedback.models import Feedback
from callcenter.orders.models import Order, OrderStatus
from callcenter.reports.rollups.days import day_of

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


def campaign_results(lo: datetime | None, hi: datetime | None, ids: Any = None) -> Any:
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


def wrapup_results(lo: datetime | None, hi: datetime | None, ids: Any = None) -> Any:
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
