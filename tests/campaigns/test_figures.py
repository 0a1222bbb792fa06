"""A campaign's figures against counts made by hand from attempts inserted as the dialer and
the agents would write them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from callcenter.dialer.campaigns import create_campaign
from callcenter.dialer.figures import DispositionCount, campaign_figures, progress_of
from callcenter.dialer.models import CampaignContact
from callcenter.orders.models import Order
from callcenter.orders.statuses import seed_default_pipeline
from tests.campaigns.support import add_attempt, add_client, add_queue, at, campaign_input


async def _orders(db_session: Any, started: Any, anna: Any, boris: Any, other: Any) -> None:
    statuses = {s.code: s for s in await seed_default_pipeline(db_session)}
    cancel = next(s for s in statuses.values() if s.kind == "cancel")
    new = next(s for s in statuses.values() if s.kind == "open")
    before, after = started - timedelta(days=1), started + timedelta(hours=2)
    for number, client, status, total, made in (
        ("2026-00001", anna, new, "900.00", before),  # before the campaign: not counted
        ("2026-00002", anna, new, "1500.50", after),
        ("2026-00003", anna, cancel, "700.00", after),  # cancelled: not counted
        ("2026-00004", boris, new, "2000.00", after),
        ("2026-00005", other, new, "5000.00", after),  # not a contact's client
    ):
        db_session.add(
            Order(number=number, client_id=client.id, status_id=status.id, currency="RUB",
                  total=Decimal(total), created_at=made)
        )  # fmt: skip
    await db_session.flush()


async def test_figures_count_what_the_attempts_say(db_session: Any, make_user: Any) -> None:
    admin = await make_user("admin")
    await add_queue(db_session)
    campaign = await create_campaign(db_session, data=campaign_input(), actor=admin, region="RU")
    campaign.started_at, campaign.state, campaign.dial_ratio = at(0), "running", Decimal("1.75")
    anna = await add_client(db_session, "Анна", "+79160000001")
    boris = await add_client(db_session, "Борис", "+79160000002")
    other = await add_client(db_session, "Чужой", "+79160000099")
    states = ["done", "done", "retry", "dialing", "dialing", "pending", "excluded"]
    contacts = []
    for n, state in enumerate(states, start=1):
        client = {1: anna, 2: boris}.get(n)
        contact = CampaignContact(
            campaign_id=campaign.id, e164=f"+7916000000{n}", state=state,
            client_id=client.id if client else None,
        )  # fmt: skip
        db_session.add(contact)
        contacts.append(contact)
    await db_session.flush()
    c1, c2, c3, c4, c5, c6, _c7 = contacts
    await add_attempt(db_session, c1, "busy", started_at=at(1))
    await add_attempt(db_session, c1, "answered", answered_at=at(20), connected_at=at(20),
                      disposition="sale")  # fmt: skip
    await add_attempt(db_session, c2, "answered", connected_at=at(3), disposition="refusal",
                      refusal_reason="Дорого")  # fmt: skip
    await add_attempt(db_session, c3, "abandoned", answered_at=at(4))
    await add_attempt(db_session, c3, "answered", connected_at=at(40), disposition="old",
                      refusal_reason="Другое")  # a code and a reason since removed  # fmt: skip
    await add_attempt(db_session, c4, "no_answer")
    await add_attempt(db_session, c4, "machine", answered_at=at(30))
    await add_attempt(db_session, c4, "")  # ringing now
    await add_attempt(db_session, c5, "", answered_at=at(50), connected_at=at(50))  # talking
    await add_attempt(db_session, c6, "skipped")
    await _orders(db_session, at(0), anna, boris, other)

    figures = await campaign_figures(db_session, campaign)

    assert (figures.contacts, figures.contacts_left) == (7, 4)  # retry 1 + dialing 2 + pending 1
    assert figures.states == {"pending": 1, "dialing": 2, "retry": 1, "done": 2, "exhausted": 0,
                              "excluded": 1}  # fmt: skip
    assert figures.dialed == 9  # ten attempts less the skipped one
    assert figures.in_flight == 2
    assert figures.connected == 4  # three answered, one in flight taken by an agent
    assert figures.abandoned == 1
    assert figures.answered == 5
    assert figures.abandon_rate == Decimal("20.00")  # 1 / 5
    assert figures.dial_ratio == Decimal("1.75")
    assert figures.outcomes == {"busy": 1, "answered": 3, "abandoned": 1, "no_answer": 1,
                                "machine": 1, "skipped": 1}  # fmt: skip
    assert figures.dispositions == [
        DispositionCount("sale", "Продажа", "success", 1),
        DispositionCount("callback", "Перезвонить", "callback", 0),
        DispositionCount("refusal", "Отказ", "refusal", 1),
        DispositionCount("old", "old", "", 1),
    ]
    assert figures.refusal_reasons == [("Дорого", 1), ("Не интересно", 0), ("Другое", 1)]
    assert figures.orders == 2 and figures.orders_total == {"RUB": Decimal("3500.50")}
    progress = (await progress_of(db_session, [campaign.id]))[campaign.id]
    assert (progress.contacts, progress.contacts_left, progress.dialed, progress.connected) == (
        7, 4, 9, 4,
    )  # fmt: skip


async def test_a_campaign_never_started_has_no_orders_and_no_rate(
    db_session: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    await add_queue(db_session)
    campaign = await create_campaign(db_session, data=campaign_input(), actor=admin, region="RU")
    figures = await campaign_figures(db_session, campaign)
    assert (figures.contacts, figures.dialed, figures.orders) == (0, 0, 0)
    assert figures.abandon_rate == Decimal("0.00")
    assert await progress_of(db_session, []) == {}
