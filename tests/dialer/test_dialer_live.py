"""The dialer over real TCP: simulator -> listener (with the dialer) -> PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from ami.listener import PbxListener
from ami.simulator import PbxSimulator
from callcenter.clients.models import Client
from callcenter.dialer.models import Campaign, CampaignAttempt, CampaignContact, Consent
from callcenter.floor.models import DoNotCall
from tests.calls.test_listener import pbx, sessionmaker  # noqa: F401
from tests.dialer.live_support import (
    all_recorded,
    attempts,
    contacts,
    dialer_listener,
    make_campaign,
    started,
    until_db,
)

ANSWERS, BUSY, NO_ANSWER, CONGESTION, MACHINE = (
    "+79161234561",
    "+79161234562",
    "+79161234563",
    "+79161234564",
    "+79161234565",
)


@pytest.fixture
async def running(pbx: PbxSimulator, sessionmaker: Any) -> AsyncIterator[PbxListener]:  # noqa: F811
    listener = dialer_listener(pbx.port, sessionmaker)
    async for _ in started(listener):
        yield listener


async def test_progressive_campaign_records_every_outcome_and_moves_contacts(
    running: PbxListener,
    sessionmaker: Any,  # noqa: F811
) -> None:
    numbers = [ANSWERS, BUSY, NO_ANSWER, CONGESTION, MACHINE]
    campaign_id = await make_campaign(sessionmaker, numbers)
    rows = await until_db(sessionmaker, all_recorded(campaign_id, 5))
    by_number = {a.number: a for a in rows}
    assert {n: by_number[n].outcome for n in numbers} == {
        ANSWERS: "answered",
        BUSY: "busy",
        NO_ANSWER: "no_answer",
        CONGESTION: "congestion",
        MACHINE: "machine",
    }
    answered = by_number[ANSWERS]
    assert answered.action_id.startswith("crm-dial-") and answered.linkedid == answered.action_id
    assert answered.answered_at is not None and answered.connected_at is not None
    assert answered.agent_interface in ("101", "102")
    async with sessionmaker() as session:
        people = await contacts(session, campaign_id)
    assert people[ANSWERS].state == "done"
    assert {people[n].state for n in (BUSY, NO_ANSWER, CONGESTION, MACHINE)} == {"retry"}
    assert people[BUSY].attempts == 1 and people[CONGESTION].attempts == 0
    assert people[ANSWERS].timezone == "Europe/Moscow" or "|" in people[ANSWERS].timezone


async def test_campaign_finishes_when_no_contact_is_left(
    running: PbxListener,
    sessionmaker: Any,  # noqa: F811
) -> None:
    campaign_id = await make_campaign(sessionmaker, [ANSWERS])

    async def finished(session: Any) -> Campaign | None:
        campaign = await session.get(Campaign, campaign_id)
        return campaign if campaign.state == "finished" else None

    campaign = await until_db(sessionmaker, finished)
    assert campaign.paced_at is not None


async def test_retry_rules_redial_then_exhaust_a_busy_number(
    running: PbxListener,
    sessionmaker: Any,  # noqa: F811
) -> None:
    rules = {"busy": {"after_minutes": 0, "max": 1}}
    campaign_id = await make_campaign(sessionmaker, [BUSY], retry_rules=rules)

    async def exhausted(session: Any) -> CampaignContact | None:
        contact = (await contacts(session, campaign_id))[BUSY]
        return contact if contact.state == "exhausted" else None

    contact = await until_db(sessionmaker, exhausted)
    async with sessionmaker() as session:
        rows = await attempts(session, campaign_id)
    assert [a.outcome for a in rows] == ["busy", "busy"] and contact.attempts == 2


async def test_predictive_campaign_dials_ahead_once_it_has_measured(
    running: PbxListener,
    sessionmaker: Any,  # noqa: F811
) -> None:
    numbers = [f"+7916{n:06d}1" for n in range(100, 112)]
    campaign_id = await make_campaign(sessionmaker, numbers, mode="predictive", state="paused")
    await _history(sessionmaker, campaign_id, answered=60, unanswered=180)
    async with sessionmaker.begin() as session:
        (await session.get(Campaign, campaign_id)).state = "running"
    ratios: list[float] = []

    async def done(session: Any) -> bool:
        campaign = await session.get(Campaign, campaign_id)
        ratios.append(float(campaign.dial_ratio))
        rows = await attempts(session, campaign_id)
        fresh = [a for a in rows if a.number in numbers]
        return len(fresh) == len(numbers) and all(a.outcome for a in fresh)

    await until_db(sessionmaker, done, within=30)
    assert max(ratios) > 1.0  # more lines than free agents
    async with sessionmaker() as session:
        people = await contacts(session, campaign_id)
    # two agents for many answers at once: those no agent took in time are abandoned
    # and not called again for 72 hours
    later = datetime.now(UTC) + timedelta(hours=71)
    for number in numbers:
        contact = people[number]
        assert contact.last_outcome in ("answered", "abandoned")
        if contact.last_outcome == "abandoned":
            assert contact.state == "retry" and contact.next_at > later
        else:
            assert contact.state == "done"


async def _history(maker: Any, campaign_id: int, *, answered: int, unanswered: int) -> None:
    """Attempts of earlier days, as the pacing would have measured them."""
    start = datetime.now(UTC) - timedelta(days=1)
    async with maker.begin() as session:
        for n in range(answered + unanswered):
            live = n < answered
            number = f"+7903{n:07d}"
            contact = CampaignContact(campaign_id=campaign_id, e164=number, state="done")
            session.add(contact)
            await session.flush()
            session.add(
                CampaignAttempt(
                    campaign_id=campaign_id,
                    contact_id=contact.id,
                    action_id=f"crm-dial-history-{n}",
                    number=number,
                    started_at=start,
                    answered_at=start + timedelta(seconds=8) if live else None,
                    ended_at=start + timedelta(seconds=25),
                    outcome="answered" if live else "no_answer",
                )
            )


async def test_do_not_call_lists_and_missing_consent_exclude_contacts(
    running: PbxListener,
    sessionmaker: Any,  # noqa: F811
) -> None:
    banned, consented, silent = "+79161230011", "+79161230021", "+79161230031"
    async with sessionmaker.begin() as session:
        session.add(DoNotCall(e164=banned, reason="asked us"))
        session.add(
            Consent(
                e164=consented,
                given_by="Ivan Petrov",
                given_at=datetime.now(UTC) - timedelta(days=2),
                method="call",
            )
        )
    campaign_id = await make_campaign(sessionmaker, [banned, consented, silent], advertising=True)
    await until_db(sessionmaker, all_recorded(campaign_id, 1))

    async def settled(session: Any) -> dict[str, CampaignContact] | None:
        people = await contacts(session, campaign_id)
        return people if all(c.state in ("done", "excluded") for c in people.values()) else None

    people = await until_db(sessionmaker, settled)
    assert (people[banned].state, people[banned].last_outcome) == ("excluded", "dnc")
    assert (people[silent].state, people[silent].last_outcome) == ("excluded", "no_consent")
    assert people[consented].state == "done"
    async with sessionmaker() as session:
        assert [a.number for a in await attempts(session, campaign_id)] == [consented]


async def test_contacts_are_called_only_inside_the_window_of_their_own_zone(
    running: PbxListener,
    sessionmaker: Any,  # noqa: F811
) -> None:
    moscow = datetime.now(ZoneInfo("Europe/Moscow"))
    start = moscow.replace(minute=0, second=0, microsecond=0).time()
    end = (moscow + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0).time()
    if end <= start:
        pytest.skip("the hour around midnight cannot make a one-hour window")
    here, far = "+79161230041", "+79161230051"
    async with sessionmaker.begin() as session:
        near_client = Client(kind="person", name="Anna", postal_address="г. Москва, ул. Кирова")
        far_client = Client(kind="person", name="Oleg", postal_address="г. Владивосток")
        session.add_all([near_client, far_client])
        await session.flush()
        ids = {here: near_client.id, far: far_client.id}
    campaign_id = await make_campaign(sessionmaker, [], window_from=start, window_to=end)
    async with sessionmaker.begin() as session:
        for number, client_id in ids.items():
            session.add(CampaignContact(campaign_id=campaign_id, e164=number, client_id=client_id))
    await until_db(sessionmaker, all_recorded(campaign_id, 1))

    async def deferred(session: Any) -> CampaignContact | None:
        contact = (await contacts(session, campaign_id))[far]
        return contact if contact.next_at is not None else None

    waiting = await until_db(sessionmaker, deferred)
    assert (waiting.timezone, waiting.timezone_source) == ("Asia/Vladivostok", "address")
    assert waiting.state == "pending" and waiting.next_at > datetime.now(UTC)
    async with sessionmaker() as session:
        assert [a.number for a in await attempts(session, campaign_id)] == [here]


async def test_a_restart_in_the_middle_resolves_calls_in_flight_without_redialing(
    pbx: PbxSimulator,  # noqa: F811
    sessionmaker: Any,  # noqa: F811
) -> None:
    pbx.pbx.globals["CUSTOMER_TALK"] = "200"  # 2 s at this speed: still talking at the restart
    campaign_id = await make_campaign(sessionmaker, [ANSWERS], state="paused")

    async def connected(session: Any) -> CampaignAttempt | None:
        rows = await attempts(session, campaign_id)
        return rows[0] if rows and rows[0].connected_at is not None else None

    async def ended(session: Any) -> list[CampaignAttempt] | None:
        rows = await attempts(session, campaign_id)
        return rows if rows and rows[0].outcome and rows[0].ended_at else None

    first = dialer_listener(pbx.port, sessionmaker)
    async for _ in started(first):
        async with sessionmaker.begin() as session:
            (await session.get(Campaign, campaign_id)).state = "running"
        await until_db(sessionmaker, connected)
    # the first listener is gone with the call still up; the second one takes over
    second = dialer_listener(pbx.port, sessionmaker)
    async for _ in started(second):
        rows = await until_db(sessionmaker, ended)
    assert [a.outcome for a in rows] == ["answered"]
    async with sessionmaker() as session:
        contact = (await contacts(session, campaign_id))[ANSWERS]
        state = await session.scalar(select(Campaign.state).where(Campaign.id == campaign_id))
    assert contact.state == "done" and contact.attempts == 1 and state in ("running", "finished")
