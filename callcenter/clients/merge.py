"""Merging two clients into one, keeping all the history of both."""

from __future__ import annotations

from sqlalchemy import Table, delete, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import record_change
from callcenter.clients.exceptions import ClientInvalid
from callcenter.clients.fields import DETAILS, REFERENCES
from callcenter.clients.models import Client, ClientEmail, ClientPhone, client_tags
from callcenter.clients.service import client_event, get_client, snapshot
from callcenter.db import Base
from callcenter.errors import Forbidden
from callcenter.i18n import N_
from callcenter.users.models import User
from callcenter.users.roles import Permission
from callcenter.webhooks.service import enqueue

# moved by hand (with de-duplication) or meaning something else than "belongs to"
_HANDLED = {
    ("client_phones", "client_id"),
    ("client_emails", "client_id"),
    ("client_tags", "client_id"),
    ("clients", "merged_into_id"),
}


def _references_to_clients() -> list[tuple[Table, str]]:
    """Every (table, column) holding a client id: calls, orders, tasks... as they get added."""
    found = []
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            points_to_client = fk.column.table.name == "clients" and fk.column.name == "id"
            if points_to_client and (table.name, fk.parent.name) not in _HANDLED:
                found.append((table, fk.parent.name))
    return found


async def merge_clients(
    session: AsyncSession, *, survivor_id: int, duplicate_id: int, actor: User
) -> Client:
    """Fold ``duplicate`` into ``survivor``: contacts, tags, links, and empty fields filled in.

    The duplicate stays as a row marked ``merged_into`` so links and its audit history still
    resolve; everything that pointed to it now points to the survivor.
    """
    if not actor.can(Permission.CLIENTS_MERGE):
        raise Forbidden(N_("You may not merge clients"))
    if survivor_id == duplicate_id:
        raise ClientInvalid(N_("Choose two different clients to merge"))
    survivor = await get_client(session, survivor_id, actor=actor)
    duplicate = await get_client(session, duplicate_id, actor=actor)
    if survivor.merged_into_id or duplicate.merged_into_id:
        raise ClientInvalid(N_("This client was merged into another one"))
    if survivor.kind != duplicate.kind:
        raise ClientInvalid(N_("A person cannot be merged with a company"))
    before = snapshot(survivor)
    _fill_empty_fields(survivor, duplicate)
    await _move_contacts(session, survivor, duplicate)
    for table, column in _references_to_clients():
        await session.execute(
            update(table).where(table.c[column] == duplicate.id).values({column: survivor.id})
        )
    await session.execute(
        update(Client)
        .where(Client.merged_into_id == duplicate.id)
        .values(merged_into_id=survivor.id)
    )
    duplicate.merged_into_id = survivor.id
    await session.flush()
    session.expire_all()
    survivor = await get_client(session, survivor_id, actor=actor)
    await record_change(
        session,
        actor=actor,
        entity="client",
        entity_id=survivor.id,
        action="merged",
        changes={"merged_from": [None, duplicate_id], "before": [before, None]},
    )
    await record_change(
        session,
        actor=actor,
        entity="client",
        entity_id=duplicate_id,
        action="merged_into",
        changes={"merged_into": [None, survivor.id]},
    )
    event = client_event(survivor) | {"merged_from": duplicate_id}
    await enqueue(session, "client.merged", f"client:{survivor.id}", event)
    return survivor


def _fill_empty_fields(survivor: Client, duplicate: Client) -> None:
    for name in (*DETAILS, *REFERENCES):
        if not getattr(survivor, name) and getattr(duplicate, name):
            setattr(survivor, name, getattr(duplicate, name))
    if duplicate.notes and duplicate.notes not in survivor.notes:
        survivor.notes = "\n\n".join(filter(None, [survivor.notes, duplicate.notes]))


async def _move_contacts(session: AsyncSession, survivor: Client, duplicate: Client) -> None:
    have_phones = {(p.e164, p.extension) for p in survivor.phones}
    have_emails = {e.email for e in survivor.emails}
    position = len(survivor.phones)
    for phone in duplicate.phones:
        if (phone.e164, phone.extension) in have_phones:
            continue
        await session.execute(
            update(ClientPhone)
            .where(ClientPhone.id == phone.id)
            .values(client_id=survivor.id, position=position)
        )
        position += 1
    position = len(survivor.emails)
    for email in duplicate.emails:
        if email.email not in have_emails:
            await session.execute(
                update(ClientEmail)
                .where(ClientEmail.id == email.id)
                .values(client_id=survivor.id, position=position)
            )
            position += 1
    tag_ids = select(client_tags.c.tag_id).where(client_tags.c.client_id == duplicate.id)
    await session.execute(
        insert(client_tags)
        .from_select(
            ["client_id", "tag_id"], select(literal(survivor.id), tag_ids.subquery().c.tag_id)
        )
        .on_conflict_do_nothing()
    )
    await session.execute(delete(client_tags).where(client_tags.c.client_id == duplicate.id))
