"""The audit trail: record a change, read a record's history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.models import AuditEntry
from callcenter.users.models import User


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value changed, as ``{field: [old, new]}``."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


async def record_change(
    session: AsyncSession,
    *,
    actor: User | None,
    entity: str,
    entity_id: int,
    action: str,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        user_id=actor.id if actor else None,
        entity=entity,
        entity_id=entity_id,
        action=action,
        changes=changes or {},
    )
    session.add(entry)
    await session.flush()
    return entry


async def list_history(
    session: AsyncSession, *, entity: str, entity_ids: list[int], limit: int = 200
) -> list[tuple[AuditEntry, User | None]]:
    rows = await session.execute(
        select(AuditEntry, User)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id.in_(entity_ids))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return [(entry, user) for entry, user in rows.all()]
