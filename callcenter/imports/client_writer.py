"""Writing imported clients set-based, in the caller's transaction.

Duplicates are found with one query; new clients get their ids from the sequence in one
round trip and go in with COPY (clients, phones, e-mails, tags, audit entries) in chunks;
updated clients are changed with one ``UPDATE ... FROM unnest(...)``. Name search needs
nothing more: its trigram indexes are expression indexes PostgreSQL keeps itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.input import CleanClient
from callcenter.imports.client_copy import CHUNK, allocate_ids, copy_new
from callcenter.imports.client_partners import attribute_imported
from callcenter.imports.client_plan import Existing, Plan, keys_of, plan_rows
from callcenter.imports.client_updates import apply_updates
from callcenter.imports.records import ClientRecord
from callcenter.imports.targets import BadRow, WriteResult
from callcenter.users.models import User
from callcenter.users.roles import Role

if TYPE_CHECKING:
    import asyncpg


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
    """The asyncpg connection under the session's transaction (for COPY).

    SQLAlchemy opens the database transaction lazily, at its first statement: until then the
    raw connection would run each COPY in autocommit, beyond the reach of a rollback. One
    statement through SQLAlchemy first, and a check, keep every write inside the transaction.
    """
    connection = await session.connection()
    await connection.exec_driver_sql("SELECT 1")
    raw = await connection.get_raw_connection()
    driver: asyncpg.Connection = raw.driver_connection  # type: ignore[assignment]
    if not driver.is_in_transaction():
        raise RuntimeError("the import's writes must run inside the session's transaction")
    return driver


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

    gathers = False

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
        self.partner_offers: list[tuple[int, int, int]] = []  # (client, partner, line)

    async def write(self, records: list[ClientRecord]) -> None:
        conn = await driver_connection(self.session)
        existing = await find_existing(conn, records, self.policy)
        plan = plan_rows(records, existing, self.policy, restricted_to=self.restricted_to)
        self._fill_made_companies(plan)
        made = await _link_companies(conn, plan, self.actor)
        await self._add_tags(conn, plan)
        ids = await allocate_ids(conn, len(plan.new))
        for start in range(0, len(plan.new), CHUNK):
            chunk = list(
                zip(ids[start : start + CHUNK], plan.new[start : start + CHUNK], strict=True)
            )
            await copy_new(conn, chunk, self.tag_ids, self.actor, self.import_id)
        for record in made:
            self.made_companies[_norm(record.client.name)] = record.client_id or 0
        for client_id, rows in plan.updates.items():
            self.updates.setdefault(client_id, []).extend(rows)
        self.partner_offers += [
            (r.client_id, r.partner_id, r.line)
            for r in plan.new
            if r.partner_id is not None and r.client_id is not None
        ]
        self.partner_offers += [
            (client_id, r.partner_id, r.line)
            for client_id, rows in plan.updates.items()
            for r in rows
            if r.partner_id is not None
        ]
        self.result.created += len(plan.new)
        self.result.skipped += plan.skipped
        self.result.bad += plan.bad

    async def review(self) -> list[BadRow]:
        return list(self.result.bad)  # of the chunks written before the first bad row

    async def finish(self) -> WriteResult:
        conn = await driver_connection(self.session)
        self.result.updated = await apply_updates(
            conn, self.updates, self.tag_ids, actor=self.actor, import_id=self.import_id
        )
        await attribute_imported(
            conn, self.partner_offers, actor=self.actor, import_id=self.import_id
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
        notify_by="email",
    )


async def _tag_ids(conn: asyncpg.Connection, names: set[str]) -> dict[str, int]:
    await conn.execute(
        "INSERT INTO tags (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING",
        list(names),
    )
    return dict(await conn.fetch("SELECT name, id FROM tags WHERE name = ANY($1)", list(names)))
