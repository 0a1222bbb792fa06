"""A campaign started many times at once starts once: one change on record, every answer a
clean 200 or 409; the page's double click lands on the campaign."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from callcenter.audit.models import AuditEntry
from tests.campaigns.support import add_client, add_queue
from tests.campaigns.test_api import BODY

AT_ONCE = 12


async def _campaign(client: Any, db_session: Any, csrf: str = "") -> str:
    await add_queue(db_session)
    anna = await add_client(db_session, "Анна", "+79160000001")
    body = {**BODY, "client_ids": [anna.id]}
    response = await client.post("/api/v1/campaigns", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status == 201, await response.text()
    return response.headers["Location"]


async def _moves(db_session: Any) -> list[str]:
    rows = await db_session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.entity == "campaign", AuditEntry.action != "create")
        .order_by(AuditEntry.id)
    )
    return list(rows)


async def test_a_campaign_started_many_times_at_once_starts_once(
    api_as: Any, db_session: Any
) -> None:
    client, _ = await api_as("manager", sees_all_clients=True)
    url = await _campaign(client, db_session)
    actions = ["start"] * AT_ONCE + ["pause"]  # a pause racing them: before or after, once
    answers = await asyncio.gather(*(client.post(f"{url}/{a}") for a in actions))
    starts = sorted(r.status for r in answers[:-1])
    assert all(r.status in (200, 409) for r in answers)
    moves = await _moves(db_session)
    assert moves.count("start") == starts.count(200) and 1 <= moves.count("start") <= 2
    assert moves.count("pause") == (answers[-1].status == 200)
    assert moves[0] == "start"


async def test_the_start_button_double_clicked_lands_every_click_on_the_campaign(
    signed_in: Any, db_session: Any
) -> None:
    client, _, csrf = await signed_in("manager", sees_all_clients=True)
    url = await _campaign(client, db_session, csrf)
    page_url = url.replace("/api/v1", "")
    answers = await asyncio.gather(
        *(
            client.post(f"{page_url}/start", data={"csrf_token": csrf}, allow_redirects=False)
            for _ in range(AT_ONCE)
        )
    )
    assert [r.status for r in answers] == [302] * AT_ONCE
    assert await _moves(db_session) == ["start"]
