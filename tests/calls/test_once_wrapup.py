"""A pop's wrap-up sent twice at once (a double click, a resent request) is recorded once,
with one follow-up task; a second wrap-up from a new form is still a new one."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from sqlalchemy import func, select

from callcenter.calls.models import CallWrapup
from callcenter.tasks.models import Task
from tests.calls.test_screenpop import frame_of, operator_socket, ring, until_listening

URL = "/calls/1795715043.26/wrapup"
AT_ONCE = 12


async def send(client: Any, csrf: str, key: str, result: str = "follow_up") -> Any:
    form = {
        "result": result,
        "note": "Перезвонить с ценой",
        "follow_up_at": "2099-03-02T10:30",
        "request_key": key,
    }
    return await client.post(URL, data=form, headers={"X-CSRF-Token": csrf})


async def counts(session: Any) -> tuple[int, int]:
    wrapups = await session.scalar(select(func.count()).select_from(CallWrapup))
    tasks = await session.scalar(select(func.count()).select_from(Task))
    return int(wrapups or 0), int(tasks or 0)


async def test_the_pop_carries_a_key_and_its_form_sent_at_once_records_one_wrapup(
    client: Any, app: Any, make_user: Any, database_url: str, db_session: Any
) -> None:
    ws, _ = await operator_socket(client, make_user, timezone="Europe/Moscow")
    await until_listening(app)
    await ring(database_url)
    html = (await frame_of(ws, "ringing"))["html"]
    await ws.close()
    found = re.search(r'name="request_key" value="([0-9a-f]{32})"', html)
    assert found, "the wrap-up form carries its own key"
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', await (await client.get("/")).text())
    assert csrf
    answers = await asyncio.gather(
        *(send(client, csrf.group(1), found.group(1)) for _ in range(AT_ONCE))
    )
    assert [r.status for r in answers] == [200] * AT_ONCE
    task_ids = {(await r.json())["follow_up_task_id"] for r in answers}
    assert len(task_ids) == 1 and None not in task_ids
    assert await counts(db_session) == (1, 1)
    again = await send(client, csrf.group(1), "a-new-form", result="resolved")
    assert again.status == 200 and await counts(db_session) == (2, 2)


async def test_a_refused_wrapup_leaves_its_key_free_for_the_corrected_one(
    client: Any, app: Any, make_user: Any, database_url: str, db_session: Any
) -> None:
    ws, _ = await operator_socket(client, make_user)
    await ring(database_url)
    await ws.close()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', await (await client.get("/")).text())
    assert csrf
    refused = await send(client, csrf.group(1), "k", result="nonsense")
    assert refused.status == 422 and await counts(db_session) == (0, 0)
    saved = await send(client, csrf.group(1), "k")
    assert saved.status == 200 and await counts(db_session) == (1, 1)
    huge = await send(client, csrf.group(1), "ключ" * 2000)  # kept to its first 120 characters
    assert huge.status == 200 and await counts(db_session) == (2, 2)
    assert (await send(client, csrf.group(1), "ключ" * 2000)).status == 200
    assert await counts(db_session) == (2, 2)
