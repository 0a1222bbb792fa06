"""Why a campaign is not dialing: every reason from stored facts, and the dialer over TCP
waiting for the very reason the pages show."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from ami.simulator import PbxSimulator
from callcenter.dialer.idle import campaign_idle
from callcenter.dialer.models import Campaign, CampaignAttempt, CampaignContact
from callcenter.floor.models import AgentRow
from tests.calls.test_listener import pbx, sessionmaker  # noqa: F401
from tests.dialer.live_support import dialer_listener, make_campaign, started, until

MOSCOW = ZoneInfo("Europe/Moscow")
LATE = datetime(2026, 3, 2, 23, 0, tzinfo=MOSCOW)  # a Monday
FIXED_LINE = "+74951234561"  # Moscow: one zone


async def campaign_with(
    session: Any, numbers: list[str], agents: list[str], **fields: Any
) -> Campaign:
    values = {"name": "Весна", "mode": "progressive", "state": "running", "queue": "sales"}
    campaign = Campaign(**(values | fields))
    session.add(campaign)
    await session.flush()
    for number in numbers:
        session.add(CampaignContact(campaign_id=campaign.id, e164=number))
    for i, status in enumerate(agents):
        session.add(
            AgentRow(
                pbx="simulator",
                interface=f"Local/10{i}@agents/n",
                extension=f"10{i}",
                status=status,
                since=LATE,
                queues=["sales"],
            )
        )
    await session.flush()
    return campaign


async def reason(session: Any, campaign: Campaign, at: datetime = LATE) -> tuple[str, Any]:
    idle = await campaign_idle(session, campaign=campaign, now=at, default_zone="Europe/Moscow")
    if idle is None:
        return ("dialing", None)
    return (idle.reason, idle.until.astimezone(MOSCOW) if idle.until else None)


@pytest.mark.parametrize(
    ("state", "expected"),
    [("draft", "not_started"), ("paused", "paused"), ("stopped", "stopped"),
     ("finished", "no_contacts")],
)  # fmt: skip
async def test_a_campaign_not_running_says_its_state(
    db_session: Any, state: str, expected: str
) -> None:
    campaign = await campaign_with(db_session, [FIXED_LINE], ["available"], state=state)
    assert await reason(db_session, campaign) == (expected, None)


async def test_outside_the_window_says_until_it_opens_where_the_contact_is(
    db_session: Any,
) -> None:
    campaign = await campaign_with(
        db_session, [FIXED_LINE], ["available"], window_from=time(9), window_to=time(21)
    )
    assert await reason(db_session, campaign) == (
        "outside_window",
        datetime(2026, 3, 3, 9, 0, tzinfo=MOSCOW),
    )
    novosibirsk = await campaign_with(
        db_session, ["+73832123456"], [], window_from=time(9), window_to=time(21)
    )  # 09:00 in Novosibirsk is 05:00 in Moscow
    assert await reason(db_session, novosibirsk) == (
        "outside_window",
        datetime(2026, 3, 3, 5, 0, tzinfo=MOSCOW),
    )
    ended = await campaign_with(
        db_session, [FIXED_LINE], [], ends_on=date(2026, 3, 1), window_to=time(23, 59)
    )
    assert await reason(db_session, ended) == ("days_over", None)


async def test_agents_decide_once_the_window_is_open(db_session: Any) -> None:
    open_all_day = {"window_from": time(0), "window_to": time(0)}
    nobody = await campaign_with(db_session, [FIXED_LINE], [], **open_all_day)
    assert await reason(db_session, nobody) == ("no_agent", None)
    await db_session.execute(AgentRow.__table__.delete())
    away = await campaign_with(
        db_session, [FIXED_LINE], ["logged_out", "unavailable"], **open_all_day
    )
    assert await reason(db_session, away) == ("no_agent", None)
    await db_session.execute(AgentRow.__table__.delete())
    busy = await campaign_with(
        db_session, [FIXED_LINE], ["on_call", "paused", "wrap_up", "ringing"], **open_all_day
    )
    assert await reason(db_session, busy) == ("agents_busy", None)
    await db_session.execute(AgentRow.__table__.delete())
    free = await campaign_with(db_session, [FIXED_LINE, "+74951234562"], ["available"])
    free.window_from, free.window_to = time(0), time(0)
    assert await reason(db_session, free) == ("dialing", None)
    contact = await db_session.scalar(select(CampaignContact).limit(1))
    db_session.add(CampaignAttempt(campaign_id=free.id, contact_id=contact.id,
                                   action_id="crm-dial-x", number=FIXED_LINE))  # fmt: skip
    await db_session.flush()  # its one free agent has a call on the way to it
    assert await reason(db_session, free) == ("agents_busy", None)


async def test_retries_and_exhausted_lists(db_session: Any) -> None:
    campaign = await campaign_with(
        db_session, [FIXED_LINE, "+74951234562"], ["available"],
        window_from=time(0), window_to=time(0),
    )  # fmt: skip
    contacts = list(await db_session.scalars(select(CampaignContact)))
    soon, later = LATE + timedelta(minutes=15), LATE + timedelta(hours=1)
    contacts[0].state, contacts[0].next_at = "retry", later
    contacts[1].state, contacts[1].next_at = "retry", soon
    await db_session.flush()
    assert await reason(db_session, campaign) == ("waiting_retry", soon)
    contacts[1].state = "dialing"
    await db_session.flush()
    assert await reason(db_session, campaign) == ("waiting_retry", later)
    contacts[0].state = "done"
    await db_session.flush()
    assert await reason(db_session, campaign) == ("dialing", None)  # the one left is dialed
    contacts[1].state = "exhausted"
    await db_session.flush()
    assert await reason(db_session, campaign) == ("no_contacts", None)


async def test_a_retry_that_comes_at_night_waits_for_the_morning(db_session: Any) -> None:
    campaign = await campaign_with(
        db_session, [FIXED_LINE], ["available"], window_from=time(9), window_to=time(21)
    )
    contact = await db_session.scalar(select(CampaignContact))
    contact.state, contact.next_at = "retry", datetime(2026, 3, 2, 20, 30, tzinfo=MOSCOW)
    await db_session.flush()
    at_eight = datetime(2026, 3, 2, 20, 0, tzinfo=MOSCOW)
    assert await reason(db_session, campaign, at_eight) == ("waiting_retry", contact.next_at)
    contact.next_at = datetime(2026, 3, 2, 22, 0, tzinfo=MOSCOW)
    await db_session.flush()
    assert await reason(db_session, campaign, at_eight) == (
        "outside_window",
        datetime(2026, 3, 3, 9, 0, tzinfo=MOSCOW),
    )


async def test_the_dialer_waits_for_the_reason_the_pages_show(
    pbx: PbxSimulator,  # noqa: F811
    sessionmaker: Any,  # noqa: F811
) -> None:
    """A window closed now where the contact is: the dialer places nothing, and its own
    reason is the one the pages compute from what is stored."""
    now = datetime.now(MOSCOW)
    closed_from = (now + timedelta(hours=2)).time().replace(second=0, microsecond=0)
    closed_to = (now + timedelta(hours=3)).time().replace(second=0, microsecond=0)
    listener = dialer_listener(pbx.port, sessionmaker)
    async for _ in started(listener):
        campaign_id = await make_campaign(
            sessionmaker, [FIXED_LINE], window_from=closed_from, window_to=closed_to
        )
        runner = listener.dialer
        assert runner is not None
        await until(lambda: runner.idle.get(campaign_id) is not None)  # noqa: B023 - awaited here
        await asyncio.sleep(0.5)  # a few cycles more: still nothing dialed
        async with sessionmaker() as session:
            campaign = await session.get(Campaign, campaign_id)
            shown = await campaign_idle(
                session, campaign=campaign, now=datetime.now(UTC), default_zone="Europe/Moscow"
            )
            dialed = await session.scalar(select(func.count(CampaignAttempt.id)))
        assert runner.idle[campaign_id] == shown
        assert shown is not None and shown.reason == "outside_window"
        assert dialed == 0


async def test_the_api_gives_the_reason_its_time_and_words(api_as: Any, db_session: Any) -> None:
    client, manager = await api_as("manager", language="ru")
    campaign = await campaign_with(
        db_session, [FIXED_LINE], [], window_from=time(0), window_to=time(0),
        created_by_id=manager.id,
    )  # fmt: skip
    await db_session.commit()
    one = await (await client.get(f"/api/v1/campaigns/{campaign.id}")).json()
    words = "нет операторов на линии"
    assert one["idle"] == {"reason": "no_agent", "until": None, "message": words}
    listed = await (await client.get("/api/v1/campaigns")).json()
    assert [c["idle"]["reason"] for c in listed["items"]] == ["no_agent"]
    campaign.state = "paused"
    await db_session.commit()
    one = await (await client.get(f"/api/v1/campaigns/{campaign.id}")).json()
    assert one["idle"]["reason"] == "paused"
