"""The names an audit trail shows instead of the ids it stores: an owner's or an agent's
name, a client's, a channel's, a segment's (``web.i18n.audit_text`` reads them). The one
id-to-name lookup: the client's activity feed asks it too, for its rows and its changes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


async def names_of(
    session: AsyncSession, wanted: Mapping[str, Iterable[int | None]]
) -> dict[str, dict[int, str]]:
    """The names of the ids ``wanted`` of each kind (user, channel, segment, client): every
    kind keyed, one query per kind that wants any."""
    names: dict[str, dict[int, str]] = {}
    for kind, (id_column, name_column) in _NAMES.items():
        ids = {i for i in wanted.get(kind, ()) if i is not None}
        names[kind] = {}
        if ids:
            rows = await session.execute(select(id_column, name_column).where(id_column.in_(ids)))
            names[kind] = {row_id: text for row_id, text in rows}
    return names


async def audit_names(
    session: AsyncSession, entries: Iterable[AuditEntry | tuple[AuditEntry, Any]]
) -> dict[str, dict[int, str]]:
    """The names the entries' changes refer to, one query per kind (none for none)."""
    changes = [(e[0] if isinstance(e, tuple) else e).changes for e in entries]
    return await names_of(session, referenced_ids(changes))
