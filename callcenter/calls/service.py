"""Calls: store what the PBX link reports (idempotently), link them to clients, query them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from callcenter.calls.models import CallEventRow, CallLegRow, CallRow
from callcenter.calls.records import Call, Direction
from callcenter.clients.models import Client, ClientPhone
from callcenter.errors import Forbidden
from callcenter.i18n import N_
from callcenter.phones import try_e164
from callcenter.users.models import User
from callcenter.users.roles import Permission

_EXTENSION = re.compile(r"^(?:[A-Za-z0-9]+/)?([^@/;-]+)")


def extension_of(agent: str) -> str:
    """``101`` from ``101``, ``PJSIP/101`` or ``Local/101@agents/n``."""
    match = _EXTENSION.match(agent or "")
    return match.group(1) if match else ""


def customer_number(call: Call) -> str:
    """The outside party: who called in, or whom we called."""
    return call.caller if call.direction == Direction.INBOUND else call.callee


async def match_client(session: AsyncSession, number: str) -> int | None:
    """The one live client holding this number; none when unknown or ambiguous."""
    if not number.startswith("+"):
        return None
    ids = list(
        await session.scalars(
            select(ClientPhone.client_id)
            .join(Client, Client.id == ClientPhone.client_id)
            .where(ClientPhone.e164 == number, Client.merged_into_id.is_(None))
            .distinct()
            .limit(2)
        )
    )
    return ids[0] if len(ids) == 1 else None


def _call_values(call: Call) -> dict[str, Any]:
    return {
        "linkedid": call.linkedid,
        "direction": call.direction.value,
        "caller": call.caller,
        "callee": call.callee,
        "queue": call.queue,
        "started_at": call.started_at,
        "queued_at": call.queued_at,
        "answered_at": call.answered_at,
        "ended_at": call.ended_at,
        "outcome": call.outcome.value if call.outcome else None,
        "hangup_cause": call.hangup_cause,
        "wait_seconds": call.wait_seconds,
        "talk_seconds": call.talk_seconds,
        "hold_seconds": call.hold_seconds,
        "recording": call.recording,
        "agents": list(call.agents),
    }


async def _users_by_extension(session: AsyncSession, call: Call) -> dict[str, int]:
    extensions = {extension_of(leg.agent) for leg in call.legs.values() if leg.agent}
    if not extensions:
        return {}
    rows = await session.execute(
        select(User.extension, User.id).where(User.extension.in_(extensions))
    )
    return {ext: uid for ext, uid in rows.all() if ext}


async def save_call(session: AsyncSession, call: Call, *, pbx: str = "default") -> int:
    """Insert or update the call, its legs and new timeline events; returns the call's id.

    Saving the same state twice changes nothing, so a replay after a reconnect is harmless.
    The client is linked once, when the call is first stored.
    """
    values = _call_values(call)
    client_id = await match_client(session, customer_number(call))
    stmt = insert(CallRow).values(pbx=pbx, client_id=client_id, **values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[CallRow.linkedid], set_={**values, "updated_at": stmt.excluded.updated_at}
    )
    call_id: int = (await session.execute(stmt.returning(CallRow.id))).scalar_one()
    users = await _users_by_extension(session, call)
    for leg in call.legs.values():
        leg_values = {
            "channel": leg.channel,
            "agent": leg.agent,
            "user_id": users.get(extension_of(leg.agent)),
            "started_at": leg.started_at,
            "answered_at": leg.answered_at,
            "ended_at": leg.ended_at,
            "hangup_cause": leg.hangup_cause,
            "talk_seconds": leg.talk_seconds,
            "hold_seconds": leg.hold_seconds,
        }
        leg_stmt = insert(CallLegRow).values(call_id=call_id, uniqueid=leg.uniqueid, **leg_values)
        await session.execute(
            leg_stmt.on_conflict_do_update(index_elements=[CallLegRow.uniqueid], set_=leg_values)
        )
    if call.timeline:
        rows = [
            {
                "call_id": call_id,
                "seq": seq,
                "at": e.at,
                "kind": e.kind,
                "uniqueid": e.uniqueid,
                "detail": dict(e.detail),
            }
            for seq, e in enumerate(call.timeline)
        ]
        await session.execute(insert(CallEventRow).values(rows).on_conflict_do_nothing())
    return call_id


@dataclass
class CallQuery:
    since: datetime | None = None
    until: datetime | None = None
    phone: str = ""
    client_id: int | None = None
    queue: str = ""
    agent: str = ""  # a login or an extension
    direction: str = ""
    outcome: str = ""
    live: bool = False
    limit: int = 100
    offset: int = 0


def _visible(actor: User) -> ColumnElement[bool] | None:
    if actor.sees_every_client:
        return None
    own = select(Client.id).where(Client.owner_id == actor.id)
    mine = select(CallLegRow.call_id).where(CallLegRow.user_id == actor.id)
    return or_(CallRow.client_id.in_(own), CallRow.id.in_(mine))


def _agent_condition(agent: str) -> ColumnElement[bool]:
    by_user = select(User.id).where(or_(User.login == agent.lower(), User.extension == agent))
    legs = select(CallLegRow.call_id).where(
        or_(
            CallLegRow.user_id.in_(by_user),
            CallLegRow.agent == agent,
            CallLegRow.agent.like(f"%/{agent}@%"),
            CallLegRow.agent.like(f"%/{agent}"),
        )
    )
    return CallRow.id.in_(legs)


def _conditions(query: CallQuery, region: str) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if query.live:
        conds.append(CallRow.ended_at.is_(None))
    if query.since:
        conds.append(CallRow.started_at >= query.since)
    if query.until:
        conds.append(CallRow.started_at < query.until)
    if query.phone.strip():
        number = try_e164(query.phone, region) or query.phone.strip()
        conds.append(or_(CallRow.caller == number, CallRow.callee == number))
    for column, value in (
        (CallRow.client_id, query.client_id),
        (CallRow.queue, query.queue),
        (CallRow.direction, query.direction),
        (CallRow.outcome, query.outcome),
    ):
        if value not in (None, ""):
            conds.append(column == value)
    if query.agent.strip():
        conds.append(_agent_condition(query.agent.strip()))
    return conds


async def list_calls(
    session: AsyncSession, query: CallQuery, *, actor: User, region: str
) -> list[CallRow]:
    """Calls newest first, with their legs (and each leg's user) loaded."""
    if not actor.can(Permission.CALLS_VIEW):
        raise Forbidden(N_("You may not see calls"))
    conds = _conditions(query, region)
    if (visible := _visible(actor)) is not None:
        conds.append(visible)
    rows = await session.scalars(
        select(CallRow)
        .where(*conds)
        .order_by(CallRow.started_at.desc(), CallRow.id.desc())
        .limit(min(max(query.limit, 1), 1000))
        .offset(max(query.offset, 0))
        .options(selectinload(CallRow.legs))
    )
    return list(rows)


async def logins_by_user_id(session: AsyncSession, calls: list[CallRow]) -> dict[int, str]:
    ids = {leg.user_id for call in calls for leg in call.legs if leg.user_id}
    if not ids:
        return {}
    return dict((await session.execute(select(User.id, User.login).where(User.id.in_(ids)))).all())
