"""Preview work: the next contact held for one agent, skip, dial once, the checks before it."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.clients.models import Client, ClientPhone
from callcenter.db import make_engine, make_sessionmaker
from callcenter.dialer import agent
from callcenter.dialer.models import CampaignAttempt, CampaignContact, CampaignDoNotCall, Consent
from callcenter.errors import Conflict, Forbidden, Invalid
from callcenter.floor.dialplan import DialPlan
from callcenter.floor.models import AgentRow, DoNotCall, PbxCommand
from tests.dialer.support import SCRIPT, add_contacts, make_campaign

PLAN = DialPlan("Local/{extension}@agents", "outbound", "national")


@pytest.fixture
async def sessionmaker(database_url: str, clean_db: None) -> Any:
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def test_an_agent_of_the_campaign_holds_the_next_contact_with_its_card_and_script(
    sessionmaker: Any, make_user: Any
) -> None:
    operator = await make_user("operator", extension="101")
    async with sessionmaker.begin() as session:
        client = Client(
            kind="person",
            name="Мария Кузнецова",
            phones=[ClientPhone(number="8 916 765-43-21", e164="+79167654321")],
        )
        session.add(client)
        await session.flush()
        campaign = await make_campaign(session, agent_ids=[operator.id])
        first, _ = await add_contacts(session, campaign, "+79167654321", "+79167654322")
        first.client_id = client.id
    async with sessionmaker.begin() as session:
        preview = await agent.next_preview(session, campaign_id=campaign.id, user=operator)
    assert preview is not None
    assert preview.contact.id == first.id and preview.campaign.script == SCRIPT
    assert preview.client is not None and preview.client.name == "Мария Кузнецова"
    async with sessionmaker() as session:
        held = await session.get(CampaignContact, first.id)
    assert held is not None and (held.state, held.agent_id) == ("dialing", operator.id)
    async with sessionmaker.begin() as session:  # asked again (a reload): the same contact
        again = await agent.next_preview(session, campaign_id=campaign.id, user=operator)
    assert again is not None and again.contact.id == first.id


async def test_two_agents_asking_at_once_never_get_the_same_contact(
    sessionmaker: Any, make_user: Any
) -> None:
    one = await make_user("operator", extension="101")
    two = await make_user("operator", extension="102")
    async with sessionmaker.begin() as session:
        campaign = await make_campaign(session, agent_ids=[one.id, two.id])
        await add_contacts(session, campaign, "+79160000001", "+79160000002")
    async with sessionmaker.begin() as first, sessionmaker.begin() as second:
        a = await agent.next_preview(first, campaign_id=campaign.id, user=one)
        b = await agent.next_preview(second, campaign_id=campaign.id, user=two)
    assert a is not None and b is not None and a.contact.id != b.contact.id
    three = await make_user("operator", extension="103")
    async with sessionmaker.begin() as session:
        with pytest.raises(Forbidden):
            await agent.next_preview(session, campaign_id=campaign.id, user=three)


async def test_agents_logged_into_the_campaign_queue_work_it(
    sessionmaker: Any, make_user: Any
) -> None:
    operator = await make_user("operator", extension="101")
    async with sessionmaker.begin() as session:
        session.add(
            AgentRow(
                pbx="default",
                interface="Local/101@agents/n",
                extension="101",
                status="available",
                since=datetime.now(UTC),
                queues=["sales"],
                paused_queues=[],
            )
        )
        campaign = await make_campaign(session, queue="sales")
        other = await make_campaign(session, name="Чужая", queue="support")
        await add_contacts(session, campaign, "+79160000001")
    async with sessionmaker() as session:
        worked = await agent.worked_campaigns(session, user=operator)
    assert [c.id for c in worked] == [campaign.id] and other.id not in [c.id for c in worked]
    async with sessionmaker.begin() as session:
        assert await agent.next_preview(session, campaign_id=campaign.id, user=operator)


async def test_a_skipped_contact_is_recorded_and_offered_again_only_later(
    sessionmaker: Any, make_user: Any
) -> None:
    operator = await make_user("operator", extension="101")
    async with sessionmaker.begin() as session:
        campaign = await make_campaign(session, agent_ids=[operator.id])
        first, second = await add_contacts(session, campaign, "+79160000001", "+79160000002")
        preview = await agent.next_preview(session, campaign_id=campaign.id, user=operator)
        assert preview is not None and preview.contact.id == first.id
    async with sessionmaker.begin() as session:
        skipped = await agent.skip_preview(session, contact_id=first.id, user=operator)
    assert skipped.outcome == "skipped" and skipped.action_id.startswith("crm-skip-")
    async with sessionmaker.begin() as session:
        following = await agent.next_preview(session, campaign_id=campaign.id, user=operator)
        back = await session.get(CampaignContact, first.id)
    assert following is not None and following.contact.id == second.id
    assert back is not None and (back.state, back.agent_id, back.attempts) == ("pending", None, 0)
    later = datetime.now(UTC) + timedelta(hours=1)
    async with sessionmaker.begin() as session:
        await agent.skip_preview(session, contact_id=second.id, user=operator)
        again = await agent.next_preview(session, campaign_id=campaign.id, user=operator, now=later)
    assert again is not None and again.contact.id == first.id


async def test_dial_places_one_originate_from_the_agent_phone_and_retries_find_it(
    sessionmaker: Any, make_user: Any
) -> None:
    operator = await make_user("operator", extension="101")
    async with sessionmaker.begin() as session:
        campaign = await make_campaign(session, agent_ids=[operator.id])
        (contact,) = await add_contacts(session, campaign, "+79167654321")
        await agent.next_preview(session, campaign_id=campaign.id, user=operator)
    async with sessionmaker.begin() as session:
        placed = await agent.dial_preview(
            session, contact_id=contact.id, user=operator, plan=PLAN, key="click-1"
        )
    attempt, command = placed.attempt, placed.command
    assert attempt is not None and command is not None
    assert attempt.action_id.startswith("crm-dial-") and command.linkedid == attempt.action_id
    assert command.payload["channel"] == "Local/101@agents"
    assert command.payload["exten"] == "89167654321"
    assert command.payload["caller_id"] == "+74951234567"
    assert command.payload["variables"] == {
        "CRM_CAMPAIGN": str(campaign.id),
        "CRM_CONTACT": str(contact.id),
        "CRM_ATTEMPT": str(attempt.id),
    }
    async with sessionmaker.begin() as session:  # the request again: the same call
        again = await agent.dial_preview(
            session, contact_id=contact.id, user=operator, plan=PLAN, key="click-1"
        )
        commands = list(await session.scalars(select(PbxCommand)))
        attempts = list(await session.scalars(select(CampaignAttempt)))
    assert again.attempt is not None and again.attempt.id == attempt.id
    assert len(commands) == 1 and len(attempts) == 1
    with pytest.raises(Conflict):  # another key while the call is on: refused
        async with sessionmaker.begin() as session:
            await agent.dial_preview(
                session, contact_id=contact.id, user=operator, plan=PLAN, key="click-2"
            )


async def test_numbers_on_a_do_not_call_list_or_without_consent_are_excluded_undialed(
    sessionmaker: Any, make_user: Any
) -> None:
    operator = await make_user("operator", extension="101")
    async with sessionmaker.begin() as session:
        campaign = await make_campaign(session, agent_ids=[operator.id], advertising=True)
        banned, own, silent, consented = await add_contacts(
            session, campaign, "+79160000001", "+79160000002", "+79160000003", "+79160000004"
        )
        session.add(DoNotCall(e164=banned.e164, reason="asked"))
        session.add(CampaignDoNotCall(campaign_id=campaign.id, e164=own.e164))
        session.add(
            Consent(e164=consented.e164, given_by="Мария", given_at=datetime.now(UTC), method="web")
        )
        session.add(
            Consent(
                e164=silent.e164,
                given_by="Пётр",
                given_at=datetime.now(UTC) - timedelta(days=9),
                method="call",
                withdrawn_at=datetime.now(UTC),
            )
        )
    async with sessionmaker.begin() as session:
        preview = await agent.next_preview(session, campaign_id=campaign.id, user=operator)
    assert preview is not None and preview.contact.id == consented.id
    async with sessionmaker() as session:
        states = {
            c.id: (c.state, c.last_outcome) for c in await session.scalars(select(CampaignContact))
        }
    assert states[banned.id] == ("excluded", "dnc")
    assert states[own.id] == ("excluded", "campaign_dnc")
    assert states[silent.id] == ("excluded", "no_consent")
    async with sessionmaker.begin() as session:  # listed after it was shown: refused at dial
        session.add(DoNotCall(e164=consented.e164, reason="asked today"))
    async with sessionmaker.begin() as session:
        placed = await agent.dial_preview(
            session, contact_id=consented.id, user=operator, plan=PLAN
        )
        assert placed.excluded == "dnc" and placed.attempt is None
        assert not list(await session.scalars(select(PbxCommand)))


async def test_contacts_outside_their_local_call_window_are_not_offered(
    sessionmaker: Any, make_user: Any
) -> None:
    operator = await make_user("operator", extension="101")
    now = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)  # 10:00 in Moscow, 17:00 in Vladivostok
    async with sessionmaker.begin() as session:
        campaign = await make_campaign(
            session, agent_ids=[operator.id], window_from=time(9, 0), window_to=time(12, 0)
        )
        far, near = await add_contacts(session, campaign, "+79240000001", "+79160000002")
        far.timezone = "Asia/Vladivostok"
    async with sessionmaker.begin() as session:
        preview = await agent.next_preview(session, campaign_id=campaign.id, user=operator, now=now)
    assert preview is not None and preview.contact.id == near.id
    async with sessionmaker.begin() as session:
        await agent.skip_preview(session, contact_id=near.id, user=operator, now=now)
        assert (
            await agent.next_preview(session, campaign_id=campaign.id, user=operator, now=now)
            is None
        )


async def test_a_hold_nobody_acts_on_goes_back_to_the_list(
    sessionmaker: Any, make_user: Any
) -> None:
    one = await make_user("operator", extension="101")
    two = await make_user("operator", extension="102")
    async with sessionmaker.begin() as session:
        campaign = await make_campaign(session, agent_ids=[one.id, two.id])
        (contact,) = await add_contacts(session, campaign, "+79160000001")
        await agent.next_preview(session, campaign_id=campaign.id, user=one)
    async with sessionmaker.begin() as session:
        assert await agent.next_preview(session, campaign_id=campaign.id, user=two) is None
    later = datetime.now(UTC) + agent.PREVIEW_HOLD + timedelta(minutes=1)
    async with sessionmaker.begin() as session:
        taken = await agent.next_preview(session, campaign_id=campaign.id, user=two, now=later)
    assert taken is not None and taken.contact.id == contact.id
    with pytest.raises(Conflict):
        async with sessionmaker.begin() as session:
            await agent.skip_preview(session, contact_id=contact.id, user=one)


async def test_only_preview_campaigns_that_run_offer_contacts(
    sessionmaker: Any, make_user: Any
) -> None:
    operator = await make_user("operator", extension="101")
    async with sessionmaker.begin() as session:
        power = await make_campaign(session, agent_ids=[operator.id], mode="progressive")
        paused = await make_campaign(session, agent_ids=[operator.id], state="paused")
        await add_contacts(session, paused, "+79160000001")
    with pytest.raises(Invalid):
        async with sessionmaker.begin() as session:
            await agent.next_preview(session, campaign_id=power.id, user=operator)
    with pytest.raises(Conflict):
        async with sessionmaker.begin() as session:
            await agent.next_preview(session, campaign_id=paused.id, user=operator)
