"""Live notifications between processes: PostgreSQL NOTIFY on one channel.

``notify`` runs inside the caller's transaction, so PostgreSQL delivers it only at commit:
listeners never hear of a call before it is stored, and never of one rolled back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

CHANNEL = "cc_live"
MAX_PAYLOAD = 7850  # PostgreSQL refuses 8000 bytes or more; the listener adds its stamp


async def notify(session: AsyncSession, kind: str, **fields: Any) -> None:
    payload = json.dumps({"kind": kind, **fields}, ensure_ascii=False, default=str)
    if len(payload.encode()) > MAX_PAYLOAD:
        raise ValueError(f"live notification {kind} is too large to send")
    await session.execute(
        text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload}
    )


def payloads(notes: Iterable[tuple[str, dict[str, Any]]]) -> list[str]:
    """The NOTIFY payloads of these notifications; one too large to send is refused."""
    found = [
        json.dumps({"kind": kind, **fields}, ensure_ascii=False, default=str)
        for kind, fields in notes
    ]
    if any(len(p.encode()) > MAX_PAYLOAD for p in found):
        raise ValueError("a live notification is too large to send")
    return found


async def notify_many(session: AsyncSession, notes: list[tuple[str, dict[str, Any]]]) -> None:
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
