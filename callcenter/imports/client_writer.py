"""Writing imported clients set-based, in the caller's transaction.

Duplicates are found with one query; new clients get their ids from the sequence in one
round trip and go in with COPY (clients, phones, e-mails, tags, audit entries) in chunks;
updated clients are changed with one ``UPDATE ... FROM unnest(...)``. Name search needs
nothing more: its trigram indexes are expression indexes PostgreSQL keeps itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.input import CleanClient
from callcenter.clients.service import SCALARS
from callcenter.imports.client_plan import Existing, Plan, keys_of, plan_rows
from callcenter.imports.client_updates import apply_updates
from callcenter.imports.targets import WriteResult
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


def _created_audit_sql() -> str:
    """Each new client's audit entry, built by PostgreSQL from the rows just copied: every
    filled field as ``[null, value]``, like ``create_client`` records (spares Python the JSON)."""
    fields = ["'import', jsonb_build_array(NULL, $2::int)"]
    for name in SCALARS:
        value = f"c.{name}" if name.endswith("_id") or name == "kind" else f"NULLIF(c.{name}, '')"
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


class ClientWriter:
    """Writes one import's clients chunk by chunk in the caller's transaction.

    Each chunk is planned against the database as it stands in this transaction, so rows of
    earlier chunks count as existing clients; updates are gathered and applied at the end.
    """

    def __init__(
        self, session: AsyncSession, *, policy: dict[str, str], actor: User, import_id: int
    ) -> None:
        self.session, self.policy, self.actor, self.import_id = session, policy, actor, import_id
        restricted = actor.role == Role.MANAGER and not actor.sees_all_clients
        self.restricted_to = actor.id if restricted else None
        self.result = WriteResult()
        self.updates: dict[int, list[ClientRecord]] = {}
        self.tag_ids: dict[str, int] = {}
        self.made_companies: dict[str, int] = {}  # companies made for people, by name

    async def write(self, records: list[ClientRecord]) -> None:
        conn = await driver_connection(self.session)
        existing = await find_existing(conn, records, self.policy)
        plan = plan_rows(records, existing, self.policy, restricted_to=self.restricted_to)
        self._fill_made_companies(plan)
        made = await _link_companies(conn, plan, self.actor)
        await self._add_tags(conn, plan)
        ids = await _allocate_ids(conn, len(plan.new))
        for start in range(0, len(plan.new), CHUNK):
            chunk = list(
                zip(ids[start : start + CHUNK], plan.new[start : start + CHUNK], strict=True)
            )
            await _copy_new(conn, chunk, self.tag_ids, self.actor, self.import_id)
        for record in made:
            self.made_companies[_norm(record.client.name)] = record.client_id or 0
        for client_id, rows in plan.updates.items():
            self.updates.setdefault(client_id, []).extend(rows)
        self.result.created += len(plan.new)
        self.result.skipped += plan.skipped
        self.result.bad += plan.bad

    async def finish(self) -> WriteResult:
        conn = await driver_connection(self.session)
        self.result.updated = await apply_updates(
            conn, self.updates, self.tag_ids, actor=self.actor, import_id=self.import_id
        )
        return self.result

    def _fill_made_companies(self, plan: Plan) -> None:
        """A company row after the people naming it: it fills the company made for them."""
        for record in list(plan.new):
            made = self.made_companies.get(_norm(record.client.name))
            if record.client.kind == "company" and made:
                plan.new.remove(record)
                plan.updates.setdefault(made, []).append(record)

    async def _add_tags(self, conn: asyncpg.Connection, plan: Plan) -> None:
        names = {t for r in plan.new for t in r.client.tags}
        names |= {t for rows in plan.updates.values() for r in rows for t in r.client.tags}
        names -= set(self.tag_ids)
        if names:
            self.tag_ids.update(await _tag_ids(conn, names))


async def _link_companies(conn: asyncpg.Connection, plan: Plan, actor: User) -> list[ClientRecord]:
    """A person's company: one made by this file, else an existing one, else a new one."""
    wanted = [r for r in plan.new if r.company_name] + [
        r for rows in plan.updates.values() for r in rows if r.company_name
    ]
    if not wanted:
        return []
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
    return made


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


async def _tag_ids(conn: asyncpg.Connection, names: set[str]) -> dict[str, int]:
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
    await conn.execute(CREATED_AUDIT_SQL, actor.id, import_id, [cid for cid, _r in chunk])


def _phones(chunk: list[tuple[int, ClientRecord]]) -> Iterator[tuple[Any, ...]]:
    for client_id, record in chunk:
        for i, p in enumerate(record.client.phones):
            yield (client_id, p.number[:64], p.e164, p.extension, p.kind, i)
