"""Managed lists the admin keeps: acquisition channels and segments; tags are free-form."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import record_change
from callcenter.clients.exceptions import ClientInvalid
from callcenter.clients.models import Channel, Segment, Tag
from callcenter.errors import Forbidden, NotFound
from callcenter.i18n import N_
from callcenter.users.models import User
from callcenter.users.roles import Permission

KINDS: dict[str, type[Channel] | type[Segment]] = {"channel": Channel, "segment": Segment}


async def list_entries(
    session: AsyncSession, kind: str, *, active_only: bool = False
) -> list[Channel | Segment]:
    model = KINDS[kind]
    stmt = select(model).order_by(model.name)
    if active_only:
        stmt = stmt.where(model.active.is_(True))
    return list(await session.scalars(stmt))


async def list_tags(session: AsyncSession) -> list[Tag]:
    return list(await session.scalars(select(Tag).order_by(Tag.name)))


async def save_entry(
    session: AsyncSession,
    kind: str,
    *,
    name: str,
    actor: User,
    entry_id: int | None = None,
    active: bool = True,
) -> Channel | Segment:
    if not actor.can(Permission.LISTS_MANAGE):
        raise Forbidden(N_("Only an admin manages these lists"))
    model = KINDS[kind]
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise ClientInvalid(
            N_("Please correct the marked fields"), fields={"name": N_("Name is required")}
        )
    clash = await session.scalar(select(model.id).where(func.lower(model.name) == name.lower()))
    if clash and clash != entry_id:
        raise ClientInvalid(
            N_("Please correct the marked fields"), fields={"name": N_("This name is taken")}
        )
    entry: Channel | Segment
    if entry_id is None:
        entry = model(name=name, active=active)
        session.add(entry)
        action = "created"
    else:
        found: Channel | Segment | None = await session.get(model, entry_id)  # type: ignore[assignment]
        if found is None:
            raise NotFound(N_("No such entry"))
        entry = found
        entry.name, entry.active = name, active
        action = "updated"
    await session.flush()
    await record_change(
        session,
        actor=actor,
        entity=kind,
        entity_id=entry.id,
        action=action,
        changes={"name": [None, name], "active": [None, active]},
    )
    return entry
