"""The names an audit trail shows instead of the ids it stores: an owner's or an agent's
name, a client's, a channel's, a segment's (``web.i18n.audit_text`` reads them)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.models import AuditEntry
from callcenter.clients.models import Channel, Client, Segment
from callcenter.users.models import User

# fields of the audit trail holding another row's id (or a list of them), by what it is
REFERENCE_FIELDS = {
    "owner_id": "user",
    "manager_id": "user",
    "assignee_id": "user",
    "agent_ids": "user",
    "channel_id": "channel",
    "segment_id": "segment",
    "company_id": "client",
    "client_id": "client",
}
_NAMES: dict[str, tuple[Any, Any]] = {
    "user": (User.id, func.coalesce(func.nullif(User.full_name, ""), User.login)),
    "channel": (Channel.id, Channel.name),
    "segment": (Segment.id, Segment.name),
    "client": (Client.id, Client.name),
}


def referenced_ids(changes: Iterable[dict[str, Any]]) -> dict[str, set[int]]:
    """The ids each kind of name is wanted for, over the values of these changes."""
    wanted: dict[str, set[int]] = {kind: set() for kind in _NAMES}
    for change in changes:
        for field, pair in change.items():
            kind = REFERENCE_FIELDS.get(field)
            if kind is None:
                continue
            for value in pair if isinstance(pair, list) else [pair]:
                values = value if isinstance(value, list) else [value]
                wanted[kind].update(v for v in values if isinstance(v, int))
    return wanted


async def audit_names(
    session: AsyncSession, entries: Iterable[AuditEntry | tuple[AuditEntry, Any]]
) -> dict[str, dict[int, str]]:
    """The names the entries' changes refer to, one query per kind (none for none)."""
    changes = [(e[0] if isinstance(e, tuple) else e).changes for e in entries]
    names: dict[str, dict[int, str]] = {}
    for kind, ids in referenced_ids(changes).items():
        names[kind] = {}
        if ids:
            id_column, name_column = _NAMES[kind]
            rows = await session.execute(select(id_column, name_column).where(id_column.in_(ids)))
            names[kind] = {row_id: text for row_id, text in rows}
    return names
