"""What a mailing did and sold, against the hand-computed world of tests/mailings/world.py:
every figure, the window ends included, an order before the touch left out, and two mailings
touching one client each credited with their own order, never both."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from callcenter.mailings.models import Mailing
from callcenter.mailings.results import LinkClicks, mailing_results
from tests.mailings.world import build_world


async def test_every_figure_of_a_mailing_matches_the_hand_computed_one(
    sessionmaker: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    world = await build_world(sessionmaker, admin.id)
    async with sessionmaker() as session:
        a = await session.get(Mailing, world.a)
        b = await session.get(Mailing, world.b)
        found_a = await mailing_results(session, a)
        found_b = await mailing_results(session, b)
    assert (found_a.sent, found_a.delivered, found_a.failed, found_a.bounced) == (4, 3, 1, 1)
    assert (found_a.opened, found_a.clicked, found_a.unsubscribed) == (2, 1, 1)
    assert found_a.replied_by_call == 1
    assert (found_a.orders, found_a.revenue) == (2, Decimal("400.00"))
    assert found_a.links == [
        LinkClicks(1, "https://shop.example.ru/catalog", 2, 1),
        LinkClicks(2, "https://shop.example.ru/sale", 1, 1),
    ]
    assert (found_b.sent, found_b.opened, found_b.clicked) == (1, 1, 1)  # a click is an open
    assert (found_b.orders, found_b.revenue) == (1, Decimal("200.00"))
    assert found_b.replied_by_call == 0  # boris's call came before B


async def test_a_longer_reply_or_shorter_attribution_window_moves_the_figures(
    sessionmaker: Any, make_user: Any
) -> None:
    """dasha's call a second after three days becomes a reply with four; with a one-day
    window anna's order at +7d is nobody's and boris's at +2d is still A's (+1d after)."""
    admin = await make_user("admin")
    world = await build_world(sessionmaker, admin.id)
    async with sessionmaker.begin() as session:
        a = await session.get(Mailing, world.a)
        a.reply_days, a.attribution_days = 4, 1
    async with sessionmaker() as session:
        a = await session.get(Mailing, world.a)
        found = await mailing_results(session, a)
    assert found.replied_by_call == 2
    assert (found.orders, found.revenue) == (1, Decimal("300.00"))


async def test_the_api_gives_the_figures_and_the_page_shows_them(
    api_as: Any, sessionmaker: Any
) -> None:
    client, user = await api_as("admin")
    world = await build_world(sessionmaker, user.id)
    figures = await (await client.get(f"/api/v1/mailings/{world.a}/figures")).json()
    assert figures["results"]["orders"] == 2 and figures["results"]["revenue"] == "400.00"
    assert [x["clicks"] for x in figures["results"]["links"]] == [2, 1]
    one = await (await client.get(f"/api/v1/mailings/{world.a}")).json()
    assert one["results"]["replied_by_call"] == 1 and one["attribution_days"] == 7
