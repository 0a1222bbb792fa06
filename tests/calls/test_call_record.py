"""A call that ended while the PBX link was down says so, on the client's card (in both
languages) and in the API, with the window its end lies in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from callcenter.calls.models import CallRow
from callcenter.clients.models import Client


async def seed(db_session: Any) -> int:
    now = datetime.now(UTC)
    client = Client(kind="person", name="Иван Петров")
    db_session.add(client)
    await db_session.flush()
    for linkedid, latest in (("c.lost", now - timedelta(seconds=20)), ("c.heard", None)):
        db_session.add(
            CallRow(
                linkedid=linkedid,
                direction="inbound",
                pbx="default",
                caller="+79161234567",
                client_id=client.id,
                outcome="answered",
                started_at=now - timedelta(seconds=60),
                answered_at=now - timedelta(seconds=50),
                ended_at=now - timedelta(seconds=40),
                talk_seconds=10.0,
                end_uncertain=latest is not None,
                ended_latest_at=latest,
            )
        )
    await db_session.commit()
    return client.id


async def test_the_card_marks_a_call_whose_end_is_uncertain(
    signed_in: Any, db_session: Any
) -> None:
    client_id = await seed(db_session)
    client, _, _ = await signed_in("supervisor")
    card = await (await client.get(f"/clients/{client_id}")).text()
    assert card.count("end uncertain (PBX link lost)") == 1
    assert "The call ended between" in card
    client, _, _ = await signed_in("supervisor", language="ru")
    card = await (await client.get(f"/clients/{client_id}")).text()
    assert card.count("конец неточен (связь с АТС терялась)") == 1


async def test_the_api_gives_the_flag_and_the_window(api_as: Any, db_session: Any) -> None:
    await seed(db_session)
    client, _ = await api_as("supervisor")
    items = (await (await client.get("/api/v1/calls")).json())["items"]
    by_id = {item["linkedid"]: item for item in items}
    lost, heard = by_id["c.lost"], by_id["c.heard"]
    assert lost["end_uncertain"] is True
    assert lost["ended_at"] < lost["ended_latest_at"]
    assert (heard["end_uncertain"], heard["ended_latest_at"]) == (False, None)
