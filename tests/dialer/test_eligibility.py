"""Do-not-call lists and consent, checked before every dial (eligibility.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.dialer.eligibility import exclude, refusal, refusals
from callcenter.dialer.models import Campaign, CampaignContact, CampaignDoNotCall, Consent
from callcenter.floor.models import DoNotCall

NOW = datetime.now(UTC)


async def campaign(session: AsyncSession, *, advertising: bool = False) -> Campaign:
    row = Campaign(name="Spring", advertising=advertising)
    session.add(row)
    await session.flush()
    return row


async def test_global_and_campaign_do_not_call_lists_refuse_the_number(
    db_session: AsyncSession,
) -> None:
    spring = await campaign(db_session)
    other = await campaign(db_session)
    db_session.add(DoNotCall(e164="+79160000001", reason="asked"))
    db_session.add(CampaignDoNotCall(campaign_id=spring.id, e164="+79160000002"))
    await db_session.flush()
    numbers = ["+79160000001", "+79160000002", "+79160000003"]
    found = await refusals(db_session, campaign_id=spring.id, advertising=False, numbers=numbers)
    assert found == {"+79160000001": "dnc", "+79160000002": "campaign_dnc"}
    elsewhere = await refusals(db_session, campaign_id=other.id, advertising=False, numbers=numbers)
    assert elsewhere == {"+79160000001": "dnc"}


async def test_advertising_needs_a_consent_on_record_and_not_withdrawn(
    db_session: AsyncSession,
) -> None:
    ads = await campaign(db_session, advertising=True)
    given = NOW - timedelta(days=3)
    db_session.add(Consent(e164="+79160000010", given_by="Ivan", given_at=given, method="call"))
    db_session.add(
        Consent(
            e164="+79160000011",
            given_by="Olga",
            given_at=given,
            method="web form",
            withdrawn_at=NOW - timedelta(days=1),
        )
    )
    await db_session.flush()
    assert (
        await refusal(db_session, campaign_id=ads.id, advertising=True, e164="+79160000010") is None
    )
    for number in ("+79160000011", "+79160000012"):
        reason = await refusal(db_session, campaign_id=ads.id, advertising=True, e164=number)
        assert reason == "no_consent"
    assert (
        await refusal(db_session, campaign_id=ads.id, advertising=False, e164="+79160000012")
        is None
    )


async def test_an_excluded_contact_keeps_the_reason(db_session: AsyncSession) -> None:
    spring = await campaign(db_session)
    contact = CampaignContact(campaign_id=spring.id, e164="+79160000001", state="pending")
    db_session.add(contact)
    await db_session.flush()
    await exclude(db_session, contact_id=contact.id, reason="dnc")
    await db_session.refresh(contact)
    assert (contact.state, contact.last_outcome, contact.next_at) == ("excluded", "dnc", None)
