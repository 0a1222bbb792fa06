"""Copying new clients in: ids from the sequence in one round trip, then COPY of the clients,
their phones, e-mails and tags, and an audit entry each built by PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from callcenter.clients.fields import DEFAULTS, SCALARS
from callcenter.imports.records import ClientRecord
from callcenter.users.models import User

if TYPE_CHECKING:
    import asyncpg


CHUNK = 5_000
CLIENT_COLUMNS = ("id", *SCALARS, "is_demo", "created_by_id")


def _created_audit_sql() -> str:
    """Each new client's audit entry, built by PostgreSQL from the rows just copied: every
    filled field (not left at its default) as ``[null, value]``, like ``create_client``
    records (spares Python the JSON)."""
    fields = ["'import', jsonb_build_array(NULL, $2::int)"]
    for name in SCALARS:
        value = f"c.{name}" if name.endswith("_id") or name == "kind" else f"NULLIF(c.{name}, '')"
        if name in DEFAULTS:
            value = f"NULLIF(c.{name}, '{DEFAULTS[name]}')"
        fields.append(
            f"'{name}', CASE WHEN {value} IS NOT NULL THEN jsonb_build_array(NULL, {value}) END"
        )
    lists = {
        "phones": (
            "client_phones",
            "x.e164 || CASE WHEN x.extension <> '' THEN ' x' || x.extension"
            " ELSE '' END || ' (' || x.kind || ')'",
            "x.position",
        ),
        "emails": ("client_emails", "x.email", "x.position"),
    }
    for name, (table, value, order) in lists.items():
        fields.append(
            f"'{name}', (SELECT jsonb_build_array(NULL, jsonb_agg({value} ORDER BY {order}))"
            f" FROM {table} x WHERE x.client_id = c.id HAVING count(*) > 0)"
        )
    fields.append(
        "'tags', (SELECT jsonb_build_array(NULL, jsonb_agg(t.name ORDER BY t.name))"
        " FROM client_tags x JOIN tags t ON t.id = x.tag_id"
        " WHERE x.client_id = c.id HAVING count(*) > 0)"
    )
    return (
        "INSERT INTO audit_log (user_id, entity, entity_id, action, changes)"
        " SELECT $1, 'client', c.id, 'created', jsonb_strip_nulls(jsonb_build_object("
        + ", ".join(fields)
        + ")) FROM clients c WHERE c.id = ANY($3::int[])"
    )


CREATED_AUDIT_SQL = _created_audit_sql()


async def allocate_ids(conn: asyncpg.Connection, count: int) -> list[int]:
    if not count:
        return []
    rows = await conn.fetch(
        "SELECT nextval(pg_get_serial_sequence('clients', 'id')) FROM generate_series(1, $1)",
        count,
    )
    return [row[0] for row in rows]


def _client_row(client_id: int, record: ClientRecord, actor: User) -> tuple[Any, ...]:
    c = record.client
    if record.company_record is not None:
        c.company_id = record.company_record.client_id
    values = [getattr(c, name) for name in CLIENT_COLUMNS[1:-2]]
    return (client_id, *values, False, actor.id)


async def copy_new(
    conn: asyncpg.Connection,
    chunk: list[tuple[int, ClientRecord]],
    tag_ids: dict[str, int],
    actor: User,
    import_id: int,
) -> None:
    for client_id, record in chunk:
        record.client_id = client_id
    await conn.copy_records_to_table(
        "clients",
        records=[_client_row(cid, r, actor) for cid, r in chunk],
        columns=CLIENT_COLUMNS,
    )
    await conn.copy_records_to_table(
        "client_phones",
        records=_phones(chunk),
        columns=("client_id", "number", "e164", "extension", "kind", "position"),
    )
    await conn.copy_records_to_table(
        "client_emails",
        records=[(cid, e, i) for cid, r in chunk for i, e in enumerate(r.client.emails)],
        columns=("client_id", "email", "position"),
    )
    await conn.copy_records_to_table(
        "client_tags",
        records=[(cid, tag_ids[t]) for cid, r in chunk for t in r.client.tags],
        columns=("client_id", "tag_id"),
    )
    await conn.execute(CREATED_AUDIT_SQL, actor.id, import_id, [cid for cid, _r in chunk])


def _phones(chunk: list[tuple[int, ClientRecord]]) -> Iterator[tuple[Any, ...]]:
    for client_id, record in chunk:
        for i, p in enumerate(record.client.phones):
            yield (client_id, p.number[:64], p.e164, p.extension, p.kind, i)
