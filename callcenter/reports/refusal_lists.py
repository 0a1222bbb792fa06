"""The clients behind two refusal figures, newest first: those who showed interest and did
not buy after it, and those who refused after they had complained."""

from __future__ import annotations

from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.models import CallRow, CallWrapup
from callcenter.clients.models import Client
from callcenter.dialer.models import Campaign, CampaignAttempt, CampaignContact
from callcenter.i18n import N_, translations
from callcenter.reports.disposition_rollups import (
    WRAPUP_KINDS,
    bought_after,
    campaign_kind,
    complained_before,
)
from callcenter.reports.filters import ReportFilters
from callcenter.users.models import User

LIST_LIMIT = 100  # clients per list
INTERESTED = ("success", "callback")


def _kept(query: Any, filters: ReportFilters, agent: Any) -> Any:
    if filters.manager is not None:
        query = query.where(agent == filters.manager)
    if filters.segment is not None:
        query = query.where(Client.segment_id == filters.segment)
    if filters.channel is not None:
        query = query.where(Client.channel_id == filters.channel)
    return query


def _attempts(filters: ReportFilters) -> Any:
    attempt = CampaignAttempt
    query = (
        select(
            Client.id,
            Client.name,
            attempt.dispositioned_at.label("at"),
            attempt.disposition.label("code"),
            attempt.refusal_reason.label("reason"),
            Campaign.name.label("campaign"),
            User.full_name,
            User.login,
            literal("campaign").label("source"),
        )
        .join(Campaign, Campaign.id == attempt.campaign_id)
        .join(CampaignContact, CampaignContact.id == attempt.contact_id)
        .join(Client, Client.id == CampaignContact.client_id)
        .outerjoin(User, User.id == attempt.agent_id)
        .where(attempt.dispositioned_at >= filters.since, attempt.dispositioned_at < filters.until)
        .where(attempt.disposition != "")
        .order_by(attempt.dispositioned_at.desc())
        .limit(LIST_LIMIT * 3)
    )
    if filters.campaign is not None:
        query = query.where(attempt.campaign_id == filters.campaign)
    return _kept(query, filters, attempt.agent_id)


def _wrapups(filters: ReportFilters) -> Any:
    query = (
        select(
            Client.id,
            Client.name,
            CallWrapup.created_at.label("at"),
            CallWrapup.result.label("code"),
            literal("").label("reason"),
            literal("").label("campaign"),
            User.full_name,
            User.login,
            literal("call").label("source"),
        )
        .join(CallRow, CallRow.id == CallWrapup.call_id)
        .join(Client, Client.id == CallRow.client_id)
        .outerjoin(User, User.id == CallWrapup.user_id)
        .where(CallWrapup.created_at >= filters.since, CallWrapup.created_at < filters.until)
        .where(CallWrapup.result.in_([r for r, k in WRAPUP_KINDS.items() if k in INTERESTED]))
        .order_by(CallWrapup.created_at.desc())
        .limit(LIST_LIMIT * 3)
    )
    return _kept(query, filters, CallWrapup.user_id)


def _listed(rows: list[Any], language: str, labels: dict[str, str]) -> list[tuple[Any, ...]]:
    """Newest first, each client once, at most ``LIST_LIMIT``."""
    gettext = translations(language).gettext
    seen: set[int] = set()
    out = []
    for row in sorted(rows, key=lambda r: r.at, reverse=True):
        if row.id in seen:
            continue
        seen.add(row.id)
        if row.source == "campaign":
            result = labels.get(row.code, row.code) + (f": {row.reason}" if row.reason else "")
            campaign = row.campaign
        else:
            result, campaign = gettext(row.code), gettext(N_("Calls' wrap-ups"))
        out.append((row.name, row.at, result, campaign, row.full_name or row.login or ""))
    return out[:LIST_LIMIT]


async def interested_not_bought(
    session: AsyncSession, filters: ReportFilters, language: str, labels: dict[str, str]
) -> list[tuple[Any, ...]]:
    attempts = _attempts(filters).where(
        campaign_kind().in_(INTERESTED),
        ~bought_after(Client.id, CampaignAttempt.dispositioned_at),
    )
    rows = list(await session.execute(attempts))
    if filters.campaign is None:
        wrapups = _wrapups(filters).where(~bought_after(Client.id, CallWrapup.created_at))
        rows += list(await session.execute(wrapups))
    return _listed(rows, language, labels)


async def after_complaint(
    session: AsyncSession, filters: ReportFilters, language: str, labels: dict[str, str]
) -> list[tuple[Any, ...]]:
    attempts = _attempts(filters).where(
        campaign_kind() == "refusal",
        complained_before(Client.id, CampaignAttempt.dispositioned_at),
    )
    return _listed(list(await session.execute(attempts)), language, labels)
