"""Writing imported clients set-based, in the caller's transaction.

Duplicates are found with one query; new clients get their ids from the sequence in one
round trip and go in with COPY (clients, phones, e-mails, tags, audit entries) in chunks;
updated clients are changed with one ``UPDATE ... FROM unnest(...)``. Name search needs
nothing more: its trigram indexes are expression indexes PostgreSQL keeps itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import diff
from callcenter.clients.input import CleanClient
from callcenter.imports.client_plan import Existing, Plan, keys_of, plan_rows
from callcenter.imports.client_updates import apply_updates, client_snapshot
from callcenter.imports.targets import Progress, WriteResult
from callcenter.users.models import User
from callcenter.users.roles import Role

if TYPE_CHECKING:
    import asyncpg

    from callcenter.imports.clients import ClientRecord

CHUNK = 5_000
CLIENT_COLUMNS = (
    "id",
    "kind",
    "name",
    "company_id",
    "inn",
    "kpp",
    "ogrn",
    "legal_address",
    "postal_address",
    "bank_name",
    "bik",
    "corr_account",
    "settlement_account",
    "owner_id",
    "channel_id",
    "segment_id",
    "notes",
    "is_demo",
    "created_by_id",
)
EXISTING_SQL = """
SELECT 'inn', c.inn, c.id, c.owner_id FROM clients c
  JOIN unnest($1::text[]) AS k(v) ON c.inn = k.v WHERE c.merged_into_id IS NULL
UNION ALL
SELECT 'phone', p.e164, c.id, c.owner_id FROM client_phones p
  JOIN unnest($2::text[]) AS k(v) ON p.e164 = k.v
  JOIN clients c ON c.id = p.client_id WHERE c.merged_into_id IS NULL
UNION ALL
SELECT 'email', e.email, c.id, c.owner_id FROM client_emails e
  JOIN unnest($3::text[]) AS k(v) ON e.email = k.v
  JOIN clients c ON c.id = e.client_id WHERE c.merged_into_id IS NULL
"""
COMPANIES_SQL = """
SELECT DISTINCT ON (cc_norm(name)) cc_norm(name), id FROM clients
WHERE kind = 'company' AND merged_into_id IS NULL AND cc_norm(name) = ANY($1::text[])
ORDER BY cc_norm(name), id
"""


async def driver_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under the session's transaction (for COPY)."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection  # type: ignore[return-value]


def _norm(name: str) -> str:
    return " ".join(name.lower().replace("ё", "е").split())


async def find_existing(
    conn: asyncpg.Connection, records: list[ClientRecord], policy: dict[str, str]
) -> Existing:
    wanted: dict[str, set[str]] = {"inn": set(), "phone": set(), "email": set()}
    for record in records:
        for key, values in keys_of(record.client).items():
            if policy.get(key, "skip") != "create":
                wanted[key].update(values)
    if not any(wanted.values()):
        return {}
    found: Existing = {}
    rows = await conn.fetch(
        EXISTING_SQL, list(wanted["inn"]), list(wanted["phone"]), list(wanted["email"])
    )
    for key, value, client_id, owner_id in rows:
        matches = found.setdefault((key, value), [])
        if (client_id, owner_id) not in matches:
            matches.append((client_id, owner_id))
    return found


async def write_clients(
    session: AsyncSession,
    records: list[ClientRecord],
    *,
    policy: dict[str, str],
    actor: User,
    import_id: int,
    progress: Progress,
) -> WriteResult:
    conn = await driver_connection(session)
    restricted = actor.role == Role.MANAGER and not actor.sees_all_clients
    existing = await find_existing(conn, records, policy)
    plan = plan_rows(records, existing, policy, restricted_to=actor.id if restricted else None)
    await _link_companies(conn, plan, actor)
    tag_ids = await _tag_ids(conn, plan)
    done = plan.skipped + len(plan.bad)
    await progress(done)
    ids = await _allocate_ids(conn, len(plan.new))
    for start in range(0, len(plan.new), CHUNK):
        chunk = list(zip(ids[start : start + CHUNK], plan.new[start : start + CHUNK], strict=True))
        await _copy_new(conn, chunk, tag_ids, actor, import_id)
        done += len(chunk)
        await progress(done)
    updated = await apply_updates(conn, plan.updates, tag_ids, actor=actor, import_id=import_id)
    return WriteResult(created=len(plan.new), updated=updated, skipped=plan.skipped, bad=plan.bad)


async def _link_companies(conn: asyncpg.Connection, plan: Plan, actor: User) -> None:
    """A person's company: one made by this file, else an existing one, else a new one."""
    wanted = [r for r in plan.new if r.company_name] + [
        r for rows in plan.updates.values() for r in rows if r.company_name
    ]
    if not wanted:
        return
    in_file = {_norm(r.client.name): r for r in plan.new if r.client.kind == "company"}
    names = {_norm(r.company_name) for r in wanted} - set(in_file)
    stored = dict(await conn.fetch(COMPANIES_SQL, list(names))) if names else {}
    from callcenter.imports.clients import ClientRecord

    made: list[ClientRecord] = []
    for record in wanted:
        key = _norm(record.company_name)
        if key in stored:
            record.client.company_id = stored[key]
        elif key not in in_file:
            company = _new_company(record, actor)
            in_file[key] = ClientRecord(record.line, company, "", False)
            made.append(in_file[key])
        record.company_record = in_file.get(key)
    plan.new[:0] = made
    # companies go first so a person's company_id points to a row already copied
    plan.new.sort(key=lambda r: r.client.kind != "company")


def _new_company(record: ClientRecord, actor: User) -> CleanClient:
    return CleanClient(
        kind="company",
        name=" ".join(record.company_name.split())[:300],
        company_id=None,
        inn=None,
        kpp=None,
        ogrn=None,
        legal_address="",
        postal_address="",
        bank_name="",
        bik=None,
        corr_account=None,
        settlement_account=None,
        phones=[],
        emails=[],
        owner_id=record.client.owner_id or actor.id,
        channel_id=None,
        segment_id=None,
        tags=[],
        notes="",
    )


async def _tag_ids(conn: asyncpg.Connection, plan: Plan) -> dict[str, int]:
    names = {t for r in plan.new for t in r.client.tags}
    names |= {t for rows in plan.updates.values() for r in rows for t in r.client.tags}
    if not names:
        return {}
    await conn.execute(
        "INSERT INTO tags (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING",
        list(names),
    )
    return dict(await conn.fetch("SELECT name, id FROM tags WHERE name = ANY($1)", list(names)))


async def _allocate_ids(conn: asyncpg.Connection, count: int) -> list[int]:
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


async def _copy_new(
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
    await conn.copy_records_to_table(
        "audit_log",
        records=[
            (actor.id, "client", cid, "created", _created_changes(r.client, import_id))
            for cid, r in chunk
        ],
        columns=("user_id", "entity", "entity_id", "action", "changes"),
    )


def _phones(chunk: list[tuple[int, ClientRecord]]) -> Iterator[tuple[Any, ...]]:
    for client_id, record in chunk:
        for i, p in enumerate(record.client.phones):
            yield (client_id, p.number[:64], p.e164, p.extension, p.kind, i)


def _created_changes(client: CleanClient, import_id: int) -> str:
    after = {k: v for k, v in client_snapshot(client).items() if v not in (None, "", [])}
    return json.dumps({"import": [None, import_id], **diff({}, after)}, ensure_ascii=False)
