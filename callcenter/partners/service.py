"""Partners: add one from the client base, change them (a move re-hangs their downline),
read them within what the actor may see (attributing clients: ``attribution``).

Who sees what: staff with ``PARTNERS_VIEW`` see every partner; a user in the ``partner`` role
sees only their own partner record and its downline (``PARTNER_SELF``). Services flush and
never commit.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from callcenter.audit.service import diff, record_change
from callcenter.clients.models import Client
from callcenter.errors import Forbidden, NotFound
from callcenter.i18n import N_
from callcenter.partners.exceptions import PartnerInvalid
from callcenter.partners.models import (
    PARTNER_STATUSES,
    CommissionPlan,
    Partner,
    PartnerPath,
)
from callcenter.partners.tree import is_in_downline, move_partner, place_partner
from callcenter.users.models import User
from callcenter.users.roles import Permission, Role

CODE_RE = re.compile(r"[A-Z0-9]{4,20}")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone


@dataclass
class PartnerInput:
    client_id: int | None = None
    code: str = ""
    plan_id: int | None = None
    status: str = "active"
    sponsor: str = ""  # the sponsor's code; empty: none (a top of the tree)
    manager_id: int | None = None
    user_id: int | None = None  # a sign-in in the partner role


def partner_loading() -> list:
    return [selectinload(Partner.client), selectinload(Partner.plan), selectinload(Partner.manager)]


async def own_partner(session: AsyncSession, actor: User) -> Partner:
    """The partner record of a user in the partner role."""
    if not actor.can(Permission.PARTNER_SELF):
        raise Forbidden(N_("Your role does not allow this"))
    partner = await session.scalar(
        select(Partner).where(Partner.user_id == actor.id).options(*partner_loading())
    )
    if partner is None:
        raise Forbidden(N_("Your sign-in is not linked to a partner yet: ask your manager"))
    return partner


def visible_partners(actor: User, own_id: int | None) -> ColumnElement[bool]:
    if actor.can(Permission.PARTNERS_VIEW):
        return true()
    mine = select(PartnerPath.descendant_id).where(PartnerPath.ancestor_id == (own_id or 0))
    return Partner.id.in_(mine)


async def get_partner(session: AsyncSession, partner_id: int, *, actor: User) -> Partner:
    """A partner the actor may see: any for staff, their own downline for a partner."""
    if not (actor.can(Permission.PARTNERS_VIEW) or actor.can(Permission.PARTNER_SELF)):
        raise Forbidden(N_("You may not see partners"))
    partner = await session.scalar(
        select(Partner).where(Partner.id == partner_id).options(*partner_loading())
    )
    if partner is None:
        raise NotFound(N_("No such partner"))
    if not actor.can(Permission.PARTNERS_VIEW):
        own = await own_partner(session, actor)
        if not await is_in_downline(session, top_id=own.id, partner_id=partner.id):
            raise Forbidden(N_("This partner is not in your downline"))
    return partner


async def check_own_statements(session: AsyncSession, partner: Partner, actor: User) -> None:
    """Statements are staff's to see, and each partner's own (not their downline's)."""
    if actor.can(Permission.PARTNERS_VIEW):
        return
    if (await own_partner(session, actor)).id != partner.id:
        raise Forbidden(N_("Only a partner's own statements are theirs to see"))


async def list_partners(
    session: AsyncSession, *, actor: User, q: str = "", limit: int = 50, offset: int = 0
) -> tuple[list[Partner], int]:
    if not (actor.can(Permission.PARTNERS_VIEW) or actor.can(Permission.PARTNER_SELF)):
        raise Forbidden(N_("You may not see partners"))
    own_id = None if actor.can(Permission.PARTNERS_VIEW) else (await own_partner(session, actor)).id
    where = visible_partners(actor, own_id)
    text = q.strip().replace("\x00", "")[:100]
    if text:
        like = f"%{text.replace('%', '').replace('_', '')}%"
        where = where & (Partner.code.ilike(like) | Client.name.ilike(like))
    base = select(Partner).join(Client, Client.id == Partner.client_id).where(where)
    total = await session.scalar(select(func.count()).select_from(base.subquery()))
    rows = await session.scalars(
        base.options(*partner_loading())
        .order_by(Client.name, Partner.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total or 0)


def _clean_code(text: str, errors: dict[str, str]) -> str:
    code = text.strip().upper()
    if not code:
        return "P" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(7))
    if not CODE_RE.fullmatch(code):
        errors["code"] = N_("4 to 20 Latin letters and digits")
    return code


async def _check(
    session: AsyncSession, data: PartnerInput, partner: Partner | None, errors: dict[str, str]
) -> int | None:
    """Every field but the code; returns the sponsor's id."""
    if partner is None:
        if data.client_id is None or await session.get(Client, data.client_id) is None:
            errors["client_id"] = N_("Choose a client")
        elif await session.scalar(select(Partner.id).where(Partner.client_id == data.client_id)):
            errors["client_id"] = N_("This client is already a partner")
    if data.plan_id is None or await session.get(CommissionPlan, data.plan_id) is None:
        errors["plan_id"] = N_("Choose a commission plan")
    if data.status not in PARTNER_STATUSES:
        errors["status"] = N_("Choose a status from the list")
    if data.manager_id is not None:
        manager = await session.get(User, data.manager_id)
        if manager is None or not manager.active or manager.role == Role.PARTNER:
            errors["manager_id"] = N_("No such user")
    if data.user_id is not None:
        user = await session.get(User, data.user_id)
        if user is None or user.role != Role.PARTNER:
            errors["user_id"] = N_("Choose a sign-in in the partner role")
        else:
            linked = await session.scalar(select(Partner.id).where(Partner.user_id == user.id))
            if linked is not None and (partner is None or linked != partner.id):
                errors["user_id"] = N_("This sign-in is another partner's")
    sponsor_code = data.sponsor.strip().upper()
    if not sponsor_code:
        return None
    sponsor_id = await session.scalar(select(Partner.id).where(Partner.code == sponsor_code))
    if sponsor_id is None:
        errors["sponsor"] = N_("No partner has this code")
    return sponsor_id


def snapshot(partner: Partner) -> dict:
    return {
        "code": partner.code,
        "plan_id": partner.plan_id,
        "status": partner.status,
        "sponsor_id": partner.sponsor_id,
        "manager_id": partner.manager_id,
        "user_id": partner.user_id,
    }


async def create_partner(session: AsyncSession, *, data: PartnerInput, actor: User) -> Partner:
    if not actor.can(Permission.PARTNERS_MANAGE):
        raise Forbidden(N_("You may not add partners"))
    errors: dict[str, str] = {}
    code = _clean_code(data.code, errors)
    sponsor_id = await _check(session, data, None, errors)
    if await session.scalar(select(Partner.id).where(Partner.code == code)):
        errors["code"] = N_("This code is taken")
    if errors:
        raise PartnerInvalid(N_("Please correct the marked fields"), fields=errors)
    partner = Partner(
        client_id=data.client_id,
        code=code,
        plan_id=data.plan_id,
        status=data.status,
        sponsor_id=sponsor_id,
        manager_id=data.manager_id or actor.id,
        user_id=data.user_id,
    )
    session.add(partner)
    await session.flush()
    await place_partner(session, partner)
    await record_change(
        session,
        actor=actor,
        entity="partner",
        entity_id=partner.id,
        action="created",
        changes=diff({}, snapshot(partner)),
    )
    return await get_partner(session, partner.id, actor=actor)


async def update_partner(
    session: AsyncSession, *, partner_id: int, data: PartnerInput, actor: User
) -> Partner:
    """Change a partner; a new sponsor moves them with their downline (refused if it would
    make a loop). What they and their upline already accrued stays as it was."""
    if not actor.can(Permission.PARTNERS_MANAGE):
        raise Forbidden(N_("You may not change partners"))
    partner = await get_partner(session, partner_id, actor=actor)
    errors: dict[str, str] = {}
    code = _clean_code(data.code or partner.code, errors)
    sponsor_id = await _check(session, data, partner, errors)
    clash = await session.scalar(select(Partner.id).where(Partner.code == code))
    if clash is not None and clash != partner.id:
        errors["code"] = N_("This code is taken")
    if errors:
        raise PartnerInvalid(N_("Please correct the marked fields"), fields=errors)
    before = snapshot(partner)
    if sponsor_id != partner.sponsor_id:
        await move_partner(session, partner, sponsor_id)
    assert data.plan_id is not None  # checked above
    partner.code, partner.plan_id, partner.status = code, data.plan_id, data.status
    partner.manager_id = data.manager_id
    partner.user_id = data.user_id
    await session.flush()
    if changes := diff(before, snapshot(partner)):
        await record_change(
            session,
            actor=actor,
            entity="partner",
            entity_id=partner.id,
            action="updated",
            changes=changes,
        )
    partner_id = partner.id
    session.expire(partner)
    return await get_partner(session, partner_id, actor=actor)
