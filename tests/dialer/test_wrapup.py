"""The campaign call's wrap-up: the campaign's dispositions only, once, moving the contact;
and the pop that offers it, with the campaign, the contact and the script."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from callcenter.calls.screenpop import build_pop
from callcenter.dialer import agent
from callcenter.dialer.models import CampaignAttempt, CampaignContact
from callcenter.dialer.wrapup import DispositionInvalid
from callcenter.errors import Conflict, Forbidden
from tests.dialer.support import SCRIPT, add_contacts, make_campaign
from tests.dialer.test_agent import PLAN, sessionmaker  # noqa: F401


async def dialed(sessionmaker: Any, operator: Any, **fields: Any) -> CampaignAttempt:  # noqa: F811
    async with sessionmaker.begin() as session:
        campaign = await make_campaign(session, agent_ids=[operator.id], **fields)
        (contact,) = await add_contacts(session, campaign, "+79167654321")
        await agent.next_preview(session, campaign_id=campaign.id, user=operator)
        placed = await agent.dial_preview(session, contact_id=contact.id, user=operator, plan=PLAN)
    assert placed.attempt is not None
    return placed.attempt


async def test_only_the_campaign_dispositions_are_taken_and_a_refusal_needs_its_reason(
    sessionmaker: Any,  # noqa: F811
    make_user: Any,
) -> None:
    operator = await make_user("operator", extension="101")
    attempt = await dialed(sessionmaker, operator)
    cases = [
        ({"disposition": "resolved"}, "disposition"),
        ({"disposition": "refused"}, "refusal_reason"),
        ({"disposition": "refused", "refusal_reason": "Не звоните"}, "refusal_reason"),
        ({"disposition": "callback"}, "callback_at"),
        (
            {"disposition": "callback", "callback_at": datetime.now(UTC) - timedelta(hours=1)},
            "callback_at",
        ),
    ]
    for given, field in cases:
        with pytest.raises(DispositionInvalid) as refused:
            async with sessionmaker.begin() as session:
                await agent.set_disposition(session, attempt_id=attempt.id, user=operator, **given)
        assert field in refused.value.fields, given
    async with sessionmaker.begin() as session:
        saved = await agent.set_disposition(
            session,
            attempt_id=attempt.id,
            user=operator,
            disposition="refused",
            refusal_reason="Дорого",
            note=" Просил не звонить до осени ",
        )
        contact = await session.get(CampaignContact, attempt.contact_id)
    assert (saved.disposition, saved.refusal_reason) == ("refused", "Дорого")
    assert saved.note == "Просил не звонить до осени" and saved.dispositioned_at is not None
    assert contact is not None and (contact.state, contact.disposition) == ("done", "refused")
    with pytest.raises(Conflict):  # recorded once
        async with sessionmaker.begin() as session:
            await agent.set_disposition(
                session, attempt_id=attempt.id, user=operator, disposition="sale"
            )


async def test_a_callback_puts_the_contact_back_at_the_time_asked_for_the_same_agent(
    sessionmaker: Any,  # noqa: F811
    make_user: Any,
) -> None:
    operator = await make_user("operator", extension="101")
    attempt = await dialed(sessionmaker, operator)
    at = datetime.now(UTC) + timedelta(days=1)
    async with sessionmaker.begin() as session:
        await agent.set_disposition(
            session, attempt_id=attempt.id, user=operator, disposition="callback", callback_at=at
        )
        contact = await session.get(CampaignContact, attempt.contact_id)
    assert contact is not None
    assert (contact.state, contact.next_at, contact.agent_id) == ("retry", at, operator.id)
    async with sessionmaker.begin() as session:
        again = await agent.next_preview(
            session, campaign_id=attempt.campaign_id, user=operator, now=at + timedelta(minutes=1)
        )
    assert again is not None and again.contact.id == contact.id
    assert again.attempt is None and [a.id for a in again.history] == [attempt.id]  # may dial


async def test_another_agent_may_not_record_the_disposition(
    sessionmaker: Any,  # noqa: F811
    make_user: Any,
) -> None:
    operator = await make_user("operator", extension="101")
    other = await make_user("operator", extension="102")
    attempt = await dialed(sessionmaker, operator)
    with pytest.raises(Forbidden):
        async with sessionmaker.begin() as session:
            await agent.set_disposition(
                session, attempt_id=attempt.id, user=other, disposition="sale"
            )


async def test_the_pop_of_a_campaign_call_shows_campaign_contact_script_and_dispositions(
    sessionmaker: Any,  # noqa: F811
    make_user: Any,
    app: Any,
) -> None:
    import aiohttp_jinja2

    operator = await make_user("operator", extension="101")
    attempt = await dialed(sessionmaker, operator)
    async with sessionmaker() as session:
        pop = await build_pop(
            session, linkedid=attempt.action_id, number="+79167654321", direction="outbound"
        )
        plain = await build_pop(
            session, linkedid="1700000000.1", number="+79167654321", direction="inbound"
        )
        early = await build_pop(  # the agent's phone rings before the customer is dialed
            session, linkedid=attempt.action_id, number="", direction="outbound"
        )
    assert early.number == "+79167654321"
    assert pop.campaign is not None and plain.campaign is None
    assert pop.campaign.attempt.id == attempt.id and pop.campaign.contact.name == "Контакт 1"
    html = aiohttp_jinja2.get_env(app).get_template("workspace/_pop.html").render(pop=pop)
    assert "Весенний прайс" in html and "«Ромашки»" in html and SCRIPT.split("!")[0] in html
    assert f"/api/v1/dialer/attempts/{attempt.id}/disposition" in html
    assert 'value="refused" data-kind="refusal"' in html and "Уже купили" in html
    assert 'name="result"' not in html  # not the generic results
