"""THE one place an attempt's outcome is written, and its contact moved on.

``record_outcome`` writes the outcome once (``UPDATE ... WHERE outcome = ''``): a second
call for the same attempt (a replayed event, a resync after a restart) changes nothing and
returns None. The contact then moves as ``retry.next_move`` says, counting its attempts
from the attempt rows themselves, unless someone moved it meanwhile (an agent's
disposition): only a contact still ``dialing`` is moved. ``record_progress`` fills the
attempt's times, hangup cause, call and agent as the call goes, never overwriting them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.dialer.models import OUTCOMES, Campaign, CampaignAttempt, CampaignContact
from callcenter.dialer.retry import NOT_COUNTED, next_move

PREFIX = "crm-dial-"  # the ActionID (and Originate ChannelId) of every dialer call


async def record_outcome(
    session: AsyncSession,
    *,
    action_id: str,
    outcome: str,
    at: datetime,
    hangup_cause: int | None = None,
) -> CampaignAttempt | None:
    """Write the attempt's outcome if it has none yet; the attempt, or None if it had one
    (or there is no such attempt)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown attempt outcome {outcome!r}")
    values: dict[str, object] = {"outcome": outcome}
    if hangup_cause is not None:
        values["hangup_cause"] = func.coalesce(CampaignAttempt.hangup_cause, hangup_cause)
    if outcome not in ("answered", "abandoned"):
        values["ended_at"] = func.coalesce(CampaignAttempt.ended_at, at)
    attempt = await session.scalar(
        update(CampaignAttempt)
        .where(CampaignAttempt.action_id == action_id, CampaignAttempt.outcome == "")
        .values(**values)
        .returning(CampaignAttempt)
        .execution_options(synchronize_session=False)
    )
    if attempt is None:
        return None
    await _move_contact(session, attempt, outcome, at, hangup_cause)
    return attempt


async def _move_contact(
    session: AsyncSession,
    attempt: CampaignAttempt,
    outcome: str,
    at: datetime,
    hangup_cause: int | None,
) -> None:
    contact = await session.scalar(
        select(CampaignContact).where(CampaignContact.id == attempt.contact_id).with_for_update()
    )
    campaign = await session.get(Campaign, attempt.campaign_id)
    if contact is None or campaign is None:
        return
    counted, same = (
        await session.execute(
            select(
                func.count().filter(CampaignAttempt.outcome.not_in([*NOT_COUNTED, ""])),
                func.count().filter(CampaignAttempt.outcome == outcome),
            ).where(CampaignAttempt.contact_id == contact.id)
        )
    ).one()
    contact.attempts = counted
    if contact.state != "dialing":
        return  # moved meanwhile (a disposition, a manager): theirs stands
    move = next_move(
        outcome=outcome,
        at=at,
        attempts=counted,
        same_outcome=same,
        rules=campaign.retry_rules,
        max_attempts=campaign.max_attempts,
        hangup_cause=hangup_cause,
    )
    contact.state, contact.next_at, contact.last_outcome = move.state, move.next_at, outcome
    if move.state == "excluded":
        contact.last_outcome = move.last_outcome
    contact.updated_at = at
    await session.flush()


async def record_progress(
    session: AsyncSession,
    *,
    action_id: str,
    answered_at: datetime | None = None,
    connected_at: datetime | None = None,
    ended_at: datetime | None = None,
    hangup_cause: int | None = None,
    linkedid: str = "",
    agent_id: int | None = None,
    agent_interface: str = "",
) -> None:
    """Fill what is known of the call; a value already there is kept."""
    column = CampaignAttempt.__table__.c
    given = {
        "answered_at": answered_at,
        "connected_at": connected_at,
        "ended_at": ended_at,
        "hangup_cause": hangup_cause,
        "agent_id": agent_id,
    }
    values: dict[str, object] = {
        name: func.coalesce(column[name], value)
        for name, value in given.items()
        if value is not None
    }
    for name, text in (("linkedid", linkedid), ("agent_interface", agent_interface)):
        if text:
            values[name] = func.coalesce(func.nullif(column[name], ""), text)
    if not values:
        return
    await session.execute(
        update(CampaignAttempt)
        .where(and_(CampaignAttempt.action_id == action_id))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
