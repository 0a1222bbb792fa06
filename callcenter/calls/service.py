"""Calls: store what the PBX link reports (idempotently), link them to clients, query them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import ColumnElement, CompoundSelect, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from callcenter.calls.models import CallLegRow, CallRow
from callcenter.calls.records import Call
from callcenter.calls.store import match_clients, save_calls
from callcenter.clients.models import Client
from callcenter.errors import Forbidden, NotFound
from callcenter.i18n import N_
from callcenter.phones import try_e164
from callcenter.users.models import User
from callcenter.users.roles import Permission


async def match_client(session: AsyncSession, number: str) -> int | None:
    """The one live client holding this number; none when unknown or ambiguous."""
    return (await match_clients(session, [number])).get(number)


async def save_call(session: AsyncSession, call: Call, *, pbx: str = "default") -> int:
    """Insert or update one call, its legs and its timeline; returns the call's id."""
    return (await save_calls(session, [call], pbx=pbx))[call.linkedid]


LINKEDID_MAX = 64  # CallRow.linkedid's length


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


def _number(query: CallQuery, region: str) -> str:
    return (try_e164(query.phone, region) or query.phone.strip()) if query.phone.strip() else ""


def _either_end(number: str, conds: list[ColumnElement[bool]], window: int) -> CompoundSelect:
    """The ids of the newest ``window`` calls from ``number`` and of those to it, each read
    down its own index, (caller, started_at) or (callee, started_at). One ``caller = n OR
    callee = n`` under a LIMIT let the planner walk every call newest first instead: with a
    generic plan (a statement prepared and run a few times) a number is guessed as common as
    the DID every inbound call has as its callee, and a number with no calls read them all.
    A BETWEEN ordered by the index's whole key keeps each branch on its index (as the
    screen-pop's last calls do)."""
    return union(
        *(
            select(CallRow.id)
            .where(column.between(number, number), *conds)
            .order_by(column.desc(), CallRow.started_at.desc(), CallRow.id.desc())
            .limit(window)
            for column in (CallRow.caller, CallRow.callee)
        )
    )


def _conditions(query: CallQuery, region: str) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if query.live:
        conds.append(CallRow.ended_at.is_(None))
    if query.since:
        conds.append(CallRow.started_at >= query.since)
    if query.until:
        conds.append(CallRow.started_at < query.until)
    if number := _number(query, region):
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
    conds = _conditions(replace(query, phone=""), region)
    if (visible := _visible(actor)) is not None:
        conds.append(visible)
    limit, offset = min(max(query.limit, 1), 1000), max(query.offset, 0)
    if number := _number(query, region):
        conds.append(CallRow.id.in_(_either_end(number, conds, offset + limit)))
    rows = await session.scalars(
        select(CallRow)
        .where(*conds)
        .order_by(CallRow.started_at.desc(), CallRow.id.desc())
        .limit(limit)
        .offset(offset)
        .options(selectinload(CallRow.legs))
    )
    return list(rows)


async def logins_by_user_id(session: AsyncSession, calls: list[CallRow]) -> dict[int, str]:
    ids = {leg.user_id for call in calls for leg in call.legs if leg.user_id}
    if not ids:
        return {}
    return dict((await session.execute(select(User.id, User.login).where(User.id.in_(ids)))).all())


async def get_call(session: AsyncSession, linkedid: str, *, actor: User) -> CallRow:
    """One call, if ``actor`` may see it (the same rule as the call list)."""
    if not actor.can(Permission.CALLS_VIEW):
        raise Forbidden(N_("You may not see calls"))
    if not linkedid or len(linkedid) > LINKEDID_MAX or not linkedid.isprintable():
        raise NotFound(N_("No such call"))  # no call has such an id: no query asked
    conds = [CallRow.linkedid == linkedid]
    if (visible := _visible(actor)) is not None:
        conds.append(visible)
    call = await session.scalar(select(CallRow).where(*conds))
    if call is None:
        raise NotFound(N_("No such call"))
    return call
