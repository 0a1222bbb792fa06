"""What users do on the floor: log into queues, pause, log out, dial, keep numbers off-limits.

Every PBX action becomes a ``PbxCommand`` row that the leading listener sends once; the
floor's status then changes from the PBX's own events, never from the click.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.errors import Conflict, Forbidden, Invalid, NotFound
from callcenter.floor.dialplan import DialPlan
from callcenter.floor.models import (
    AgentLogin,
    AgentRow,
    DoNotCall,
    PauseReason,
    PbxCommand,
    QueueRow,
)
from callcenter.floor.placing import place_once
from callcenter.i18n import N_
from callcenter.live import LiveKind, notify
from callcenter.phones import PhoneError, parse_phone
from callcenter.users.exceptions import require_extension
from callcenter.users.models import User

C2C_PREFIX = "crm-c2c-"


def _extension(user: User) -> str:
    return require_extension(user)


async def queue_command(
    session: AsyncSession,
    *,
    kind: str,
    payload: dict[str, Any],
    user: User | None,
    pbx: str = "default",
    key: str | None = None,
    linkedid: str = "",
) -> PbxCommand:
    command = PbxCommand(
        pbx=pbx,
        kind=kind,
        payload=payload,
        key=key,
        user_id=user.id if user else None,
        linkedid=linkedid,
        state="queued",
        message="",
        progress="",
    )
    session.add(command)
    await session.flush()
    await notify(session, LiveKind.PBX_COMMAND, id=command.id, pbx=pbx)
    return command


async def queue_of(session: AsyncSession, name: str, pbx: str = "default") -> QueueRow:
    row = await session.scalar(select(QueueRow).where(QueueRow.pbx == pbx, QueueRow.name == name))
    if row is None:
        raise NotFound(N_("No such queue"))
    return row


async def log_in(
    session: AsyncSession,
    *,
    agent: User,
    queue: str,
    plan: DialPlan,
    by: User,
    paused: bool = False,
) -> PbxCommand:
    extension = _extension(agent)
    row = await queue_of(session, queue, plan.pbx)
    if row.allowed_user_ids and agent.id not in row.allowed_user_ids:
        raise Forbidden(N_("This agent may not log into this queue"))
    interface = plan.member_interface(extension)
    values = {
        "pbx": row.pbx,
        "queue": queue,
        "interface": interface,
        "member_name": agent.full_name or agent.login,
        "state_interface": plan.state_interface(extension),
        "paused": paused,
        "reason": "",
    }
    statement = insert(AgentLogin).values(values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["pbx", "queue", "interface"],
            set_={"paused": paused, "reason": "", "updated_at": datetime.now(UTC)},
        )
    )
    payload = {k: values[k] for k in ("queue", "interface", "member_name", "state_interface")}
    return await queue_command(
        session, kind="queue_add", payload={**payload, "paused": paused}, user=by, pbx=row.pbx
    )


async def log_out(
    session: AsyncSession, *, extension: str, queue: str, plan: DialPlan, by: User
) -> PbxCommand:
    interface = plan.member_interface(extension)
    await session.execute(
        delete(AgentLogin).where(
            AgentLogin.pbx == plan.pbx, AgentLogin.queue == queue, AgentLogin.interface == interface
        )
    )
    return await queue_command(
        session,
        kind="queue_remove",
        payload={"queue": queue, "interface": interface},
        user=by,
        pbx=plan.pbx,
    )


async def set_paused(
    session: AsyncSession,
    *,
    extension: str,
    paused: bool,
    reason: str,
    plan: DialPlan,
    by: User,
    queue: str = "",
) -> PbxCommand:
    """Pause (with a reason from the managed list) or unpause, in one queue or all."""
    if paused:
        known = await session.scalar(
            select(PauseReason).where(PauseReason.name == reason, PauseReason.active)
        )
        if known is None:
            raise Invalid(
                N_("Choose a pause reason"), fields={"reason": N_("Choose a pause reason")}
            )
    interface = plan.member_interface(extension)
    where = [AgentLogin.pbx == plan.pbx, AgentLogin.interface == interface]
    where += [AgentLogin.queue == queue] if queue else []
    for login in await session.scalars(select(AgentLogin).where(*where)):
        login.paused, login.reason = paused, reason if paused else ""
    payload = {"interface": interface, "paused": paused, "reason": reason if paused else ""}
    return await queue_command(
        session, kind="pause", payload={**payload, "queue": queue}, user=by, pbx=plan.pbx
    )


async def pause_reasons(session: AsyncSession, *, active_only: bool = True) -> list[PauseReason]:
    query = select(PauseReason).order_by(PauseReason.position, PauseReason.name)
    if active_only:
        query = query.where(PauseReason.active)
    return list(await session.scalars(query))


async def agent_of(session: AsyncSession, extension: str) -> AgentRow | None:
    return await session.scalar(
        select(AgentRow).where(AgentRow.extension == extension).order_by(AgentRow.since.desc())
    )


# -- do-not-call ---------------------------------------------------------------------------


async def dnc_entry(session: AsyncSession, e164: str) -> DoNotCall | None:
    return await session.scalar(select(DoNotCall).where(DoNotCall.e164 == e164))


async def add_dnc(
    session: AsyncSession, *, number: str, reason: str, by: User, region: str
) -> DoNotCall:
    try:
        e164 = parse_phone(number, region).e164
    except PhoneError as exc:
        raise Invalid(str(exc), fields={"number": str(exc)}) from None
    if await dnc_entry(session, e164) is not None:
        raise Conflict(N_("This number is already on the do-not-call list"))
    entry = DoNotCall(e164=e164, reason=reason.strip()[:200], added_by_id=by.id)
    session.add(entry)
    await session.flush()
    return entry


# -- click-to-call -------------------------------------------------------------------------


async def command_of_key(
    session: AsyncSession, key: str, *, user: User, number: str | None = None
) -> PbxCommand | None:
    """The command a request key already made, to answer a repeated request with; the key
    of someone else's request, or of a call to another number, is refused."""
    found = await session.scalar(select(PbxCommand).where(PbxCommand.key == key))
    if found is None:
        return None
    if found.user_id != user.id:
        raise Conflict(N_("This request key was used by someone else"))
    if number is not None and found.payload.get("number") != number:
        raise Conflict(N_("This request key was used to call another number"))
    return found


def _e164(number: str, region: str) -> str:
    try:
        return parse_phone(number, region).e164
    except PhoneError as exc:
        raise Invalid(str(exc), fields={"to": str(exc)}) from None


async def refuse_do_not_call(session: AsyncSession, e164: str) -> None:
    banned = await dnc_entry(session, e164)
    if banned is not None:
        reason = banned.reason or N_("no reason given")
        raise Forbidden(
            N_("The number is on the do-not-call list: %(reason)s"), params={"reason": reason}
        )


async def click_to_call(
    session: AsyncSession,
    *,
    user: User,
    number: str,
    plan: DialPlan,
    region: str,
    key: str | None = None,
) -> PbxCommand:
    """Ring the user's own phone, then the number. Idempotent by ``key``; one call at a time
    per user, however many requests race (``placing``)."""
    e164 = _e164(number, region)
    if key and (found := await command_of_key(session, key, user=user, number=e164)):
        return found
    extension = _extension(user)
    await refuse_do_not_call(session, e164)
    payload = {
        "channel": plan.agent_channel(extension),
        "context": plan.outbound_context,
        "exten": plan.dial_number(e164),
        "number": e164,
        "caller_id": plan.caller_id,
        "extension": extension,
    }

    async def place() -> PbxCommand:
        linkedid = f"{C2C_PREFIX}{uuid.uuid4().hex[:16]}"
        return await queue_command(
            session,
            kind="originate",
            payload=payload,
            user=user,
            key=key,
            linkedid=linkedid,
            pbx=plan.pbx,
        )

    async def replay() -> PbxCommand | None:
        return await command_of_key(session, key, user=user, number=e164) if key else None

    return await place_once(session, user_id=user.id, place=place, replay=replay)
