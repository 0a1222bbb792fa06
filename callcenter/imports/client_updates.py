"""Updating existing clients from imported rows: one UPDATE for all, additions by COPY."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from callcenter.audit.service import diff
from callcenter.clients.fields import SCALARS
from callcenter.clients.input import CleanClient, CleanPhone
from callcenter.imports.client_plan import merge_into
from callcenter.imports.records import ClientRecord
from callcenter.users.models import User

if TYPE_CHECKING:
    import asyncpg


# what a file's row may change (a client's kind never changes), with its SQL type
UPDATED = tuple((n, "int" if n.endswith("_id") else "text") for n in SCALARS if n != "kind")
UPDATE_SQL = (
    "UPDATE clients AS c SET "
    + ", ".join(f"{name} = v.{name}" for name, _type in UPDATED)
    + ", updated_at = now() FROM unnest($1::int[], "
    + ", ".join(f"${i}::{sql_type}[]" for i, (_n, sql_type) in enumerate(UPDATED, start=2))
    + ") AS v(id, "
    + ", ".join(name for name, _type in UPDATED)
    + ") WHERE c.id = v.id"
)


def client_snapshot(client: CleanClient) -> dict[str, Any]:
    """The audited view of a client, as ``callcenter.clients.service.snapshot`` gives it."""
    data: dict[str, Any] = {name: getattr(client, name) for name in SCALARS}
    data["phones"] = [
        f"{p.e164}{' x' + p.extension if p.extension else ''} ({p.kind})" for p in client.phones
    ]
    data["emails"] = list(client.emails)
    data["tags"] = list(client.tags)
    return data


async def load_clients(conn: asyncpg.Connection, ids: list[int]) -> dict[int, CleanClient]:
    rows = await conn.fetch(
        f"SELECT id, {', '.join(SCALARS)} FROM clients WHERE id = ANY($1::int[])", ids
    )
    found = {
        row["id"]: CleanClient(**{n: row[n] for n in SCALARS}, phones=[], emails=[], tags=[])
        for row in rows
    }
    for row in await conn.fetch(
        "SELECT client_id, number, e164, extension, kind FROM client_phones"
        " WHERE client_id = ANY($1::int[]) ORDER BY client_id, position, id",
        ids,
    ):
        found[row[0]].phones.append(CleanPhone(*row[1:]))
    for client_id, email in await conn.fetch(
        "SELECT client_id, email FROM client_emails"
        " WHERE client_id = ANY($1::int[]) ORDER BY client_id, position, id",
        ids,
    ):
        found[client_id].emails.append(email)
    for client_id, tag in await conn.fetch(
        "SELECT ct.client_id, t.name FROM client_tags ct JOIN tags t ON t.id = ct.tag_id"
        " WHERE ct.client_id = ANY($1::int[]) ORDER BY t.name",
        ids,
    ):
        found[client_id].tags.append(tag)
    return found


@dataclass
class _Changes:
    """What the updates add up to, ready to store in one statement per table."""

    clients: list[tuple[int, CleanClient]] = field(default_factory=list)
    phones: list[tuple[Any, ...]] = field(default_factory=list)
    emails: list[tuple[Any, ...]] = field(default_factory=list)
    tags: list[tuple[int, int]] = field(default_factory=list)
    audit: list[tuple[Any, ...]] = field(default_factory=list)


def _merge(
    client_id: int,
    client: CleanClient,
    records: list[ClientRecord],
    into: _Changes,
    tag_ids: dict[str, int],
    audit_of: Callable[[int, dict[str, Any]], tuple[Any, ...]],
) -> None:
    before = client_snapshot(client)
    had_phones, had_emails, had_tags = len(client.phones), len(client.emails), set(client.tags)
    for record in records:
        merge_into(
            client, record.client, owner_given=record.owner_given, notify_given=record.notify_given
        )
        if record.company_record is not None:
            client.company_id = record.company_record.client_id
        elif record.client.company_id is not None:
            client.company_id = record.client.company_id
    changes = diff(before, client_snapshot(client))
    if not changes:
        return
    into.clients.append((client_id, client))
    into.phones += [
        (client_id, p.number[:64], p.e164, p.extension, p.kind, i)
        for i, p in enumerate(client.phones)
        if i >= had_phones
    ]
    into.emails += [(client_id, e, i) for i, e in enumerate(client.emails) if i >= had_emails]
    into.tags += [(client_id, tag_ids[t]) for t in client.tags if t not in had_tags]
    into.audit.append(audit_of(client_id, changes))


async def apply_updates(
    conn: asyncpg.Connection,
    updates: dict[int, list[ClientRecord]],
    tag_ids: dict[str, int],
    *,
    actor: User,
    import_id: int,
) -> int:
    """Merge each client's rows into it; store what changed. Returns the clients matched."""
    if not updates:
        return 0

    def audit_of(client_id: int, changes: dict[str, Any]) -> tuple[Any, ...]:
        changes = {"import": [None, import_id], **changes}
        return (actor.id, "client", client_id, "updated", json.dumps(changes, default=str))

    stored = await load_clients(conn, list(updates))
    found = _Changes()
    for client_id, records in updates.items():
        _merge(client_id, stored[client_id], records, found, tag_ids, audit_of)
    if found.clients:
        columns: list[list[Any]] = [[client_id for client_id, _c in found.clients]]
        columns += [[getattr(c, name) for _id, c in found.clients] for name, _type in UPDATED]
        await conn.execute(UPDATE_SQL, *columns)
    phone_columns = ("client_id", "number", "e164", "extension", "kind", "position")
    await conn.copy_records_to_table("client_phones", records=found.phones, columns=phone_columns)
    await conn.copy_records_to_table(
        "client_emails", records=found.emails, columns=("client_id", "email", "position")
    )
    await conn.copy_records_to_table(
        "client_tags", records=found.tags, columns=("client_id", "tag_id")
    )
    await conn.copy_records_to_table(
        "audit_log",
        records=found.audit,
        columns=("user_id", "entity", "entity_id", "action", "changes"),
    )
    return len(updates)
