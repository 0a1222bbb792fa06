"""The client card shows each letter of a mailing the client got with what became of it, and
marks an address that unsubscribed or bounced; an operator (no mailings) sees the marks only."""

from __future__ import annotations

import re
from typing import Any

from callcenter.mailings.card import client_messages
from callcenter.mailings.models import Suppression
from tests.conftest import sign_in
from tests.mailings.world import build_world


def _rows(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-mailing="(\d+)" data-state="(\w+)"', page))


async def test_each_letter_shows_how_far_it_got(sessionmaker: Any, make_user: Any) -> None:
    admin = await make_user("admin")
    world = await build_world(sessionmaker, admin.id)
    async with sessionmaker() as session:
        states = {
            name: [(m.mailing_name, m.state) for m in await client_messages(session, client_id)]
            for name, client_id in world.clients.items()
        }
    assert states == {
        "anna": [("A", "clicked")],
        "boris": [("B", "clicked"), ("A", "opened")],  # newest first
        "vera": [("A", "bounced")],
        "gleb": [("A", "failed")],
        "dasha": [("A", "unsubscribed")],
    }


async def test_the_card_lists_the_letters_and_marks_a_suppressed_address(
    client: Any, sessionmaker: Any, make_user: Any
) -> None:
    admin = await make_user("admin", language="ru")
    world = await build_world(sessionmaker, admin.id)
    async with sessionmaker.begin() as session:
        session.add_all([
            Suppression(address="dasha@example.ru", reason="unsubscribed", detail="page"),
            Suppression(address="vera@example.ru", reason="bounced", detail="550"),
        ])  # fmt: skip
    await sign_in(client, admin)
    boris = await (await client.get(f"/clients/{world.clients['boris']}")).text()
    assert _rows(boris) == {str(world.b): "clicked", str(world.a): "opened"}
    assert "suppressed" not in boris
    dasha = await (await client.get(f"/clients/{world.clients['dasha']}")).text()
    assert _rows(dasha) == {str(world.a): "unsubscribed"}
    assert 'data-reason="unsubscribed"' in dasha and "отписался от рассылок" in dasha
    vera = await (await client.get(f"/clients/{world.clients['vera']}")).text()
    assert 'data-reason="bounced"' in vera and _rows(vera) == {str(world.a): "bounced"}


async def test_an_operator_sees_the_mark_but_not_the_mailings(
    client: Any, sessionmaker: Any, make_user: Any
) -> None:
    admin, operator = await make_user("admin"), await make_user("operator")
    world = await build_world(sessionmaker, admin.id)
    async with sessionmaker.begin() as session:
        session.add(Suppression(address="vera@example.ru", reason="bounced", detail="550"))
    await sign_in(client, operator)
    page = await client.get(f"/clients/{world.clients['vera']}")
    text = await page.text()
    assert page.status == 200 and 'data-reason="bounced"' in text
    assert "client-mailings" not in text and not _rows(text)
