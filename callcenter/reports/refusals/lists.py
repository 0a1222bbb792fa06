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
from callcenter.reports.filters import ReportFilters
from callcenter.reports.refusals.results import (
    WRAPUP_KINDS,
    bought_after,
    campaign_kind,
    complained_before,
)
from callcenter.users.models import User

LIST_LIMIT = 100  # clients per list
WINDOW = 10_000  # the lists look through the period's latest results, this many of each
INTERESTED = ("success", "callback")


def _kept(query: Any, filters: ReportFilters, agent: Any) -> Any:
    if filters.manager is not None and agent is not None:
        query = query.where(agent == filters.manager)
    if filters.segment is not None:
        query = query.where(Client.segment_id == filters.segment)
    if filters.channel is not None:
        query = query.where(Client.channel_id == filters.channel)
    return query


def _latest_attempts(filters: ReportFilters) -> Any:
    """The period's last ``WINDOW`` campaign results (by the index on their time)."""
    attempt = CampaignAttempt
    query = (
        select(
            attempt.campaign_id,
            attempt.contact_id,
            attempt.agent_id,
            attempt.disposition,
            attempt.refusal_reason,
            attempt.dispositioned_at,
        )
        .where(attempt.dispositioned_at >= filters.since, attempt.dispositioned_at < filters.until)
        .where(attempt.disposition != "")
        .order_by(attempt.dispositioned_at.desc())
        .limit(WINDOW)
    )
    if filters.campaign is not None:
        query = query.where(attempt.campaign_id == filters.campaign)
    if filters.manager is not None:
        query = query.where(attempt.agent_id == filters.manager)
    return query.subquery("latest")


def _attempts(filters: ReportFilters, kinds: tuple[str, ...], outcome: Any) -> Any:
    """Those of the latest results of these kinds whose client passes ``outcome(client id,
    result time)``, newest first."""
    latest = _latest_attempts(filters)
    query = (
        select(
            Client.id,
            Client.name,
            latest.c.dispositioned_at.label("at"),
            latest.c.disposition.label("code"),
            latest.c.refusal_reason.label("reason"),
            Campaign.name.label("campaign"),
            User.full_name,
            User.login,
            literal("campaign").label("source"),
        )
        .select_from(latest)
        .join(Campaign, Campaign.id == latest.c.campaign_id)
        .join(CampaignContact, CampaignContact.id == latest.c.contact_id)
        .join(Client, Client.id == CampaignContact.client_id)
        .outerjoin(User, User.id == latest.c.agent_id)
        .where(campaign_kind(latest.c.disposition).in_(kinds))
        .where(outcome(Client.id, latest.c.dispositioned_at))
        .order_by(latest.c.dispositioned_at.desc())
        .limit(LIST_LIMIT * 3)
    )
    return _kept(query, filters, None)


def _wrapups(filters: ReportFilters) -> Any:
    """The period's latest wrap-ups that showed interest, newest first."""
    results = [r for r, k in WRAPUP_KINDS.items() if k in INTERESTED]
    window = (
        select(CallWrapup.call_id, CallWrapup.user_id, CallWrapup.result, CallWrapup.created_at)
        .where(CallWrapup.created_at >= filters.since, CallWrapup.created_at < filters.until)
        .where(CallWrapup.result.in_(results))
        .order_by(CallWrapup.created_at.desc())
        .limit(WINDOW)
    )
    if filters.manager is not None:
        window = window.where(CallWrapup.user_id == filters.manager)
    latest = window.subquery("latest")
    query = (
        select(
            Client.id,
            Client.name,
            latest.c.created_at.label("at"),
            latest.c.result.label("code"),
            literal("").label("reason"),
            literal("").label("campaign"),
            User.full_name,
            User.login,
            literal("call").label("source"),
        )
        .select_from(latest)
        .join(CallRow, CallRow.id == latest.c.call_id)
        .join(Client, Client.id == CallRow.client_id)
        .outerjoin(User, User.id == latest.c.user_id)
        .where(~bought_after(Client.id, latest.c.created_at))
        .order_by(latest.c.created_at.desc())
        .limit(LIST_LIMIT * 3)
    )
    return _kept(query, filters, None)


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
    """Clients whose latest interest (a campaign "success"/"callback", a wrap-up "sale"/
    "follow up") was followed by no order that was not cancelled."""
    attempts = _attempts(filters, INTERESTED, lambda client, at: ~bought_after(client, at))
    rows = list(await session.execute(attempts))
    if filters.campaign is None:
        rows += list(await session.execute(_wrapups(filters)))
    return _listed(rows, language, labels)


async def after_complaint(
    session: AsyncSession, filters: ReportFilters, language: str, labels: dict[str, str]
) -> list[tuple[Any, ...]]:
    """Clients who refused after they had complained."""
    attempts = _attempts(filters, ("refusal",), complained_before)
    return _listed(list(await session.execute(attempts)), language, labels)
