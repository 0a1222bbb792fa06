"""Helpers for task tests: tasks, queue calls, and a LISTEN connection that hears reminders."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from callcenter.calls.models import CallLegRow, CallRow
from callcenter.clients.models import Client
from callcenter.live import CHANNEL
from callcenter.tasks.models import Task


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


def ahead(**delta: float) -> datetime:
    return datetime.now(UTC) + timedelta(**delta)


async def add_task(session: Any, **fields: Any) -> Task:
    fields.setdefault("kind", "call")
    fields.setdefault("title", "Перезвонить клиенту")
    fields.setdefault("due_at", ago(minutes=1))
    task = Task(**fields)
    session.add(task)
    await session.commit()
    return task


async def add_client(session: Any, name: str = "Анна Смирнова", **fields: Any) -> Client:
    client = Client(kind="person", name=name, **fields)
    session.add(client)
    await session.commit()
    return client


async def rang_in_queue(session: Any, user_id: int, queue: str = "sales") -> None:
    """A queue call that rang at this operator: what makes them one of the queue's operators."""
    linkedid = f"q.{uuid.uuid4().hex[:12]}"
    at = ago(hours=1)
    call = CallRow(
        linkedid=linkedid, direction="inbound", caller="+79160000000", queue=queue, started_at=at
    )
    session.add(call)
    await session.flush()
    leg = CallLegRow(
        call_id=call.id, uniqueid=f"{linkedid}.1", channel="PJSIP/101-1", agent="PJSIP/101",
        user_id=user_id, started_at=at,
    )  # fmt: skip
    session.add(leg)
    await session.commit()


class Heard:
    """The live notifications a LISTEN connection heard."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["kind"] == kind]

    async def wait_for(self, kind: str, count: int = 1, within: float = 10.0) -> None:
        async with asyncio.timeout(within):
            while len(self.of(kind)) < count:  # noqa: ASYNC110 - filled by a callback
                await asyncio.sleep(0.02)


@asynccontextmanager
async def listening(database_url: str) -> AsyncIterator[Heard]:
    heard = Heard()
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))

    def on_notify(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
        heard.messages.append(json.loads(payload))

    await conn.add_listener(CHANNEL, on_notify)
    try:
        yield heard
    finally:
        await conn.close()
