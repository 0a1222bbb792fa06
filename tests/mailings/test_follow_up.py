"""One click makes a call campaign of a mailing's interested recipients: clicked but did not
buy (an order before the click or a cancelled one is no purchase), opened but did not click.
Nobody to call is refused with nothing made; a double click (even at the same moment) makes
one campaign."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from sqlalchemy import func, select, update

from callcenter.clients.models import ClientPhone
from callcenter.dialer.models import Campaign, CampaignContact
from callcenter.errors import Conflict
from callcenter.floor.models import QueueRow
from callcenter.mailings.follow_up import create_follow_up, follow_up_clients
from callcenter.mailings.models import FollowUp
from callcenter.orders.models import Order, OrderStatus
from tests.conftest import sign_in
from tests.mailings.world import World, build_world


async def _world(sessionmaker: Any, author_id: int) -> World:
    world = await build_world(sessionmaker, author_id)
    async with sessionmaker.begin() as session:
        session.add(QueueRow(name="sales"))
        for n, name in enumerate(("anna", "boris")):
            number = f"+7916000010{n}"
            session.add(ClientPhone(client_id=world.clients[name], number=number, e164=number))
    return world


async def _made(sessionmaker: Any) -> tuple[int, int]:
    async with sessionmaker() as session:
        campaigns = await session.scalar(select(func.count()).select_from(Campaign))
        follow_ups = await session.scalar(select(func.count()).select_from(FollowUp))
    return campaigns or 0, follow_ups or 0


async def _cancel_orders_after_the_click(sessionmaker: Any, client_id: int) -> None:
    async with sessionmaker.begin() as session:
        cancelled = await session.scalar(
            select(OrderStatus.id).where(OrderStatus.code == "cancelled")
        )
        await session.execute(
            update(Order)
            .where(Order.client_id == client_id, Order.total >= 100)
            .values(status_id=cancelled)
        )


async def test_who_each_list_holds(sessionmaker: Any, make_user: Any) -> None:
    admin = await make_user("admin")
    world = await _world(sessionmaker, admin.id)
    async with sessionmaker() as session:
        assert await follow_up_clients(session, world.a, "clicked_no_order") == []  # anna bought
        assert await follow_up_clients(session, world.a, "opened_no_click") == [
            world.clients["boris"]
        ]
        assert await follow_up_clients(session, world.b, "clicked_no_order") == []  # boris bought
    await _cancel_orders_after_the_click(sessionmaker, world.clients["anna"])
    async with sessionmaker() as session:  # o3 came before her click: no purchase
        found = await follow_up_clients(session, world.a, "clicked_no_order")
    assert found == [world.clients["anna"]]


async def test_nobody_to_call_is_refused_and_makes_nothing(
    sessionmaker: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    world = await _world(sessionmaker, admin.id)
    with pytest.raises(Conflict):
        async with sessionmaker.begin() as session:
            await create_follow_up(
                session, mailing_id=world.a, kind="clicked_no_order", queue="sales",
                actor=admin, region="RU",
            )  # fmt: skip
    async with sessionmaker.begin() as session:  # boris, who opened A, has no phone now
        await session.execute(
            ClientPhone.__table__.delete().where(ClientPhone.client_id == world.clients["boris"])
        )
    with pytest.raises(Conflict):
        async with sessionmaker.begin() as session:
            await create_follow_up(
                session, mailing_id=world.a, kind="opened_no_click", queue="sales",
                actor=admin, region="RU",
            )  # fmt: skip
    assert await _made(sessionmaker) == (0, 0)


async def test_a_double_click_makes_one_campaign_with_the_clients_as_contacts(
    client: Any, sessionmaker: Any, make_user: Any
) -> None:
    manager = await make_user("manager", sees_all_clients=True)
    world = await _world(sessionmaker, manager.id)
    csrf = await sign_in(client, manager)
    form = {"csrf_token": csrf, "kind": "opened_no_click", "queue": "sales"}
    url = f"/mailings/{world.a}/follow-up"
    answers = await asyncio.gather(
        *(client.post(url, data=form, allow_redirects=False) for _ in range(3))
    )
    assert {a.status for a in answers} == {302}
    assert len({a.headers["Location"] for a in answers}) == 1
    assert await _made(sessionmaker) == (1, 1)
    async with sessionmaker() as session:
        campaign = await session.scalar(select(Campaign))
        contacts = list(await session.scalars(select(CampaignContact.client_id)))
    assert campaign is not None and campaign.state == "draft" and campaign.queue == "sales"
    assert answers[0].headers["Location"] == f"/campaigns/{campaign.id}"
    assert "Opened but did not click" in campaign.name and not campaign.advertising
    assert contacts == [world.clients["boris"]]
    empty = await client.post(url, data={**form, "kind": "clicked_no_order"})
    assert empty.status == 409 and "nobody to call" in await empty.text()
    garbage = await client.post(url, data={**form, "kind": "everyone"})
    assert garbage.status == 404
    assert await _made(sessionmaker) == (1, 1)
    page = await (await client.get(f"/mailings/{world.a}")).text()
    assert re.search(r'name="kind" value="clicked_no_order"', page)
