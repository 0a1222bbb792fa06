"""Live notifications between processes: PostgreSQL NOTIFY on one channel.

``notify`` runs inside the caller's transaction, so PostgreSQL delivers it only at commit:
listeners never hear of a call before it is stored, and never of one rolled back.

Every kind of notification is a ``LiveKind``: the domain and the PBX listener send them, the
web's live hub (``web/live.py``) reads them. On the wire a notification is a JSON object,
``{"kind": "<kind>", ...its fields}``; pages' scripts and tests read that form.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

CHANNEL = "cc_live"
MAX_PAYLOAD = 7850  # PostgreSQL refuses 8000 bytes or more; the listener adds its stamp


class LiveKind(StrEnum):
    """What a notification tells, and so who hears it."""

    # a call at an operator's extension (``ami/call_writer.py``): their workspace pops
    RINGING = "ringing"
    ANSWERED = "answered"
    ENDED = "ended"
    # the floor (``ami/floor_sync.py``): a queue's figures, an agent's state, to wallboards
    QUEUE = "queue"
    AGENT = "agent"
    # tasks (``callcenter/tasks``): a reminder toast, a pool's toast, a user's due count
    TASK_DUE = "task_due"
    TASK_POOL_DUE = "task_pool_due"
    TASK_COUNT = "task_count"
    # a campaign moved (only its id: pages allowed to see it fetch the figures)
    CAMPAIGN = "campaign"
    # how a user's PBX command (click-to-call, a preview dial) is going, to that user
    COMMAND = "command"
    # for the PBX listener, not pages: a command queued, a queue's wrap-up time changed
    PBX_COMMAND = "pbx_command"
    QUEUE_SETTINGS = "queue_settings"


CALL_KINDS = (LiveKind.RINGING, LiveKind.ANSWERED, LiveKind.ENDED)  # sent ahead of the rest
Note = tuple[LiveKind, dict[str, Any]]  # a notification not yet sent: its kind and fields


async def notify(session: AsyncSession, kind: LiveKind, **fields: Any) -> None:
    payload = json.dumps({"kind": kind, **fields}, ensure_ascii=False, default=str)
    if len(payload.encode()) > MAX_PAYLOAD:
        raise ValueError(f"live notification {kind} is too large to send")
    await session.execute(
        text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload}
    )


def payloads(notes: Iterable[Note]) -> list[str]:
    """The NOTIFY payloads of these notifications; one too large to send is refused."""
    found = [
        json.dumps({"kind": kind, **fields}, ensure_ascii=False, default=str)
        for kind, fields in notes
    ]
    if any(len(p.encode()) > MAX_PAYLOAD for p in found):
        raise ValueError("a live notification is too large to send")
    return found


async def notify_many(session: AsyncSession, notes: list[Note]) -> None:
    """Several notifications in one statement (each still its own NOTIFY, in order)."""
    if not notes:
        return
    await session.execute(
        text(
            "SELECT pg_notify(:channel, p) FROM unnest(CAST(:payloads AS text[]))"
            " WITH ORDINALITY AS t(p, n) ORDER BY n"
        ),
        {"channel": CHANNEL, "payloads": payloads(notes)},
    )
