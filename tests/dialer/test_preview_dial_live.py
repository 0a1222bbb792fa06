"""A preview dial over real TCP: the CRM's command -> the listener's one Originate -> the
simulator rings the agent's phone, then the customer; the call's linkedid is the attempt's."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ami.listener import PbxListener
from callcenter.calls.models import CallRow
from callcenter.dialer import agent
from callcenter.floor.models import PbxCommand
from tests.calls.test_listener import pbx, sessionmaker  # noqa: F401
from tests.dialer.support import add_contacts, make_campaign
from tests.floor.test_floor_live import PLAN, running, until_db  # noqa: F401


async def test_a_preview_dial_rings_the_agent_once_then_the_customer(
    running: PbxListener,  # noqa: F811
    sessionmaker: Any,  # noqa: F811
    make_user: Any,
) -> None:
    operator = await make_user("operator", extension="101")
    async with sessionmaker.begin() as session:
        campaign = await make_campaign(session, agent_ids=[operator.id])
        (contact,) = await add_contacts(session, campaign, "+79161234561")  # answers
        await agent.next_preview(session, campaign_id=campaign.id, user=operator)
    async with sessionmaker.begin() as session:
        placed = await agent.dial_preview(
            session, contact_id=contact.id, user=operator, plan=PLAN, key="click-1"
        )
    assert placed.attempt is not None and placed.command is not None
    action_id = placed.attempt.action_id
    call = await until_db(
        sessionmaker,
        lambda s: s.scalar(
            select(CallRow)
            .where(CallRow.linkedid == action_id, CallRow.ended_at.is_not(None))
            .options(selectinload(CallRow.legs))
        ),
        within=10,
    )
    assert call.direction == "outbound" and call.callee == "+79161234561"
    assert "101" in {leg.agent for leg in call.legs}  # the agent's phone rang (and answered)
    async with sessionmaker.begin() as session:  # the click retried: the same call, no dial
        again = await agent.dial_preview(
            session, contact_id=contact.id, user=operator, plan=PLAN, key="click-1"
        )
    assert again.attempt is not None and again.attempt.id == placed.attempt.id
    await asyncio.sleep(0.5)  # time for a second Originate to go out, were there one
    async with sessionmaker() as session:
        commands = list(await session.scalars(select(PbxCommand)))
        calls = list(await session.scalars(select(CallRow.linkedid)))
    assert running.commands.sent == 1 and len(commands) == 1 and calls == [action_id]
    assert commands[0].state == "done" and commands[0].progress == "ended"
