"""Writing what the dialer's calls came to, and finding what happened while nobody listened.

Once a cycle the runner writes, in one transaction, every attempt whose outcome became known
(``attempts.record_outcome``: once, whatever replays) and every call's progress (answer,
agent, end). After a (re)connect, attempts the database has in flight but this process
never heard of are resolved from what the PBX still has: a call still live is watched again;
one that ended is taken from the stored call; no trace at all means the Originate never
made a call (``failed``). None is redialed at once: the retry rules apply.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ami.dialer.watch import CallWatch, DialerCall
from callcenter.calls.models import CallRow
from callcenter.calls.records import Call
from callcenter.dialer.attempts import record_outcome, record_progress
from callcenter.dialer.models import Campaign, CampaignAttempt
from callcenter.users.models import User

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(seconds=90)  # past the ring time with nothing heard: never placed


async def write_calls(
    sessionmaker: async_sessionmaker[Any], calls: list[DialerCall], now: datetime
) -> list[DialerCall]:
    """Store outcomes and progress of ``calls``; those whose outcome was written now."""
    written: list[DialerCall] = []
    async with sessionmaker.begin() as session:
        await _learn_campaigns(session, [c for c in calls if c.campaign_id is None])
        agents = await _agent_ids(session, {c.agent for c in calls if c.agent})
        for call in calls:
            if call.campaign_id is None:
                call.written, call.progress = True, False  # not an attempt of ours
                continue
            await _progress(session, call, agents)
            if call.outcome and not call.written:
                cause = call.ended.hangup_cause if call.ended else None
                attempt = await record_outcome(
                    session,
                    action_id=call.action_id,
                    outcome=call.outcome,
                    at=_ended_at(call) or now,
                    hangup_cause=cause,
                )
                if attempt is not None:
                    written.append(call)
    for call in calls:
        call.progress = False
        call.written = call.written or bool(call.outcome)
    return written


def _ended_at(call: DialerCall) -> datetime | None:
    return call.ended.ended_at if call.ended else None


async def _progress(session: AsyncSession, call: DialerCall, agents: dict[str, int]) -> None:
    ended = call.ended
    await record_progress(
        session,
        action_id=call.action_id,
        answered_at=call.answered_at or (ended.answered_at if ended else None),
        connected_at=call.connected_at,
        ended_at=_ended_at(call),
        hangup_cause=ended.hangup_cause if ended else None,
        linkedid=call.action_id if call.has_channels else "",
        agent_id=agents.get(call.agent),
        agent_interface=call.agent,
    )


async def _learn_campaigns(session: AsyncSession, calls: list[DialerCall]) -> None:
    """Attempts placed by someone else (a preview agent): their campaign and start."""
    if not calls:
        return
    by_action = {c.action_id: c for c in calls}
    found = await session.execute(
        select(
            CampaignAttempt.action_id, CampaignAttempt.campaign_id, CampaignAttempt.started_at
        ).where(CampaignAttempt.action_id.in_(by_action))
    )
    for action_id, campaign_id, started_at in found:
        by_action[action_id].campaign_id = campaign_id
        by_action[action_id].dialed_at = by_action[action_id].dialed_at or started_at


async def _agent_ids(session: AsyncSession, extensions: set[str]) -> dict[str, int]:
    if not extensions:
        return {}
    rows = await session.execute(
        select(User.extension, User.id).where(User.extension.in_(extensions))
    )
    return {extension: user_id for extension, user_id in rows if extension}


async def resolve_unheard(
    session: AsyncSession,
    *,
    watch: CallWatch,
    pbx_names: Iterable[str],
    live_calls: list[Call],
    now: datetime,
) -> bool:
    """Attempts in flight that this process has not heard of: watched again when the PBX
    still has their call, else given their outcome. False while a call the PBX no longer
    has is not stored as ended yet (the listener ends such calls after a resync)."""
    live = {call.linkedid: call for call in live_calls}
    rows = (
        await session.execute(
            select(
                CampaignAttempt.action_id, CampaignAttempt.campaign_id, CampaignAttempt.started_at
            )  # fmt: skip
            .join(Campaign, Campaign.id == CampaignAttempt.campaign_id)
            .where(CampaignAttempt.outcome == "", Campaign.pbx.in_(list(pbx_names)))
        )
    ).all()
    settled = True
    for action_id, campaign_id, started_at in rows:
        if action_id in watch.calls:
            continue
        call = watch.track(action_id)
        call.campaign_id, call.dialed_at, call.heard_at = campaign_id, started_at, now
        if action_id in live:
            _adopt(call, live[action_id])
            continue
        stored = await session.scalar(select(CallRow).where(CallRow.linkedid == action_id))
        if stored is not None and stored.ended_at is None:
            del watch.calls[action_id]
            settled = False
            continue
        call.outcome = _stored_outcome(stored)
        call.has_channels = stored is not None
        log.info("dialer: attempt %s found ended while unheard: %s", action_id, call.outcome)
    return settled


def _adopt(call: DialerCall, live: Call) -> None:
    call.has_channels = True
    call.answered_at = live.answered_at
    if live.agents:
        call.agent = live.agents[0]
        call.connected_at = live.answered_at  # when exactly is not known: not a drop
    log.info("dialer: attempt %s is still on the PBX: watched again", call.action_id)


def _stored_outcome(row: CallRow | None) -> str:
    if row is None:
        return "failed"
    if row.outcome == "answered":
        return "answered" if row.answered_at is not None else "failed"
    if row.outcome in ("abandoned", "busy", "no_answer", "failed"):
        return str(row.outcome)
    return "failed"


def stale(call: DialerCall, now: datetime, ring: timedelta) -> bool:
    """Placed (or found) long ago and never heard of: no call was made."""
    if call.outcome or call.has_channels or call.dialed_at is None:
        return False
    return now - call.dialed_at > ring + STALE_AFTER
