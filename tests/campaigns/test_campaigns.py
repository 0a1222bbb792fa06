"""Campaigns: validation by field, creation, edits, and the start/pause/resume/stop moves."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.audit.models import AuditEntry
from callcenter.dialer.campaign_input import (
    CampaignInvalid,
    DispositionInput,
    RetryInput,
    validate_campaign,
)
from callcenter.dialer.campaigns import (
    change_state,
    create_campaign,
    get_campaign,
    list_campaigns,
    to_input,
    update_campaign,
)
from callcenter.dialer.contacts import add_contacts, from_numbers
from callcenter.errors import Conflict, Forbidden
from tests.campaigns.support import add_queue, campaign_input
from tests.tasks.support import listening


def test_every_bad_field_is_named_at_once() -> None:
    data = campaign_input(
        name=" ",
        mode="robocall",
        queue="",
        dispositions=[],
        weekdays=[],
        window_from="21:00",
        window_to="09:00",
        starts_on="2026-03-10",
        ends_on="2026-03-01",
        caller_id="12",
        max_dial_ratio="7",
        abandon_cap_percent="abc",
        max_attempts="0",
        retry={"busy": RetryInput("0", "3")},
    )
    with pytest.raises(CampaignInvalid) as caught:
        validate_campaign(data, region="RU")
    assert set(caught.value.fields) == {
        "name", "mode", "queue", "dispositions", "weekdays", "window_to", "ends_on",
        "caller_id", "max_dial_ratio", "abandon_cap_percent", "max_attempts", "retry_busy",
    }  # fmt: skip


def test_a_good_campaign_is_cleaned_with_its_defaults() -> None:
    clean = validate_campaign(
        campaign_input(caller_id="8 (495) 123-45-67", max_dial_ratio="2,5"), region="RU"
    )
    assert clean.caller_id == "+74951234567"
    assert clean.max_dial_ratio == Decimal("2.50") and clean.abandon_cap_percent == Decimal("3.00")
    assert clean.retry_rules["busy"] == {"after_minutes": 15, "max": 3}
    assert set(clean.retry_rules) == {"busy", "no_answer", "failed", "machine", "congestion"}
    assert clean.refusal_reasons == ["Дорого", "Не интересно"]
    assert clean.weekdays == [1, 2, 3, 4, 5] and clean.abandon_grace_seconds == 2


def test_disposition_codes_come_from_labels_and_must_be_unique() -> None:
    items = [
        DispositionInput("", "Sale closed", "success"),
        DispositionInput("", "Отказ", "refusal"),
        DispositionInput("", "Другое", "other"),
        DispositionInput("", "", "other"),  # a blank row of the form
    ]
    clean = validate_campaign(campaign_input(dispositions=items), region="RU")
    assert [d["code"] for d in clean.dispositions] == ["sale_closed", "d1", "d2"]
    twice = [DispositionInput("sale", "A", "success"), DispositionInput("sale", "B", "other")]
    with pytest.raises(CampaignInvalid) as caught:
        validate_campaign(campaign_input(dispositions=twice), region="RU")
    assert "dispositions" in caught.value.fields


def test_a_refusal_disposition_needs_refusal_reasons() -> None:
    with pytest.raises(CampaignInvalid) as caught:
        validate_campaign(campaign_input(refusal_reasons="  \n"), region="RU")
    assert set(caught.value.fields) == {"refusal_reasons"}


async def test_the_queue_must_exist_and_agents_need_an_extension(
    db_session: Any, make_user: Any
) -> None:
    manager = await make_user("manager")
    no_phone = await make_user("operator")
    with pytest.raises(CampaignInvalid) as caught:
        await create_campaign(
            db_session,
            data=campaign_input(queue="nowhere", agent_ids=[no_phone.id]),
            actor=manager,
            region="RU",
        )
    assert set(caught.value.fields) == {"queue", "agent_ids"}


async def test_a_queue_is_found_whatever_the_one_pbx_is_called(
    db_session: Any, make_user: Any
) -> None:
    """The floor stores queues under the listener's PBX name (the simulator's is
    "simulator"); a campaign made for the installation's PBX ("default") finds them."""
    manager = await make_user("manager")
    queue = await add_queue(db_session, "support")
    queue.pbx = "simulator"
    await db_session.commit()
    campaign = await create_campaign(
        db_session, data=campaign_input(queue="support"), actor=manager, region="RU"
    )
    assert (campaign.pbx, campaign.queue) == ("default", "support")


async def test_a_campaign_starts_only_with_contacts_then_pauses_resumes_and_stops(
    db_session: Any, make_user: Any, database_url: str
) -> None:
    manager = await make_user("manager")
    await add_queue(db_session)
    campaign = await create_campaign(db_session, data=campaign_input(), actor=manager, region="RU")
    assert campaign.state == "draft" and campaign.created_by_id == manager.id
    with pytest.raises(Conflict):
        await change_state(db_session, campaign_id=campaign.id, action="start", actor=manager)
    found, bad = from_numbers("+79161234567\n+79161234568", "RU")
    await add_contacts(db_session, campaign=campaign, found=found, bad=bad, actor=manager)
    await db_session.commit()
    async with listening(database_url) as heard:
        for action, state in (("start", "running"), ("pause", "paused"), ("resume", "running")):
            await change_state(db_session, campaign_id=campaign.id, action=action, actor=manager)
            await db_session.commit()
            assert campaign.state == state
        await heard.wait_for("campaign", 3)
    assert heard.of("campaign")[0]["id"] == campaign.id
    started = campaign.started_at
    await change_state(db_session, campaign_id=campaign.id, action="stop", actor=manager)
    assert campaign.state == "stopped" and campaign.started_at == started
    assert campaign.stopped_at is not None
    for action in ("start", "resume", "pause", "stop"):
        with pytest.raises(Conflict):
            await change_state(db_session, campaign_id=campaign.id, action=action, actor=manager)
    actions = await db_session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity == "campaign").order_by(AuditEntry.id)
    )
    assert list(actions) == ["create", "start", "pause", "resume", "stop"]


async def test_a_running_campaign_keeps_its_mode_but_takes_other_edits(
    db_session: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    await add_queue(db_session)
    campaign = await create_campaign(db_session, data=campaign_input(), actor=admin, region="RU")
    found, bad = from_numbers("+79161234567", "RU")
    await add_contacts(db_session, campaign=campaign, found=found, bad=bad, actor=admin)
    await change_state(db_session, campaign_id=campaign.id, action="start", actor=admin)
    data = to_input(campaign)
    data.mode, data.window_to = "predictive", "20:00"
    with pytest.raises(CampaignInvalid) as caught:
        await update_campaign(
            db_session, campaign_id=campaign.id, data=data, actor=admin, region="RU"
        )
    assert set(caught.value.fields) == {"mode"}
    data.mode = campaign.mode
    await update_campaign(db_session, campaign_id=campaign.id, data=data, actor=admin, region="RU")
    assert campaign.window_to.hour == 20 and campaign.state == "running"


async def test_a_manager_kept_to_own_clients_sees_only_own_campaigns(
    db_session: Any, make_user: Any
) -> None:
    mine, other = await make_user("manager"), await make_user("manager")
    supervisor = await make_user("supervisor")
    operator = await make_user("operator")
    await add_queue(db_session)
    theirs = await create_campaign(db_session, data=campaign_input(), actor=other, region="RU")
    await db_session.commit()
    assert await list_campaigns(db_session, actor=mine) == []
    with pytest.raises(Forbidden):
        await get_campaign(db_session, theirs.id, actor=mine)
    assert [c.id for c in await list_campaigns(db_session, actor=supervisor)] == [theirs.id]
    with pytest.raises(Forbidden):
        await change_state(db_session, campaign_id=theirs.id, action="stop", actor=supervisor)
    with pytest.raises(Forbidden):
        await list_campaigns(db_session, actor=operator)


def test_a_window_from_midnight_to_midnight_is_around_the_clock_and_no_other_is_empty() -> None:
    from callcenter.dialer.campaign_input import CampaignInvalid, validate_campaign

    clean = validate_campaign(campaign_input(window_from="00:00", window_to="00:00"), region="RU")
    assert clean.window_from == clean.window_to
    for start, end in (("09:00", "09:00"), ("21:00", "09:00"), ("23:59", "00:00")):
        with pytest.raises(CampaignInvalid) as refused:
            validate_campaign(campaign_input(window_from=start, window_to=end), region="RU")
        assert "window_to" in refused.value.fields
